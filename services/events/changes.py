"""The events service's outbox: which event each write emits, and who may read it.

Registrations never carry names or e-mails: a feed consumer learns that a registration
changed and fetches it with a token allowed to read it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.outbox import PUBLIC, Audience, Outbox
from services.common.webhooks import Webhooks
from services.events.models import (
    LearningEvent,
    Occurrence,
    OutboxEvent,
    Outcome,
    Registration,
    WebhookDelivery,
    WebhookSubscription,
)
from services.events.schemas import EventStatus

outbox = Outbox(OutboxEvent, "events")
webhooks = Webhooks(outbox, WebhookSubscription, WebhookDelivery)
TOMBSTONES = {EventStatus.CANCELLED.value}


def event_audience(event: LearningEvent) -> Audience:
    """Anyone once past proposed; before that its hosts' people (as `service._can_see`)."""
    if event.status != EventStatus.PROPOSED.value:
        return PUBLIC
    return Audience(organisations=[host.organisation_id for host in event.hosts])


async def event_changed(session: AsyncSession, event: LearningEvent, action: str) -> None:
    """One event per write of a learning event; a cancellation is a tombstone."""
    data: dict[str, Any] = {"id": str(event.id), "status": event.status, "sequence": event.sequence}
    if event.status in TOMBSTONES:
        data["tombstone"] = True
    await outbox.record(
        session, f"event.{action}", f"events/{event.id}", data, event_audience(event)
    )


async def occurrence_changed(
    session: AsyncSession, event: LearningEvent, occurrence: Occurrence, action: str
) -> None:
    recurrence = occurrence.recurrence_id.isoformat()
    await outbox.record(
        session,
        f"event.occurrence_{action}",
        f"events/{event.id}/occurrences/{recurrence}",
        {"event_id": str(event.id), "recurrence_id": recurrence, "status": occurrence.status},
        event_audience(event),
    )


async def registration_changed(
    session: AsyncSession, hosts: list[str], registration: Registration, action: str
) -> None:
    """Organisers, the registering organisation and who registered; ids and status only.

    `hosts` are read before the event row is locked (locking reloads it without them)."""
    organisations = list(hosts)
    if registration.organisation_id:
        organisations.append(registration.organisation_id)
    await outbox.record(
        session,
        f"registration.{action}",
        f"registrations/{registration.id}",
        {
            "id": str(registration.id),
            "event_id": str(registration.event_id),
            "status": registration.status,
        },
        Audience(organisations=organisations, subjects=[registration.created_by]),
    )


async def outcome_changed(
    session: AsyncSession, event: LearningEvent, outcome: Outcome, action: str
) -> None:
    await outbox.record(
        session,
        f"outcome.{action}",
        f"outcomes/{outcome.id}",
        {
            "id": str(outcome.id),
            "event_id": str(event.id),
            "status": outcome.status,
            "pledge_id": None if outcome.pledge_id is None else str(outcome.pledge_id),
        },
        event_audience(event),
    )
