"""The contract between the tick and a market institution.

An institution (market areas for ``price_signals``, market posts for
``centralized`` and ``mixed_bilateral_centralized``) is a list of
:class:`MarketComponent` objects. The standard tick calls each component's
method for a phase right after the phase's own work, in the order the
components were listed; every method is optional (the defaults do nothing).
Components read and write the world's struct-of-arrays state and the tick's
hand-over state (``tick_state``: a ``BilateralTick``), and return telemetry
rows through :meth:`telemetry_rows`.
"""

from __future__ import annotations

import numpy as np


class MarketComponent:
    #: False for institutions that replace bilateral trade (``centralized``).
    allows_bilateral_trade: bool = True

    def after_perception(self, tick: int, tick_state) -> None:
        """E.g. hear price broadcasts formed last tick."""

    def after_decision(self, tick: int, tick_state) -> None:
        """E.g. send agents toward market posts."""

    def after_trade(self, tick: int, tick_state) -> None:
        """E.g. collect and clear orders at posts."""

    def after_markets(self, tick: int, tick_state) -> None:
        """The markets phase: detect areas, aggregate prices."""

    def after_housekeeping(self, tick: int, tick_state) -> None:
        """E.g. learning from observed prices (before quotes are refreshed)."""

    def trade_rows(self, tick: int) -> dict | None:
        """Trades the component executed itself this tick, as ``trades``
        columns (see ``vmt.simulation.trades``), or None."""
        return None

    def held_outside_agents(self) -> np.ndarray:
        """Minor units of A, B, M the component holds itself (a market
        maker's inventory), so conservation can count them."""
        return np.zeros(3, dtype=np.int64)

    def telemetry_static(self) -> dict[str, dict]:
        """Rows written once at the start of a run: {table: columns}."""
        return {}

    def telemetry_rows(self, tick: int) -> dict[str, dict]:
        """This tick's rows: {table: columns}."""
        return {}
