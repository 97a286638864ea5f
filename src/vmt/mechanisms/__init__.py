"""Stand-alone auction and mechanism-design library.

Sealed-bid auctions (forward and reverse, single and multi-unit), a
two-sided uniform-price call auction, discrete
English and Dutch clocks, VCG with exact winner determination, an LMSR
prediction market, Harberger tax, (dominant) assurance contracts and a ledger
whose accounts cannot go negative. See docs/mechanisms.md.
"""

from vmt.mechanisms.assurance import AssuranceContract, AssuranceOutcome
from vmt.mechanisms.bids import Bundle, XorBid
from vmt.mechanisms.call_auction import CallOutcome, uniform_price_call
from vmt.mechanisms.clock import (
    CLOCK_AUCTIONS,
    ClockOutcome,
    dutch_clock,
    english_clock,
    reverse_dutch_clock,
    reverse_english_clock,
)
from vmt.mechanisms.errors import MechanismInputError, OverdraftError, WinnerDeterminationFailure
from vmt.mechanisms.harberger import HarbergerRegistry, Holding
from vmt.mechanisms.ledger import Ledger, Transfer
from vmt.mechanisms.lmsr import LMSRMarket
from vmt.mechanisms.sealed_bid import (
    SEALED_BID_AUCTIONS,
    AuctionOutcome,
    MultiUnitOutcome,
    first_price,
    multi_unit_first_price,
    multi_unit_second_price,
    reverse_first_price,
    reverse_multi_unit_first_price,
    reverse_multi_unit_second_price,
    reverse_second_price,
    sealed_bid_auction,
    second_price,
    uniform_first_price_equilibrium_bid,
)
from vmt.mechanisms.vcg import VCGOutcome, vcg

__all__ = [
    "AssuranceContract", "AssuranceOutcome", "HarbergerRegistry", "Holding",
    "Ledger", "Transfer", "LMSRMarket",
    "Bundle", "XorBid", "VCGOutcome", "vcg", "CallOutcome", "uniform_price_call",
    "CLOCK_AUCTIONS", "ClockOutcome", "dutch_clock", "english_clock",
    "reverse_dutch_clock", "reverse_english_clock",
    "MechanismInputError", "OverdraftError", "WinnerDeterminationFailure",
    "SEALED_BID_AUCTIONS", "AuctionOutcome", "MultiUnitOutcome",
    "first_price", "second_price", "reverse_first_price", "reverse_second_price",
    "multi_unit_first_price", "multi_unit_second_price",
    "reverse_multi_unit_first_price", "reverse_multi_unit_second_price",
    "sealed_bid_auction", "uniform_first_price_equilibrium_bid",
]
