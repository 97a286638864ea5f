"""What the market-maker mechanisms (``dealer``, ``lmsr``) share.

A market maker is the counterparty of every trade at its post. It holds
its own goods and money (:class:`~vmt.markets.posts.exchange.MakerAccount`:
``inventory`` of each traded good and ``cash`` in the pair's second good,
real units, from the scenario -- an explicit scenario rule that puts goods
into the economy, counted by the conservation check as held outside the
agents) and quotes, for one unit, what a trader pays to buy
(:meth:`MakerMechanism.ask_payment`) and receives to sell
(:meth:`MakerMechanism.bid_payment`), in whole minor units of the second
good. The maker may never go short of a good or below zero money: a unit
it cannot deliver or pay for is not traded.

Participants come one at a time in a seeded random order. Each first sends
a market order for its demand at the current quote (checked and recorded
like any order); then it trades lot by lot, the maker requoting after
every lot, for as long as the next lot strictly raises the trader's
utility, the maker can honour it, and the order is not used up. A lot is
one minor unit unless the maker says otherwise (:meth:`MakerMechanism.lot_size`):
a dealer quoting a linear price may fill a slice of the order at once, so
fine accounting units do not cost one fill per minor unit; a lot that is not
worth it or cannot be honoured is halved down to one minor unit.
"""

from __future__ import annotations


import numpy as np

from vmt.markets.posts.exchange import MAKER, MakerAccount, PairMarket
from vmt.markets.posts.mechanisms.base import BoundedReal, ClearRecord, Mechanism, MechanismParams
from vmt.markets.posts.mechanisms.maker_kernels import BROKEN, order_totals
from vmt.markets.posts.orders import BUY, ORDER_FIELDS, SELL, Order
from vmt.markets.posts.trade_rows import FILL_FIELDS, PRICE
from vmt.world.state import GOODS, PAIRS


#: Why a maker's order was not filled in full.
SHORT_REASON = "the quote moved beyond the trader's value or the maker ran out"


class MakerParams(MechanismParams):
    inventory: BoundedReal | dict[str, BoundedReal] = 20.0  # real units of each traded good
    cash: BoundedReal = 100.0  # real units of the second good (M; B at a barter post)


def initial_account(params: MakerParams, pairs, units) -> MakerAccount:
    """The maker's opening holdings in minor units."""
    holdings = [0, 0, 0]
    for k in pairs:
        first, second = PAIRS[k]
        stock = params.inventory if not isinstance(params.inventory, dict) else params.inventory.get(GOODS[first], 0.0)
        holdings[first] = int(round(stock / units[first]))
        holdings[second] = int(round(params.cash / units[second]))
    return MakerAccount(holdings)


class MakerMechanism(Mechanism):
    """Market maker skeleton: quotes come from the subclass, trading is shared."""

    #: True when one lot (:meth:`_fill_lot`) is all of the order worth filling, so no second lot is tried.
    fills_whole_order = False

    def __init__(self, params: MakerParams, setup) -> None:
        super().__init__(params, setup)
        self.account = initial_account(params, setup.pairs, setup.units)

    def maker(self, k: int) -> MakerAccount:
        return self.account

    def held_goods(self):
        return self.account.holdings.copy()

    # -- quotes, implemented by subclasses (minor units of the second good for one unit)
    def ask_payment(self, k: int) -> int | None:  # pragma: no cover - interface
        raise NotImplementedError

    def bid_payment(self, k: int) -> int | None:  # pragma: no cover - interface
        raise NotImplementedError

    def traded(self, k: int, agent: int, side: int) -> None:
        """Update the maker's state after ``agent`` bought (side +1) or sold one unit."""

    def end_of_tick(self, k: int) -> None:
        """Adjust the maker's state once all participants have traded."""

    def quoted_price(self, k: int) -> int:
        """The price the post announces (ticks): the midpoint of the quotes it has."""
        known = [p for p in (self.bid_payment(k), self.ask_payment(k)) if p]
        return max(1, round(sum(known) / len(known))) if known else 1

    # -- trading
    def clear(self, market: PairMarket, price: int) -> ClearRecord:
        """Serve the participants one at a time (the definition; the dealer and the LMSR maker run
        the same session compiled, :meth:`settle_session`)."""
        market.maker = self.account  # the maker is the counterparty of every fill
        record = ClearRecord(None, iterations=0)
        prices = []
        for r in market.rng.permutation(market.ids.size):
            self._serve(market, int(market.ids[r]), record, prices)
        market.close(SHORT_REASON)
        self.end_of_tick(market.k)
        record.price = prices[-1] if prices else None
        record.quantity = market.volume
        record.best_bid, record.best_ask = self.bid_payment(market.k), self.ask_payment(market.k)
        record.announced = self.quoted_price(market.k)
        return record

    def settle_session(self, market: PairMarket, arrival: np.ndarray, orders: np.ndarray, fills: np.ndarray,
                       status: int) -> ClearRecord:
        """What :meth:`clear` records, from a compiled session that already moved the holdings:
        ``orders`` (one :data:`~vmt.markets.posts.orders.ORDER_FIELDS` row per participant in
        ``arrival``) and ``fills`` (:data:`~vmt.markets.posts.trade_rows.FILL_FIELDS` rows, in order)."""
        if status == BROKEN:
            raise AssertionError(f"compiled {self.name} fills break the settlement rules")
        market.record_fills(fills)
        market.record_orders(arrival, orders, SHORT_REASON)
        self.end_of_tick(market.k)
        demanded, supplied, accepted = order_totals(orders)
        return ClearRecord(int(fills[-1, PRICE]) if fills.shape[0] else None, demanded, supplied, market.volume,
                           iterations=accepted, best_bid=self.bid_payment(market.k),
                           best_ask=self.ask_payment(market.k), announced=self.quoted_price(market.k))

    def session_buffers(self, participants: int) -> tuple[np.ndarray, np.ndarray]:
        """Zeroed order rows for ``participants`` and room for the fills of a compiled session."""
        return (np.zeros((participants, len(ORDER_FIELDS)), dtype=np.int64),
                np.empty((4 * participants + 16, len(FILL_FIELDS)), dtype=np.int64))

    def _serve(self, market: PairMarket, agent: int, record: ClearRecord, prices: list) -> None:
        side, payment = self._side(market, agent)
        if side == 0:
            return
        wanted = market.units_of(agent, payment, side, strict=True)
        if wanted == 0:
            return
        order = Order(agent, side, wanted, None)
        if not market.submit(order):
            return
        record.iterations += 1
        if side == BUY:
            record.demanded += wanted
        else:
            record.supplied += wanted
        order.filled += self._fill_order(market, agent, side, wanted, prices)

    def _fill_order(self, market: PairMarket, agent: int, side: int, remaining: int, prices: list) -> int:
        """Fill lot after lot (:meth:`_fill_lot`) until the order is used up or no lot fits; units filled."""
        filled = 0
        while filled < remaining:
            lot = self._fill_lot(market, agent, side, remaining - filled, prices)
            filled += lot
            if lot == 0 or self.fills_whole_order:
                break
        return filled

    def lot_size(self, remaining: int) -> int:
        """Minor units the maker fills at one quote: one, so the quote moves after every unit."""
        return 1

    def _fill_lot(self, market: PairMarket, agent: int, side: int, remaining: int, prices: list) -> int:
        """Fill the largest lot (halving from :meth:`lot_size`) the trader wants and the maker honours."""
        lot = min(self.lot_size(remaining), remaining)
        while lot >= 1:
            if self._one_lot(market, agent, side, lot, prices):
                return lot
            lot //= 2
        return 0

    def _side(self, market: PairMarket, agent: int) -> tuple[int, int | None]:
        for side, payment in ((BUY, self.ask_payment(market.k)), (SELL, self.bid_payment(market.k))):
            if payment is not None and payment >= 1 and self._worth(market, agent, side, payment):
                return side, payment
        return 0, None

    def _worth(self, market: PairMarket, agent: int, side: int, payment: int, lot: int = 1) -> bool:
        first, second = market.first, market.second
        gain = (market.gain(agent, first, lot, second, payment * lot) if side == BUY
                else market.gain(agent, second, payment * lot, first, lot))
        return gain > 0.0  # trade_gain reports changes within rounding noise as 0

    def _one_lot(self, market: PairMarket, agent: int, side: int, lot: int, prices: list) -> bool:
        payment = self.ask_payment(market.k) if side == BUY else self.bid_payment(market.k)
        if payment is None or payment < 1 or not self._worth(market, agent, side, payment, lot):
            return False
        buyer, seller = (agent, MAKER) if side == BUY else (MAKER, agent)
        if market.fill(buyer, seller, lot, payment * lot) is not None:
            return False
        prices.append(payment)
        self.traded(market.k, agent, side)
        return True


def stock_target(params, setup, k: int) -> int:
    """The maker's opening stock of pair ``k``'s first good, in minor units (its inventory target)."""
    first = PAIRS[k][0]
    return int(initial_account(params, setup.pairs, setup.units).holdings[first])

