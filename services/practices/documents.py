"""Materials of a practice: seen by whoever sees the practice (a draft only by who may see the
draft), attached by its authors and the secretariat."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Principal
from services.common.documents import documents_batch_router, documents_router
from services.common.outbox import Audience
from services.practices import service
from services.practices.changes import outbox, practice_audience
from services.practices.exceptions import NotYourPractice
from services.practices.models import PracticeDocument


class PracticeParent:
    async def check_readable(
        self, session: AsyncSession, principal: Principal | None, parent_id: uuid.UUID
    ) -> Audience:
        return practice_audience(await service.visible_practice(session, principal, parent_id))

    async def check_writable(
        self, session: AsyncSession, principal: Principal, parent_id: uuid.UUID
    ) -> Audience:
        practice = await service.visible_practice(session, principal, parent_id)
        if not (principal.is_secretariat or service.is_author(principal, practice)):
            raise NotYourPractice(
                "only the practice's authors and the secretariat attach documents"
            )
        return practice_audience(practice)


PARENT = PracticeParent()
router = documents_router(
    collection="practices", model=PracticeDocument, parent=PARENT, outbox=outbox
)
batch_router = documents_batch_router(model=PracticeDocument, parent=PARENT, noun="practice")
routers = (router, batch_router)
