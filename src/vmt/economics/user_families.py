"""Utility families registered at run time, by a researcher or a plug-in.

A family is its utility function ``utility(p, a, b) -> float`` (``p`` the
packed parameter row, ``a``, ``b`` real quantities), written so that numba
can compile it, and a pydantic model of its parameters (float fields, in
the order of the packed row, with their bounds)::

    register_family("my_cobb_douglas", my_utility, MyParams)

From then on the name works wherever a family does: scenarios (parameters
validated by the model, errors naming the key), quotes, bargaining, search,
market posts, welfare and equilibrium code. Everything else is derived from
the utility by the generic routes the built-in translog family already
uses: marginal utilities by central differences, the MRS as their ratio,
barter reservation prices and demand by bisection (which assumes
quasi-concave utility, increasing in both goods), the marginal utility of
wealth from the demand. A family may give any of these in closed form
instead (``marginal_utilities=``, ``mrs=``, ``barter_reservation=``,
``demand=``, ``marginal_utility_of_wealth=``): exact values, and for a
family equal to a built-in one the built-in's trades bit for bit.

Each function is compiled into a C callable when it is registered (about a
quarter of a second each, once per process) and entered in the table the
kernels call through (:mod:`vmt.economics._hooks`); the cached kernels
themselves are not recompiled.
"""

from __future__ import annotations

import math
from typing import Callable

from numba import carray, cfunc, njit, types
from numba.core.errors import NumbaError
from numba.core.registry import CPUDispatcher
from pydantic import BaseModel, ConfigDict, ValidationError

from vmt import plugins
from vmt.economics import _hooks as H
from vmt.economics.families import (
    N_UTILITY_PARAMS,
    USER_FAMILY_BASE,
    UtilityFamily,
    UtilityParamError,
    add_family,
    family_key,
    remove_family,
    require_free_name,
)


class FamilyParams(BaseModel):
    """Base of a registered family's parameter model: float fields in packed
    order; unknown keys and non-finite numbers are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class FamilyRegistrationError(ValueError):
    """A family cannot be registered (the message says which function or field)."""


#: Relative step of the central differences that stand in for marginal utilities.
DIFFERENCE_STEP = 1e-6
#: Inputs (after ``p``) and outputs of each optional closed form, by hook.
_SHAPES = {H.UTILITY: (2, 1), H.MARGINAL_UTILITIES: (2, 2), H.MRS: (2, 1), H.BARTER_RESERVATION: (3, 2),
           H.DEMAND: (3, 2), H.MARGINAL_UTILITY_OF_WEALTH: (3, 1)}
_SIGNATURE = types.void(types.CPointer(types.float64), types.float64, types.float64, types.float64,
                        types.CPointer(types.float64))
_live: dict[int, list] = {}  # code -> its C callables (kept alive while registered)


def register_family(name: str, utility: Callable, params_model: type[FamilyParams], *,
                    summary: str | None = None, **closed_forms: Callable) -> UtilityFamily:
    """Register utility family ``name`` (see the module docstring).

    Parameters
    ----------
    name : str
        Registry name (matched like built-in names: case-insensitive, ``-`` as ``_``).
    utility : callable
        ``utility(p, a, b) -> float``, plain Python that numba compiles or
        already ``@njit``; increasing in both goods and quasi-concave.
    params_model : FamilyParams subclass
        At most ``N_UTILITY_PARAMS`` float fields, in packed order; defaults
        and bounds (``Field(gt=0)``) as for a protocol's parameters.
    summary : str, optional
        One line for ``vmt list families`` (default: the utility's docstring).
    **closed_forms
        Optional ``marginal_utilities(p, a, b) -> (mu_a, mu_b)``,
        ``mrs(p, a, b)``, ``barter_reservation(p, a, b, unit_a) -> (ask, bid)``,
        ``demand(p, pa, pb, wealth) -> (a, b)``,
        ``marginal_utility_of_wealth(p, pa, pb, wealth)``.

    Returns
    -------
    UtilityFamily
        The registry entry (``code`` is what agents of the family store).
    """
    require_free_name(name)
    unknown = set(closed_forms) - set(H.HOOK_NAMES[1:])
    if unknown:
        raise FamilyRegistrationError(f"utility family {name!r}: unknown closed form(s) {sorted(unknown)}; "
                                      f"accepted: {', '.join(H.HOOK_NAMES[1:])}")
    fields, code = _param_fields(name, params_model), _free_code(name)
    functions = {H.HOOK_NAMES.index(hook): _compiled(fn) for hook, fn in closed_forms.items() if fn is not None}
    functions[H.UTILITY] = _compiled(utility)
    functions.setdefault(H.MARGINAL_UTILITIES, _central_differences(functions[H.UTILITY]))
    callables = {hook: _c_callable(name, hook, fn) for hook, fn in functions.items()}
    fam = UtilityFamily(family_key(name), code, fields, _defaults(params_model), _validator(name, params_model),
                        summary=summary or (utility.__doc__ or "").strip().split("\n")[0],
                        source=plugins.current_source())
    add_family(fam)
    _live[code] = list(callables.values())
    H.set_hooks(code, {hook: c.address for hook, c in callables.items()})
    return fam


def unregister_family(name: str) -> None:
    """Remove a family registered at run time (e.g. to register it again,
    changed, in the same notebook session)."""
    fam = remove_family(name)
    H.set_hooks(fam.code, {})
    _live.pop(fam.code, None)


def _param_fields(name: str, model) -> tuple[str, ...]:
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        raise FamilyRegistrationError(f"utility family {name!r}: the parameter model must be a "
                                      f"FamilyParams (pydantic) class, got {model!r}")
    fields = tuple(model.model_fields)
    not_float = [f for f, info in model.model_fields.items() if info.annotation is not float]
    if not_float or len(fields) > N_UTILITY_PARAMS:
        raise FamilyRegistrationError(f"utility family {name!r}: parameters must be at most "
                                      f"{N_UTILITY_PARAMS} float fields; got {list(fields)}"
                                      + (f" (not float: {not_float})" if not_float else ""))
    return fields


def _free_code(name: str) -> int:
    taken = set(_live)
    for code in range(USER_FAMILY_BASE, USER_FAMILY_BASE + H.MAX_USER_FAMILIES):
        if code not in taken:
            return code
    raise FamilyRegistrationError(f"utility family {name!r}: {H.MAX_USER_FAMILIES} families are "
                                  "registered already (unregister_family frees a place)")


def _defaults(model) -> dict[str, float]:
    return {f: float(info.default) for f, info in model.model_fields.items() if not info.is_required()}


def _validator(name: str, model) -> Callable:
    """``validate(params)`` in the built-ins' terms: a UtilityParamError naming the key."""

    def validate(params) -> None:
        try:
            model(**params)
        except ValidationError as exc:
            err = exc.errors()[0]
            key = ".".join(str(part) for part in err["loc"])
            what = f"parameter '{key}' = {err.get('input')!r}" if key else f"parameters {dict(params)}"
            raise UtilityParamError(f"utility family '{family_key(name)}': {what} is not allowed; "
                                    f"{err['msg']}") from None

    return validate


def _compiled(fn: Callable) -> CPUDispatcher:
    """``fn`` compiled like the built-in kernels: ``x/0`` is inf or NaN, never
    an exception (a C callable cannot raise one to its caller)."""
    return fn if isinstance(fn, CPUDispatcher) else njit(error_model="numpy")(fn)


def _central_differences(utility: CPUDispatcher) -> CPUDispatcher:
    """Marginal utilities by central differences (one-sided at zero holdings)."""

    @njit
    def marginal_utilities(p, a, b):
        ha, hb = DIFFERENCE_STEP * max(a, 1.0), DIFFERENCE_STEP * max(b, 1.0)
        a_lo, b_lo = max(a - ha, 0.0), max(b - hb, 0.0)
        mu_a = (utility(p, a + ha, b) - utility(p, a_lo, b)) / (a + ha - a_lo)
        return mu_a, (utility(p, a, b + hb) - utility(p, a, b_lo)) / (b + hb - b_lo)

    return marginal_utilities


def _c_callable(name: str, hook: int, fn: CPUDispatcher):
    """``fn`` as the table's C signature, its outputs written to ``out``."""
    inputs, outputs = _SHAPES[hook]
    if inputs == 2:
        call = (lambda p, x, y, z: fn(p, x, y)) if outputs == 2 else (lambda p, x, y, z: (fn(p, x, y), math.nan))
    else:
        call = (lambda p, x, y, z: fn(p, x, y, z)) if outputs == 2 else (lambda p, x, y, z: (fn(p, x, y, z), math.nan))
    adapted = njit(call)  # every hook as (p, x, y, z) -> (out0, out1)

    def c_hook(params, x, y, z, out):
        first, second = adapted(carray(params, (N_UTILITY_PARAMS,)), x, y, z)
        out[0] = first
        out[1] = second

    try:
        return cfunc(_SIGNATURE)(c_hook)
    except NumbaError as exc:
        shape = f"(p, {'a, b' if inputs == 2 else 'x, y, z'}) -> {'float' if outputs == 1 else '(float, float)'}"
        first_line = str(exc).strip().splitlines()[0]
        raise FamilyRegistrationError(f"utility family {name!r}: its {H.HOOK_NAMES[hook]} function does not "
                                      f"compile as {shape} with p a float64 array: {first_line}") from None
