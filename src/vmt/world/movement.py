"""Movement: Manhattan steps toward each agent's target.

An agent moves at most ``move_budget`` cells per tick toward
``(target_x, target_y)``, stopping once it is within ``stop_distance`` of it.
Two partners walk toward each other and split the gap: the lower id takes
the larger half, so they meet without crossing. Each step goes along the axis
with the larger remaining distance (x on ties): a deterministic shortest path.
"""

from __future__ import annotations

from numba import njit, prange


@njit(cache=True, parallel=True)
def move_agents(x, y, target_x, target_y, stop_distance, partner, move_budget):
    """Move every agent in place. Each agent reads only its own position (the
    targets were set from positions before anyone moved), so the agents can
    move in any order and nothing is copied."""
    for i in prange(x.shape[0]):
        dx = target_x[i] - x[i]
        dy = target_y[i] - y[i]
        gap = max(0, abs(dx) + abs(dy) - stop_distance[i])
        if partner[i] >= 0:
            gap = (gap + 1) // 2 if i < partner[i] else gap // 2
        steps = min(move_budget, gap)
        nx, ny = x[i], y[i]
        for _ in range(steps):
            if abs(dx) >= abs(dy) and dx != 0:
                step = 1 if dx > 0 else -1
                nx += step
                dx -= step
            else:
                step = 1 if dy > 0 else -1
                ny += step
                dy -= step
        x[i] = nx
        y[i] = ny


@njit(cache=True, parallel=True)
def set_targets(x, y, partner, best_candidate, resource, resource_x, resource_y, idle_x, idle_y,
                interaction_radius, target_x, target_y, stop_distance):
    """Each agent's target cell and how close it must get, by precedence:
    its partner (within the interaction radius), else its best resource
    (onto the cell), else its best — already taken — partner candidate
    (within the interaction radius), else ``(idle_x, idle_y)`` (its own cell,
    or a wander target) with stop distance 0."""
    for i in prange(x.shape[0]):
        tx, ty, stop = idle_x[i], idle_y[i], 0
        if partner[i] >= 0:
            tx, ty, stop = x[partner[i]], y[partner[i]], interaction_radius
        elif resource[i] >= 0:
            tx, ty = resource_x[resource[i]], resource_y[resource[i]]
        elif best_candidate[i] >= 0:
            tx, ty, stop = x[best_candidate[i]], y[best_candidate[i]], interaction_radius
        target_x[i], target_y[i], stop_distance[i] = tx, ty, stop


@njit(cache=True)
def manhattan(x0, y0, x1, y1):
    return abs(x0 - x1) + abs(y0 - y1)
