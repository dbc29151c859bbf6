"""The records of other services an indicator names: the country objective it tracks
(pledges service)."""

from __future__ import annotations

from services.common.references import PLEDGES_FEED, Reference, References
from services.results.models import Indicator, KnownReference, ReferenceCheckpoint

references = References(KnownReference, ReferenceCheckpoint, (PLEDGES_FEED,))


def objective_references(objective_id: str | None) -> list[Reference]:
    return [] if objective_id is None else [Reference("objective_id", "objective", objective_id)]


def of_indicator(indicator: Indicator) -> list[Reference]:
    return objective_references(indicator.objective_id)
