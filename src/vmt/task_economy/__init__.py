"""Task-allocation economy ("Experiment: Central Planning vs Market").

Workers with heterogeneous skills, capacities and private costs; tasks with
effort, value, deadline and a needed skill arriving as a Poisson stream, plus
urgent tasks injected mid-run.  Two coordinators run on the identical economy
of each (seed, N): a greedy central planner with a serial, N-proportional
decision cost that sees reported capacities, and a market of reverse Vickrey
auctions with budgets.  See docs/task_economy.md.
"""

from vmt.task_economy.config import EconomyConfig, TaskEconomyConfigError, parse_workforce_sizes
from vmt.task_economy.experiment import hypothesis_verdict, run_sweep, summarise
from vmt.task_economy.metrics import RunMetrics
from vmt.task_economy.population import TaskStream, Workforce, draw_economy
from vmt.task_economy.simulation import COORDINATORS, run_economy, run_pair, simulate

__all__ = [
    "EconomyConfig", "TaskEconomyConfigError", "parse_workforce_sizes", "RunMetrics",
    "Workforce", "TaskStream", "draw_economy", "COORDINATORS", "simulate", "run_economy", "run_pair",
    "run_sweep", "summarise", "hypothesis_verdict",
]
