"""How every report figure reads: plain numbers, no silent empty panels, honest legends.

* Axis labels are plain numbers (``0.5``, ``2``, ``1200``), on log axes too,
  never ``6×10⁰``.
* A panel with nothing to draw says ``n/a`` and why, instead of staying blank.
* A legend lists at most :data:`LEGEND_LIMIT` entries and then says how many
  it left out.
* A series of one or two points is drawn with markers (a lone point has no line).
* Each exchange pair has one colour (:data:`PAIR_COLOURS`), shared by its
  prices and its Walrasian reference line.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullFormatter

PAIR_COLOURS = {"A<->B": "tab:red", "A<->M": "tab:blue", "B<->M": "tab:green"}
LEGEND_LIMIT = 8
REFERENCE_STYLE = {"linestyle": "--", "linewidth": 1.2}


def plain_number(value: float, _position=None) -> str:
    """``value`` with at most 3 significant digits, positional (``1200``, ``0.015``)."""
    if value == 0 or not np.isfinite(value):
        return "0" if value == 0 else ""
    return np.format_float_positional(value, precision=3, unique=True, fractional=False, trim="-")


def plain_axes(ax, log: bool = False) -> None:
    """Plain-number tick labels on both axes; on a log axis, ticks at 1-2-5 steps
    (or evenly spaced when the range is under a decade)."""
    ax.xaxis.set_major_formatter(FuncFormatter(plain_number))
    ax.yaxis.set_major_formatter(FuncFormatter(plain_number))
    if log:
        low, high = ax.get_ylim()
        narrow = low > 0 and high / low < 10
        ax.yaxis.set_major_locator(MaxNLocator(5) if narrow else LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        ax.yaxis.set_minor_formatter(NullFormatter())


def not_available(ax, why: str) -> None:
    """Write ``n/a: why`` across an empty panel."""
    ax.text(0.5, 0.5, f"n/a: {why}", transform=ax.transAxes, ha="center", va="center", color="0.4", wrap=True)


def plot_series(ax, x, y, **style):
    """A line, with markers when it has too few points to show as one."""
    if len(x) <= 2:
        style = {"marker": "o", "markersize": 5, **style}
    return ax.plot(x, y, **style)


def legend(ax) -> None:
    """A legend of at most :data:`LEGEND_LIMIT` entries, saying how many are not listed."""
    handles, labels = ax.get_legend_handles_labels()
    if not handles:
        return
    if len(handles) > LEGEND_LIMIT:
        hidden = len(handles) - (LEGEND_LIMIT - 1)
        handles = handles[:LEGEND_LIMIT - 1] + [Line2D([], [], linestyle="none")]
        labels = labels[:LEGEND_LIMIT - 1] + [f"… {hidden} more not listed"]
    ax.legend(handles, labels, fontsize="small", loc="best")


def finish_axes(ax, ylabel: str, log: bool = False, from_zero: bool = False) -> None:
    """Label, scale, plain numbers, legend, light grid; ``from_zero`` starts the y axis at 0."""
    ax.set_ylabel(ylabel)
    if log:
        ax.set_yscale("log")
    if from_zero:
        ax.set_ylim(bottom=0)
    plain_axes(ax, log)
    legend(ax)
    ax.grid(alpha=0.3)


def save_figure(fig: Figure, path: Path) -> Path:
    """Write ``fig`` as PNG (110 dpi) and return ``path``."""
    fig.savefig(path, dpi=110)
    return path
