"""Market posts: centralized exchange institutions placed on the grid.

Importing this package registers the ``centralized`` and
``mixed_bilateral_centralized`` institutions and the post mechanisms
(``walrasian``, ``posted_price``, ``cda``, ``call``, ``dealer``, ``lmsr``).
See ``docs/market_posts.md``.
"""

from vmt.markets.posts.component import PostsComponent, build_centralized, build_mixed
from vmt.markets.posts.mechanisms import (
    ClearRecord,
    Mechanism,
    MechanismError,
    create_mechanism,
    mechanism_names,
    register_mechanism,
)
from vmt.markets.posts.strategies import strategy_names

__all__ = [
    "ClearRecord", "Mechanism", "MechanismError", "PostsComponent", "build_centralized", "build_mixed",
    "create_mechanism", "mechanism_names", "register_mechanism", "strategy_names",
]
