"""The records of other services a pledge names: the event it was announced at (events
service)."""

from __future__ import annotations

from services.common.references import EVENTS_FEED, Reference, References
from services.pledges.models import KnownReference, Pledge, ReferenceCheckpoint

references = References(KnownReference, ReferenceCheckpoint, (EVENTS_FEED,))


def announcement_references(announced_at: str | None) -> list[Reference]:
    return [] if announced_at is None else [Reference("announced_at", "event", announced_at)]


def of_pledge(pledge: Pledge) -> list[Reference]:
    return announcement_references(pledge.announced_at)
