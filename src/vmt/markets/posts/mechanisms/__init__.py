"""Market-post mechanisms, one module each, registered by name.

``walrasian``, ``posted_price``, ``cda``, ``call``, ``dealer``, ``lmsr``;
see :mod:`.base` for the interface and ``docs/market_posts.md``.
"""

from vmt.markets.posts.mechanisms.base import (
    ClearRecord,
    Mechanism,
    MechanismError,
    MechanismParams,
    PostSetup,
    create_mechanism,
    mechanism_entries,
    mechanism_entry,
    mechanism_names,
    register_mechanism,
    unregister_mechanism,
    validate_params,
)
from vmt.markets.posts.mechanisms import call, cda, dealer, lmsr, posted_price, walrasian  # noqa: F401  (registration)

__all__ = [
    "ClearRecord", "Mechanism", "MechanismError", "MechanismParams", "PostSetup", "create_mechanism",
    "mechanism_entries", "mechanism_entry", "mechanism_names", "register_mechanism", "unregister_mechanism", "validate_params",
]
