"""Settings a scenario may carry whose feature is not active in this version.

The schema accepts everything the seed documents describe so that their
files load as written, but nothing is silently dropped: each accepted
setting that the simulation will not act on (or acts on through an alias or
a fallback) is reported as one sentence, printed by ``vmt validate`` and
recorded with the run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from .base import amount_bounds
from .params import INSTITUTION_WEIGHT_PARAMS, PRICE_SIGNAL_PARAMS

if TYPE_CHECKING:
    from .model import Scenario

ACTIVE_INSTITUTIONS = ("bilateral", "price_signals", "centralized", "mixed_bilateral_centralized")
#: Institutions that run the scenario's market posts.
POST_INSTITUTIONS = ("centralized", "mixed_bilateral_centralized")
#: Institution -> the issue that activates it.
INSTITUTION_ISSUES = {"price_signals": 3, "centralized": 4, "mixed_bilateral_centralized": 4}


def _market_posts(scenario: "Scenario") -> list[str]:
    posts, institution = scenario.market_posts, scenario.params.institution
    if not posts and institution in POST_INSTITUTIONS:  # 'centralized' without posts is an error
        return [f"params.institution is '{institution}' but there are no market_posts: "
                "agents trade only bilaterally"]
    if not posts or institution in POST_INSTITUTIONS:
        return []
    mechanisms = ", ".join(sorted({p.mechanism_type for p in posts}))
    return [
        f"market_posts: {len(posts)} market post(s) ({mechanisms}) act only under params.institution "
        f"'centralized' or 'mixed_bilateral_centralized'; this run's institution "
        f"'{scenario.params.institution}' ignores them"
    ]


def _post_search(scenario: "Scenario") -> list[str]:
    if scenario.params.institution not in POST_INSTITUTIONS or not scenario.market_posts:
        return []
    search = scenario.protocols.search.resolved_name
    if search == "distance_discounted":
        return [f"protocols.search: 'distance_discounted' runs as 'market_aware' under params.institution "
                f"'{scenario.params.institution}' (same partners and resources, plus the market posts)"]
    if search != "market_aware":
        return [f"protocols.search: '{search}' does not rank market posts; under params.institution "
                f"'{scenario.params.institution}' the posts are scored after matching and only unpaired "
                "agents go to them"]
    return []


def _institution(scenario: "Scenario") -> list[str]:
    institution = scenario.params.institution
    if institution in ACTIVE_INSTITUTIONS:
        return []
    return [
        f"params.institution is '{institution}', which is not active in this version (issue "
        f"{INSTITUTION_ISSUES[institution]} will activate it); agents trade bilaterally"
    ]


def _unused_params(scenario: "Scenario") -> list[str]:
    notes = []
    price_signal = scenario.params.explicitly_set(PRICE_SIGNAL_PARAMS)
    if price_signal and scenario.params.institution != "price_signals":
        notes.append(
            f"params {', '.join(price_signal)}: market-area and price-learning parameters act only "
            f"under params.institution 'price_signals'; this run's institution "
            f"'{scenario.params.institution}' ignores them"
        )
    weights = scenario.params.explicitly_set(INSTITUTION_WEIGHT_PARAMS)
    if weights and scenario.params.institution != "mixed_bilateral_centralized":
        notes.append(
            f"params {', '.join(weights)}: the split between market posts and bilateral trade acts only "
            f"under params.institution 'mixed_bilateral_centralized'; this run's institution "
            f"'{scenario.params.institution}' ignores it"
        )
    return notes


def _protocols(scenario: "Scenario") -> list[str]:
    notes = []
    for slot, spec in scenario.protocols.slots().items():
        written = f"'{spec.name}'" + (f" (an alias of '{spec.resolved_name}')" if spec.name != spec.resolved_name else "")
        if spec.active_name != spec.resolved_name:
            notes.append(
                f"protocols.{slot}: {written} is not active in this version; "
                f"the run falls back to '{spec.active_name}'"
            )
        elif spec.name != spec.resolved_name:
            notes.append(f"protocols.{slot}: {written} runs as '{spec.resolved_name}'")
    versions = [f"protocols.{slot}.version" for slot, spec in scenario.protocols.slots().items() if spec.version]
    if versions:
        notes.append(f"{', '.join(versions)}: recorded with the run but not checked against the implementation")
    return notes


def _group_money(scenario: "Scenario") -> list[str]:
    if scenario.params.exchange_regime != "barter":
        return []
    holders = [i for i, g in enumerate(scenario.agents) if amount_bounds(g.endowment.M)[1] > 0]
    if not holders:
        return []
    where = ", ".join(f"agents[{i}]" for i in holders)
    return [f"{where}: money endowments are held but not traded under exchange_regime 'barter'"]


CHECKS: tuple[Callable[["Scenario"], list[str]], ...] = (
    _market_posts,
    _post_search,
    _institution,
    _unused_params,
    _protocols,
    _group_money,
)


def inactive_features(scenario: "Scenario") -> list[str]:
    """One human sentence per accepted-but-inactive setting, in schema order."""
    return [note for check in CHECKS for note in check(scenario)]
