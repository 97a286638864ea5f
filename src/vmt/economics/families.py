"""Registry of utility families: names, stable integer codes, parameters.

Every agent stores its preferences as one integer family code and one
fixed-width row of ``N_UTILITY_PARAMS`` float64 parameters (canonical order,
zero-padded). This module is the only place that knows the names; the numba
kernels in :mod:`vmt.economics.kernels` switch on the integer codes defined
here. Formulas and conventions are documented in ``docs/economics.md``.

Families (``a`` = real quantity of good A, ``b`` = real quantity of good B):

=============  ==============================================================
cobb_douglas   ``u = a**alpha * b**beta``
ces            ``u = (alpha a**rho + beta b**rho)**(1/rho)``, rho < 1, != 0
linear         ``u = alpha a + beta b`` (perfect substitutes)
leontief       ``u = min(a/alpha, b/beta)`` (perfect complements)
quadratic      ``u = -sigma_a (a-bliss_a)**2 - sigma_b (b-bliss_b)**2``
stone_geary    ``u = alpha ln(a-gamma_a) + beta ln(b-gamma_b)``
translog       ``ln u = alpha_0 + alpha_a la + alpha_b lb + beta_aa la**2/2
               + beta_bb lb**2/2 + beta_ab la lb`` with ``la = ln a``
=============  ==============================================================

A researcher adds a family at run time with
:func:`vmt.economics.user_families.register_family`; it is then one more
entry here (code ``USER_FAMILY_BASE`` and up, ``source`` naming the plug-in
that registered it) and works wherever a family name is accepted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from numbers import Real
from types import MappingProxyType
from typing import Callable, Mapping

import numpy as np

from vmt import plugins

N_UTILITY_PARAMS = 8

COBB_DOUGLAS = 0
CES = 1
LINEAR = 2
LEONTIEF = 3
QUADRATIC = 4
STONE_GEARY = 5
TRANSLOG = 6
#: Codes from here on belong to families registered at run time.
USER_FAMILY_BASE = 100


class UtilityParamError(ValueError):
    """A utility family name or parameter is unknown, missing or out of range."""


@dataclass(frozen=True)
class UtilityFamily:
    """One utility family: its name, stable code, parameters and rule.

    Attributes
    ----------
    name : str
        Canonical registry name.
    code : int
        Stable small integer stored per agent and switched on by the kernels.
    param_names : tuple of str
        Canonical parameter order (the order of the packed row).
    defaults : Mapping[str, float]
        Values used for parameters left out (a partial mapping: parameters
        without a default are required).
    validate : callable
        ``validate(params)`` raises :class:`UtilityParamError` when a complete
        canonical parameter dict is outside the family's admissible region.
    aliases : Mapping[str, str]
        Accepted spellings of single parameters (e.g. ``alpha_A``).
    vector_aliases : Mapping[str, tuple of str]
        Accepted list-valued spellings (e.g. ``exponents: [a, b]``).
    summary : str
        One line for ``vmt list families``.
    source : str
        ``"vmt"``, or the distribution of the plug-in that registered it.
    """

    name: str
    code: int
    param_names: tuple[str, ...]
    defaults: Mapping[str, float]
    validate: Callable[[Mapping[str, float]], None]
    aliases: Mapping[str, str] = field(default_factory=dict)
    vector_aliases: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    summary: str = ""
    source: str = plugins.BUILT_IN

    def __post_init__(self) -> None:
        # Read-only views, so the registry cannot be changed by accident.
        for name in ("defaults", "aliases", "vector_aliases"):
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name))))


# ---------------------------------------------------------------- rules
def _reject(family: str, name: str, value: float, allowed: str) -> None:
    raise UtilityParamError(
        f"utility family '{family}': parameter '{name}' = {value!r} is not "
        f"allowed; {allowed}"
    )


def _require_positive(family: str, params: Mapping[str, float], *names: str) -> None:
    for name in names:
        if not params[name] > 0.0:
            _reject(family, name, params[name], f"'{name}' must be > 0")


def _require_nonnegative(family: str, params: Mapping[str, float], *names: str) -> None:
    for name in names:
        if not params[name] >= 0.0:
            _reject(family, name, params[name], f"'{name}' must be >= 0")


def _positive_rule(family: str, *names: str) -> Callable[[Mapping[str, float]], None]:
    def rule(params: Mapping[str, float]) -> None:
        _require_positive(family, params, *names)

    return rule


def _validate_ces(params: Mapping[str, float]) -> None:
    _require_positive("ces", params, "alpha", "beta")
    rho = params["rho"]
    if not (rho < 1.0 and rho != 0.0):
        _reject("ces", "rho", rho, "'rho' must be < 1 and != 0 (rho -> 0 is "
                "Cobb-Douglas: use family 'cobb_douglas'; rho = 1 is 'linear')")


def _validate_stone_geary(params: Mapping[str, float]) -> None:
    _require_positive("stone_geary", params, "alpha", "beta")
    _require_nonnegative("stone_geary", params, "gamma_a", "gamma_b")


def _validate_translog(params: Mapping[str, float]) -> None:
    """Concave in logs (beta matrix negative semidefinite) and monotone on the box.

    The output elasticities ``e_a = alpha_a + beta_aa ln a + beta_ab ln b``
    and ``e_b`` are affine in ``(ln a, ln b)``, so they are positive on the
    whole box ``[domain_min, domain_max]**2`` iff they are positive at its four
    corners.
    """
    _require_positive("translog", params, "domain_min")
    lo, hi = params["domain_min"], params["domain_max"]
    if not hi > lo:
        _reject("translog", "domain_max", hi, f"'domain_max' must be > domain_min = {lo}")
    for name in ("beta_aa", "beta_bb"):
        if params[name] > 0.0:
            _reject("translog", name, params[name], f"'{name}' must be <= 0 "
                    "(ln u concave in logs, so that demand is unique)")
    det = params["beta_aa"] * params["beta_bb"] - params["beta_ab"] ** 2
    # On the boundary (beta_ab² = beta_aa·beta_bb) rounding can leave a
    # determinant of -1e-20: accept what is semidefinite up to float error.
    if det < -1e-12 * (params["beta_aa"] * params["beta_bb"] + params["beta_ab"] ** 2):
        _reject("translog", "beta_ab", params["beta_ab"], "need beta_aa*beta_bb >= "
                f"beta_ab**2 (negative semidefinite), got determinant {det:.6g}")
    _require_translog_monotone(params, math.log(lo), math.log(hi))


def _require_translog_monotone(params: Mapping[str, float], llo: float, lhi: float) -> None:
    for la in (llo, lhi):
        for lb in (llo, lhi):
            e_a = params["alpha_a"] + params["beta_aa"] * la + params["beta_ab"] * lb
            e_b = params["alpha_b"] + params["beta_bb"] * lb + params["beta_ab"] * la
            for name, e in (("alpha_a", e_a), ("alpha_b", e_b)):
                if not e > 0.0:
                    _reject("translog", name, params[name], "the output elasticity "
                            f"is {e:.6g} <= 0 at (a, b) = ({math.exp(la):.6g}, "
                            f"{math.exp(lb):.6g}); raise '{name}', shrink the beta "
                            "terms or narrow [domain_min, domain_max]")


# ------------------------------------------------------------- registry
_AB_ALIASES = {"alpha_A": "alpha", "alpha_B": "beta"}

_SUMMARIES = {
    "cobb_douglas": "u = a**alpha b**beta", "ces": "u = (alpha a**rho + beta b**rho)**(1/rho)",
    "linear": "u = alpha a + beta b (perfect substitutes)",
    "leontief": "u = min(a/alpha, b/beta) (perfect complements)",
    "quadratic": "u = -sigma_a (a-bliss_a)**2 - sigma_b (b-bliss_b)**2 (bliss point)",
    "stone_geary": "u = alpha ln(a-gamma_a) + beta ln(b-gamma_b)",
    "translog": "ln u quadratic in (ln a, ln b) on [domain_min, domain_max]",
}
FAMILIES: dict[str, UtilityFamily] = {
    fam.name: replace(fam, summary=_SUMMARIES[fam.name])
    for fam in (
        UtilityFamily("cobb_douglas", COBB_DOUGLAS, ("alpha", "beta"), {},
                      _positive_rule("cobb_douglas", "alpha", "beta"),
                      _AB_ALIASES, {"exponents": ("alpha", "beta")}),
        UtilityFamily("ces", CES, ("alpha", "beta", "rho"), {}, _validate_ces,
                      _AB_ALIASES, {"weights": ("alpha", "beta")}),
        UtilityFamily("linear", LINEAR, ("alpha", "beta"), {},
                      _positive_rule("linear", "alpha", "beta"),
                      _AB_ALIASES, {"weights": ("alpha", "beta")}),
        UtilityFamily("leontief", LEONTIEF, ("alpha", "beta"), {},
                      _positive_rule("leontief", "alpha", "beta"),
                      _AB_ALIASES, {"weights": ("alpha", "beta")}),
        UtilityFamily("quadratic", QUADRATIC, ("bliss_a", "bliss_b", "sigma_a", "sigma_b"),
                      {"sigma_a": 1.0, "sigma_b": 1.0},
                      _positive_rule("quadratic", "bliss_a", "bliss_b", "sigma_a", "sigma_b"),
                      {"bliss_A": "bliss_a", "bliss_B": "bliss_b",
                       "sigma_A": "sigma_a", "sigma_B": "sigma_b"},
                      {"bliss": ("bliss_a", "bliss_b")}),
        UtilityFamily("stone_geary", STONE_GEARY, ("alpha", "beta", "gamma_a", "gamma_b"),
                      {"gamma_a": 0.0, "gamma_b": 0.0}, _validate_stone_geary,
                      {**_AB_ALIASES, "gamma_A": "gamma_a", "gamma_B": "gamma_b"},
                      {"exponents": ("alpha", "beta"), "subsistence": ("gamma_a", "gamma_b")}),
        UtilityFamily("translog", TRANSLOG,
                      ("alpha_0", "alpha_a", "alpha_b", "beta_aa", "beta_bb", "beta_ab",
                       "domain_min", "domain_max"),
                      {"alpha_0": 0.0, "beta_aa": 0.0, "beta_bb": 0.0, "beta_ab": 0.0,
                       "domain_min": 1e-2, "domain_max": 1e4},
                      _validate_translog,
                      {"alpha_A": "alpha_a", "alpha_B": "alpha_b", "beta_AA": "beta_aa",
                       "beta_BB": "beta_bb", "beta_AB": "beta_ab"}),
    )
}
# Other names for families. Besides these, names are matched case-insensitively
# with "-" and " " read as "_" (so "Cobb-Douglas" and "stone-geary" work).
FAMILY_ALIASES: dict[str, str] = {
    "perfect_substitutes": "linear",
    "perfect_complements": "leontief",
    "bliss": "quadratic",
    "bliss_point": "quadratic",
}
_BY_CODE = {fam.code: fam for fam in FAMILIES.values()}
assert len(_BY_CODE) == len(FAMILIES)
assert all(len(f.param_names) <= N_UTILITY_PARAMS for f in FAMILIES.values())


def require_free_name(name: str) -> None:
    """Raise if ``name`` (as the registry spells it) is a family or an alias already."""
    key = family_key(name)
    if key in FAMILIES or key in FAMILY_ALIASES:
        owner = FAMILIES[key].source if key in FAMILIES else f"an alias of {FAMILY_ALIASES[key]}"
        raise UtilityParamError(f"utility family {key!r} is already registered ({owner})")


def add_family(fam: UtilityFamily) -> None:
    """Enter a family registered at run time (see :mod:`.user_families`)."""
    require_free_name(fam.name)
    FAMILIES[fam.name] = fam
    _BY_CODE[fam.code] = fam


def remove_family(name: str) -> UtilityFamily:
    """Take a family registered at run time out of the registry."""
    fam = resolve_family(name)
    if fam.code < USER_FAMILY_BASE:
        raise UtilityParamError(f"utility family {fam.name!r} is built in and cannot be removed")
    del FAMILIES[fam.name], _BY_CODE[fam.code]
    return fam


# ------------------------------------------------------------ public API
def family_key(name: str) -> str:
    """``name`` as the registry spells it: lower case, ``-`` and spaces as ``_``."""
    return name.strip().lower().replace(" ", "_").replace("-", "_")


def family_entries() -> list[UtilityFamily]:
    """Every registered family, plug-ins included."""
    plugins.load_plugins()
    return list(FAMILIES.values())


def resolve_family(name: str) -> UtilityFamily:
    """Return the registered family for ``name`` (canonical name or alias).

    Names are matched case-insensitively with ``-`` and spaces read as ``_``;
    the aliases in ``FAMILY_ALIASES`` are accepted. A name not registered
    yet loads the ``vmt.plugins`` entry points first.
    """
    if not isinstance(name, str):
        raise UtilityParamError(f"utility family must be a string, got {repr(name)[:80]}")
    key = FAMILY_ALIASES.get(family_key(name), family_key(name))
    if key not in FAMILIES:
        plugins.load_plugins()
    if key not in FAMILIES:
        valid = ", ".join(f.name if f.source == plugins.BUILT_IN else f"{f.name} (plug-in from {f.source})"
                          for f in FAMILIES.values())
        raise UtilityParamError(
            f"unknown utility family {repr(name)[:80]}; valid families: {valid} "
            f"(aliases: {', '.join(FAMILY_ALIASES)}; '-' reads as '_'){plugins.failures_note()}"
        )
    return FAMILIES[key]


def family_code(name: str) -> int:
    """Stable integer code of the family ``name`` (aliases accepted)."""
    return resolve_family(name).code


def family_name(code: int) -> str:
    """Canonical name of the family with integer ``code``."""
    try:
        return _BY_CODE[int(code)].name
    except (KeyError, TypeError, ValueError):
        valid = ", ".join(f"{c}={f.name}" for c, f in sorted(_BY_CODE.items()))
        raise UtilityParamError(f"unknown utility family code {code!r}; valid: {valid}") from None


def family_names_of(codes: np.ndarray) -> dict[int, str]:
    """``{code: name}`` of the families in ``codes`` (what a checkpoint keeps)."""
    return {int(c): family_name(c) for c in np.unique(codes)}


def recode_families(codes: np.ndarray, names: Mapping[int, str]) -> None:
    """Renumber ``codes`` in place from another process's numbering to this one's.

    Families registered at run time get their codes in registration order,
    so a checkpoint names them; each name is looked up here (loading
    plug-ins if needed) and its rows get the code it has in this process.
    """
    new = {old: resolve_family(name).code for old, name in names.items()}
    original = codes.copy()
    for old, code in new.items():
        codes[original == old] = code


def _as_real(family: str, name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (Real, np.floating, np.integer)):
        raise UtilityParamError(f"utility family '{family}': parameter '{name}' = "
                                f"{value!r} is not allowed; it must be a real number")
    value = float(value)
    if not math.isfinite(value):
        _reject(family, name, value, f"'{name}' must be finite")
    return value


def _expand_aliases(fam: UtilityFamily, raw: Mapping[str, object]) -> dict[str, object]:
    """Map every key of ``raw`` to canonical names; duplicates are an error."""
    out: dict[str, object] = {}
    source: dict[str, str] = {}
    for key, value in raw.items():
        if key in fam.vector_aliases:
            targets = fam.vector_aliases[key]
            if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") \
                    or len(value) != len(targets):
                raise UtilityParamError(
                    f"utility family '{fam.name}': parameter '{key}' = {value!r} is not "
                    f"allowed; it must be a list of {len(targets)} numbers "
                    f"[{', '.join(targets)}]")
            pairs = list(zip(targets, value))
        elif key in fam.aliases or key in fam.param_names:
            pairs = [(fam.aliases.get(key, key), value)]
        else:
            known = list(fam.param_names) + list(fam.aliases) + list(fam.vector_aliases)
            raise UtilityParamError(f"utility family '{fam.name}': unknown parameter "
                                    f"'{key}'; accepted: {', '.join(known)}")
        for canonical, item in pairs:
            if canonical in out:
                raise UtilityParamError(f"utility family '{fam.name}': parameter "
                                        f"'{canonical}' given twice (as '{source[canonical]}' "
                                        f"and '{key}')")
            out[canonical], source[canonical] = item, key
    return out


def canonical_utility_params(family: str, raw: Mapping[str, object] | None) -> dict[str, float]:
    """Validate ``raw`` and return canonical parameter names with defaults filled in.

    Parameters
    ----------
    family : str
        Family name or alias (see ``FAMILY_ALIASES``).
    raw : mapping or None
        Parameters as written in a scenario; the seeds' spellings
        (``alpha_A``/``alpha_B``, ``exponents: [alpha, beta]``,
        ``weights: [alpha, beta]``) are accepted as aliases.

    Returns
    -------
    dict of str to float
        Keys in the family's canonical order.

    Raises
    ------
    UtilityParamError
        Unknown family (the message lists the valid ones), unknown, duplicated
        or missing parameter, non-numeric value, or a value outside the
        family's admissible region (the message names parameter, value and
        what is allowed).
    """
    fam = resolve_family(family)
    given = _expand_aliases(fam, raw or {})
    params: dict[str, float] = {}
    for name in fam.param_names:
        if name in given:
            params[name] = _as_real(fam.name, name, given[name])
        elif name in fam.defaults:
            params[name] = float(fam.defaults[name])
        else:
            raise UtilityParamError(f"utility family '{fam.name}': missing required "
                                    f"parameter '{name}' (parameters: "
                                    f"{', '.join(fam.param_names)})")
    fam.validate(params)
    return params


def pack_utility_params(family: str, params: Mapping[str, object]) -> np.ndarray:
    """Validated parameters as the fixed-width float64 row stored per agent.

    Returns an array of length ``N_UTILITY_PARAMS`` holding the canonical
    parameters in ``param_names`` order, zero-padded.
    """
    fam = resolve_family(family)
    canonical = canonical_utility_params(fam.name, params)
    row = np.zeros(N_UTILITY_PARAMS, dtype=np.float64)
    row[: len(fam.param_names)] = [canonical[name] for name in fam.param_names]
    return row


def unpack_utility_params(code: int, row: np.ndarray) -> dict[str, float]:
    """Inverse of :func:`pack_utility_params`: a packed row as a canonical dict."""
    fam = FAMILIES[family_name(code)]
    row = np.asarray(row, dtype=np.float64)
    if row.shape != (N_UTILITY_PARAMS,):
        raise UtilityParamError(f"packed utility parameters must have shape "
                                f"({N_UTILITY_PARAMS},), got {row.shape}")
    return {name: float(row[i]) for i, name in enumerate(fam.param_names)}
