"""The ``map`` and ``replay`` sections of ``vmt report``: the run as the viewer shows it.

``map`` draws the grid at chosen ticks (``map_ticks`` report option, the
``--map-ticks`` flag; by default the first, middle and last recorded
snapshot) into ``map.png``; ``replay`` animates it into ``replay.gif``
(up to :data:`ANIMATION_FRAMES` snapshots, evenly spaced). Both read the
run's frames through the viewer's replay (:class:`vmt.viewer.replay.ReplayRun`),
so a report's map is exactly what ``vmt replay`` shows at that tick.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from vmt.analysis.plots_map import animate, plot_maps
from vmt.analysis.report import ReportError, Section, register_section, report_option

ANIMATION_FRAMES = 40


def _replay(db: str, run_id: int):
    from vmt.viewer.replay import ReplayRun

    replay = ReplayRun(db, run_id)
    return replay if replay.snapshot_ticks else None


def chosen_ticks(snapshot_ticks: list[int], wanted) -> list[int]:
    """The snapshot ticks to draw: ``wanted`` (each must be recorded) or first, middle, last."""
    if wanted is None:
        picks = [snapshot_ticks[0], snapshot_ticks[len(snapshot_ticks) // 2], snapshot_ticks[-1]]
        return sorted(set(picks))
    wanted = [int(t) for t in wanted]
    missing = [t for t in wanted if t not in snapshot_ticks]
    if missing or not wanted:
        raise ReportError(f"map ticks {missing or wanted} were not recorded; agent snapshots exist at ticks "
                          f"{snapshot_ticks[0]} to {snapshot_ticks[-1]} every {snapshot_ticks[1] - snapshot_ticks[0] if len(snapshot_ticks) > 1 else 1}")
    return wanted


@register_section("map")
def map_section(db: str, run_id: int, out_dir: Path) -> Section | None:
    replay = _replay(db, run_id)
    if replay is None:
        return None
    ticks = chosen_ticks(replay.snapshot_ticks, report_option("map_ticks"))
    figure = plot_maps([replay.frame(t) for t in ticks], replay.grid, replay.posts, replay.groups,
                       out_dir / "map.png")
    text = (f"## Map\n\nThe grid at ticks {', '.join(map(str, ticks))}: agents by group, resource cells "
            "shaded by amount (green A, brown B), market areas (dashed, with their price) and posts (squares), "
            f"and each tick's trades as lines.\n\n![map]({figure.name})")
    return Section(text, [figure])


@register_section("replay")
def replay_section(db: str, run_id: int, out_dir: Path) -> Section | None:
    replay = _replay(db, run_id)
    if replay is None or len(replay.snapshot_ticks) < 2:
        return None
    picks = np.unique(np.linspace(0, len(replay.snapshot_ticks) - 1, ANIMATION_FRAMES).round().astype(int))
    ticks = [replay.snapshot_ticks[k] for k in picks]
    figure = animate([replay.frame(t) for t in ticks], replay.grid, replay.posts, out_dir / "replay.gif")
    text = (f"## Replay\n\nThe map at {len(ticks)} ticks from {ticks[0]} to {ticks[-1]}, four per second "
            f"(`vmt replay` shows every recorded tick).\n\n![replay]({figure.name})")
    return Section(text, [figure])
