"""Learning events, meetings, registrations and outcomes in the graph."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from gateway.connections import (
    After,
    Connection,
    First,
    connection,
    fetch_page,
    grouped_connection,
)
from gateway.context import Info
from gateway.loaders import Record
from gateway.types.base import is_uuid, to_datetime, to_enum
from gateway.types.documents import Document, documents_of
from gateway.types.nodes import STALE_REFERENCES, ResourceNode, StaleReference, stale_references
from gateway.values import LocalizedText, VocabularyTerm, themes

if TYPE_CHECKING:
    from gateway.types.countries import Country
    from gateway.types.pledges import Organisation, Pledge, PledgeConnection
    from gateway.types.practices import Practice

CountryRef = Annotated["Country", strawberry.lazy("gateway.types.countries")]
OrganisationRef = Annotated["Organisation", strawberry.lazy("gateway.types.pledges")]
PledgeRef = Annotated["Pledge", strawberry.lazy("gateway.types.pledges")]
PledgeConnectionRef = Annotated["PledgeConnection", strawberry.lazy("gateway.types.pledges")]
PracticeRef = Annotated["Practice", strawberry.lazy("gateway.types.practices")]

SERVICE = "events"


@strawberry.enum(description="What kind of event or meeting it is.")
class EventKind(Enum):
    LEARNING_EVENT = strawberry.enum_value(
        "learning_event", description="A peer-learning session on a practice or theme."
    )
    WORKSHOP = strawberry.enum_value("workshop", description="A hands-on technical workshop.")
    FIELD_VISIT = strawberry.enum_value(
        "field_visit", description="A visit to a programme or site in a MIRPS country."
    )
    SP_QUARTERLY_MEETING = strawberry.enum_value(
        "sp_quarterly_meeting", description="The Support Platform's quarterly meeting."
    )
    ANNUAL_MIRPS_MEETING = strawberry.enum_value(
        "annual_mirps_meeting", description="The annual MIRPS meeting of the eight countries."
    )
    TROIKA_MEETING = strawberry.enum_value(
        "troika_meeting",
        description="A meeting of the Support Platform's troika (past, current, next chair).",
    )
    WORKING_GROUP_MEETING = strawberry.enum_value(
        "working_group_meeting", description="A meeting of one of the MIRPS working groups."
    )
    SOLIDARITY_EVENT = strawberry.enum_value(
        "solidarity_event",
        description="A solidarity event, where support is mobilised and pledges announced.",
    )
    GLOBAL_REFUGEE_FORUM = strawberry.enum_value(
        "global_refugee_forum", description="A session at or for the Global Refugee Forum."
    )
    SUMMIT = strawberry.enum_value("summit", description="A summit of heads of state or ministers.")
    OTHER = strawberry.enum_value("other", description="Any other event.")


@strawberry.enum(description="How people attend.")
class EventMode(Enum):
    IN_PERSON = strawberry.enum_value("in_person", description="At a venue only.")
    VIRTUAL = strawberry.enum_value("virtual", description="Online only.")
    HYBRID = strawberry.enum_value("hybrid", description="At a venue and online.")


@strawberry.enum(
    description="Where an event is in its life: proposed → scheduled → held → reported."
)
class EventStatus(Enum):
    PROPOSED = strawberry.enum_value("proposed", description="Proposed, not yet public.")
    SCHEDULED = strawberry.enum_value("scheduled", description="Confirmed and public.")
    HELD = strawberry.enum_value("held", description="Took place; outcomes not yet reported.")
    REPORTED = strawberry.enum_value(
        "reported", description="Took place and its outcomes are reported."
    )
    CANCELLED = strawberry.enum_value("cancelled", description="Will not take place.")


@strawberry.enum(description="The part a registered person plays.")
class RegistrationRole(Enum):
    PARTICIPANT = strawberry.enum_value("participant", description="Attends.")
    SPEAKER = strawberry.enum_value("speaker", description="Speaks or presents.")
    ORGANISER = strawberry.enum_value("organiser", description="Helps organise it.")


@strawberry.enum(description="Where a registration stands.")
class RegistrationStatus(Enum):
    REGISTERED = strawberry.enum_value("registered", description="Has a seat.")
    WAITLISTED = strawberry.enum_value(
        "waitlisted", description="Waits for a seat (the event is full)."
    )
    CANCELLED = strawberry.enum_value(
        "cancelled", description="Cancelled by the person or the organisers."
    )
    ATTENDED = strawberry.enum_value("attended", description="Attended (recorded after the event).")


@strawberry.enum(description="What an event produced.")
class OutcomeKind(Enum):
    TAKEAWAY = strawberry.enum_value("takeaway", description="A lesson or conclusion.")
    POLICY_ACTION = strawberry.enum_value(
        "policy_action", description="A policy step a government takes."
    )
    RESOURCE_COMMITMENT = strawberry.enum_value(
        "resource_commitment", description="Money or resources committed."
    )
    TECHNICAL_COLLABORATION = strawberry.enum_value(
        "technical_collaboration", description="A technical cooperation agreed."
    )


@strawberry.enum(description="How far an outcome has come.")
class OutcomeStatus(Enum):
    PLANNED = strawberry.enum_value("planned", description="Agreed, not started.")
    IN_PROGRESS = strawberry.enum_value("in_progress", description="Under way.")
    DONE = strawberry.enum_value("done", description="Completed.")


@strawberry.type(description="A recurring series: RFC 5545 RRULE and exception dates.")
class Recurrence:
    rrule: str = strawberry.field(description="The RRULE (the event's start is DTSTART).")
    exdates: list[str] = strawberry.field(description="Local starts that do not take place.")


@strawberry.type(description="Public registration numbers of an event (no personal data).")
class RegistrationCounts:
    capacity: int | None = strawberry.field(description="Places; null means unlimited.")
    places_left: int | None = strawberry.field(description="Free places; null when unlimited.")
    registered: int = strawberry.field(description="Registered.")
    attended: int = strawberry.field(description="Attended.")
    waitlisted: int = strawberry.field(description="On the waiting list.")
    cancelled: int = strawberry.field(description="Cancelled.")


@strawberry.type(description="A learning event, meeting, summit or forum.")
class Event(ResourceNode):
    loader_name = "event"

    @strawberry.field(description=STALE_REFERENCES)
    def stale_references(self) -> list[StaleReference]:
        return stale_references(self.data)

    @strawberry.field(
        description="Minutes, materials and reports of the event (uploads or links); "
        "public when the event is. One call per service for a whole level."
    )
    async def documents(self, info: Info) -> list[Document]:
        return await documents_of(info, "documents_by_event", self.key)

    @strawberry.field(description="What kind of event it is.")
    def kind(self) -> EventKind | None:
        return to_enum(EventKind, self.data.get("kind"))

    @strawberry.field(description="Title in Spanish and English.")
    def title(self) -> LocalizedText | None:
        return LocalizedText.from_rest(self.data.get("title"))

    @strawberry.field(description="Description in Spanish and English.")
    def description(self) -> LocalizedText | None:
        return LocalizedText.from_rest(self.data.get("description"))

    @strawberry.field(description="Start, local time with its UTC offset.")
    def starts_at(self) -> datetime | None:
        return to_datetime(self.data.get("starts_at"))

    @strawberry.field(description="End, local time with its UTC offset.")
    def ends_at(self) -> datetime | None:
        return to_datetime(self.data.get("ends_at"))

    @strawberry.field(description="Start in UTC.")
    def starts_at_utc(self) -> datetime | None:
        return to_datetime(self.data.get("starts_at_utc"))

    @strawberry.field(description="End in UTC.")
    def ends_at_utc(self) -> datetime | None:
        return to_datetime(self.data.get("ends_at_utc"))

    @strawberry.field(description="IANA time zone of the local times, e.g. America/Panama.")
    def timezone(self) -> str | None:
        return self.data.get("timezone")

    @strawberry.field(description="In person, virtual or hybrid.")
    def mode(self) -> EventMode | None:
        return to_enum(EventMode, self.data.get("mode"))

    @strawberry.field(description="City of an in-person event.")
    def city(self) -> str | None:
        return (self.data.get("location") or {}).get("city")

    @strawberry.field(description="Country of an in-person event.")
    def country(self) -> CountryRef | None:
        from gateway.types.countries import Country

        code = (self.data.get("location") or {}).get("country")
        return None if code is None else Country.of(str(code))

    @strawberry.field(description="Link to join online.")
    def online_url(self) -> str | None:
        return self.data.get("online_url")

    @strawberry.field(description="Countries involved besides the location; none = regional.")
    def countries(self) -> list[CountryRef]:
        from gateway.types.countries import Country

        return [Country.of(code) for code in self.data.get("countries", [])]

    @strawberry.field(description="Host organisation ids as the event records them.")
    def host_ids(self) -> list[str]:
        return [str(host) for host in self.data.get("hosts", [])]

    @strawberry.field(description="The hosts, from the pledges service's organisation directory.")
    async def hosts(self, info: Info) -> list[OrganisationRef] | None:
        from gateway.types.pledges import Organisation

        ids = [str(host) for host in self.data.get("hosts", []) if is_uuid(str(host))]
        records = await info.context.loaders.many("organisation", ids)
        return [Organisation.from_rest(record) for record in records]

    @strawberry.field(description="Themes of the event.")
    def themes(self) -> list[VocabularyTerm]:
        return VocabularyTerm.many(themes, self.data.get("themes"))

    @strawberry.field(description="Practices (practices service) the event featured.")
    async def featured_practices(self, info: Info) -> list[PracticeRef] | None:
        from gateway.types.practices import Practice

        ids = [str(value) for value in self.data.get("featured_practice_ids", []) if is_uuid(value)]
        records = await info.context.loaders.many("practice", ids)
        return [Practice.from_rest(record) for record in records]

    @strawberry.field(description="The MIRPS working group, for its meetings.")
    def working_group(self) -> str | None:
        return self.data.get("working_group")

    @strawberry.field(description="Places; null means unlimited.")
    def capacity(self) -> int | None:
        return self.data.get("capacity")

    @strawberry.field(description="Proposed, scheduled, held, reported or cancelled.")
    def status(self) -> EventStatus | None:
        return to_enum(EventStatus, self.data.get("status"))

    @strawberry.field(description="Why it was cancelled.")
    def cancellation_reason(self) -> str | None:
        return self.data.get("cancellation_reason")

    @strawberry.field(description="The recurrence of a series.")
    def recurrence(self) -> Recurrence | None:
        recurrence = self.data.get("recurrence")
        if not isinstance(recurrence, dict):
            return None
        return Recurrence(
            rrule=str(recurrence.get("rrule")),
            exdates=[str(value) for value in recurrence.get("exdates", [])],
        )

    @strawberry.field(
        description="iCalendar SEQUENCE; bumped on every change of time, place or status."
    )
    def sequence(self) -> int | None:
        return self.data.get("sequence")

    @strawberry.field(description="When the event last changed.")
    def updated_at(self) -> datetime | None:
        return to_datetime(self.data.get("updated_at"))

    @strawberry.field(
        description="The event's occurrences in time order (one for a single event), moved "
        "and cancelled ones included."
    )
    async def occurrences(
        self,
        info: Info,
        starts_from: Annotated[
            datetime | None,
            strawberry.argument(description="Only occurrences starting at or after this time."),
        ] = None,
        starts_to: Annotated[
            datetime | None,
            strawberry.argument(description="Only occurrences starting before this time."),
        ] = None,
        limit: Annotated[
            int, strawberry.argument(description="At most this many occurrences (at most 500).")
        ] = 100,
    ) -> list[Occurrence] | None:
        # The occurrences of every event of the level in one call: the first `limit` of
        # each in time order, as the event's own list gives them.
        records = await info.context.loaders.children(
            "occurrences_by_event",
            self.key,
            {
                "from": starts_from.isoformat() if starts_from else None,
                "to": starts_to.isoformat() if starts_to else None,
                "per_event": limit,
            },
        )
        return [Occurrence.from_rest(item) for item in records]

    @strawberry.field(description="What came out of the event.")
    async def outcomes(
        self, info: Info, first: First = None, after: After = None
    ) -> EventOutcomeConnection | None:
        if after is None:
            records = await info.context.loaders.children("outcomes_by_event", self.key)
            return grouped_connection(
                info.context, EventOutcomeConnection, records, first, EventOutcome.from_rest
            )
        return await outcome_connection(info, first, after, path=f"/v1/events/{self.key}/outcomes")

    @strawberry.field(description="Pledges (pledges service) announced at this event.")
    async def pledges_announced(
        self, info: Info, first: First = None, after: After = None
    ) -> PledgeConnectionRef | None:
        from gateway.types.pledges import grouped_pledges, pledge_connection

        if after is None:
            return await grouped_pledges(info, "pledges_by_event", self.key, first)
        return await pledge_connection(info, first, after, announced_at=self.key)

    @strawberry.field(description="Registration numbers (public; no personal data).")
    async def registration_counts(self, info: Info) -> RegistrationCounts | None:
        body = await info.context.loaders.one("registration_counts", self.key)
        if body is None:
            return None
        return RegistrationCounts(
            capacity=body.get("capacity"),
            places_left=body.get("places_left"),
            registered=int(body.get("registered", 0)),
            attended=int(body.get("attended", 0)),
            waitlisted=int(body.get("waitlisted", 0)),
            cancelled=int(body.get("cancelled", 0)),
        )

    @strawberry.field(
        description="Registrations with personal data: the secretariat, the organisers and "
        "the person's own organisation only."
    )
    async def registrations(
        self, info: Info, first: First = None, after: After = None
    ) -> RegistrationConnection | None:
        if after is None:
            records = await info.context.loaders.children("registrations_by_event", self.key)
            return grouped_connection(
                info.context, RegistrationConnection, records, first, Registration.from_rest
            )
        items, body, start, skip = await fetch_page(
            info.context,
            SERVICE,
            f"/v1/events/{self.key}/registrations",
            {},
            first=first,
            after=after,
        )
        return connection(RegistrationConnection, items, body, start, skip, Registration.from_rest)


@strawberry.type(description="A person's registration to an event (personal data).")
class Registration:
    rest_id: str = strawberry.field(description="The registration's id in the REST API.")
    name: str = strawberry.field(description="The person's name.")
    email: str = strawberry.field(description="The person's e-mail.")
    organisation_rest_id: str | None = strawberry.field(description="Their organisation's id.")
    country_code: str | None = strawberry.field(description="Their country (ISO alpha-3).")
    role: RegistrationRole | None = strawberry.field(description="Participant, speaker, organiser.")
    status: RegistrationStatus | None = strawberry.field(
        description="Registered, waitlisted, cancelled or attended."
    )
    created_at: datetime | None = strawberry.field(description="When they registered.")
    event_rest_id: strawberry.Private[str]

    @strawberry.field(description="The event.")
    async def event(self, info: Info) -> Event | None:
        return Event.build(await info.context.loaders.one("event", self.event_rest_id))

    @classmethod
    def from_rest(cls, data: Record) -> Registration:
        return cls(
            rest_id=str(data["id"]),
            name=str(data.get("name", "")),
            email=str(data.get("email", "")),
            organisation_rest_id=data.get("organisation_id"),
            country_code=data.get("country"),
            role=to_enum(RegistrationRole, data.get("role")),
            status=to_enum(RegistrationStatus, data.get("status")),
            created_at=to_datetime(data.get("created_at")),
            event_rest_id=str(data.get("event_id")),
        )


@strawberry.type(description="What an event produced: a takeaway, policy action, commitment…")
class EventOutcome:
    rest_id: str = strawberry.field(description="The outcome's id in the REST API.")
    kind: OutcomeKind | None = strawberry.field(description="What kind of outcome.")
    description: LocalizedText | None = strawberry.field(description="What it is, es/en.")
    status: OutcomeStatus | None = strawberry.field(description="Planned, in progress or done.")
    organisation_rest_id: str | None = strawberry.field(description="The organisation's id.")
    created_at: datetime | None = strawberry.field(description="When it was recorded.")
    updated_at: datetime | None = strawberry.field(description="When it last changed.")
    event_rest_id: strawberry.Private[str]
    country_code: strawberry.Private[str | None]
    pledge_rest_id: strawberry.Private[str | None]

    @strawberry.field(description="The country concerned.")
    def country(self) -> CountryRef | None:
        from gateway.types.countries import Country

        return None if self.country_code is None else Country.of(self.country_code)

    @strawberry.field(description="The event it came out of.")
    async def event(self, info: Info) -> Event | None:
        return Event.build(await info.context.loaders.one("event", self.event_rest_id))

    @strawberry.field(description="The pledge (pledges service) a resource commitment became.")
    async def pledge(self, info: Info) -> PledgeRef | None:
        from gateway.types.pledges import Pledge

        if self.pledge_rest_id is None or not is_uuid(self.pledge_rest_id):
            return None
        return Pledge.build(await info.context.loaders.one("pledge", self.pledge_rest_id))

    @strawberry.field(description="The organisation concerned, from the pledges directory.")
    async def organisation(self, info: Info) -> OrganisationRef | None:
        from gateway.types.pledges import Organisation

        if self.organisation_rest_id is None or not is_uuid(self.organisation_rest_id):
            return None
        record = await info.context.loaders.one("organisation", self.organisation_rest_id)
        return Organisation.build(record)

    @classmethod
    def from_rest(cls, data: Record) -> EventOutcome:
        return cls(
            rest_id=str(data["id"]),
            kind=to_enum(OutcomeKind, data.get("kind")),
            description=LocalizedText.from_rest(data.get("description")),
            status=to_enum(OutcomeStatus, data.get("status")),
            organisation_rest_id=data.get("organisation_id"),
            created_at=to_datetime(data.get("created_at")),
            updated_at=to_datetime(data.get("updated_at")),
            event_rest_id=str(data.get("event_id")),
            country_code=data.get("country"),
            pledge_rest_id=data.get("pledge_id"),
        )


@strawberry.enum(description="Where one occurrence of a series stands.")
class OccurrenceStatus(Enum):
    SCHEDULED = strawberry.enum_value("scheduled", description="Takes place as the series says.")
    MOVED = strawberry.enum_value("moved", description="Moved to another time.")
    CANCELLED = strawberry.enum_value("cancelled", description="Does not take place.")


@strawberry.type(description="One occurrence of an event (a series has many).")
class Occurrence:
    recurrence_id: datetime | None = strawberry.field(
        description="The occurrence's original start (UTC): its name within the series."
    )
    starts_at: datetime | None = strawberry.field(description="Local start with its offset.")
    ends_at: datetime | None = strawberry.field(description="Local end with its offset.")
    starts_at_utc: datetime | None = strawberry.field(description="Start in UTC.")
    ends_at_utc: datetime | None = strawberry.field(description="End in UTC.")
    status: OccurrenceStatus | None = strawberry.field(description="Scheduled, moved, cancelled.")
    cancellation_reason: str | None = strawberry.field(description="Why it was cancelled.")

    @classmethod
    def from_rest(cls, data: Record) -> Occurrence:
        return cls(
            recurrence_id=to_datetime(data.get("recurrence_id")),
            starts_at=to_datetime(data.get("starts_at")),
            ends_at=to_datetime(data.get("ends_at")),
            starts_at_utc=to_datetime(data.get("starts_at_utc")),
            ends_at_utc=to_datetime(data.get("ends_at_utc")),
            status=to_enum(OccurrenceStatus, data.get("status")),
            cancellation_reason=data.get("cancellation_reason"),
        )


@strawberry.type(description="An occurrence of another event that overlaps a slot.")
class Clash:
    event_rest_id: str = strawberry.field(description="The clashing event's REST id.")
    kind: EventKind | None = strawberry.field(description="Its kind.")
    title: LocalizedText | None = strawberry.field(description="Its title.")
    status: EventStatus | None = strawberry.field(description="Its status.")
    starts_at: datetime | None = strawberry.field(description="Start of the occurrence (UTC).")
    ends_at: datetime | None = strawberry.field(description="End of the occurrence (UTC).")
    local_starts_at: datetime | None = strawberry.field(
        description="The same start in the event's own zone."
    )
    timezone: str | None = strawberry.field(description="The event's own time zone.")
    working_group: str | None = strawberry.field(description="Its working group, if any.")
    country_code: str | None = strawberry.field(description="Its country, if any.")

    @strawberry.field(description="The clashing event.")
    async def event(self, info: Info) -> Event | None:
        return Event.build(await info.context.loaders.one("event", self.event_rest_id))

    @classmethod
    def from_rest(cls, data: Record) -> Clash:
        return cls(
            event_rest_id=str(data.get("event_id")),
            kind=to_enum(EventKind, data.get("kind")),
            title=LocalizedText.from_rest(data.get("title")),
            status=to_enum(EventStatus, data.get("status")),
            starts_at=to_datetime(data.get("starts_at")),
            ends_at=to_datetime(data.get("ends_at")),
            local_starts_at=to_datetime(data.get("local_starts_at")),
            timezone=data.get("timezone"),
            working_group=data.get("working_group"),
            country_code=data.get("country"),
        )


@strawberry.type(description="Everything that overlaps a proposed slot, compared in UTC.")
class ConflictReport:
    starts_at_utc: datetime | None = strawberry.field(description="The slot's start in UTC.")
    ends_at_utc: datetime | None = strawberry.field(description="The slot's end in UTC.")
    clashes: list[Clash] = strawberry.field(description="The overlapping occurrences.")


@strawberry.type(description="A free slot, with the nearest clashes it avoids.")
class SlotSuggestion:
    starts_at: datetime | None = strawberry.field(description="Local start with its offset.")
    ends_at: datetime | None = strawberry.field(description="Local end with its offset.")
    starts_at_utc: datetime | None = strawberry.field(description="Start in UTC.")
    ends_at_utc: datetime | None = strawberry.field(description="End in UTC.")
    nearest_clashes: list[Clash] = strawberry.field(
        description="The busy occurrences just before and after the slot."
    )


@strawberry.type(description="How many occurrences of one kind a month has.")
class KindCount:
    kind: EventKind = strawberry.field(description="The event kind.")
    count: int = strawberry.field(description="Occurrences of that kind.")


@strawberry.type(description="One occurrence on the timeline.")
class TimelineEntry:
    kind: EventKind | None = strawberry.field(description="The event's kind.")
    title: LocalizedText | None = strawberry.field(description="The event's title.")
    status: EventStatus | None = strawberry.field(description="The event's status.")
    starts_at: datetime | None = strawberry.field(description="Local start with its offset.")
    timezone: str | None = strawberry.field(description="The event's time zone.")
    recurrence_id: datetime | None = strawberry.field(description="For a series: which occurrence.")
    event_rest_id: strawberry.Private[str]

    @strawberry.field(description="The event.")
    async def event(self, info: Info) -> Event | None:
        return Event.build(await info.context.loaders.one("event", self.event_rest_id))


@strawberry.type(description="A month of the timeline: counts per kind and the occurrences.")
class TimelineMonth:
    month: str = strawberry.field(description="The month, e.g. 2023-03.")
    total: int = strawberry.field(description="Occurrences in the month.")
    counts: list[KindCount] = strawberry.field(description="Occurrences per event kind.")
    entries: list[TimelineEntry] = strawberry.field(description="The occurrences.")


@strawberry.type(description="A year of events grouped by month (the 'Looking forward' view).")
class Timeline:
    year: int = strawberry.field(description="The year.")
    months: list[TimelineMonth] = strawberry.field(description="Its months, in order.")

    @classmethod
    def from_rest(cls, body: Record) -> Timeline:
        return cls(
            year=int(body.get("year", 0)),
            months=[
                TimelineMonth(
                    month=str(month.get("month")),
                    total=int(month.get("total", 0)),
                    counts=[
                        KindCount(kind=EventKind(kind), count=int(count))
                        for kind, count in (month.get("counts") or {}).items()
                    ],
                    entries=[
                        TimelineEntry(
                            kind=to_enum(EventKind, entry.get("kind")),
                            title=LocalizedText.from_rest(entry.get("title")),
                            status=to_enum(EventStatus, entry.get("status")),
                            starts_at=to_datetime(entry.get("starts_at")),
                            timezone=entry.get("timezone"),
                            recurrence_id=to_datetime(entry.get("recurrence_id")),
                            event_rest_id=str(entry.get("event_id")),
                        )
                        for entry in month.get("entries", [])
                    ],
                )
                for month in body.get("months", [])
            ],
        )


@strawberry.type(description="A page of events.")
class EventConnection(Connection[Event]):
    pass


@strawberry.type(description="A page of registrations.")
class RegistrationConnection(Connection[Registration]):
    pass


@strawberry.type(description="A page of event outcomes.")
class EventOutcomeConnection(Connection[EventOutcome]):
    pass


async def event_connection(
    info: Info, first: int | None, after: str | None, **filters: Any
) -> EventConnection:
    items, body, start, skip = await fetch_page(
        info.context, SERVICE, "/v1/events", filters, first=first, after=after
    )
    for item in items:
        info.context.loaders.prime("event", item)
    return connection(EventConnection, items, body, start, skip, Event.from_rest)


async def outcome_connection(
    info: Info,
    first: int | None,
    after: str | None,
    path: str = "/v1/outcomes",
    **filters: Any,
) -> EventOutcomeConnection:
    items, body, start, skip = await fetch_page(
        info.context, SERVICE, path, filters, first=first, after=after
    )
    return connection(EventOutcomeConnection, items, body, start, skip, EventOutcome.from_rest)
