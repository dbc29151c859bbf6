"""The records of other services an event names: host organisations and featured practices
(pledges service, practices service), and an outcome's organisation and pledge."""

from __future__ import annotations

from collections.abc import Sequence

from services.common.references import PLEDGES_FEED, PRACTICES_FEED, Reference, References
from services.events.models import KnownReference, LearningEvent, Outcome, ReferenceCheckpoint

references = References(KnownReference, ReferenceCheckpoint, (PLEDGES_FEED, PRACTICES_FEED))


def event_references(
    hosts: Sequence[str] | None, featured_practice_ids: Sequence[str] | None
) -> list[Reference]:
    """The ids an event's hosts and featured practices name (None: not given)."""
    named = [Reference(f"hosts[{i}]", "organisation", id_) for i, id_ in enumerate(hosts or [])]
    named += [
        Reference(f"featured_practice_ids[{i}]", "practice", id_)
        for i, id_ in enumerate(featured_practice_ids or [])
    ]
    return named


def outcome_references(organisation_id: str | None, pledge_id: str | None) -> list[Reference]:
    named = []
    if organisation_id is not None:
        named.append(Reference("organisation_id", "organisation", organisation_id))
    if pledge_id is not None:
        named.append(Reference("pledge_id", "pledge", pledge_id))
    return named


def of_event(event: LearningEvent) -> list[Reference]:
    return event_references(
        [host.organisation_id for host in event.hosts],
        [item.practice_id for item in event.featured_practices],
    )


def of_outcome(outcome: Outcome) -> list[Reference]:
    return outcome_references(outcome.organisation_id, outcome.pledge_id)
