"""The root mutation type: one mixin per service, named `xY` with `XYInput` / `XYPayload`.

`REST_WRITES` (gateway.mutations.coverage) names the field that does each REST write of
the services; a test checks it against their OpenAPI documents.
"""

from __future__ import annotations

import strawberry

from gateway.mutations.allocation import AllocationMutations
from gateway.mutations.documents import DocumentMutations
from gateway.mutations.events import EventMutations
from gateway.mutations.followups import FollowUpMutations
from gateway.mutations.imports import ImportMutations
from gateway.mutations.inventory import InventoryMutations
from gateway.mutations.matches import MatchMutations
from gateway.mutations.outreach import OutreachMutations
from gateway.mutations.pledges import PledgeMutations
from gateway.mutations.practices import PracticeMutations
from gateway.mutations.reference import ReferenceMutations
from gateway.mutations.results import ResultsMutations, StrategyMutations
from gateway.mutations.webhooks import WebhookMutations


@strawberry.type(description="Everything a client can write, through the services' rules.")
class Mutation(
    PledgeMutations,
    AllocationMutations,
    ReferenceMutations,
    ImportMutations,
    PracticeMutations,
    InventoryMutations,
    EventMutations,
    FollowUpMutations,
    DocumentMutations,
    StrategyMutations,
    ResultsMutations,
    WebhookMutations,
    OutreachMutations,
    MatchMutations,
):
    pass
