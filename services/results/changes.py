"""The results service's outbox: which event each write emits, and who may read it.

Everything in the framework is public except reported values awaiting review, which
only the secretariat and the indicator's country focal points see (`may_see_submitted`).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.outbox import PUBLIC, Audience, Outbox
from services.common.webhooks import Webhooks
from services.results.models import (
    Indicator,
    Measurement,
    OutboxEvent,
    WebhookDelivery,
    WebhookSubscription,
)

outbox = Outbox(OutboxEvent, "results")
webhooks = Webhooks(outbox, WebhookSubscription, WebhookDelivery)


async def changed(
    session: AsyncSession, kind: str, action: str, record_id: uuid.UUID, **data: Any
) -> None:
    """One public event about a framework record (`kind` names it: strategy, milestone …)."""
    path = kind.replace("_", "-") + "s"
    await outbox.record(
        session, f"{kind}.{action}", f"{path}/{record_id}", {"id": str(record_id), **data}, PUBLIC
    )


async def measurement_changed(
    session: AsyncSession, indicator: Indicator, measurement: Measurement, action: str
) -> None:
    audience = (
        Audience(countries=[indicator.country] if indicator.country else [])
        if measurement.review_status == "submitted"
        else PUBLIC
    )
    await outbox.record(
        session,
        f"measurement.{action}",
        f"indicators/{indicator.id}/measurements/{measurement.id}",
        {
            "id": str(measurement.id),
            "indicator_id": str(indicator.id),
            "period": measurement.period,
            "review_status": measurement.review_status,
        },
        audience,
    )


async def snapshot_frozen(session: AsyncSession, strategy_code: str, period: str) -> None:
    await outbox.record(
        session,
        "progress_snapshot.frozen",
        f"strategies/{strategy_code}/snapshots/{period}",
        {"strategy": strategy_code, "period": period},
        PUBLIC,
    )
