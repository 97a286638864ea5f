"""Scenario layer: YAML files validated into typed models (schema version 1).

>>> from vmt.scenario import load_scenario
>>> s = load_scenario("edgeworth_box", overrides=["params.ticks=10"])
>>> s.params.ticks, s.agent_count
(10, 2)

See docs/scenarios.md for every key, default, alias and seed-format adaptation.
"""

from .errors import ScenarioError
from .limits import Limits, current_limits, set_limits
from .loader import apply_overrides, builtin_scenarios, default_scenario, load_scenario, scenario_path
from .model import SUPPORTED_SCHEMA_VERSIONS, Grid, Scenario, Units

__all__ = [
    "SUPPORTED_SCHEMA_VERSIONS",
    "Grid",
    "Limits",
    "Scenario",
    "ScenarioError",
    "Units",
    "apply_overrides",
    "builtin_scenarios",
    "current_limits",
    "default_scenario",
    "load_scenario",
    "scenario_path",
    "set_limits",
]
