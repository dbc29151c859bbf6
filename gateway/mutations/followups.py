"""Mutations that follow an event up: registrations cancelled or attended, outcomes updated."""

from __future__ import annotations

from typing import Annotated

import strawberry

from gateway.context import Info
from gateway.inputs import LocalizedTextInput, rest_body
from gateway.types.base import checked_rest_id, is_uuid, precondition, rest_id
from gateway.types.events import EventOutcome, OutcomeKind, OutcomeStatus, Registration

SERVICE = "events"
KEEP = "left out, it stays as it is."


@strawberry.input(description="A registration to act on, by the id `register` returned.")
class RegistrationInput:
    registration_id: str = strawberry.field(description="The registration's REST id (`restId`).")


@strawberry.input(description="Fields of an outcome to change; fields left out keep theirs.")
class UpdateOutcomeInput:
    outcome_id: str = strawberry.field(description="The outcome's REST id (`restId`).")
    expected_version: int | None = strawberry.field(
        default=None, description="The version you read (STALE_VERSION when it changed)."
    )
    status: OutcomeStatus | None = strawberry.field(
        default=strawberry.UNSET, description=f"New status; {KEEP}"
    )
    kind: OutcomeKind | None = strawberry.field(
        default=strawberry.UNSET, description=f"New kind; {KEEP}"
    )
    description: LocalizedTextInput | None = strawberry.field(
        default=strawberry.UNSET, description=f"New description; {KEEP}"
    )
    country: str | None = strawberry.field(
        default=strawberry.UNSET, description=f"New country (ISO alpha-3); {KEEP}"
    )
    organisation_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description=f"New organisation (global or REST id); {KEEP}"
    )
    pledge_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description=f"New linked pledge (global or REST id); {KEEP}"
    )


@strawberry.type(description="The registration after the change.")
class RegistrationPayload:
    registration: Registration = strawberry.field(description="The registration as stored.")


@strawberry.type(description="The outcome after the change.")
class UpdateOutcomePayload:
    outcome: EventOutcome = strawberry.field(description="The outcome as stored.")


async def _registration_step(info: Info, registration_id: str, step: str) -> RegistrationPayload:
    key = checked_rest_id(registration_id, "Registration", "input.registrationId")
    record = await info.context.upstream.send(SERVICE, "POST", f"/v1/registrations/{key}/{step}")
    return RegistrationPayload(registration=Registration.from_rest(record))


def _outcome_body(input: UpdateOutcomeInput) -> dict[str, object]:
    body = rest_body(input, skip=frozenset({"outcome_id", "expected_version"}))
    if isinstance(body.get("organisation_id"), str):
        body["organisation_id"] = rest_id(
            str(body["organisation_id"]), "Organisation", "organisationId"
        )
    if isinstance(body.get("pledge_id"), str):
        pledge = rest_id(str(body["pledge_id"]), "Pledge", "pledgeId")
        body["pledge_id"] = pledge if is_uuid(pledge) else body["pledge_id"]
    return body


@strawberry.type
class FollowUpMutations:
    @strawberry.mutation(
        description="Cancel a registration (the person or an organiser); a freed place goes "
        "to the first person on the waitlist."
    )
    async def cancel_registration(
        self,
        info: Info,
        input: Annotated[
            RegistrationInput, strawberry.argument(description="The registration to cancel.")
        ],
    ) -> RegistrationPayload:
        return await _registration_step(info, input.registration_id, "cancel")

    @strawberry.mutation(description="Record that a registered person attended (organisers).")
    async def mark_attended(
        self,
        info: Info,
        input: Annotated[
            RegistrationInput, strawberry.argument(description="The registration that attended.")
        ],
    ) -> RegistrationPayload:
        return await _registration_step(info, input.registration_id, "attend")

    @strawberry.mutation(description="Follow an outcome up: its status, linked pledge, text.")
    async def update_outcome(
        self,
        info: Info,
        input: Annotated[
            UpdateOutcomeInput, strawberry.argument(description="The outcome and its changes.")
        ],
    ) -> UpdateOutcomePayload:
        key = checked_rest_id(input.outcome_id, "EventOutcome", "input.outcomeId")
        record = await info.context.upstream.send(
            SERVICE,
            "PATCH",
            f"/v1/outcomes/{key}",
            _outcome_body(input),
            headers=precondition(input.expected_version),
        )
        return UpdateOutcomePayload(outcome=EventOutcome.from_rest(record))
