"""Economics layer: utility families, reservation prices, demand, lambda, equilibria.

Pure functions and numba kernels; no other VMT layer is imported here.
See ``docs/economics.md``.
"""

from vmt.economics.families import (
    FAMILIES,
    FAMILY_ALIASES,
    N_UTILITY_PARAMS,
    UtilityFamily,
    UtilityParamError,
    canonical_utility_params,
    family_code,
    family_name,
    pack_utility_params,
    resolve_family,
    unpack_utility_params,
)

__all__ = [
    "FAMILIES",
    "FAMILY_ALIASES",
    "N_UTILITY_PARAMS",
    "UtilityFamily",
    "UtilityParamError",
    "canonical_utility_params",
    "family_code",
    "family_name",
    "pack_utility_params",
    "resolve_family",
    "unpack_utility_params",
]
