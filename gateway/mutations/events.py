"""Mutations on events: propose, schedule, move, cancel, register, record outcomes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from gateway.context import Info
from gateway.inputs import LocalizedTextInput, rest_body
from gateway.types.base import if_match, is_uuid, precondition, rest_id, to_datetime
from gateway.types.events import (
    Clash,
    Event,
    EventKind,
    EventMode,
    EventOutcome,
    Occurrence,
    OutcomeKind,
    OutcomeStatus,
    Registration,
    RegistrationRole,
)
from gateway.types.pledges import Organisation

SERVICE = "events"

LOCAL_TIME = "Local wall-clock time in `timezone`, without offset, e.g. 2023-03-14T10:00:00."


@strawberry.input(description="A recurring series: RFC 5545 RRULE and exception dates.")
class RecurrenceInput:
    rrule: str = strawberry.field(description="RRULE without DTSTART, e.g. FREQ=MONTHLY;BYDAY=2TU.")
    exdates: list[datetime] = strawberry.field(
        default_factory=list, description="Local starts of occurrences that do not take place."
    )


@strawberry.input(description="Where an in-person event takes place.")
class LocationInput:
    city: str | None = strawberry.field(default=None, description="City.")
    country: str | None = strawberry.field(default=None, description="ISO alpha-3 country.")


@strawberry.input(description="A new event or recurring series; it starts as proposed.")
class ProposeEventInput:
    kind: EventKind = strawberry.field(description="What kind of event.")
    title: LocalizedTextInput = strawberry.field(description="Title in Spanish and/or English.")
    starts_at: datetime = strawberry.field(description=LOCAL_TIME)
    ends_at: datetime = strawberry.field(description=LOCAL_TIME)
    timezone: str = strawberry.field(description="IANA time zone, e.g. America/Panama.")
    mode: EventMode = strawberry.field(description="In person, virtual or hybrid.")
    description: LocalizedTextInput | None = strawberry.field(default=None, description="Text.")
    location: LocationInput | None = strawberry.field(default=None, description="Place.")
    online_url: str | None = strawberry.field(default=None, description="Link to join online.")
    countries: list[str] = strawberry.field(
        default_factory=list, description="Countries involved besides the location."
    )
    host_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Host organisations (global or REST ids)."
    )
    themes: list[str] = strawberry.field(default_factory=list, description="Theme codes.")
    featured_practice_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Practices featured (global or REST ids)."
    )
    working_group: str | None = strawberry.field(default=None, description="Working group.")
    capacity: int | None = strawberry.field(default=None, description="Places; null: unlimited.")
    recurrence: RecurrenceInput | None = strawberry.field(default=None, description="Series.")
    strict: bool = strawberry.field(
        default=False, description="Refuse (CONFLICT) instead of warning when the time clashes."
    )


@strawberry.input(description="New times for an event (a move); clash-checked like a new one.")
class MoveEventInput:
    id: strawberry.ID = strawberry.field(description="The event.")
    starts_at: datetime = strawberry.field(description=LOCAL_TIME)
    ends_at: datetime = strawberry.field(description=LOCAL_TIME)
    timezone: str | None = strawberry.field(default=None, description="New zone, if it changes.")
    expected_version: int | None = strawberry.field(
        default=None,
        description="The version you read (STALE_VERSION when it changed); leave it out to "
        "move the event as it is now.",
    )
    strict: bool = strawberry.field(default=False, description="Refuse a clash instead of warning.")


@strawberry.input(description="Move one occurrence of a series.")
class MoveOccurrenceInput:
    event_id: strawberry.ID = strawberry.field(description="The series.")
    recurrence_id: datetime = strawberry.field(
        description="The occurrence's original start (UTC), e.g. 2023-03-14T16:00:00Z."
    )
    starts_at: datetime = strawberry.field(description=LOCAL_TIME)
    ends_at: datetime = strawberry.field(description=LOCAL_TIME)
    strict: bool = strawberry.field(default=False, description="Refuse a clash instead of warning.")


@strawberry.input(description="Cancel one occurrence of a series; the rest stays.")
class CancelOccurrenceInput:
    event_id: strawberry.ID = strawberry.field(description="The series.")
    recurrence_id: datetime = strawberry.field(
        description="The occurrence's original start (UTC), e.g. 2023-03-14T16:00:00Z."
    )
    reason: str = strawberry.field(description="Why it is cancelled.")


@strawberry.input(description="A status step on an event (schedule, hold, report).")
class EventTransitionInput:
    id: strawberry.ID = strawberry.field(description="The event.")
    expected_version: int | None = strawberry.field(
        default=None, description="The version you read; checked when given."
    )


@strawberry.input(description="Cancel a proposed or scheduled event, with the reason.")
class CancelEventInput:
    id: strawberry.ID = strawberry.field(description="The event.")
    reason: str = strawberry.field(description="Why it is cancelled.")
    expected_version: int | None = strawberry.field(
        default=None, description="The version you read; checked when given."
    )


@strawberry.input(description="Register a person for a scheduled event.")
class RegisterInput:
    event_id: strawberry.ID = strawberry.field(description="The event.")
    name: str = strawberry.field(description="The person's name.")
    email: str = strawberry.field(description="The person's e-mail (one registration each).")
    organisation_id: strawberry.ID | None = strawberry.field(
        default=None, description="Their organisation; defaults to the caller's."
    )
    country: str | None = strawberry.field(default=None, description="Their country (alpha-3).")
    role: RegistrationRole = strawberry.field(
        default=RegistrationRole.PARTICIPANT, description="Participant, speaker or organiser."
    )


@strawberry.input(description="Record what a held event produced.")
class RecordOutcomeInput:
    event_id: strawberry.ID = strawberry.field(description="The event.")
    kind: OutcomeKind = strawberry.field(description="What kind of outcome.")
    description: LocalizedTextInput = strawberry.field(description="What it is, es/en.")
    country: str | None = strawberry.field(default=None, description="Country concerned.")
    organisation_id: strawberry.ID | None = strawberry.field(
        default=None, description="Organisation concerned."
    )
    status: OutcomeStatus = strawberry.field(
        default=OutcomeStatus.PLANNED, description="Planned, in progress or done."
    )
    pledge_id: strawberry.ID | None = strawberry.field(
        default=None, description="The pledge a resource commitment became."
    )


@strawberry.type(description="The event after the change, with any clashes found (warnings).")
class EventPayload:
    event: Event = strawberry.field(description="The event as it is now.")
    warnings: list[Clash] = strawberry.field(
        description="Other events overlapping it; with `strict: true` a clash is an error instead."
    )


@strawberry.type(description="The occurrence after the move, with any clashes found.")
class MoveOccurrencePayload:
    starts_at: datetime | None = strawberry.field(description="New local start, with offset.")
    ends_at: datetime | None = strawberry.field(description="New local end, with offset.")
    warnings: list[Clash] = strawberry.field(description="Overlapping events.")
    event_rest_id: strawberry.Private[str]

    @strawberry.field(description="The series, read again.")
    async def event(self, info: Info) -> Event | None:
        return Event.build(await info.context.loaders.one("event", self.event_rest_id))


@strawberry.type(description="The registration: registered while places last, else waitlisted.")
class RegisterPayload:
    registration: Registration = strawberry.field(description="The new registration.")


@strawberry.type(description="The outcome recorded.")
class RecordOutcomePayload:
    outcome: EventOutcome = strawberry.field(description="The new outcome.")


def _clashes(record: dict[str, object]) -> list[Clash]:
    warnings = record.get("warnings")
    if not isinstance(warnings, list):
        return []
    return [Clash.from_rest(item) for item in warnings if isinstance(item, dict)]


def _event_payload(record: dict[str, object]) -> EventPayload:
    return EventPayload(event=Event.from_rest(record), warnings=_clashes(record))


def _opaque_id(value: str, type_name: str, argument: str) -> str:
    return rest_id(value, type_name, argument)


@strawberry.type
class EventMutations:
    @strawberry.mutation(description="Propose an event or a recurring series (status proposed).")
    async def propose_event(
        self,
        info: Info,
        input: Annotated[
            ProposeEventInput,
            strawberry.argument(
                description="A new event or recurring series; it starts as proposed."
            ),
        ],
    ) -> EventPayload:
        body = rest_body(input, skip=frozenset({"strict", "host_ids", "featured_practice_ids"}))
        body["hosts"] = [_opaque_id(value, "Organisation", "hostIds") for value in input.host_ids]
        body["featured_practice_ids"] = [
            _opaque_id(value, "Practice", "featuredPracticeIds")
            for value in input.featured_practice_ids
        ]
        if body.get("location") is None:
            body.pop("location", None)
        record = await info.context.upstream.send(
            SERVICE, "POST", "/v1/events", body, params={"strict": input.strict}
        )
        return _event_payload(record)

    @strawberry.mutation(description="Move an event to new times (clash-checked; bumps SEQUENCE).")
    async def move_event(
        self,
        info: Info,
        input: Annotated[
            MoveEventInput,
            strawberry.argument(
                description="New times for an event (a move); clash-checked like a new one."
            ),
        ],
    ) -> EventPayload:
        key = rest_id(input.id, "Event")
        path = f"/v1/events/{key}"
        headers = precondition(input.expected_version)
        body = rest_body(input, skip=frozenset({"id", "expected_version", "strict"}))
        if body.get("timezone") is None:
            body.pop("timezone", None)
        record = await info.context.upstream.send(
            SERVICE, "PATCH", path, body, params={"strict": input.strict}, headers=headers
        )
        return _event_payload(record)

    @strawberry.mutation(description="Move one occurrence of a series.")
    async def move_occurrence(
        self,
        info: Info,
        input: Annotated[
            MoveOccurrenceInput, strawberry.argument(description="Move one occurrence of a series.")
        ],
    ) -> MoveOccurrencePayload:
        key = rest_id(input.event_id, "Event", "eventId")
        recurrence = input.recurrence_id.isoformat()
        body = rest_body(input, skip=frozenset({"event_id", "recurrence_id", "strict"}))
        record = await info.context.upstream.send(
            SERVICE,
            "PATCH",
            f"/v1/events/{key}/occurrences/{recurrence}",
            body,
            params={"strict": input.strict},
        )
        return MoveOccurrencePayload(
            event_rest_id=key,
            starts_at=to_datetime(record.get("starts_at")),
            ends_at=to_datetime(record.get("ends_at")),
            warnings=_clashes(record),
        )

    @strawberry.mutation(description="Cancel one occurrence of a series, with the reason.")
    async def cancel_occurrence(
        self,
        info: Info,
        input: Annotated[
            CancelOccurrenceInput,
            strawberry.argument(description="Cancel one occurrence of a series; the rest stays."),
        ],
    ) -> Occurrence:
        key = rest_id(input.event_id, "Event", "eventId")
        record = await info.context.upstream.send(
            SERVICE,
            "POST",
            f"/v1/events/{key}/occurrences/{input.recurrence_id.isoformat()}/cancel",
            {"reason": input.reason},
        )
        return Occurrence.from_rest(record)

    @strawberry.mutation(description="Confirm a proposed event (proposed → scheduled).")
    async def schedule_event(
        self,
        info: Info,
        input: Annotated[
            EventTransitionInput,
            strawberry.argument(description="A status step on an event (schedule, hold, report)."),
        ],
    ) -> EventPayload:
        return await _step(info, input.id, "schedule", input.expected_version, None)

    @strawberry.mutation(description="Record that a scheduled event took place (→ held).")
    async def hold_event(
        self,
        info: Info,
        input: Annotated[
            EventTransitionInput,
            strawberry.argument(description="A status step on an event (schedule, hold, report)."),
        ],
    ) -> EventPayload:
        return await _step(info, input.id, "hold", input.expected_version, None)

    @strawberry.mutation(description="Close a held event once reported (held → reported).")
    async def report_event(
        self,
        info: Info,
        input: Annotated[
            EventTransitionInput,
            strawberry.argument(description="A status step on an event (schedule, hold, report)."),
        ],
    ) -> EventPayload:
        return await _step(info, input.id, "report", input.expected_version, None)

    @strawberry.mutation(description="Cancel a proposed or scheduled event, with the reason.")
    async def cancel_event(
        self,
        info: Info,
        input: Annotated[
            CancelEventInput,
            strawberry.argument(
                description="Cancel a proposed or scheduled event, with the reason."
            ),
        ],
    ) -> EventPayload:
        return await _step(
            info, input.id, "cancel", input.expected_version, {"reason": input.reason}
        )

    @strawberry.mutation(description="Register a person for a scheduled event.")
    async def register(
        self,
        info: Info,
        input: Annotated[
            RegisterInput,
            strawberry.argument(description="Register a person for a scheduled event."),
        ],
    ) -> RegisterPayload:
        key = rest_id(input.event_id, "Event", "eventId")
        body = rest_body(input, skip=frozenset({"event_id", "organisation_id"}))
        if input.organisation_id is not None:
            body["organisation_id"] = rest_id(
                input.organisation_id, Organisation.__name__, "organisationId"
            )
        record = await info.context.upstream.send(
            SERVICE, "POST", f"/v1/events/{key}/registrations", body
        )
        return RegisterPayload(registration=Registration.from_rest(record))

    @strawberry.mutation(description="Record an outcome of a held event.")
    async def record_outcome(
        self,
        info: Info,
        input: Annotated[
            RecordOutcomeInput,
            strawberry.argument(description="Record what a held event produced."),
        ],
    ) -> RecordOutcomePayload:
        key = rest_id(input.event_id, "Event", "eventId")
        body = rest_body(input, skip=frozenset({"event_id", "organisation_id", "pledge_id"}))
        if input.organisation_id is not None:
            body["organisation_id"] = rest_id(
                input.organisation_id, "Organisation", "organisationId"
            )
        if input.pledge_id is not None:
            pledge = rest_id(input.pledge_id, "Pledge", "pledgeId")
            body["pledge_id"] = pledge if is_uuid(pledge) else input.pledge_id
        record = await info.context.upstream.send(
            SERVICE, "POST", f"/v1/events/{key}/outcomes", body
        )
        return RecordOutcomePayload(outcome=EventOutcome.from_rest(record))


async def _step(
    info: Info, event_id: str, step: str, version: int | None, body: object
) -> EventPayload:
    key = rest_id(event_id, "Event")
    headers = if_match(version)
    record = await info.context.upstream.send(
        SERVICE, "POST", f"/v1/events/{key}/{step}", body, headers=headers
    )
    return _event_payload(record)
