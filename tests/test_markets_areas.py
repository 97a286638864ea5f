"""Market areas: detection, membership, dissolution and broadcast against
slow pure-Python references written from the definitions in
docs/price_signals.md (no shared code with the kernels)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from vmt.markets.areas import AreaDetector, AreaParams, AreaState, assign_members, broadcast
from vmt.markets.areas.membership import count_coverage

settings.register_profile("areas", max_examples=40, deadline=None, derandomize=True)
PROFILE = settings.get_profile("areas")
W, H = 12, 9


def manhattan(x0, y0, x1, y1):
    return abs(int(x0) - int(x1)) + abs(int(y0) - int(y1))


def reference_membership(x, y, cx, cy, live, radius):
    """Largest area (agents within radius), then closest, then lowest id."""
    coverage = {a: sum(manhattan(x[i], y[i], cx[a], cy[a]) <= radius for i in range(len(x))) for a in live}
    member = []
    for i in range(len(x)):
        near = [a for a in live if manhattan(x[i], y[i], cx[a], cy[a]) <= radius]
        member.append(min(near, key=lambda a: (-coverage[a], manhattan(x[i], y[i], cx[a], cy[a]), a)) if near else -1)
    return np.array(member)


def reference_formation(x, y, free, params):
    """Densest free cells first (ties: lowest y*W+x), each blocking cells within 2R."""
    cells = sorted({(int(y[i]) * W + int(x[i])) for i in range(len(x)) if free[i]})
    density = {c: sum(free[i] and manhattan(x[i], y[i], c % W, c // W) <= params.radius for i in range(len(x)))
               for c in cells}
    chosen = []
    for c in sorted((c for c in cells if density[c] >= params.formation_threshold), key=lambda c: (-density[c], c)):
        if all(manhattan(c % W, c // W, d % W, d // W) > 2 * params.radius for d in chosen):
            chosen.append(c)
    return chosen


positions = st.lists(st.tuples(st.integers(0, W - 1), st.integers(0, H - 1)), min_size=1, max_size=60)


@settings(PROFILE)
@given(positions, st.integers(0, 3), st.integers(2, 6))
def test_formation_and_membership_match_the_reference(points, radius, threshold):
    x = np.array([p[0] for p in points], np.int64)
    y = np.array([p[1] for p in points], np.int64)
    params = AreaParams(formation_threshold=threshold, dissolution_threshold=threshold - 1, radius=radius,
                        broadcast_radius=radius)
    areas = AreaState(1, W, H)
    detection = AreaDetector(params, W, H).step(areas, x, y, tick=0)
    expected = reference_formation(x, y, np.ones(len(x), bool), params)
    assert list(areas.center_y[: areas.count] * W + areas.center_x[: areas.count]) == expected
    assert list(detection.formed) == list(range(len(expected)))
    live = list(areas.live())
    np.testing.assert_array_equal(detection.member, reference_membership(x, y, areas.center_x, areas.center_y, live, radius))
    np.testing.assert_array_equal(areas.members[live], [np.sum(detection.member == a) for a in live])


@settings(PROFILE)
@given(positions, positions)
def test_a_second_tick_counts_only_free_agents(first, second):
    """Areas persist; new ones form only from agents that belong to no live area."""
    params = AreaParams(formation_threshold=4, dissolution_threshold=2, radius=2, broadcast_radius=2)
    areas, detector = AreaState(1, W, H), AreaDetector(params, W, H)
    x0, y0 = (np.array([p[i] for p in first], np.int64) for i in (0, 1))
    detector.step(areas, x0, y0, tick=0)
    before = areas.count
    x1, y1 = (np.array([p[i] for p in second], np.int64) for i in (0, 1))
    old = list(areas.live())
    member = reference_membership(x1, y1, areas.center_x, areas.center_y, old, params.radius)
    coverage = {a: sum(manhattan(x1[i], y1[i], areas.center_x[a], areas.center_y[a]) <= params.radius
                       for i in range(len(x1))) for a in old}
    low = {a for a in old if coverage[a] < params.dissolution_threshold}
    assert all(areas.below[a] == 0 for a in old)  # patience 5: nothing dissolves on the first low tick
    free = member < 0
    expected_new = reference_formation(x1, y1, free, params)
    detection = detector.step(areas, x1, y1, tick=1)
    new = areas.center_y[before: areas.count] * W + areas.center_x[before: areas.count]
    assert list(new) == expected_new and list(detection.formed) == list(range(before, areas.count))
    assert all(areas.below[a] == (1 if a in low else 0) for a in old)
    np.testing.assert_array_equal(detection.member, reference_membership(
        x1, y1, areas.center_x, areas.center_y, list(areas.live()), params.radius))


@settings(PROFILE)
@given(st.lists(st.tuples(st.integers(0, W - 1), st.integers(0, H - 1), st.integers(1, 400)), min_size=1, max_size=6),
       st.sampled_from([3, 250, 255, 256, 300, 700]))
def test_crowded_cells_and_thresholds_past_a_byte_match_the_reference(stacks, threshold):
    """Cells holding hundreds of agents, thresholds on both sides of 255: the
    densities summed on a byte grid are exact where they decide anything."""
    x = np.repeat(np.array([s[0] for s in stacks], np.int64), [s[2] for s in stacks])
    y = np.repeat(np.array([s[1] for s in stacks], np.int64), [s[2] for s in stacks])
    params = AreaParams(formation_threshold=threshold, dissolution_threshold=1, radius=2, broadcast_radius=2)
    areas = AreaState(1, W, H)
    detection = AreaDetector(params, W, H).step(areas, x, y, tick=0)
    expected = reference_formation(x, y, np.ones(len(x), bool), params)
    assert list(areas.center_y[: areas.count] * W + areas.center_x[: areas.count]) == expected
    np.testing.assert_array_equal(detection.member, reference_membership(
        x, y, areas.center_x, areas.center_y, list(areas.live()), params.radius))


def test_area_dissolves_after_patience_ticks_with_few_agents_within_reach_and_ids_are_not_reused():
    params = AreaParams(formation_threshold=5, dissolution_threshold=3, patience=3, radius=1, broadcast_radius=1)
    areas, detector = AreaState(1, W, H), AreaDetector(params, W, H)
    crowd_x, crowd_y = np.array([5, 5, 5, 4, 6], np.int64), np.array([4, 4, 3, 4, 4], np.int64)
    assert list(detector.step(areas, crowd_x, crowd_y, 0).formed) == [0]
    assert (areas.center_x[0], areas.center_y[0]) == (5, 4)
    scattered_x, scattered_y = np.array([5, 5, 0, 11, 0], np.int64), np.array([4, 4, 0, 8, 8], np.int64)
    events = [detector.step(areas, scattered_x, scattered_y, t) for t in (1, 2, 3)]
    assert [list(e.dissolved) for e in events] == [[], [], [0]]
    assert list(events[-1].dissolved_coverage) == [2]
    assert not areas.alive[0] and (events[-1].member == -1).all()
    assert list(detector.step(areas, crowd_x, crowd_y, 4).formed) == [1]  # a new id, same place


def test_an_area_survives_a_low_tick_when_the_crowd_returns():
    params = AreaParams(formation_threshold=5, dissolution_threshold=3, patience=2, radius=1, broadcast_radius=1)
    areas, detector = AreaState(1, W, H), AreaDetector(params, W, H)
    crowd_x, crowd_y = np.array([5, 5, 5, 4, 6], np.int64), np.array([4, 4, 3, 4, 4], np.int64)
    away_x, away_y = np.array([5, 0, 0, 11, 11], np.int64), np.array([4, 0, 8, 0, 8], np.int64)
    for t, (x, y) in enumerate([(crowd_x, crowd_y), (away_x, away_y), (crowd_x, crowd_y), (away_x, away_y)]):
        assert detector.step(areas, x, y, t).dissolved.size == 0
    assert areas.alive[0] and areas.count == 1


def reference_hearing(x, y, member, areas, radius):
    """Per agent and pair: own area, then closest, then most members, then lowest id."""
    n = len(x)
    source = np.full((n, 3), -1)
    for i in range(n):
        for k in range(3):
            options = [a for a in areas.live() if np.isfinite(areas.price[a, k])
                       and manhattan(x[i], y[i], areas.center_x[a], areas.center_y[a]) <= radius]
            if options:
                source[i, k] = min(options, key=lambda a: (a != member[i], manhattan(
                    x[i], y[i], areas.center_x[a], areas.center_y[a]), -areas.members[a], a))
    return source


@settings(PROFILE)
@given(positions, st.integers(0, 4), st.integers(0, 2**32 - 1))
def test_broadcast_matches_the_reference(points, broadcast_radius, seed):
    rng = np.random.default_rng(seed)
    x, y = (np.array([p[i] for p in points], np.int64) for i in (0, 1))
    params = AreaParams(formation_threshold=3, dissolution_threshold=2, radius=2, broadcast_radius=broadcast_radius)
    areas = AreaState(1, W, H)
    member = AreaDetector(params, W, H).step(areas, x, y, 0).member
    areas.dissolve(np.flatnonzero(rng.random(areas.count) < 0.2))  # members of an area gone since detection
    areas.price[: areas.count] = np.where(rng.random((areas.count, 3)) < 0.3, np.nan, rng.uniform(0.5, 2, (areas.count, 3)))
    areas.price_tick[: areas.count] = rng.integers(0, 9, (areas.count, 3))
    observed = np.full((len(x), 3), 7.0)
    observed_tick = np.full((len(x), 3), -5, np.int64)
    heard = broadcast(areas, x, y, member, broadcast_radius, observed, observed_tick)
    source = reference_hearing(x, y, member, areas, broadcast_radius)
    np.testing.assert_array_equal(heard, source >= 0)
    rows, pairs = np.nonzero(source >= 0)
    np.testing.assert_array_equal(observed[rows, pairs], areas.price[source[rows, pairs], pairs])
    np.testing.assert_array_equal(observed_tick[rows, pairs], areas.price_tick[source[rows, pairs], pairs])
    assert (observed[source < 0] == 7.0).all() and (observed_tick[source < 0] == -5).all()


def test_membership_prefers_the_larger_area_then_the_closer_centre():
    areas = AreaState(1, W, H)
    areas.add(np.array([2, 6], np.int64), np.array([2, 2], np.int64), tick=0)
    x = np.array([4, 4, 6, 6, 7, 1, 2], np.int64)  # agent 0 and 1 at distance 2 of both centres
    y = np.array([2, 2, 2, 3, 2, 2, 2], np.int64)
    agents_before_cell = np.concatenate([[0], np.cumsum(np.bincount(y * W + x, minlength=W * H))])
    count_coverage(areas, areas.live(), agents_before_cell, radius=2)
    member = assign_members(areas, x, y, radius=2)
    assert list(areas.coverage[:2]) == [4, 5]
    assert list(member) == [1, 1, 1, 1, 1, 0, 0]
