"""One frame format for live runs and replays: what the page draws at a tick.

A frame is a JSON object::

    {"type": "frame", "tick": t, "n_agents": n, "stride": k,
     "agents": {"id": [...], "x": [...], "y": [...], "g": [...], "u": [...]},
     "trades": [[x_buyer, y_buyer, x_seller, y_seller, pair_index, buyer_id, seller_id], ...],
     "areas": [[market_id, centre_x, centre_y, radius, price or null], ...],
     "post_prices": {market_id: price, ...},
     "resources": [[x, y, good_index, fill], ...],
     "stats": {"tick": t, "price": {pair: vwap}, "volume": v, "dispersion": d, "welfare": w}}

``g`` is the agent's group index, ``u`` its utility and ``fill`` a resource
cell's amount as a share of the largest amount on the grid. Above
:data:`DRAW_LIMIT` agents only every ``stride``-th agent is sent (the same
agents every tick), so the page stays responsive and says so.
"""

from __future__ import annotations

import math

import numpy as np

PAIR_NAMES = ("A<->B", "A<->M", "B<->M")
#: Largest number of agents drawn; above it the frame carries every ``stride``-th agent.
DRAW_LIMIT = 10_000
#: Largest number of trade lines drawn per frame (the first ones of the tick).
MAX_TRADE_LINES = 2_000


def stride_for(n_agents: int, limit: int = DRAW_LIMIT) -> int:
    """Decimation step: 1 up to ``limit`` agents, else the smallest k with n/k <= limit."""
    return max(1, math.ceil(n_agents / limit))


def _rounded(values, digits: int = 6) -> list:
    """Floats for JSON: rounded, NaN and infinities as None."""
    values = np.round(np.asarray(values, dtype=float), digits)
    finite = np.isfinite(values)
    if finite.all():
        return values.tolist()
    return [v if ok else None for v, ok in zip(values.tolist(), finite.tolist())]


def agent_columns(ids, x, y, group, utility, stride: int) -> dict:
    """The drawn agents' columns (every ``stride``-th agent)."""
    pick = slice(None, None, stride)
    return {"id": np.asarray(ids)[pick].tolist(), "x": np.asarray(x)[pick].tolist(),
            "y": np.asarray(y)[pick].tolist(), "g": np.asarray(group)[pick].tolist(),
            "u": _rounded(np.asarray(utility)[pick], 4)}


def trade_lines(trades: dict, x: np.ndarray, y: np.ndarray) -> list[list[int]]:
    """One segment per trade, from the buyer's cell to the seller's.

    ``trades`` holds ``trades``-table columns (``buyer_id``, ``seller_id``,
    ``pair_type``, ``x``, ``y``); ``x``/``y`` are every agent's position
    indexed by agent id. A counterparty that is not an agent (a post's
    market maker) is drawn at the trade's own cell.
    """
    buyers = np.asarray(trades["buyer_id"], dtype=np.int64)[:MAX_TRADE_LINES]
    sellers = np.asarray(trades["seller_id"], dtype=np.int64)[:MAX_TRADE_LINES]
    tx = np.asarray(trades["x"], dtype=np.int64)[:MAX_TRADE_LINES]
    ty = np.asarray(trades["y"], dtype=np.int64)[:MAX_TRADE_LINES]
    pairs = [PAIR_NAMES.index(p) for p in list(trades["pair_type"])[:MAX_TRADE_LINES]]
    is_agent = (sellers >= 0) & (sellers < len(x))
    sx = np.where(is_agent, np.asarray(x)[np.clip(sellers, 0, len(x) - 1)], tx)
    sy = np.where(is_agent, np.asarray(y)[np.clip(sellers, 0, len(y) - 1)], ty)
    return np.column_stack([tx, ty, sx, sy, np.asarray(pairs, dtype=np.int64).reshape(-1), buyers,
                            sellers]).tolist() if len(buyers) else []


def area_outlines(areas: dict, prices: dict, signal_pair: str) -> list[list]:
    """Live market areas (not dissolved) with the VWAP of their trades in ``signal_pair``."""
    price_of = {int(m): float(p) for m, pair, p in zip(prices.get("market_id", []), prices.get("pair", []),
                                                        prices.get("price", [])) if pair == signal_pair}
    out = []
    for mid, cx, cy, r, event in zip(areas.get("market_id", []), areas.get("center_x", []),
                                     areas.get("center_y", []), areas.get("radius", []), areas.get("event", [])):
        if event != "dissolved":
            price = price_of.get(int(mid))
            out.append([int(mid), float(cx), float(cy), float(r), _rounded([price])[0] if price else None])
    return out


def post_prices(prices: dict, post_ids: set[int]) -> dict[str, float]:
    """Each post's price this tick, keyed ``"<market_id> <pair>"``."""
    return {f"{int(m)} {pair}": _rounded([p])[0] for m, pair, p in
            zip(prices.get("market_id", []), prices.get("pair", []), prices.get("price", [])) if int(m) in post_ids}


def resource_cells(x, y, good, amount) -> list[list]:
    """Resource cells as ``[x, y, good, fill]``; fill is amount over the grid's largest amount."""
    amount = np.asarray(amount, dtype=float)
    top = float(amount.max()) if amount.size and amount.max() > 0 else 1.0
    fill = np.round(amount / top, 3)
    return np.column_stack([np.asarray(x, float), np.asarray(y, float), np.asarray(good, float), fill]).tolist() \
        if amount.size else []


def posts_static(posts: dict) -> list[dict]:
    """Market posts (``market_posts`` columns) as markers for the page."""
    return [{"id": int(m), "x": int(x), "y": int(y), "radius": int(r), "mechanism": str(mech)}
            for m, x, y, r, mech in zip(posts.get("market_id", []), posts.get("x", []), posts.get("y", []),
                                        posts.get("interaction_radius", []), posts.get("mechanism", []))]
