"""Time one bargaining rule run three ways: plain Python through the adapter,
the same source compiled with numba through the adapter, and the built-in
``split_difference`` kernel (a rule of the same family), on a two-type
economy of N agents.

Reports the median seconds per tick of the trade phase over interleaved
repetitions (the machine may be shared: the medians are what to read), and
the pairs bargained per tick. The Python rule runs a Python call per pair;
the numba rule runs one compiled loop per tick.

    .venv/bin/python benchmarks/bench_extending.py [--agents 200,2000] [--ticks 10] [--repeats 3]
"""

from __future__ import annotations

import argparse
import time

from numba import njit
from pydantic import Field

from interleaved import interleaved_medians
from vmt.extend import (NO_TRADE, ProtocolParams, contract_economy, exchange_pairs_by_gap, largest_block_at,
                        register_bargaining_rule)
from vmt.simulation import Simulation


class MidpointParams(ProtocolParams):
    share: float = Field(0.5, ge=0.0, le=1.0)


def midpoint(i, j, state, params):
    """The buyer keeps ``share`` of the quote gap; largest block both gain from."""
    count, ks, buyers, sellers = exchange_pairs_by_gap(i, j, state)
    for c in range(count):
        k, b, s = ks[c], buyers[c], sellers[c]
        q1, q2 = largest_block_at(state, k, b, s, state.bid[b, k] - params.share * (state.bid[b, k] - state.ask[s, k]))
        if q1 > 0:
            return k, b, s, q1, q2
    return NO_TRADE


register_bargaining_rule("bench_python", midpoint, MidpointParams)
register_bargaining_rule("bench_numba", njit(cache=True)(midpoint), MidpointParams)


def trade_seconds(protocol: str, agents: int, ticks: int) -> tuple[float, float]:
    """(seconds per tick in the trade phase, pairs bargained per tick)."""
    economy = contract_economy(agents=agents)
    side = max(10, int((agents * 4) ** 0.5))
    economy["grid"] = {"width": side, "height": side}
    sim = Simulation({**economy, "protocols": {"bargaining": protocol}}, seed=0)
    sim.step()  # compile and warm up outside the timing
    spent, pairs, started = 0.0, 0, [0.0]

    def phase_clock(tick: int, phase: str) -> None:
        nonlocal spent, pairs
        if phase == "movement":
            started[0] = time.perf_counter()
        elif phase == "trade":
            spent += time.perf_counter() - started[0]
            pairs += sim.tick_state.proposals.i.size

    sim.on("after_phase", phase_clock)
    sim.run(ticks)
    return spent / ticks, pairs / ticks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", default="200,2000")
    parser.add_argument("--ticks", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    protocols = ("bench_python", "bench_numba", "split_difference")
    print(f"{'agents':>7} {'protocol':>17} {'pairs/tick':>10} {'trade s/tick':>13}")
    for n in (int(a) for a in args.agents.split(",")):
        rows = interleaved_medians(protocols, lambda p: trade_seconds(p, n, args.ticks), args.repeats)
        for p, (seconds, pairs) in rows.items():
            print(f"{n:>7} {p:>17} {pairs:>10.1f} {seconds:>13.6f}")


if __name__ == "__main__":
    main()
