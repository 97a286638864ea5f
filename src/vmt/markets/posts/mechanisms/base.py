"""The one interface every market-post mechanism implements, and its registry.

A mechanism instance belongs to one post. Each tick that the post has
participants, :meth:`Mechanism.clear` is called once per exchange pair
the post runs, with a :class:`~vmt.markets.posts.exchange.PairMarket`
(the participants, their demand and reservation prices, order submission
and settlement) and the post's current price. It

1. collects orders (each checked and recorded through ``market.submit``),
2. clears them by its rule, settling every fill through ``market.fill``,
3. returns a :class:`ClearRecord` (price, demand, supply, quantity,
   iterations, convergence, best bid and ask).

Mechanisms register by name with a pydantic parameter model
(:func:`register_mechanism`); :func:`create_mechanism` validates a post's
``mechanism_params`` and names the offending key, and an unknown name is
an error listing the valid ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Callable, NamedTuple

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, PositiveFloat, ValidationError

from vmt import plugins

from vmt.markets.posts.exchange import MakerAccount, PairMarket
from vmt.markets.posts.orders import BUY, SELL, Order, OrderLog
from vmt.markets.posts.rationing import clear_at_price
from vmt.markets.posts.trade_rows import TradeRows
from vmt.scenario.base import show


class MechanismError(ValueError):
    """A post's mechanism name or parameters cannot be used."""


#: Largest price or stock a mechanism parameter may state (real units): larger
#: ones would not fit the int64 ticks and minor units the posts compute in.
MAX_REAL = 1e12
#: A positive real price or amount, at most :data:`MAX_REAL`.
BoundedReal = Annotated[float, Field(gt=0, le=MAX_REAL)]


class MechanismParams(BaseModel):
    """Parameters every mechanism accepts; unknown keys are errors.

    ``opening_price`` (alias ``initial_price``): the post's price before its
    first clearing, real units of the second good per first good; a number,
    or a mapping from the traded good (``A``/``B``) to a number.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False)

    opening_price: BoundedReal | dict[str, BoundedReal] | None = Field(None, alias="initial_price")


@dataclass(frozen=True)
class PostSetup:
    """What a mechanism may know about its post when it is built."""

    index: int
    pairs: tuple[int, ...]
    units: np.ndarray  # real size of one minor unit of A, B, M
    tick_size: np.ndarray  # real price of one tick per pair
    opening_ticks: dict[int, int]  # pair -> opening price in ticks


@dataclass
class ClearRecord:
    """The outcome of one clearing of one pair (a ``market_clears`` row).

    ``demanded``/``supplied``/``quantity`` are minor units of the first good;
    prices are ticks (None when the mechanism found none).
    """

    price: int | None
    demanded: int = 0
    supplied: int = 0
    quantity: int = 0
    iterations: int = 0
    converged: bool = True
    best_bid: int | None = None
    best_ask: int | None = None
    announced: int | None = None  # price the post announces next (default: ``price``)

    @property
    def next_price(self) -> int | None:
        return self.announced if self.announced is not None else self.price

    @property
    def spread(self) -> int | None:
        return None if self.best_bid is None or self.best_ask is None else self.best_ask - self.best_bid


class Session(NamedTuple):
    """One pair at one post this tick: its mechanism, market, current price (ticks) and logs."""

    mechanism: "Mechanism"
    market: PairMarket
    price: int
    orders: OrderLog
    trades: TradeRows


class Mechanism:
    """Base class: no market maker, nothing held outside the agents."""

    name = "mechanism"

    def __init__(self, params: MechanismParams, setup: PostSetup) -> None:
        self.params, self.setup = params, setup

    def clear(self, market: PairMarket, price: int) -> ClearRecord:  # pragma: no cover - interface
        raise NotImplementedError

    @classmethod
    def clear_many(cls, sessions: list[Session]) -> list[ClearRecord | None]:
        """Clear one exchange pair at several posts of this kind (no participant in two).

        The default clears them one after another; a mechanism whose work
        is a compiled loop may run all of them in one parallel call, with
        the same records and fills as :meth:`clear` one by one.
        """
        return [s.mechanism.clear(s.market, s.price) for s in sessions]

    def maker(self, k: int) -> MakerAccount | None:
        """The market maker's account for pair ``k``, if the mechanism has one."""
        return None

    def held_goods(self) -> np.ndarray:
        """Minor units of A, B, M held by the mechanism itself (counted in conservation)."""
        return np.zeros(3, dtype=np.int64)


@dataclass(frozen=True)
class MechanismEntry:
    name: str
    params_model: type[MechanismParams]
    factory: Callable[[MechanismParams, PostSetup], Mechanism]
    summary: str
    source: str = plugins.BUILT_IN  # "vmt", or the distribution of the plug-in that registered it


_MECHANISMS: dict[str, MechanismEntry] = {}


def participants(sessions) -> tuple[np.ndarray, np.ndarray]:
    """The traders of a batch of sessions, laid end to end for one compiled kernel:
    ``(ids, start)``, session ``s``'s traders being ``ids[start[s]:start[s + 1]]``."""
    ids = np.concatenate([s.market.ids for s in sessions]).astype(np.int64)
    return ids, np.cumsum([0] + [s.market.ids.size for s in sessions])


def register_mechanism(name: str, params_model: type[MechanismParams] = MechanismParams):
    """Class decorator: ``@register_mechanism("cda", CDAParams)``."""

    def decorate(cls):
        if name in _MECHANISMS:
            raise MechanismError(f"mechanism {name!r} registered twice")
        summary = (cls.__doc__ or "").strip().splitlines()[0] if cls.__doc__ else ""
        cls.name = name
        _MECHANISMS[name] = MechanismEntry(name, params_model, cls, summary, plugins.current_source())
        return cls

    return decorate


def unregister_mechanism(name: str) -> None:
    """Remove mechanism ``name`` (e.g. to register a changed one again in the same session)."""
    mechanism_entry(name)
    del _MECHANISMS[name]


def mechanism_names() -> list[str]:
    """Every registered mechanism, plug-ins (``vmt.plugins``) included."""
    plugins.load_plugins()
    return sorted(_MECHANISMS)


def mechanism_entries() -> list[MechanismEntry]:
    return [_MECHANISMS[name] for name in mechanism_names()]


def mechanism_entry(name: str, where: str = "mechanism") -> MechanismEntry:
    if name not in _MECHANISMS:
        plugins.load_plugins()
    try:
        return _MECHANISMS[name]
    except KeyError:
        valid = ", ".join(e.name if e.source == plugins.BUILT_IN else f"{e.name} (plug-in from {e.source})"
                          for e in mechanism_entries())
        raise MechanismError(f"{where}: unknown mechanism {show(name)}; valid names: {valid}"
                             f"{plugins.failures_note()}") from None


def validate_params(name: str, params: dict[str, Any] | None, where: str = "mechanism_params") -> MechanismParams:
    """Validate ``params`` against the mechanism's model; errors name ``where.<key>``."""
    entry = mechanism_entry(name, where.rsplit(".", 1)[0] + ".mechanism_type")
    try:
        return entry.params_model(**(params or {}))
    except ValidationError as exc:
        problems = "; ".join(
            f"{where}.{'.'.join(str(p) for p in err['loc'])}: {err['msg']} (got {show(err.get('input'))})"
            for err in exc.errors())
        raise MechanismError(f"mechanism {show(name)}: {problems}") from None


def create_mechanism(name: str, params: dict[str, Any] | None, setup: PostSetup,
                     where: str = "mechanism_params") -> Mechanism:
    """Validate the parameters and build the mechanism for one post."""
    validated = validate_params(name, params, where)
    return _MECHANISMS[name].factory(validated, setup)


def trade_at_one_price(market: PairMarket, demand: np.ndarray, price: int, short_reason: str) -> tuple[int, int]:
    """Everyone's demand at ``price`` becomes an order; the long side is rationed; fills settle.

    Returns the units demanded and supplied at ``price``. Shared by the
    mechanisms that trade at one price (``walrasian``, ``posted_price``).
    """
    fills, demanded, supplied, _ = clear_at_price(demand, market.ids, market.rng)
    orders = {}
    for r in np.flatnonzero(demand):
        order = Order(int(market.ids[r]), BUY if demand[r] > 0 else SELL, int(abs(demand[r])), int(price))
        if market.submit(order):
            orders[order.agent] = order
    for buyer, seller, units in fills:
        if buyer in orders and seller in orders and market.fill(buyer, seller, units, units * price) is None:
            orders[buyer].filled += units
            orders[seller].filled += units
    market.close(short_reason)
    return demanded, supplied
