"""Parameters of the coordination economy's markets and mechanisms, and its YAML file.

One pydantic model per market or mechanism, every field with its unit and
the reason for its default; unknown keys and out-of-range values are errors
that name the key (``markets.resources.cores_per_worker: ...``). The file
format mirrors the models::

    workers: 12          # shared by every market
    ticks: 60
    markets:
      resources: {enabled: true, cores_per_worker: 4}
      coupling: {tax_rate: 1.0}

A market that is ``enabled: false`` runs as its baseline (the same economy
without it) when ``vmt tasks --economy FILE`` runs single economies.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from vmt.task_economy.config import TaskEconomyConfigError

Positive = Annotated[float, Field(gt=0, allow_inf_nan=False)]
NonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Share = Annotated[float, Field(ge=0, le=1)]
Probability = Annotated[float, Field(gt=0, lt=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)


class MarketSwitch(_Strict):
    enabled: bool = True

    @model_validator(mode="after")
    def _ordered_ranges(self):
        for low, high in _RANGES:
            if hasattr(self, low) and getattr(self, low) > getattr(self, high):
                raise ValueError(f"{low} ({getattr(self, low)}) must not exceed {high} ({getattr(self, high)})")
        return self


_RANGES = (("value_per_core_low", "value_per_core_high"), ("value_low", "value_high"), ("parts_low", "parts_high"))


class ResourceParams(MarketSwitch):
    """Compute capacity: equal core endowments, random needs, a call auction per tick."""

    cores_per_worker: Annotated[int, Field(ge=1)] = 4        # equal endowment (the baseline allocation)
    max_need: Annotated[int, Field(ge=1)] = 8                # a worker needs U{0..max_need} cores per tick
    value_per_core_low: Positive = 0.5                        # money per core-tick of work done
    value_per_core_high: Positive = 3.0
    initial_budget: NonNegative = 20.0


class ExpertiseParams(MarketSwitch):
    """Help for tasks needing a skill the worker lacks; hidden helper quality; ratings."""

    requests_per_tick: Positive = 3.0                         # Poisson rate of help requests
    unskilled_proficiency: Probability = 0.3                  # proficiency without the skill
    help_hours: Positive = 1.0                                # helper's time per help (its cost basis)
    rating_noise: NonNegative = 0.2                           # s.d. of a rating around the true quality
    prior_mean: Share = 0.5                                   # reputation before any rating
    prior_weight: Positive = 2.0                              # prior counts as this many ratings
    reputation_premium: NonNegative = 1.0                     # price = cost * (1 + premium * reputation)
    initial_budget: NonNegative = 30.0


class DebtParams(MarketSwitch):
    """Technical-debt tokens created by shortcuts, auctioned to the cheapest payer."""

    shortcut_saving: Share = 0.3               # share of a feature's effort a shortcut saves
    principal_ratio: Positive = 1.2            # cleanup work units per work unit saved
    interest: NonNegative = 0.02               # per tick, compounding, until maturity
    overdue_interest: NonNegative = 0.05       # per tick after maturity
    maturity_ticks: Annotated[int, Field(ge=1)] = 15
    service_share: Share = 0.3                 # capacity share a holder spends on its tokens per tick
    crisis_threshold: Positive = 8.0           # total debt per worker (work units) that triggers a crisis
    initial_budget: NonNegative = 50.0


class CouplingParams(MarketSwitch):
    """Modules with a dependency graph; direct changes break dependents; a Pigouvian tax."""

    modules: Annotated[int, Field(ge=2)] = 12
    dependency_probability: Share = 0.3        # module m depends on each earlier module with this probability
    tasks_per_tick: Positive = 1.5
    breakage_probability: Share = 0.5          # per dependent module per direct change
    repair_share: Positive = 0.5               # repair work per break, as a share of the task's effort
    decoupling_overhead_high: Positive = 1.0   # the less-coupled way costs effort * (1 + U(0, high))
    tax_rate: NonNegative = 1.0                # 1 = the Pigouvian rate (expected downstream cost)
    initial_budget: NonNegative = 200.0


class PublicGoodParams(MarketSwitch):
    """Assurance contracts for test suites (one per module) that cut its breakage."""

    suite_cost: Positive = 15.0                 # money a test suite costs to build
    breakage_cut: Share = 0.5                   # a suite multiplies its module's breakage probability by (1 - cut)
    pledge_confidence: Share = 0.6              # plain contract: chance a worker expects the others to pledge
    refund_bonus: NonNegative = 0.5             # dominant contract: bonus per pledger if it fails


class OwnershipParams(MarketSwitch):
    """Harberger-taxed module ownership with drifting private values."""

    tax_rate: Share = 0.05                       # per tick, of the self-assessed value
    value_low: Positive = 20.0
    value_high: Positive = 100.0
    value_drift: NonNegative = 0.05              # s.d. of the per-tick log change of a worker's value
    income_per_tick: NonNegative = 5.0           # wage each worker earns per tick
    initial_budget: NonNegative = 100.0
    suite_cost: Positive = 200.0                 # a test suite the treasury buys when it can


class ForecastParams(MarketSwitch):
    """LMSR markets on "task finishes by its deadline", traded on private signals."""

    liquidity: Positive = 5.0                    # LMSR b
    insider_accuracy: Annotated[float, Field(gt=0.5, lt=1)] = 0.85
    outsider_accuracy: Annotated[float, Field(gt=0.5, lt=1)] = 0.6
    outsiders: Annotated[int, Field(ge=0)] = 4
    markets_per_run: Annotated[int, Field(ge=2)] = 60
    initial_budget: NonNegative = 50.0


class BundleParams(MarketSwitch):
    """Features needing several skills at once: VCG vs part-by-part auctions."""

    features_per_round: Annotated[int, Field(ge=1)] = 4
    parts_low: Annotated[int, Field(ge=1)] = 2
    parts_high: Annotated[int, Field(ge=1)] = 3
    value_per_effort: Positive = 2.5              # feature value = this * total effort of its parts
    candidates_per_part: Annotated[int, Field(ge=1)] = 4
    rounds: Annotated[int, Field(ge=1)] = 5


class Markets(_Strict):
    resources: ResourceParams = ResourceParams()
    expertise: ExpertiseParams = ExpertiseParams()
    debt: DebtParams = DebtParams()
    coupling: CouplingParams = CouplingParams()
    public_goods: PublicGoodParams = PublicGoodParams()
    ownership: OwnershipParams = OwnershipParams()
    forecasts: ForecastParams = ForecastParams()
    bundles: BundleParams = BundleParams()


class CoordinationConfig(_Strict):
    """The whole coordination economy: shared size and horizon, one section per market."""

    workers: Annotated[int, Field(ge=2)] = 12
    ticks: Annotated[int, Field(ge=1)] = 60
    markets: Markets = Markets()

    def market(self, name: str):
        """The parameter section of market ``name``."""
        return getattr(self.markets, name)

    def with_switch(self, name: str, enabled: bool) -> "CoordinationConfig":
        """A copy with market ``name`` switched on or off."""
        section = self.market(name).model_copy(update={"enabled": enabled})
        return self.model_copy(update={"markets": self.markets.model_copy(update={name: section})})


MARKET_NAMES = tuple(Markets.model_fields)


def describe_validation_error(error: ValidationError, source: str) -> str:
    """One paragraph naming each bad key by its dotted path."""
    parts = []
    for item in error.errors():
        key = ".".join(str(p) for p in item["loc"]) or "(top level)"
        message = "unknown key" if item["type"] == "extra_forbidden" else item["msg"]
        parts.append(f"{key}: {message}")
    return f"invalid coordination economy in {source}: " + "; ".join(parts)


def parse_coordination_config(data: object, source: str = "input") -> CoordinationConfig:
    """Validate a mapping (parsed YAML) into a :class:`CoordinationConfig`."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise TaskEconomyConfigError(f"invalid coordination economy in {source}: the top level must be a mapping")
    try:
        return CoordinationConfig.model_validate(data)
    except ValidationError as error:
        raise TaskEconomyConfigError(describe_validation_error(error, source)) from None


def load_coordination_config(path: str | Path) -> CoordinationConfig:
    """Read and validate a coordination-economy YAML file."""
    import yaml

    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise TaskEconomyConfigError(f"cannot read economy file {path}: {error.strerror}") from None
    except yaml.YAMLError as error:
        raise TaskEconomyConfigError(f"economy file {path} is not valid YAML: {error}") from None
    return parse_coordination_config(data, str(path))
