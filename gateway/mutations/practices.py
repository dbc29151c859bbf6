"""Mutations on the practices catalogue: write, submit, review, publish, archive."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry

from gateway.context import Info
from gateway.inputs import LocalizedTextInput, rest_body
from gateway.types.base import if_match, precondition, rest_id
from gateway.types.practices import EvidenceLevel, Practice, PracticeOrigin

SERVICE = "practices"

EXPECTED_VERSION = (
    "The version you read; a newer one on the server is a STALE_VERSION error. Leave it "
    "out to apply the change to the current version."
)


@strawberry.input(description="An organisation named on a practice (its id when it has one).")
class NamedOrganisationInput:
    name: str = strawberry.field(description="The name as it should be shown.")
    id: str | None = strawberry.field(default=None, description="Opaque organisation id.")


@strawberry.input(description="A public link.")
class LinkInput:
    url: str = strawberry.field(description="http(s) URL.")
    label: str | None = strawberry.field(default=None, description="What the link is.")


@strawberry.input(description="A person to contact (never shown to anonymous callers).")
class ContactInput:
    name: str = strawberry.field(description="Name.")
    email: str | None = strawberry.field(default=None, description="E-mail address.")
    phone: str | None = strawberry.field(default=None, description="Phone number.")
    role: str | None = strawberry.field(default=None, description="Role or position.")


@strawberry.input(description="When the practice ran.")
class PeriodInput:
    start_date: date | None = strawberry.field(default=None, description="First day.")
    end_date: date | None = strawberry.field(default=None, description="Last day; null if running.")


@strawberry.input(description="The evidence behind a practice.")
class EvidenceInput:
    level: EvidenceLevel = strawberry.field(description="promising, good or best.")
    description: LocalizedTextInput | None = strawberry.field(
        default=None, description="What the evidence is."
    )


@strawberry.input(description="A new practice; it starts as a draft owned by the caller.")
class CreatePracticeInput:
    title: LocalizedTextInput = strawberry.field(description="Title in Spanish and/or English.")
    summary: LocalizedTextInput = strawberry.field(description="Short summary.")
    country: str = strawberry.field(description="ISO alpha-3 country where it is implemented.")
    origin: PracticeOrigin = strawberry.field(description="mirps_country or sp_member.")
    themes: list[str] = strawberry.field(description="Theme codes (at least one).")
    description: LocalizedTextInput | None = strawberry.field(
        default=None, description="Full description."
    )
    implementing_organisations: list[NamedOrganisationInput] | None = strawberry.field(
        default=None, description="Implementing organisations."
    )
    populations: list[str] | None = strawberry.field(default=None, description="Population codes.")
    pillar: str | None = strawberry.field(default=None, description="MIRPS pillar code.")
    period: PeriodInput | None = strawberry.field(default=None, description="When it ran.")
    results: LocalizedTextInput | None = strawberry.field(default=None, description="Results.")
    evidence: EvidenceInput | None = strawberry.field(default=None, description="Evidence.")
    links: list[LinkInput] | None = strawberry.field(default=None, description="Public links.")
    contacts: list[ContactInput] | None = strawberry.field(
        default=None, description="Contacts (restricted)."
    )
    shared_with: list[str] | None = strawberry.field(
        default=None, description="For SP-member practices: MIRPS countries it was shared with."
    )


@strawberry.input(description="Fields of a practice to change; fields left out keep their value.")
class UpdatePracticeInput:
    id: strawberry.ID = strawberry.field(description="The practice.")
    expected_version: int | None = strawberry.field(default=None, description=EXPECTED_VERSION)
    title: LocalizedTextInput | None = strawberry.field(
        default=strawberry.UNSET, description="New title; left out, it stays as it is."
    )
    summary: LocalizedTextInput | None = strawberry.field(
        default=strawberry.UNSET, description="New summary; left out, it stays as it is."
    )
    description: LocalizedTextInput | None = strawberry.field(
        default=strawberry.UNSET, description="New description; left out, it stays as it is."
    )
    country: str | None = strawberry.field(
        default=strawberry.UNSET, description="New country; left out, it stays as it is."
    )
    origin: PracticeOrigin | None = strawberry.field(
        default=strawberry.UNSET, description="New origin; left out, it stays as it is."
    )
    implementing_organisations: list[NamedOrganisationInput] | None = strawberry.field(
        default=strawberry.UNSET,
        description="New implementing organisations; left out, it stays as it is.",
    )
    themes: list[str] | None = strawberry.field(
        default=strawberry.UNSET, description="New themes; left out, it stays as it is."
    )
    populations: list[str] | None = strawberry.field(
        default=strawberry.UNSET, description="New populations; left out, it stays as it is."
    )
    pillar: str | None = strawberry.field(
        default=strawberry.UNSET, description="New pillar; left out, it stays as it is."
    )
    period: PeriodInput | None = strawberry.field(
        default=strawberry.UNSET, description="New period; left out, it stays as it is."
    )
    results: LocalizedTextInput | None = strawberry.field(
        default=strawberry.UNSET, description="New results; left out, it stays as it is."
    )
    evidence: EvidenceInput | None = strawberry.field(
        default=strawberry.UNSET, description="New evidence; left out, it stays as it is."
    )
    links: list[LinkInput] | None = strawberry.field(
        default=strawberry.UNSET, description="New links; left out, it stays as it is."
    )
    contacts: list[ContactInput] | None = strawberry.field(
        default=strawberry.UNSET, description="New contacts; left out, it stays as it is."
    )
    shared_with: list[str] | None = strawberry.field(
        default=strawberry.UNSET, description="New shared with; left out, it stays as it is."
    )


@strawberry.input(description="A workflow step on a practice.")
class PracticeTransitionInput:
    id: strawberry.ID = strawberry.field(description="The practice.")
    expected_version: int | None = strawberry.field(
        default=None, description="The version you read; checked when given."
    )


@strawberry.input(description="Send a submitted practice back to its authors, with comments.")
class RequestPracticeChangesInput:
    id: strawberry.ID = strawberry.field(description="The practice.")
    comment: str = strawberry.field(description="What should change.")
    expected_version: int | None = strawberry.field(
        default=None, description="The version you read; checked when given."
    )


@strawberry.type(description="The practice after the change.")
class PracticePayload:
    practice: Practice = strawberry.field(description="The practice as it is now.")


async def _transition(
    info: Info, practice_id: str, step: str, version: int | None, body: object = None
) -> PracticePayload:
    key = rest_id(practice_id, "Practice")
    headers = if_match(version)
    record = await info.context.upstream.send(
        SERVICE, "POST", f"/v1/practices/{key}/{step}", body, headers=headers
    )
    return PracticePayload(practice=Practice.from_rest(record))


@strawberry.type
class PracticeMutations:
    @strawberry.mutation(description="Write a new practice (a draft only its authors see).")
    async def create_practice(
        self,
        info: Info,
        input: Annotated[
            CreatePracticeInput,
            strawberry.argument(
                description="A new practice; it starts as a draft owned by the caller."
            ),
        ],
    ) -> PracticePayload:
        record = await info.context.upstream.send(
            SERVICE, "POST", "/v1/practices", rest_body(input)
        )
        return PracticePayload(practice=Practice.from_rest(record))

    @strawberry.mutation(
        description="Edit a practice: authors their drafts, the secretariat published ones."
    )
    async def update_practice(
        self,
        info: Info,
        input: Annotated[
            UpdatePracticeInput,
            strawberry.argument(
                description="Fields of a practice to change; fields left out keep their value."
            ),
        ],
    ) -> PracticePayload:
        key = rest_id(input.id, "Practice")
        path = f"/v1/practices/{key}"
        headers = precondition(input.expected_version)
        body = rest_body(input, skip=frozenset({"id", "expected_version"}))
        record = await info.context.upstream.send(SERVICE, "PATCH", path, body, headers=headers)
        return PracticePayload(practice=Practice.from_rest(record))

    @strawberry.mutation(description="Submit a draft for review (draft → submitted).")
    async def submit_practice(
        self,
        info: Info,
        input: Annotated[
            PracticeTransitionInput,
            strawberry.argument(description="A workflow step on a practice."),
        ],
    ) -> PracticePayload:
        return await _transition(info, input.id, "submit", input.expected_version)

    @strawberry.mutation(description="Send a submission back to its authors (submitted → draft).")
    async def request_practice_changes(
        self,
        info: Info,
        input: Annotated[
            RequestPracticeChangesInput,
            strawberry.argument(
                description="Send a submitted practice back to its authors, with comments."
            ),
        ],
    ) -> PracticePayload:
        return await _transition(
            info, input.id, "request-changes", input.expected_version, {"comment": input.comment}
        )

    @strawberry.mutation(description="Publish a submitted practice (secretariat).")
    async def publish_practice(
        self,
        info: Info,
        input: Annotated[
            PracticeTransitionInput,
            strawberry.argument(description="A workflow step on a practice."),
        ],
    ) -> PracticePayload:
        return await _transition(info, input.id, "publish", input.expected_version)

    @strawberry.mutation(description="Archive a published practice (secretariat).")
    async def archive_practice(
        self,
        info: Info,
        input: Annotated[
            PracticeTransitionInput,
            strawberry.argument(description="A workflow step on a practice."),
        ],
    ) -> PracticePayload:
        return await _transition(info, input.id, "archive", input.expected_version)
