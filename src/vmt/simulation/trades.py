"""The record of executed trades, kept as per-tick column arrays.

Quantities are real units moved; the price is real units of the pair's
second good per real unit of its first (B per A, M per A, M per B).
"""

from __future__ import annotations

import numpy as np
from numba import get_num_threads, njit, prange

from vmt.world.chunks import flagged
from vmt.protocols.bargaining.common import Proposals
from vmt.world.state import PAIR_NAMES, PAIRS, World

TRADE_COLUMNS = (
    "tick", "buyer_id", "seller_id", "pair_type", "quantity_A", "quantity_B", "quantity_M",
    "price", "market_id", "x", "y",
)

#: Exchange pair names by code: ``pair_type`` codes index this.
_PAIR_LABELS = np.array(PAIR_NAMES, dtype=object)
_FIRST = np.array([p[0] for p in PAIRS], dtype=np.int64)
_SECOND = np.array([p[1] for p in PAIRS], dtype=np.int64)


def trade_columns(tick: int, proposals: Proposals, world: World) -> dict[str, np.ndarray]:
    """Columns for the trades agreed this tick (buyer's cell as location);
    ``pair_type`` as codes (int8) into the pair names."""
    p, ag = proposals, world.agents
    row = _agreed_rows(p.pair_type)
    count = row.shape[0]
    if not count:  # most ticks of a small economy: no per-pair work
        return _no_trades(proposals, world)
    ticks, buyer, seller, moved = (np.empty(count, np.int64), np.empty(count, np.int64), np.empty(count, np.int64),
                                   np.empty((3, count)))
    code, price, x, y = np.empty(count, np.int8), np.empty(count), np.empty(count, np.int64), np.empty(count, np.int64)
    market = np.empty(count)
    _gather_trades(row, tick, p.pair_type, p.buyer, p.seller, p.q1, p.q2,
                   p.market_id if p.market_id is not None else _NO_MARKETS, world.units, _FIRST, _SECOND, ag.x, ag.y,
                   ticks, buyer, seller, code, moved, price, market, x, y)
    return {"tick": ticks, "buyer_id": buyer, "seller_id": seller,
            "pair_type": code, "quantity_A": moved[0], "quantity_B": moved[1], "quantity_M": moved[2],
            "price": price, "market_id": market, "x": x, "y": y}


#: From this many proposals their agreed rows are compacted in parallel
#: (:func:`vmt.world.chunks.flagged`); below it numpy's serial pass is as fast
#: and a small run loads one cached kernel fewer.
PARALLEL_ROWS_FROM = 100_000


def _agreed_rows(pair_type: np.ndarray) -> np.ndarray:
    """The agreed proposals' rows, ascending (int64)."""
    agreed = pair_type >= 0
    if agreed.shape[0] >= PARALLEL_ROWS_FROM:
        return flagged(agreed)
    return np.flatnonzero(agreed).astype(np.int64, copy=False)


#: Proposals without a market column: every trade's ``market_id`` is NaN.
_NO_MARKETS = np.empty(0)


@njit(cache=True, parallel=True)
def _gather_trades(row, tick, pair_type, prop_buyer, prop_seller, q1, q2, prop_market, units, first, second, ax, ay,
                   ticks, buyer, seller, code, moved, price, market, x, y):
    """Proposals ``row`` as trade rows: real quantities moved of each good
    (0 for the good not traded) and the price, second good per first
    (``prop_market``: the proposals' market ids, or none: NaN)."""
    for t in prange(row.shape[0]):
        p = row[t]
        k = pair_type[p]
        g1, g2 = first[k], second[k]
        real1, real2 = q1[p] * units[g1], q2[p] * units[g2]
        ticks[t], market[t] = tick, prop_market[p] if prop_market.shape[0] else np.nan
        buyer[t], seller[t], code[t] = prop_buyer[p], prop_seller[p], k
        for g in range(3):
            moved[g, t] = real1 if g == g1 else (real2 if g == g2 else 0.0)
        price[t] = real2 / real1
        x[t], y[t] = ax[prop_buyer[p]], ay[prop_buyer[p]]


def pair_codes(pair_type: np.ndarray) -> np.ndarray:
    """``pair_type`` as codes (int8) into the pair names, whether given as
    codes or as names (market components write names)."""
    values = np.asarray(pair_type)
    if values.dtype.kind in "iu":
        return values.astype(np.int8, copy=False)
    codes = np.full(values.size, -1, dtype=np.int8)
    for c, name in enumerate(PAIR_NAMES):
        codes[values == name] = c
    return codes


def pair_names(codes: np.ndarray) -> np.ndarray:
    """Codes from :func:`pair_codes` as the pair names (object array)."""
    return _PAIR_LABELS.take(np.asarray(codes, dtype=np.intp))


def _no_trades(proposals: Proposals, world: World) -> dict[str, np.ndarray]:
    """The columns of :func:`trade_columns` for a tick without trades (same dtypes)."""
    none = np.zeros(0)
    return {
        "tick": np.zeros(0, dtype=np.int64),
        "buyer_id": proposals.buyer[:0],
        "seller_id": proposals.seller[:0],
        "pair_type": np.zeros(0, dtype=np.int8),
        "quantity_A": none,
        "quantity_B": none,
        "quantity_M": none,
        "price": none,
        "market_id": proposals.market_id[:0] if proposals.market_id is not None else none,
        "x": world.agents.x[:0],
        "y": world.agents.y[:0],
    }


def with_component_trades(columns: dict[str, np.ndarray], tick: int, components) -> dict[str, np.ndarray]:
    """``columns`` plus the trades market components made this tick.

    A component that trades itself (market posts) offers ``trade_rows(tick)``:
    the same columns, with its ``market_id``; they are appended after the
    bilateral trades.
    """
    extra = [c.trade_rows(tick) for c in components]
    extra = [{**e, "pair_type": pair_codes(e["pair_type"])} for e in extra if e is not None and len(e["tick"])]
    if not extra:
        return columns
    return {c: np.concatenate([np.asarray(columns[c]), *[np.asarray(e[c]) for e in extra]]) for c in TRADE_COLUMNS}


#: How ``TradeLog`` stores whole-number columns between ticks (a
#: million-agent run trades ~400,000 times a tick, so the log is a large part
#: of its memory); ``frame`` restores int64.
_COMPACT = {"tick": np.int32, "buyer_id": np.int32, "seller_id": np.int32, "x": np.int32, "y": np.int32}


#: Trade history policies (``Simulation(trade_history=...)``).
TRADE_HISTORY = ("auto", "all", "recent")

#: ``auto`` keeps every trade in memory up to this many, then only the
#: running totals (about 60 bytes a trade: 1,000,000 trades ≈ 60 MB).
AUTO_HISTORY_TRADES = 1_000_000


class TradeHistoryError(RuntimeError):
    """The in-memory trade history was not kept (see ``TradeLog``)."""


class TradeLog:
    """Each tick's trade columns for ``trades_df``, and running totals.

    ``last_coded`` is the latest tick's columns as made, ``pair_type`` as
    codes (:func:`pair_codes`; what telemetry writes); ``last`` the same
    with the pair names (what collectors and viewers read, made only when
    asked for). ``count`` and ``net`` (real A, B, M each agent gained
    by trade, for the welfare yardstick) are kept whatever the policy. The
    whole history costs ~60 bytes a trade and grows every tick (a million
    agents trade ~400,000 times a tick), so it is bounded by ``history``:

    * ``"all"``: keep every trade (``frame`` gives them all);
    * ``"recent"``: keep none; ``frame`` raises :class:`TradeHistoryError`;
    * ``"auto"`` (default): keep every trade until more than
      :data:`AUTO_HISTORY_TRADES`, then drop them and go on as ``"recent"``.

    While the history is complete the welfare yardstick nets it
    (``vmt.simulation.welfare.net_trades`` on ``frame``); once it is dropped,
    ``net`` adds the trades up tick by tick instead. The two agree up to the
    order of floating-point additions.
    """

    history_kept = True  # class defaults: logs pickled before these existed
    history = "all"
    _net = None

    def __init__(self, history: str = "auto", n_agents: int = 0) -> None:
        if history not in TRADE_HISTORY:
            raise ValueError(f"trade_history must be one of {', '.join(TRADE_HISTORY)}, got {history!r}")
        self._chunks: list[dict[str, np.ndarray]] = []
        self.count = 0
        self.last_coded: dict[str, np.ndarray] | None = None
        self.last_tick = -1
        self.history = history
        self.n_agents = n_agents
        self.history_kept = history != "recent"
        self._net = np.zeros((n_agents, 3)) if history == "recent" else None

    @property
    def last(self) -> dict[str, np.ndarray] | None:
        if self.last_coded is None:
            return None
        return {**self.last_coded, "pair_type": pair_names(self.last_coded["pair_type"])}

    def __setstate__(self, state: dict) -> None:
        if "last" in state:  # a log pickled when it kept the pair names
            last = state.pop("last")
            state["last_coded"] = None if last is None else {**last, "pair_type": pair_codes(last["pair_type"])}
            state["_chunks"] = [{**ch, "pair_type": pair_codes(ch["pair_type"])} for ch in state["_chunks"]]
        self.__dict__.update(state)

    def add(self, columns: dict[str, np.ndarray]) -> None:
        self.last_coded = columns
        self.last_tick = int(columns["tick"][0]) if columns["tick"].size else self.last_tick
        if not columns["tick"].size:
            return
        self.count += int(columns["tick"].size)
        if self.history_kept:
            self._chunks.append(_compact(columns))
            if self.history == "auto" and self.count > AUTO_HISTORY_TRADES:
                self._drop_history()
        else:
            add_net_trades(self._net, columns)

    def _drop_history(self) -> None:
        self._net = np.zeros((self.n_agents, 3))
        while self._chunks:  # oldest first, freeing each as it is added
            add_net_trades(self._net, self._chunks.pop(0))
        self.history_kept = False

    def net(self) -> np.ndarray | None:
        """Running net trades (n, 3) once the history was dropped, else None
        (compute them from :meth:`frame`)."""
        return None if self.history_kept else self._net

    def frame(self) -> "pd.DataFrame":
        import pandas as pd

        if not self.history_kept:
            raise TradeHistoryError(
                f"this run kept no in-memory history of its {self.count} trades (trade_history={self.history!r}"
                f"{'' if self.history != 'auto' else f', more than {AUTO_HISTORY_TRADES:,} trades'}); "
                "build the Simulation with trade_history='all' to keep every trade in memory, "
                "or record telemetry and read the trades from it.")
        if not self._chunks:
            return pd.DataFrame({c: [] for c in TRADE_COLUMNS})
        columns = {c: np.concatenate([ch[c] for ch in self._chunks]) for c in TRADE_COLUMNS}
        for name in _COMPACT:
            columns[name] = columns[name].astype(np.int64)
        columns["pair_type"] = pair_names(columns["pair_type"])
        return pd.DataFrame(columns)


def add_net_trades(net: np.ndarray, columns: dict[str, np.ndarray]) -> None:
    """Add one tick's trades to the running net trades ``net`` (n, 3)."""
    kinds = pair_codes(columns["pair_type"])
    buyers, sellers = (np.asarray(columns[side], dtype=np.int64) for side in ("buyer_id", "seller_id"))
    flows = (np.asarray(columns[f"quantity_{good}"], dtype=float) for good in "ABM")
    _add_flows(net, kinds, buyers, sellers, *flows, _SECOND, get_num_threads())


@njit(cache=True, parallel=True)
def _add_flows(net, kinds, buyers, sellers, flow_a, flow_b, flow_m, second_good, parts):
    """The buyer gains the flows with the pair's second good paid (negated);
    the seller the opposite. A post's market maker (id -1) is not an agent.
    Each of ``parts`` (one per thread) owns a range of agent ids and reads
    every trade, adding only its own agents' flows: an agent's flows are
    still added in trade order, so the sums do not depend on the threads
    (an agent may trade several times a tick at market posts)."""
    for part in prange(parts):
        lo, hi = part * net.shape[0] // parts, (part + 1) * net.shape[0] // parts
        for t in range(kinds.shape[0]):
            buyer_here, seller_here = lo <= buyers[t] < hi, lo <= sellers[t] < hi
            if not (buyer_here or seller_here):
                continue
            paid = second_good[kinds[t]]
            for g in range(3):
                flow = flow_a[t] if g == 0 else (flow_b[t] if g == 1 else flow_m[t])
                flow = -flow if g == paid else flow
                if buyer_here:
                    net[buyers[t], g] += flow
                if seller_here:
                    net[sellers[t], g] -= flow


def _compact(columns: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    kept = dict(columns)
    for name, dtype in _COMPACT.items():
        values = np.asarray(columns[name])
        if values.size and max(values.max(), -values.min()) >= 2**31:  # pragma: no cover - > 2**31 agents or cells
            return dict(columns)
        kept[name] = values.astype(dtype)
    return kept
