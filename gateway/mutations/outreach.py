"""Mutations of the outreach pipeline (secretariat and each prospect's owner), and the
input of an employment pledge's hiring terms."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import strawberry

from gateway.context import Info
from gateway.inputs import idempotency, rest_body
from gateway.types.base import precondition, rest_id
from gateway.types.outreach import HiringPractice, InteractionChannel, Prospect, ProspectStatus
from gateway.types.pledges import OrganisationKind

SERVICE = "pledges"


@strawberry.input(description="Jobs targeted in one MIRPS country.")
class HiringCountryInput:
    country: str = strawberry.field(description="MIRPS country (alpha-3).")
    jobs_targeted: int = strawberry.field(description="Jobs for refugees there (at least 1).")


@strawberry.input(description="An employment pledge's hiring terms.")
class EmploymentTermsInput:
    hiring_practice: HiringPractice = strawberry.field(description="How the companies hire.")
    hiring_countries: list[HiringCountryInput] = strawberry.field(
        description="Each MIRPS country of hiring once, with its jobs targeted."
    )
    company_ids: list[strawberry.ID] = strawberry.field(
        description="The hiring companies: organisations of kind PRIVATE_SECTOR."
    )


@strawberry.input(description="The person to talk to at a prospect (personal data).")
class ProspectContactInput:
    name: str = strawberry.field(description="Full name.")
    job_title: str | None = strawberry.field(default=None, description="Position.")
    email: str | None = strawberry.field(default=None, description="E-mail address.")
    phone: str | None = strawberry.field(default=None, description="Phone number.")


@strawberry.input(description="What comes next with a prospect.")
class NextStepInput:
    text: str = strawberry.field(description="The step.")
    due_on: date | None = strawberry.field(default=None, description="By when.")


@strawberry.input(description="Who owns a prospect (secretariat only names someone else).")
class ProspectOwnerInput:
    sub: str = strawberry.field(description="The person's token subject.")
    organisation_id: strawberry.ID | None = strawberry.field(
        default=None, description="Their SP member organisation; null for the secretariat."
    )


@strawberry.input(
    description="A prospective partner: a registered organisation, or a name with kind and "
    "country. The owner defaults to the caller."
)
class CreateProspectInput:
    organisation_id: strawberry.ID | None = strawberry.field(
        default=None, description="A registered organisation (then no name, kind, country)."
    )
    name: str | None = strawberry.field(default=None, description="Name, if not registered.")
    kind: OrganisationKind | None = strawberry.field(default=None, description="Its kind.")
    country: str | None = strawberry.field(default=None, description="Its country (alpha-3).")
    owner: ProspectOwnerInput | None = strawberry.field(
        default=None, description="Default: the caller (only the secretariat names another)."
    )
    contact: ProspectContactInput | None = strawberry.field(
        default=None, description="The person to talk to."
    )
    next_step: NextStepInput | None = strawberry.field(default=None, description="What next.")
    idempotency_key: str | None = strawberry.field(
        default=None, description="Retry-safe key: the same key and input create one prospect."
    )


@strawberry.input(description="Fields of a prospect to change; fields left out keep their value.")
class UpdateProspectInput:
    id: strawberry.ID = strawberry.field(description="The prospect.")
    expected_version: int | None = strawberry.field(
        default=None, description="The version you read (STALE_VERSION when it changed)."
    )
    organisation_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="The organisation it registered as."
    )
    name: str | None = strawberry.field(default=strawberry.UNSET, description="New name.")
    kind: OrganisationKind | None = strawberry.field(
        default=strawberry.UNSET, description="New kind."
    )
    country: str | None = strawberry.field(default=strawberry.UNSET, description="New country.")
    owner: ProspectOwnerInput | None = strawberry.field(
        default=strawberry.UNSET, description="New owner (secretariat only)."
    )
    contact: ProspectContactInput | None = strawberry.field(
        default=strawberry.UNSET, description="New contact; null clears it."
    )
    next_step: NextStepInput | None = strawberry.field(
        default=strawberry.UNSET, description="New next step; null clears it."
    )


@strawberry.input(description="Move a prospect to its next status.")
class MoveProspectInput:
    id: strawberry.ID = strawberry.field(description="The prospect.")
    status: ProspectStatus = strawberry.field(description="The next status.")
    pledge_id: strawberry.ID | None = strawberry.field(
        default=None, description="With PLEDGED (and only then): the pledge it made."
    )
    expected_version: int | None = strawberry.field(
        default=None, description="The version you read (STALE_VERSION when it changed)."
    )


@strawberry.input(description="A dated contact with a prospect.")
class AddProspectInteractionInput:
    prospect_id: strawberry.ID = strawberry.field(description="The prospect.")
    occurred_on: date = strawberry.field(description="When.")
    channel: InteractionChannel = strawberry.field(description="How.")
    summary: str = strawberry.field(description="What was said.")


@strawberry.type(description="The prospect after the change.")
class ProspectPayload:
    prospect: Prospect = strawberry.field(description="The prospect.")


def _prospect_body(input: Any, skip: frozenset[str]) -> dict[str, Any]:
    body = rest_body(input, skip=skip)
    if body.get("organisation_id") is not None:
        body["organisation_id"] = rest_id(
            str(body["organisation_id"]), "Organisation", "organisationId"
        )
    owner = body.get("owner")
    if isinstance(owner, dict) and owner.get("organisation_id") is not None:
        owner["organisation_id"] = rest_id(
            str(owner["organisation_id"]), "Organisation", "owner.organisationId"
        )
    return body


@strawberry.type
class OutreachMutations:
    @strawberry.mutation(
        description="Add a prospect to the outreach pipeline (secretariat, or a person of an "
        "SP member organisation, who owns it)."
    )
    async def create_prospect(
        self,
        info: Info,
        input: Annotated[
            CreateProspectInput, strawberry.argument(description="The prospective partner.")
        ],
    ) -> ProspectPayload:
        body = _prospect_body(input, frozenset({"idempotency_key"}))
        record = await info.context.upstream.send(
            SERVICE, "POST", "/v1/prospects", body, headers=idempotency(input.idempotency_key)
        )
        return ProspectPayload(prospect=Prospect.from_rest(record))

    @strawberry.mutation(description="Change a prospect (secretariat or owner).")
    async def update_prospect(
        self,
        info: Info,
        input: Annotated[UpdateProspectInput, strawberry.argument(description="The changes.")],
    ) -> ProspectPayload:
        key = rest_id(str(input.id), "Prospect")
        body = _prospect_body(input, frozenset({"id", "expected_version"}))
        record = await info.context.upstream.send(
            SERVICE,
            "PATCH",
            f"/v1/prospects/{key}",
            body,
            headers=precondition(input.expected_version),
        )
        return ProspectPayload(prospect=Prospect.from_rest(record))

    @strawberry.mutation(
        description="Move a prospect through the pipeline; an illegal move is a conflict, "
        "PLEDGED needs the pledge."
    )
    async def move_prospect(
        self,
        info: Info,
        input: Annotated[MoveProspectInput, strawberry.argument(description="The move.")],
    ) -> ProspectPayload:
        key = rest_id(str(input.id), "Prospect")
        body: dict[str, Any] = {"status": input.status.value}
        if input.pledge_id is not None:
            body["pledge_id"] = rest_id(str(input.pledge_id), "Pledge", "pledgeId")
        record = await info.context.upstream.send(
            SERVICE,
            "POST",
            f"/v1/prospects/{key}/status",
            body,
            headers=precondition(input.expected_version),
        )
        return ProspectPayload(prospect=Prospect.from_rest(record))

    @strawberry.mutation(description="Record a dated interaction with a prospect.")
    async def add_prospect_interaction(
        self,
        info: Info,
        input: Annotated[
            AddProspectInteractionInput, strawberry.argument(description="The interaction.")
        ],
    ) -> ProspectPayload:
        key = rest_id(str(input.prospect_id), "Prospect", "prospectId")
        await info.context.upstream.send(
            SERVICE,
            "POST",
            f"/v1/prospects/{key}/interactions",
            rest_body(input, skip=frozenset({"prospect_id"})),
        )
        record = await info.context.upstream.get(SERVICE, f"/v1/prospects/{key}")
        return ProspectPayload(prospect=Prospect.from_rest(record))
