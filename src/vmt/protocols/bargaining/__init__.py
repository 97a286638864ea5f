"""Bargaining protocols: what a pair in interaction range agrees to trade."""

from vmt.protocols.bargaining import (  # noqa: F401
    compensating_block,
    nash,
    pairwise_walrasian,
    split_difference,
    take_it_or_leave_it,
)
