"""Bargaining protocols: what a pair in interaction range agrees to trade."""

from vmt.protocols.bargaining import compensating_block, split_difference, take_it_or_leave_it, nash  # noqa: F401
