"""Hostile scenario documents end in success or VMT's own error, quickly, and
``vmt validate`` agrees with ``vmt run``."""

from __future__ import annotations

import random
import signal

import numba
import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reliability_support import tiny_economy
from vmt.cli import main
from vmt.scenario import ScenarioError, current_limits, load_scenario, set_limits
from vmt.scenario.loader import SCENARIO_DIR
from vmt.simulation.hostile import alias_bomb, deep_nesting, hostile_document, judge

BASES = [yaml.safe_load(p.read_text()) for p in sorted(SCENARIO_DIR.glob("*.yaml"))]
SECONDS_PER_DOCUMENT = 20
FUZZ = settings(max_examples=150, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@pytest.fixture(autouse=True)
def small_limits():
    """Limits a CI machine can afford, and one numba thread for tiny runs."""
    before, threads = current_limits(), numba.get_num_threads()
    set_limits(max_agents=2_000, max_grid_cells=250_000)
    numba.set_num_threads(1)
    yield
    set_limits(**before.__dict__)
    numba.set_num_threads(threads)


@pytest.fixture(scope="module", autouse=True)
def compiled_kernels():
    """Run every shipped scenario once, unbounded: the time bound is for hangs, not for
    compiling the kernels on a fresh machine."""
    for base in BASES:
        judge(yaml.safe_dump(base))


def _too_slow(signum, frame):
    raise TimeoutError(f"a document took more than {SECONDS_PER_DOCUMENT} s")


def judged(text: str) -> tuple[str, str]:
    """``judge`` under a time bound; the outcome must be 'ran' or 'refused' with a short message."""
    signal.signal(signal.SIGALRM, _too_slow)
    signal.alarm(SECONDS_PER_DOCUMENT)
    try:
        outcome, detail = judge(text)
    finally:
        signal.alarm(0)
    assert outcome in ("ran", "refused"), (outcome, detail, text[:400])
    assert len(detail) < 3000, detail[:400]
    return outcome, detail


@FUZZ
@given(seed=st.integers(0, 2**32 - 1))
def test_mutated_shipped_scenarios_run_or_are_refused(seed):
    rng = random.Random(seed)
    judged(hostile_document(rng.choice(BASES), rng))


YAML_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=25)


@FUZZ
@given(section=st.sampled_from(["grid", "agents", "params", "resources", "market_posts", "protocols",
                                "units", "seed", "name"]), value=YAML_VALUES)
def test_arbitrary_values_in_any_section_run_or_are_refused(section, value):
    document = {**tiny_economy_dict(), section: value}
    judged(yaml.safe_dump(document, allow_unicode=True))


def tiny_economy_dict() -> dict:
    return yaml.safe_load(tiny_economy("mixed_bilateral_centralized"))


@pytest.mark.parametrize("text, needle", [
    (alias_bomb(14), "aliases are expanded"),
    (deep_nesting(1000), "nested"),
    (deep_nesting(200, flow=False), "nested more than 32"),
    ("grid: {width: 5, height: 5}\nseed: " + "9" * 5000 + "\n", "Invalid"),
    ("grid: {width: 5, height: 5}\nseed: " + "9" * 30 + "\n", "does not fit in 64 bits"),
    ("&r [*r]\n", "contains itself"),
    ("? [a, b]\n: 1\n", "a key must be a name"),
    ("grid: {width: 5, height: 5}\nname: " + "x" * 1_100_000 + "\n", "max_document_bytes"),
])
def test_text_attacks_are_refused_fast_with_a_short_message(text, needle):
    with pytest.raises(ScenarioError, match=needle) as info:
        load_scenario(text)
    assert len(str(info.value)) < 1000
    assert judged(text)[0] == "refused"  # and within the time bound


def with_changes(**changes) -> dict:
    document = tiny_economy_dict()
    for path, value in changes.items():
        node = document
        *parents, last = path.split("__")
        for part in parents:
            node = node[int(part)] if part.isdigit() else node.setdefault(part, {})
        node[int(last) if last.isdigit() else last] = value
    return document


@pytest.mark.parametrize("changes, needle", [
    ({"grid__width": 10**5, "grid__height": 10**4}, "max_grid_cells"),
    ({"agents__0__count": 10**8}, "max_agents"),
    ({"agents__0__endowment__M": 1e300}, "64-bit integers"),
    ({"units__M": 1e-300, "agents__0__endowment__M": 1e10}, "units.M"),
    ({"params__ticks": 10**30}, "does not fit in 64 bits"),
    ({"seed": -1}, "seed"),
    ({"market_posts__0__mechanism_type": "auction_of_dreams"}, "unknown mechanism"),
    ({"market_posts__0__mechanism_params": {"price_floor": 9, "price_ceiling": 2}}, "contradict"),
    ({"market_posts__0__mechanism_params": {"opening_price": float("inf")}}, "opening_price"),
    ({"protocols": {"bargaining": {"name": "nash", "params": {"nonsense": 1}}}}, "nonsense"),
])
def test_validate_and_run_refuse_the_same_documents(tmp_path, changes, needle):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(with_changes(**changes)))
    for command in (["validate", str(path)], ["run", str(path), "--ticks", "2", "--quiet"]):
        result = CliRunner().invoke(main, command)
        assert result.exit_code == 2, (command, result.output)
        assert needle in result.output and "Traceback" not in result.output
        assert result.output.count("\n") == 1 and len(result.output) < 1500


def test_radii_beyond_the_grid_are_clamped_to_its_diameter():
    scenario = load_scenario(with_changes(params__vision_radius=10**9, params__broadcast_radius=10**12,
                                          market_posts__0__visibility_radius=10**9))
    assert scenario.params.vision_radius == 8 and scenario.params.broadcast_radius == 8  # 5x5 grid
    assert scenario.market_posts[0].visibility_radius == 8
    assert judged(yaml.safe_dump(with_changes(params__vision_radius=10**9)))[0] == "ran"


def test_limits_can_be_raised_by_the_user(tmp_path):
    big = with_changes(agents__0__count=3_000)
    with pytest.raises(ScenarioError, match="max_agents"):
        load_scenario(big)
    path = tmp_path / "big.yaml"
    path.write_text(yaml.safe_dump(big))
    assert CliRunner().invoke(main, ["validate", str(path)]).exit_code == 2
    raised = CliRunner().invoke(main, ["validate", str(path), "--limit", "max_agents=4000"])
    assert raised.exit_code == 0, raised.output
    bad = CliRunner().invoke(main, ["validate", str(path), "--limit", "max_agentz=4"])
    assert bad.exit_code == 2 and "unknown scenario limit" in bad.output
