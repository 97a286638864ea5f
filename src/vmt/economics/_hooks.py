"""The table through which the compiled kernels call researchers' utility families.

The family kernels switch on a family code; the built-in families are
branches of that switch. A family registered at run time
(:mod:`vmt.economics.user_families`) gets a code from ``USER_FAMILY_BASE``
on and a row of this table: the addresses of its compiled functions
(utility, marginal utilities, ...), each a C callable
``void f(double *params, double x, double y, double z, double *out)``.
The kernels reach a row through :func:`family_hook`, which loads the
address from the table and calls it.

Why a C table and not a Python registry: a kernel is compiled once and
cached on disk, so it cannot close over Python objects that change after it
was compiled. The table is one C array per process whose address numba's
linker resolves by name (``vmt_family_hooks``) every time a kernel is
loaded, from the cache or freshly compiled; filling a row afterwards is
seen by every kernel at once. Built-in families never read the table, so
their results and speed are those of the switch alone.
"""

from __future__ import annotations

import ctypes
import math

import llvmlite.binding as llvm_binding
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

from vmt.economics.families import N_UTILITY_PARAMS, USER_FAMILY_BASE
#: How many families may be registered at run time in one process.
MAX_USER_FAMILIES = 64

# Hooks of one family, in table order; ``(x, y, z)`` are what each receives.
UTILITY = 0  # (a, b, -) -> u
MARGINAL_UTILITIES = 1  # (a, b, -) -> (du/da, du/db)
MRS = 2  # (a, b, -) -> MU_A/MU_B
BARTER_RESERVATION = 3  # (a, b, unit_a) -> (ask, bid) before securing
DEMAND = 4  # (pa, pb, wealth) -> (a, b)
MARGINAL_UTILITY_OF_WEALTH = 5  # (pa, pb, wealth) -> lambda
N_HOOKS = 8  # room for two more without changing the row width
HOOK_NAMES = ("utility", "marginal_utilities", "mrs", "barter_reservation", "demand",
              "marginal_utility_of_wealth")

_SYMBOL = "vmt_family_hooks"
_N_SLOTS = MAX_USER_FAMILIES * N_HOOKS
_TABLE = (ctypes.c_void_p * _N_SLOTS)()
llvm_binding.add_symbol(_SYMBOL, ctypes.addressof(_TABLE))


def set_hooks(code: int, addresses: dict[int, int]) -> None:
    """Fill the table row of family ``code``: hook index -> C function address
    (hooks left out are empty: the kernels use their generic routes)."""
    row = (code - USER_FAMILY_BASE) * N_HOOKS
    for hook in range(N_HOOKS):
        _TABLE[row + hook] = addresses.get(hook)


def _table_slot(builder, slot):
    """Pointer to slot ``slot`` of the (externally linked) table."""
    module = builder.module
    table_type = ir.ArrayType(ir.IntType(8).as_pointer(), _N_SLOTS)
    table = module.globals.get(_SYMBOL)
    if table is None:
        table = ir.GlobalVariable(module, table_type, _SYMBOL)
        table.linkage = "external"
    return builder.gep(table, [ir.Constant(ir.IntType(32), 0), slot])


@intrinsic
def _slot_filled(typingctx, slot):
    """True if table slot ``slot`` holds a function."""

    def codegen(context, builder, signature, args):
        address = builder.load(_table_slot(builder, args[0]))
        return cgutils.is_not_null(builder, address)

    return types.boolean(types.int64), codegen


def _row_values(context, builder, row_type, row):
    """The ``N_UTILITY_PARAMS`` doubles of a parameter row, an array (the
    agent's packed row) or a tuple (the row read once, :func:`parameter_row`)."""
    if isinstance(row_type, types.BaseTuple):
        return [builder.extract_value(row, k) for k in range(N_UTILITY_PARAMS)]
    row_array = context.make_array(row_type)(context, builder, row)
    return [builder.load(cgutils.get_item_pointer(context, builder, row_type, row_array,
                                                  [context.get_constant(types.intp, k)]))
            for k in range(N_UTILITY_PARAMS)]


@intrinsic
def _call_slot(typingctx, slot, params, x, y, z):
    """Call the function in table slot ``slot`` with the parameter row (an
    array or a tuple) copied to the stack; returns its two outputs (NaN if it
    wrote none)."""
    signature = types.UniTuple(types.float64, 2)(types.int64, params, types.float64, types.float64,
                                                 types.float64)

    def codegen(context, builder, sig, args):
        slot, row, x, y, z = args
        double = ir.DoubleType()
        packed = cgutils.alloca_once(builder, double, size=N_UTILITY_PARAMS)
        for k, value in enumerate(_row_values(context, builder, sig.args[1], row)):
            builder.store(value, builder.gep(packed, [ir.Constant(ir.IntType(32), k)]))
        out = cgutils.alloca_once(builder, double, size=2)
        second = builder.gep(out, [ir.Constant(ir.IntType(32), 1)])
        builder.store(ir.Constant(double, math.nan), out)
        builder.store(ir.Constant(double, math.nan), second)
        function_type = ir.FunctionType(ir.VoidType(), [double.as_pointer(), double, double, double,
                                                        double.as_pointer()])
        address = builder.load(_table_slot(builder, slot))
        with builder.if_then(cgutils.is_not_null(builder, address), likely=True):
            builder.call(builder.bitcast(address, function_type.as_pointer()), [packed, x, y, z, out])
        return context.make_tuple(builder, sig.return_type, [builder.load(out), builder.load(second)])

    return signature, codegen


@njit(cache=True)
def _slot(code, hook):
    row = code - USER_FAMILY_BASE
    if row < 0 or row >= MAX_USER_FAMILIES:
        return -1
    return row * N_HOOKS + hook


@njit(cache=True)
def has_family_hook(code, hook):
    """True if family ``code`` was registered at run time with hook ``hook``."""
    slot = _slot(code, hook)
    return slot >= 0 and _slot_filled(slot)


@njit(cache=True)
def family_hook(code, hook, params, x, y, z):
    """Call hook ``hook`` of the run-time family ``code``: ``(out0, out1)``,
    NaN for a code or hook nobody registered."""
    slot = _slot(code, hook)
    if slot < 0:
        return math.nan, math.nan
    return _call_slot(slot, params, x, y, z)
