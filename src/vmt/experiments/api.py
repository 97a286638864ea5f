"""``vmt.sweep`` and ``vmt.compare``: experiments from Python, results as DataFrames.

Both return the tidy results table (one row per run: swept parameters, seed,
status, error, wall time, one column per metric). Its ``attrs["parameters"]``
names the parameter columns, so ``vmt.experiments.summarise(table)`` and
``vmt.experiments.pairwise_tests(table)`` need no more arguments. With
``out=DIR`` the runs are also recorded there (Parquet, resumable) and
``vmt report DIR`` summarises them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import pandas as pd

from vmt.experiments.institutions import DEFAULT_INSTITUTIONS, compare_experiment
from vmt.experiments.spec import Experiment, load_experiment
from vmt.experiments.execution import run_sweep


def sweep(experiment: str | Path | dict | Experiment, out: str | Path | None = None, *, workers: int | None = None,
          scheduler: str | None = None, csv: bool = False, progress: bool = True, **keys: Any) -> pd.DataFrame:
    """Run an experiment (a YAML file, a mapping of its keys, or a loaded :class:`Experiment`).

    ``keys`` replace top-level keys of the file (``seeds=3``, ``ticks=50``).
    ``workers=1`` runs in this process; otherwise a Dask ``LocalCluster``
    (or the cluster at ``scheduler``) runs the tasks -- call it under
    ``if __name__ == "__main__":`` in a script.
    """
    if not isinstance(experiment, Experiment):
        experiment = load_experiment(experiment, keys)
    elif keys:
        raise TypeError(f"cannot override {sorted(keys)} of an already loaded Experiment; pass the file instead")
    result = run_sweep(experiment, out, workers=workers, scheduler=scheduler, csv=csv, progress=progress)
    return _labelled(result.results, experiment)


def compare(scenario: Any = "default", institutions: Sequence[str] = DEFAULT_INSTITUTIONS, seeds: int | list[int] = 30,
            *, ticks: int | None = None, overrides: Sequence[str] = (), out: str | Path | None = None,
            workers: int | None = None, scheduler: str | None = None, csv: bool = False,
            progress: bool = True, telemetry: bool = False) -> pd.DataFrame:
    """Run ``scenario`` under each institution for the same seeds (see :mod:`vmt.experiments.institutions`).

    ``telemetry=True`` (with ``out``) records each run's telemetry in ``out/telemetry/``.
    """
    experiment = compare_experiment(scenario, institutions, seeds, ticks, overrides, telemetry=telemetry)
    result = run_sweep(experiment, out, workers=workers, scheduler=scheduler, csv=csv, progress=progress,
                       extra_manifest={"kind": "compare"})
    return _labelled(result.results, experiment)


def _labelled(results: pd.DataFrame, experiment: Experiment) -> pd.DataFrame:
    results.attrs["parameters"] = experiment.columns
    results.attrs["notes"] = list(experiment.notes)
    return results
