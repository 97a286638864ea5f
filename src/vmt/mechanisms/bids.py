"""The bid language of combinatorial auctions: bundles and XOR bids.

A *bundle* is a multiset of item names (``{"A": 1, "B": 2}``: one A, two B).
An *XOR bid* lists bundles with a value for each; the bidder wants at most
one of them. Under XOR semantics with free disposal the bidder's value for
any set of items ``S`` is the best listed bundle that ``S`` contains:

    v(S) = max{ value(T) : T listed, T subset of S }, or 0 if none fits.

Winner determination gives each bidder at most one of its listed bundles, so
the reported welfare it maximises is exactly the sum of these ``v(S_i)``.

Reference: N. Nisan (2000), "Bidding and allocation in combinatorial
auctions", ACM EC; P. Cramton, Y. Shoham, R. Steinberg (eds., 2006),
*Combinatorial Auctions*, ch. 9.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from vmt.mechanisms.errors import MechanismInputError


@dataclass(frozen=True, order=True, repr=False)
class Bundle:
    """A non-empty multiset of item names, stored as sorted ``(item, quantity)`` pairs.

    Build one with :meth:`Bundle.of`, which accepts a single item name, an
    iterable of names (repeats count as extra units) or a mapping
    ``item -> quantity``.
    """

    quantities: tuple[tuple[str, int], ...]

    @classmethod
    def of(cls, spec) -> "Bundle":
        """Normalise ``spec`` into a Bundle; raise naming the problem if it is empty or malformed."""
        if isinstance(spec, Bundle):
            return spec
        counts = _counts(spec)
        if not counts:
            raise MechanismInputError(f"bundle {spec!r} is empty: a bundle must name at least one item")
        for item, quantity in counts.items():
            if not isinstance(item, str):
                raise MechanismInputError(f"bundle {spec!r}: item names must be strings, got {item!r}")
            if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
                raise MechanismInputError(
                    f"bundle {spec!r}: quantity of {item!r} is {quantity!r}, it must be an integer >= 1")
        return cls(tuple(sorted(counts.items())))

    def quantity(self, item: str) -> int:
        """Units of ``item`` in the bundle (0 if absent)."""
        return dict(self.quantities).get(item, 0)

    def items(self) -> tuple[str, ...]:
        """The distinct item names, sorted."""
        return tuple(item for item, _ in self.quantities)

    def is_subset_of(self, other: "Bundle") -> bool:
        """True if every unit in this bundle is also in ``other``."""
        return all(other.quantity(item) >= q for item, q in self.quantities)

    def __repr__(self) -> str:
        return f"Bundle.of({dict(self.quantities)!r})"

    def __str__(self) -> str:
        parts = (item if q == 1 else f"{item}x{q}" for item, q in self.quantities)
        return "{" + ", ".join(parts) + "}"


def _counts(spec) -> dict:
    if isinstance(spec, str):
        return {spec: 1}
    if isinstance(spec, Mapping):
        return dict(spec)
    if isinstance(spec, Iterable):
        return dict(Counter(spec))
    raise MechanismInputError(f"cannot read {spec!r} as a bundle: give an item name, a list of names or a mapping")


@dataclass(frozen=True)
class XorBid:
    """One bidder's exclusive-or bid: values for bundles, at most one of which it can win.

    Parameters
    ----------
    bidder : hashable
        The bidder's id; must be unique within an auction.
    offers : mapping or iterable of (bundle spec, value)
        Each bundle is anything :meth:`Bundle.of` accepts, e.g. ``("A", "B")``
        or ``{"A": 2}``; values must be finite and non-negative. After
        construction ``offers`` is a tuple of ``(Bundle, float)`` in the order
        given, which is the order the VCG tie rule uses.
    """

    bidder: Hashable
    offers: tuple[tuple[Bundle, float], ...]

    def __post_init__(self) -> None:
        raw = self.offers.items() if isinstance(self.offers, Mapping) else self.offers
        normalised, seen = [], set()
        for spec, value in raw:
            bundle = _bundle_for(self.bidder, spec)
            if bundle in seen:
                raise MechanismInputError(f"bid of bidder {self.bidder!r} lists bundle {bundle} twice")
            seen.add(bundle)
            normalised.append((bundle, _value_for(self.bidder, bundle, value)))
        object.__setattr__(self, "offers", tuple(normalised))

    def value_of(self, received: Bundle) -> float:
        """XOR value with free disposal: the best listed bundle inside ``received``."""
        fitting = (value for bundle, value in self.offers if bundle.is_subset_of(received))
        return max(fitting, default=0.0)


def _bundle_for(bidder, spec) -> Bundle:
    try:
        return Bundle.of(spec)
    except MechanismInputError as exc:
        raise MechanismInputError(f"bid of bidder {bidder!r}: {exc}") from None


def _value_for(bidder, bundle: Bundle, value) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if isinstance(value, bool) or not math.isfinite(number) or number < 0:
        raise MechanismInputError(
            f"bid of bidder {bidder!r} on bundle {bundle} is {value!r}: "
            "values must be finite and non-negative numbers")
    return number


def supply_of(items: Sequence[str] | Mapping[str, int]) -> dict[str, int]:
    """Units available per item: a sequence means one unit of each named item."""
    if isinstance(items, str):
        raise MechanismInputError(f"items must be a sequence of names or a mapping, got the string {items!r}")
    if isinstance(items, Mapping):
        supply = dict(items)
    else:
        supply = {}
        for item in items:
            if item in supply:
                raise MechanismInputError(f"item {item!r} is listed twice; use a mapping for several units")
            supply[item] = 1
    for item, units in supply.items():
        if not isinstance(item, str):
            raise MechanismInputError(f"item names must be strings, got {item!r}")
        if isinstance(units, bool) or not isinstance(units, int) or units < 1:
            raise MechanismInputError(f"supply of item {item!r} is {units!r}: it must be an integer >= 1")
    return supply


def check_bids_against_supply(bids: Sequence[XorBid], supply: Mapping[str, int]) -> None:
    """Raise naming the bid if a bidder id repeats, a bundle names an unknown
    item, or a bundle asks more units than exist."""
    seen = set()
    for bid in bids:
        if not isinstance(bid, XorBid):
            raise MechanismInputError(f"expected XorBid objects, got {bid!r}")
        if bid.bidder in seen:
            raise MechanismInputError(f"bidder id {bid.bidder!r} appears in more than one bid")
        seen.add(bid.bidder)
        for bundle, _ in bid.offers:
            for item, quantity in bundle.quantities:
                if item not in supply:
                    raise MechanismInputError(
                        f"bid of bidder {bid.bidder!r} on bundle {bundle} names unknown item "
                        f"{item!r}; items on sale: {sorted(supply)}")
                if quantity > supply[item]:
                    raise MechanismInputError(
                        f"bid of bidder {bid.bidder!r} on bundle {bundle} asks {quantity} units "
                        f"of {item!r} but only {supply[item]} exist")
