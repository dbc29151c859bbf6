"""Mutations of matches and joint pledges' shares (pledges service)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import strawberry

from gateway.context import Info
from gateway.inputs import LocalizedTextInput, idempotency, rest_body
from gateway.types.base import precondition, rest_id, rest_ids
from gateway.types.matches import Match, MatchStatus, PledgeContributor

SERVICE = "pledges"


@strawberry.input(
    description="A proposed match: exactly one need side (a host country's policy pledge or "
    "an objective) and the pledges that would support it. A matching suggestion's "
    "`propose.body` is such an input."
)
class ProposeMatchInput:
    support_pledge_ids: list[strawberry.ID] = strawberry.field(
        description="The supporting pledges (global or REST ids)."
    )
    need_pledge_id: strawberry.ID | None = strawberry.field(
        default=None, description="A host country's policy pledge (or give needObjectiveId)."
    )
    need_objective_id: strawberry.ID | None = strawberry.field(
        default=None, description="An action-plan objective (or give needPledgeId)."
    )
    event_id: str | None = strawberry.field(
        default=None, description="The event it is meant to be announced at, e.g. the GRF."
    )
    notes: LocalizedTextInput | None = strawberry.field(
        default=None, description="Notes in Spanish and/or English."
    )
    idempotency_key: str | None = strawberry.field(
        default=None, description="Retries with the same key create the match once."
    )


@strawberry.type(description="The proposed match.")
class ProposeMatchPayload:
    match: Match | None = strawberry.field(description="The new match (status proposed).")


@strawberry.input(description="Move a match to its next status.")
class TransitionMatchInput:
    match_id: strawberry.ID = strawberry.field(description="The match's REST id.")
    status: MatchStatus = strawberry.field(
        description="under_discussion, agreed, announced or declined, in that order."
    )
    note: str | None = strawberry.field(default=None, description="Why, kept in its history.")
    event_id: str | None = strawberry.field(
        default=None, description="Set the event it is announced at (needed to announce)."
    )
    expected_version: int | None = strawberry.field(
        default=None, description="The version last read; a stale one is a conflict."
    )


@strawberry.type(description="The moved match.")
class TransitionMatchPayload:
    match: Match | None = strawberry.field(description="The match with its new status.")


@strawberry.input(description="One contributor of a joint pledge and its share.")
class ContributorShareInput:
    organisation_id: strawberry.ID = strawberry.field(description="The organisation.")
    percentage: Decimal | None = strawberry.field(
        default=None, description="Its share in percent (all shares in percent sum to 100)."
    )
    amount: Decimal | None = strawberry.field(
        default=None, description="Its share in the pledge's currency (summing to its amount)."
    )


@strawberry.input(description="A pledge's contributors and shares; replaces the current ones.")
class SetPledgeContributorsInput:
    pledge_id: strawberry.ID = strawberry.field(description="The pledge (global or REST id).")
    contributors: list[ContributorShareInput] = strawberry.field(
        description="Every contributor, the lead (the pledge's contributor) among them."
    )


@strawberry.type(description="The pledge's contributors after the change.")
class SetPledgeContributorsPayload:
    contributors: list[PledgeContributor] = strawberry.field(
        description="Lead first, each with its share."
    )


@strawberry.type
class MatchMutations:
    @strawberry.mutation(
        description="Propose a match (secretariat, a contributor of a pledge in it, or a "
        "focal point of the need side's country)."
    )
    async def propose_match(
        self,
        info: Info,
        input: Annotated[
            ProposeMatchInput, strawberry.argument(description="The need side and support.")
        ],
    ) -> ProposeMatchPayload:
        body = rest_body(input, skip=frozenset({"idempotency_key", "event_id"}))
        body["support_pledge_ids"] = rest_ids(
            [str(i) for i in input.support_pledge_ids], "Pledge", "supportPledgeIds"
        )
        if input.need_pledge_id is not None:
            body["need_pledge_id"] = rest_id(input.need_pledge_id, "Pledge", "needPledgeId")
        if input.need_objective_id is not None:
            body["need_objective_id"] = rest_id(
                input.need_objective_id, "Objective", "needObjectiveId"
            )
        if input.event_id is not None:
            body["event"] = input.event_id
        record = await info.context.upstream.send(
            SERVICE, "POST", "/v1/matches", body, headers=idempotency(input.idempotency_key)
        )
        return ProposeMatchPayload(match=Match.from_rest(record))

    @strawberry.mutation(
        description="Move a match: proposed → under discussion → agreed → announced, or "
        "declined; any other move is a conflict."
    )
    async def transition_match(
        self,
        info: Info,
        input: Annotated[
            TransitionMatchInput, strawberry.argument(description="The match and its status.")
        ],
    ) -> TransitionMatchPayload:
        key = rest_id(input.match_id, "Match", "matchId")
        body: dict[str, object] = {"status": str(input.status.value)}
        if input.note is not None:
            body["note"] = input.note
        if input.event_id is not None:
            body["event"] = input.event_id
        record = await info.context.upstream.send(
            SERVICE,
            "POST",
            f"/v1/matches/{key}/transitions",
            body,
            headers=precondition(input.expected_version),
        )
        return TransitionMatchPayload(match=Match.from_rest(record))

    @strawberry.mutation(
        description="Set a joint pledge's contributors and shares (its lead or the "
        "secretariat); shares not summing to 100 % (or to the amount) are refused."
    )
    async def set_pledge_contributors(
        self,
        info: Info,
        input: Annotated[
            SetPledgeContributorsInput,
            strawberry.argument(description="The pledge and every contributor's share."),
        ],
    ) -> SetPledgeContributorsPayload:
        key = rest_id(input.pledge_id, "Pledge", "pledgeId")
        contributors = []
        for item in input.contributors:
            share: dict[str, object] = {
                "organisation_id": rest_id(item.organisation_id, "Organisation", "organisationId")
            }
            if item.percentage is not None:
                share["percentage"] = format(item.percentage, "f")
            if item.amount is not None:
                share["amount"] = format(item.amount, "f")
            contributors.append(share)
        records = await info.context.upstream.send(
            SERVICE, "PUT", f"/v1/pledges/{key}/contributors", {"contributors": contributors}
        )
        found = records if isinstance(records, list) else []
        return SetPledgeContributorsPayload(
            contributors=[PledgeContributor(data=record) for record in found]
        )
