"""Interleaved repetitions for the benchmark scripts: on a shared machine a
load spike then hits every variant alike, and the median is what to read."""

from __future__ import annotations

import statistics
from typing import Callable, Iterable


def interleaved_medians(variants: Iterable[str], measure: Callable[[str], tuple[float, object]],
                        repeats: int) -> dict[str, tuple[float, object]]:
    """``{variant: (median seconds, what the last run reported)}``; each
    repetition measures every variant once, in turn."""
    variants = list(variants)
    seconds: dict[str, list[float]] = {v: [] for v in variants}
    reported: dict[str, object] = {}
    for _ in range(repeats):
        for variant in variants:
            took, reported[variant] = measure(variant)
            seconds[variant].append(took)
    return {v: (statistics.median(seconds[v]), reported[v]) for v in variants}
