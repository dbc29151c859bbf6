"""Minutes and materials of an event: seen by whoever sees the event, written by its organisers."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Principal
from services.common.documents import documents_batch_router, documents_router
from services.common.outbox import Audience
from services.events import service
from services.events.changes import event_audience, outbox
from services.events.models import EventDocument


class EventParent:
    """An event's documents follow the event: public once it is no longer proposed."""

    async def check_readable(
        self, session: AsyncSession, principal: Principal | None, parent_id: uuid.UUID
    ) -> Audience:
        return event_audience(await service.visible_event(session, principal, parent_id))

    async def check_writable(
        self, session: AsyncSession, principal: Principal, parent_id: uuid.UUID
    ) -> Audience:
        event = await service.visible_event(session, principal, parent_id)
        service.require_organiser(principal, event)
        return event_audience(event)


PARENT = EventParent()
router = documents_router(collection="events", model=EventDocument, parent=PARENT, outbox=outbox)
batch_router = documents_batch_router(model=EventDocument, parent=PARENT, noun="event")
routers = (router, batch_router)
