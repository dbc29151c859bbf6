"""The root mutation type: one mixin per service, named `xY` with `XYInput` / `XYPayload`."""

from __future__ import annotations

import strawberry

from gateway.mutations.events import EventMutations
from gateway.mutations.followups import FollowUpMutations
from gateway.mutations.matches import MatchMutations
from gateway.mutations.outreach import OutreachMutations
from gateway.mutations.pledges import PledgeMutations
from gateway.mutations.practices import PracticeMutations
from gateway.mutations.reference import ReferenceMutations


@strawberry.type(description="Everything a client can write, through the services' rules.")
class Mutation(
    PledgeMutations,
    ReferenceMutations,
    PracticeMutations,
    EventMutations,
    FollowUpMutations,
    OutreachMutations,
    MatchMutations,
):
    pass
