"""Time VCG (winner determination + tie-rule solve + every Clarke re-solve) on
random combinatorial auctions with XOR bids.

Run: ``.venv/bin/python benchmarks/bench_vcg.py [--instances 10] [--seed 0]``

Each bidder submits 1..4 bundles of 1..4 distinct items; a bundle's value is
the sum of the bidder's private item values (uniform 1..10) times a
complementarity factor ``1 + c * (size - 1)``, ``c`` uniform in [0, 0.3].
The table gives, per size, the bundles per bidder, the median number of
bundle bids, the median and maximum wall time over the random instances and
the status of the last one (allocation + tie-rule solve + all Clarke
re-solves, one VCG call). The last rows use a deliberately
tiny time budget to show the flagged failure instead of a wrong answer.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from vmt.mechanisms import XorBid, vcg

# (bidders, items, min bundles per bidder, max bundles per bidder, time limit s)
ROWS = [(4, 4, 1, 4, 10.0), (8, 6, 1, 4, 10.0), (12, 8, 1, 4, 10.0), (12, 8, 4, 4, 10.0),
        (20, 12, 1, 4, 10.0), (40, 20, 1, 4, 10.0), (200, 60, 4, 4, 0.02)]


def random_xor_bids(rng: np.random.Generator, n_bidders: int, items: list[str],
                    min_bundles: int = 1, max_bundles: int = 4, max_size: int = 4) -> list[XorBid]:
    """Random XOR bids with mildly complementary bundle values."""
    bids = []
    for bidder in range(n_bidders):
        item_values = rng.uniform(1.0, 10.0, size=len(items))
        complementarity = rng.uniform(0.0, 0.3)
        offers = {}
        for _ in range(int(rng.integers(min_bundles, max_bundles + 1))):
            size = int(rng.integers(1, min(max_size, len(items)) + 1))
            chosen = np.sort(rng.choice(len(items), size=size, replace=False))
            bundle = tuple(items[g] for g in chosen)
            offers[bundle] = round(float(item_values[chosen].sum()) * (1 + complementarity * (size - 1)), 2)
        bids.append(XorBid(f"b{bidder}", offers))
    return bids


def time_size(rng, n_bidders, n_items, min_bundles, max_bundles, instances, time_limit):
    items = [f"i{g}" for g in range(n_items)]
    seconds, offers, status = [], [], ""
    for _ in range(instances):
        bids = random_xor_bids(rng, n_bidders, items, min_bundles, max_bundles)
        started = time.perf_counter()
        outcome = vcg(bids, items, time_limit=time_limit, on_failure="flag")
        seconds.append(time.perf_counter() - started)
        offers.append(sum(len(b.offers) for b in bids))
        status = outcome.status
    return np.median(offers), np.median(seconds), max(seconds), status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    vcg([XorBid("warm", {"i0": 1.0})], ["i0"])  # first HiGHS call loads the library
    print(f"{'bidders':>7} {'items':>5} {'bundles':>7} {'bids':>5} {'median s':>9} "
          f"{'max s':>8} {'limit s':>7}  status")
    for n_bidders, n_items, low, high, limit in ROWS:
        bids, median, worst, status = time_size(rng, n_bidders, n_items, low, high, args.instances, limit)
        per_bidder = f"{low}-{high}" if low != high else f"{high}"
        print(f"{n_bidders:>7} {n_items:>5} {per_bidder:>7} {bids:>5.0f} {median:>9.4f} "
              f"{worst:>8.4f} {limit:>7.2f}  {status}")


if __name__ == "__main__":
    main()
