"""Documents of a pledge: a restricted pledge's documents are seen only by its parties, and
written by whoever may write the pledge."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Principal
from services.common.documents import documents_batch_router, documents_router
from services.common.outbox import Audience
from services.pledges import service
from services.pledges.changes import outbox, pledge_audience
from services.pledges.models import PledgeDocument


class PledgeParent:
    async def check_readable(
        self, session: AsyncSession, principal: Principal | None, parent_id: uuid.UUID
    ) -> Audience:
        pledge, countries, _objectives = await service.visible_pledge(session, principal, parent_id)
        return pledge_audience(pledge, countries)

    async def check_writable(
        self, session: AsyncSession, principal: Principal, parent_id: uuid.UUID
    ) -> Audience:
        pledge, countries, _objectives = await service.visible_pledge(session, principal, parent_id)
        await service.authorise_pledge_write(session, principal, pledge.contributor_id)
        return pledge_audience(pledge, countries)


PARENT = PledgeParent()
router = documents_router(collection="pledges", model=PledgeDocument, parent=PARENT, outbox=outbox)
batch_router = documents_batch_router(model=PledgeDocument, parent=PARENT, noun="pledge")
routers = (router, batch_router)
