"""The practices service's outbox: which event each write emits, and who may read it."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.outbox import PUBLIC, Audience, Outbox
from services.common.webhooks import Webhooks
from services.practices.models import (
    InventoryItem,
    OutboxEvent,
    Practice,
    PracticeStatus,
    WebhookDelivery,
    WebhookSubscription,
)

outbox = Outbox(OutboxEvent, "practices")
webhooks = Webhooks(outbox, WebhookSubscription, WebhookDelivery)
# A transition is named by the status it reaches; back to draft reads as "returned".
ACTIONS = {PracticeStatus.DRAFT.value: "returned"}


def practice_audience(practice: Practice) -> Audience:
    """Anyone once published; before that its authors, as `service.is_author` names them."""
    if practice.status == PracticeStatus.PUBLISHED:
        return PUBLIC
    return Audience(
        subjects=[practice.created_by],
        organisations=[practice.owner_org_id] if practice.owner_org_id else [],
        countries=[practice.country] if practice.origin == "mirps_country" else [],
    )


async def practice_changed(
    session: AsyncSession, practice: Practice, action: str, was: str | None = None
) -> None:
    """One event per practice write; archiving a published practice is a public tombstone."""
    data: dict[str, object] = {
        "id": str(practice.id),
        "status": str(practice.status),
        "country": practice.country,
    }
    audience = practice_audience(practice)
    if practice.status == PracticeStatus.ARCHIVED:
        data["tombstone"] = True
        if was == PracticeStatus.PUBLISHED:
            audience = PUBLIC
    await outbox.record(
        session,
        f"practice.{ACTIONS.get(action, action)}",
        f"practices/{practice.id}",
        data,
        audience,
    )


async def inventory_item_changed(session: AsyncSession, item: InventoryItem, action: str) -> None:
    data: dict[str, object] = {"id": str(item.id), "country": item.country}
    if action == "deleted":
        data["tombstone"] = True
    await outbox.record(
        session, f"inventory_item.{action}", f"inventory-items/{item.id}", data, PUBLIC
    )
