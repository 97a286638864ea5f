"""The measures of the planner-versus-market experiment, computed from the record of one run.

With horizon ``T``, a task *counts as finished* when its work ends by ``T``
(work still in progress at ``T`` is in neither value nor cost), and is
*delivered* when it is finished by its deadline as well.

* throughput = delivered tasks / T  (tasks per tick; the primary measure)
* efficiency = sum of values delivered / sum of private costs of finished
  work  (``c_ij = theta_i w_ij``; work finished late counts as cost with no
  value; 0 when nothing was finished).  Payments are transfers, not costs,
  so the planner and the market are judged on the same real resource use.
* adaptability = mean over urgent tasks of (finish - injection) in ticks.
  An urgent task not delivered counts as its whole window (deadline -
  injection): a lower bound on its real delay, so this favours a coordinator
  that fails; ``urgent_served`` (share delivered) is reported beside it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from vmt.task_economy.execution import UNASSIGNED, WorkerQueues

MEASURES = ("throughput", "efficiency", "adaptability")
HIGHER_IS_BETTER = {"throughput": True, "efficiency": True, "adaptability": False, "urgent_served": True}


@dataclass(frozen=True)
class RunMetrics:
    """Outcome of one coordinator on one (seed, N) economy."""

    throughput: float
    efficiency: float
    adaptability: float
    urgent_served: float
    delivered: int
    tasks: int
    value_delivered: float
    cost_incurred: float

    def as_dict(self) -> dict[str, float]:
        """The fields as a plain dict (one row of a results table)."""
        return asdict(self)


def measure_run(queues: WorkerQueues, horizon: int) -> RunMetrics:
    """Compute :class:`RunMetrics` from the decisions and finish times in ``queues``."""
    stream = queues.stream
    finished = (queues.assignee != UNASSIGNED) & (queues.finish <= horizon)
    delivered = finished & (queues.finish <= stream.deadline)
    value, cost = float(stream.value[delivered].sum()), float(queues.cost[finished].sum())
    urgent = np.flatnonzero(stream.urgent)
    delay = np.where(delivered[urgent], queues.finish[urgent] - stream.arrival[urgent],
                     stream.deadline[urgent] - stream.arrival[urgent])
    return RunMetrics(
        throughput=int(delivered.sum()) / horizon,
        efficiency=value / cost if cost > 0 else 0.0,
        adaptability=float(delay.mean()) if len(urgent) else float("nan"),
        urgent_served=float(delivered[urgent].mean()) if len(urgent) else float("nan"),
        delivered=int(delivered.sum()), tasks=stream.size, value_delivered=value, cost_incurred=cost)
