"""The map of a run at one tick, as the viewer draws it, for reports without a server.

:func:`draw_map` draws a viewer frame (:mod:`vmt.viewer.frames`) on a
matplotlib axes: resource cells shaded by amount (green A, brown B), market
areas as dashed outlines with their price, market posts as black squares,
this tick's trades as lines and the agents coloured by group. The y axis
points down, as on the page. :func:`plot_maps` puts several ticks side by
side; :func:`animate` writes an animated GIF with matplotlib's PillowWriter.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.patches import Circle

from vmt.analysis.plots_axes import PAIR_COLOURS, save_figure

GROUP_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2")
GOOD_COLOURS = ("#2ea043", "#aa6e28")
PAIR_ORDER = ("A<->B", "A<->M", "B<->M")


def _resource_image(frame: dict, grid: dict) -> np.ndarray:
    image = np.ones((grid["height"], grid["width"], 4))
    image[..., 3] = 0.0
    for x, y, good, fill in frame["resources"]:
        image[int(y), int(x), :3] = to_rgb(GOOD_COLOURS[int(good)])
        image[int(y), int(x), 3] = 0.12 + 0.5 * fill
    return image


def _stacked_offsets(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Spread agents sharing a cell on a 3x3 pattern inside it (by arrival order)."""
    slot = np.zeros(len(x), dtype=np.int64)
    seen: dict[tuple[int, int], int] = {}
    for i, cell in enumerate(zip(x.tolist(), y.tolist())):
        slot[i] = seen.get(cell, 0)
        seen[cell] = slot[i] + 1
    return (slot % 3 - 1) * 0.28, (slot // 3 % 3 - 1) * 0.28


def draw_map(ax, frame: dict, grid: dict, posts: list[dict], title: str = "") -> None:
    """One tick of the run on ``ax`` (see the module docstring)."""
    width, height = grid["width"], grid["height"]
    ax.imshow(_resource_image(frame, grid), extent=(0, width, height, 0), interpolation="nearest")
    for market_id, cx, cy, radius, price in frame["areas"]:
        ax.add_patch(Circle((cx + 0.5, cy + 0.5), max(radius, 0.3), fill=False, linestyle="--", color="0.3"))
        ax.text(cx + 0.5, cy + 0.2, f"area {market_id}" + (f" p={price:.3g}" if price else ""), fontsize=7)
    for post in posts:
        ax.scatter([post["x"] + 0.5], [post["y"] + 0.5], marker="s", s=60, color="black", zorder=3)
        ax.text(post["x"] + 1.0, post["y"] + 0.6, f"post {post['id']}", fontsize=7)
    if frame["trades"]:
        segments = [((x1 + 0.5, y1 + 0.5), (x2 + 0.5, y2 + 0.5)) for x1, y1, x2, y2, *_ in frame["trades"]]
        colours = [PAIR_COLOURS[PAIR_ORDER[trade[4]]] for trade in frame["trades"]]
        ax.add_collection(LineCollection(segments, colors=colours, linewidths=1.0, alpha=0.8))
    agents = frame["agents"]
    x, y = np.asarray(agents["x"], float), np.asarray(agents["y"], float)
    dx, dy = _stacked_offsets(x, y) if max(width, height) <= 60 else (0.0, 0.0)
    colours = [GROUP_COLOURS[g % len(GROUP_COLOURS)] for g in agents["g"]]
    ax.scatter(x + 0.5 + dx, y + 0.5 + dy, c=colours, s=max(4.0, 1600 / max(width, height) ** 1.3), zorder=4,
               linewidths=0)
    ax.set_xlim(0, width)
    ax.set_ylim(height, 0)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    decimated = f" (1 agent in {frame['stride']} drawn)" if frame["stride"] > 1 else ""
    ax.set_title((title or f"tick {frame['tick']}") + decimated, fontsize=9)


def plot_maps(frames: list[dict], grid: dict, posts: list[dict], groups: list[str], path: Path) -> Path:
    """The map at each of ``frames``' ticks, side by side, with a legend of the groups."""
    fig = Figure(figsize=(3.2 * len(frames) + 0.4, 3.6), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(frames)))
    for ax, frame in zip(axes, frames):
        draw_map(ax, frame, grid, posts)
    handles = [axes[0].scatter([], [], color=GROUP_COLOURS[k % len(GROUP_COLOURS)], label=name)
               for k, name in enumerate(groups[:len(GROUP_COLOURS)])]
    fig.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 6), fontsize="small")
    return save_figure(fig, path)


def animate(frames: list[dict], grid: dict, posts: list[dict], path: Path, fps: int = 4) -> Path:
    """An animated GIF of the map over ``frames`` (matplotlib's PillowWriter)."""
    from matplotlib.animation import FuncAnimation, PillowWriter

    fig = Figure(figsize=(4.0, 4.0 * grid["height"] / grid["width"] + 0.3), layout="constrained")
    ax = fig.subplots()

    def show(k: int):
        ax.clear()
        draw_map(ax, frames[k], grid, posts)
        return []

    FuncAnimation(fig, show, frames=len(frames), blit=False).save(path, writer=PillowWriter(fps=fps), dpi=72)
    return path
