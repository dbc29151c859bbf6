"""The pledges service's outbox: which event each write emits, and who may read it."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.outbox import PUBLIC, Audience, Outbox
from services.common.webhooks import Webhooks
from services.pledges.models import (
    LedgerEntry,
    Objective,
    Organisation,
    OutboxEvent,
    Pledge,
    PledgeContributor,
    PledgeStage,
    Visibility,
    WebhookDelivery,
    WebhookSubscription,
)

outbox = Outbox(OutboxEvent, "pledges")
webhooks = Webhooks(outbox, WebhookSubscription, WebhookDelivery)

# History action -> event type; an update that moves implementation_status is a
# status change, one that restricts a public pledge a tombstone for the public.
PLEDGE_TYPES = {
    "created": "pledge.created",
    "updated": "pledge.updated",
    "reallocated": "pledge.reallocated",
    "withdrawn": "pledge.withdrawn",
    "announced": "pledge.announced",
    "progress_update": "pledge.progress_updated",
    "contributors_set": "pledge.contributors_set",
}


def pledge_audience(
    pledge: Pledge, countries: Sequence[str], contributors: Sequence[uuid.UUID] = ()
) -> Audience:
    """Anyone for a public pledge; else its contributors' people (the lead's and any
    co-contributor's) and its countries' focal points."""
    cultivating = pledge.implementation_status == PledgeStage.CULTIVATING.value
    if pledge.visibility == Visibility.PUBLIC.value and not cultivating:
        return PUBLIC
    organisations = {str(pledge.contributor_id), *(str(c) for c in contributors)}
    return Audience(organisations=sorted(organisations), countries=countries)


async def contributor_ids(session: AsyncSession, pledge_id: uuid.UUID) -> list[uuid.UUID]:
    """The organisations contributing to a pledge (lead and co-contributors)."""
    found = await session.scalars(
        select(PledgeContributor.organisation_id).where(PledgeContributor.pledge_id == pledge_id)
    )
    return list(found.all())


async def pledge_changed(
    session: AsyncSession,
    pledge: Pledge,
    action: str,
    changes: dict[str, list[Any]],
    countries: Sequence[str],
) -> None:
    """One event for a pledge's create, update, reallocation or withdrawal."""
    type_ = PLEDGE_TYPES[action]
    audience = pledge_audience(pledge, countries, await contributor_ids(session, pledge.id))
    data: dict[str, Any] = {
        "id": str(pledge.id),
        "contributor_id": str(pledge.contributor_id),
        "changed": sorted(changes),
    }
    visibility = changes.get("visibility")
    if visibility and visibility[0] == Visibility.PUBLIC.value and audience is not PUBLIC:
        # Readers of the public feed must learn it is gone from their view, and no more.
        type_, audience = "pledge.restricted", PUBLIC
        data = {"id": str(pledge.id), "tombstone": True}
    elif action == "withdrawn":
        data["tombstone"] = True
    elif "implementation_status" in changes and action == "updated":
        type_ = "pledge.status_changed"
        data["implementation_status"] = changes["implementation_status"]
    await outbox.record(session, type_, f"pledges/{pledge.id}", data, audience)


async def entry_recorded(
    session: AsyncSession, pledge: Pledge, entry: LedgerEntry, countries: Sequence[str]
) -> None:
    await outbox.record(
        session,
        "pledge.entry_recorded",
        f"pledges/{pledge.id}/entries/{entry.id}",
        {"id": str(entry.id), "pledge_id": str(pledge.id), "entry_type": entry.entry_type},
        pledge_audience(pledge, countries, await contributor_ids(session, pledge.id)),
    )


async def entries_imported(
    session: AsyncSession,
    pledges: Sequence[Pledge],
    entries: Sequence[LedgerEntry],
    countries: Mapping[uuid.UUID, Sequence[str]],
) -> None:
    """One event per pledge an import added entries to (not one per entry: a 100,000-row
    file would flood every subscriber), with how many of each type; the entries
    themselves are read from the pledge's ledger. Per pledge, so each event keeps its
    pledge's audience (an import can mix public and restricted pledges)."""
    counted: dict[uuid.UUID, Counter[str]] = {pledge.id: Counter() for pledge in pledges}
    for entry in entries:
        counted[entry.pledge_id][entry.entry_type] += 1
    for pledge in pledges:
        await outbox.record(
            session,
            "pledge.entries_imported",
            f"pledges/{pledge.id}/entries",
            {
                "pledge_id": str(pledge.id),
                "entries": sum(counted[pledge.id].values()),
                "entry_types": dict(sorted(counted[pledge.id].items())),
            },
            pledge_audience(pledge, countries[pledge.id]),
        )


async def organisation_changed(
    session: AsyncSession, organisation: Organisation, action: str
) -> None:
    await outbox.record(
        session,
        f"organisation.{action}",
        f"organisations/{organisation.id}",
        {"id": str(organisation.id), "name": organisation.name, "kind": organisation.kind},
        PUBLIC,
    )


async def objective_changed(session: AsyncSession, objective: Objective, action: str) -> None:
    await outbox.record(
        session,
        f"objective.{action}",
        f"objectives/{objective.id}",
        {"id": str(objective.id), "country": objective.country},
        PUBLIC,
    )


async def exchange_rates_recorded(session: AsyncSession, currencies: Sequence[str]) -> None:
    await outbox.record(
        session,
        "exchange_rates.recorded",
        "exchange-rates",
        {"currencies": sorted(set(currencies))},
        PUBLIC,
    )
