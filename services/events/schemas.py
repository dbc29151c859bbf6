"""Request and response shapes of the events API."""

from __future__ import annotations

import uuid
from datetime import datetime, time
from enum import StrEnum
from typing import Annotated, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    model_validator,
)
from pydantic.config import JsonDict

from services.common import inputs
from services.common.inputs import Line, Text, WebUrl
from services.common.references import STALE_REFERENCES_DESCRIPTION, StaleReference
from services.common.schemas import BoundedDate, LocalDateTime, LocalizedText
from services.common.vocabulary import CountryCode, ThemeCode
from services.events.recurrence import MAX_DURATION, ZONE_NAMES, check_zone

TimezoneName = Annotated[
    str,
    AfterValidator(check_zone),
    WithJsonSchema({"type": "string", "enum": ZONE_NAMES, "title": "IANA time zone"}),
    Field(description="IANA time zone, e.g. America/Mexico_City.", examples=["America/Panama"]),
]


def _a_number(value: object) -> object:
    """`true` or `"1"` for a weekday or a count is a mistake (Tuesday? one place?)."""
    if isinstance(value, bool | str):
        raise ValueError("give a number, not a string or true/false")
    return value


Weekday = Annotated[int, Field(ge=0, le=6), BeforeValidator(_a_number)]
Places = Annotated[int, Field(ge=0, le=1_000_000), BeforeValidator(_a_number)]
Email = Annotated[inputs.Email, Field(description="E-mail address (compared case-insensitively).")]
OpaqueId = Annotated[Line, Field(min_length=1, max_length=100)]


class EventKind(StrEnum):
    LEARNING_EVENT = "learning_event"
    WORKSHOP = "workshop"
    FIELD_VISIT = "field_visit"
    SP_QUARTERLY_MEETING = "sp_quarterly_meeting"
    ANNUAL_MIRPS_MEETING = "annual_mirps_meeting"
    TROIKA_MEETING = "troika_meeting"
    WORKING_GROUP_MEETING = "working_group_meeting"
    SOLIDARITY_EVENT = "solidarity_event"
    GLOBAL_REFUGEE_FORUM = "global_refugee_forum"
    SUMMIT = "summit"
    OTHER = "other"


class EventMode(StrEnum):
    IN_PERSON = "in_person"
    VIRTUAL = "virtual"
    HYBRID = "hybrid"


class EventStatus(StrEnum):
    PROPOSED = "proposed"
    SCHEDULED = "scheduled"
    HELD = "held"
    REPORTED = "reported"
    CANCELLED = "cancelled"


class OccurrenceStatus(StrEnum):
    SCHEDULED = "scheduled"
    MOVED = "moved"
    CANCELLED = "cancelled"


class RegistrationRole(StrEnum):
    PARTICIPANT = "participant"
    SPEAKER = "speaker"
    ORGANISER = "organiser"


class RegistrationStatus(StrEnum):
    REGISTERED = "registered"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"
    ATTENDED = "attended"


class OutcomeKind(StrEnum):
    TAKEAWAY = "takeaway"
    POLICY_ACTION = "policy_action"
    RESOURCE_COMMITMENT = "resource_commitment"
    TECHNICAL_COLLABORATION = "technical_collaboration"


class OutcomeStatus(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"


_CLASH_EXAMPLE: JsonDict = {
    "event_id": "5c0e4d7a-2b8f-4b8e-8a86-3f5e0a3c9b11",
    "kind": "working_group_meeting",
    "title": {"es": "Grupo de trabajo de empleo", "en": "Employment working group"},
    "status": "scheduled",
    "starts_at": "2023-03-14T16:00:00Z",
    "ends_at": "2023-03-14T17:00:00Z",
    "local_starts_at": "2023-03-14T10:00:00-06:00",
    "timezone": "America/Mexico_City",
    "recurrence_id": "2023-03-14T16:00:00Z",
    "working_group": "employment",
    "country": "MEX",
}

# --- events ---------------------------------------------------------------------------

_LOCAL_TIME = (
    "Local wall-clock time in `timezone` (no offset), e.g. 2023-03-14T10:00:00. A value "
    "with an offset is taken as that instant."
)


class Recurrence(BaseModel):
    """A recurring series: an RFC 5545 RRULE and exception dates (local times)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "rrule": "FREQ=MONTHLY;BYDAY=2TU;UNTIL=20231231T235959Z",
                "exdates": ["2023-08-08T10:00:00"],
            }
        },
    )

    rrule: Line = Field(
        min_length=6,
        max_length=1000,
        description="RFC 5545 RRULE without DTSTART (the event's start is DTSTART). "
        "FREQ is DAILY, WEEKLY, MONTHLY or YEARLY; UNTIL is in UTC (ends in Z).",
    )
    exdates: list[LocalDateTime] = Field(
        default_factory=list,
        max_length=500,
        description="Starts of occurrences that do not take place: sent as local times in "
        "the event's `timezone` (or with an offset), answered with the zone's offset.",
    )


class Location(BaseModel):
    city: Line | None = Field(default=None, max_length=200, examples=["Ciudad de Panamá"])
    country: CountryCode | None = Field(default=None, description="ISO 3166-1 alpha-3.")


class EventFields(BaseModel):
    """Fields shared by creating and reading an event."""

    kind: EventKind
    title: LocalizedText
    description: LocalizedText | None = None
    mode: EventMode
    location: Location = Field(default_factory=Location)
    online_url: WebUrl | None = Field(
        default=None, max_length=2000, description="Link to join online."
    )
    countries: list[CountryCode] = Field(
        default_factory=list,
        max_length=50,
        description="Countries the event involves besides its location country; an event "
        "with none is regional (it concerns every country when checking clashes).",
    )
    hosts: list[OpaqueId] = Field(
        default_factory=list,
        max_length=20,
        description="Organisation ids of the hosts; their members organise the event.",
    )
    themes: list[ThemeCode] = Field(default_factory=list, max_length=20)
    featured_practice_ids: list[OpaqueId] = Field(
        default_factory=list, max_length=100, description="Practices (opaque ids) featured."
    )
    working_group: Line | None = Field(
        default=None, max_length=100, description="The MIRPS working group, for its meetings."
    )
    capacity: Places | None = Field(default=None, description="Places; null means unlimited.")


class EventCreate(EventFields):
    """A new event (it starts as `proposed`)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "kind": "learning_event",
                "title": {
                    "es": "Evento de aprendizaje: empleo para personas refugiadas",
                    "en": "Learning event: employment for refugees",
                },
                "starts_at": "2023-05-16T09:00:00",
                "ends_at": "2023-05-16T13:00:00",
                "timezone": "America/Panama",
                "mode": "hybrid",
                "location": {"city": "Ciudad de Panamá", "country": "PAN"},
                "online_url": "https://meet.example.org/le-1",
                "countries": ["CRI", "MEX"],
                "hosts": ["org-usa"],
                "themes": ["employment_livelihoods"],
                "capacity": 60,
            }
        },
    )

    starts_at: LocalDateTime = Field(description=_LOCAL_TIME)
    ends_at: LocalDateTime = Field(description=_LOCAL_TIME)
    timezone: TimezoneName
    recurrence: Recurrence | None = None

    @model_validator(mode="after")
    def _check(self) -> Self:
        _check_span(self.starts_at, self.ends_at)
        _check_mode(self.mode, self.location, self.online_url)
        return self


class EventUpdate(BaseModel):
    """Fields to change; absent fields keep their value, `null` clears an optional one."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {"starts_at": "2023-05-17T09:00:00", "ends_at": "2023-05-17T13:00:00"}
        },
    )

    kind: EventKind | None = None
    title: LocalizedText | None = None
    description: LocalizedText | None = None
    starts_at: LocalDateTime | None = Field(default=None, description=_LOCAL_TIME)
    ends_at: LocalDateTime | None = Field(default=None, description=_LOCAL_TIME)
    timezone: TimezoneName | None = None
    mode: EventMode | None = None
    location: Location | None = None
    online_url: WebUrl | None = Field(default=None, max_length=2000)
    countries: list[CountryCode] | None = Field(default=None, max_length=50)
    hosts: list[OpaqueId] | None = Field(default=None, max_length=20)
    themes: list[ThemeCode] | None = Field(default=None, max_length=20)
    featured_practice_ids: list[OpaqueId] | None = Field(default=None, max_length=100)
    working_group: Line | None = Field(default=None, max_length=100)
    capacity: Places | None = None
    recurrence: Recurrence | None = None


class CancelEvent(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"example": {"reason": "Postponed to the next quarter."}},
    )
    reason: Text = Field(min_length=1, max_length=2000, description="Why it is cancelled.")


class EventOut(EventFields):
    """An event as the API shows it: local times with their offset, and UTC."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "id": "0b7f6e7c-4c1e-4d8e-9f57-3b1a1b1f2c3d",
                "kind": "sp_quarterly_meeting",
                "title": {"es": "Segunda reunión trimestral", "en": "Second quarterly meeting"},
                "description": None,
                "starts_at": "2023-03-14T10:00:00-05:00",
                "ends_at": "2023-03-14T12:00:00-05:00",
                "starts_at_utc": "2023-03-14T15:00:00Z",
                "ends_at_utc": "2023-03-14T17:00:00Z",
                "timezone": "America/Panama",
                "mode": "virtual",
                "location": {"city": None, "country": None},
                "online_url": "https://meet.example.org/sp-q2",
                "countries": [],
                "hosts": ["org-usa"],
                "themes": [],
                "featured_practice_ids": [],
                "working_group": None,
                "capacity": None,
                "status": "scheduled",
                "cancellation_reason": None,
                "recurrence": None,
                "sequence": 1,
                "version": 3,
                "created_at": "2023-01-10T12:00:00Z",
                "updated_at": "2023-02-01T12:00:00Z",
            }
        }
    )

    id: uuid.UUID
    # Read back as stored: a link written before input was checked must not make the
    # event unreadable (the calendar percent-encodes what a URL cannot hold).
    online_url: str | None = Field(default=None, description="Link to join online.")
    starts_at: datetime = Field(description="First start, local time with its UTC offset.")
    ends_at: datetime = Field(description="First end, local time with its UTC offset.")
    starts_at_utc: datetime
    ends_at_utc: datetime
    timezone: str
    status: EventStatus
    cancellation_reason: str | None
    recurrence: Recurrence | None
    sequence: int = Field(description="iCalendar SEQUENCE: bumped on time, place or status.")
    version: int = Field(
        description="Bumped on every change; the ETag, and what `If-Match` sends to update."
    )
    created_at: datetime
    updated_at: datetime
    stale_references: list[StaleReference] = Field(
        default_factory=list, description=STALE_REFERENCES_DESCRIPTION
    )


class Clash(BaseModel):
    """An occurrence of another event that overlaps a slot."""

    model_config = ConfigDict(json_schema_extra={"example": _CLASH_EXAMPLE})

    event_id: uuid.UUID
    kind: EventKind
    title: LocalizedText
    status: EventStatus
    starts_at: datetime = Field(description="Start of the clashing occurrence, UTC.")
    ends_at: datetime = Field(description="End of the clashing occurrence, UTC.")
    local_starts_at: datetime = Field(description="The same start in the event's own zone.")
    timezone: str
    recurrence_id: datetime | None = Field(
        description="For a series: which occurrence (its original start, UTC)."
    )
    working_group: str | None
    country: str | None


class EventWritten(EventOut):
    """The event after a create or a move, with the clashes found (warnings only)."""

    warnings: list[Clash] = Field(
        default_factory=list,
        description="Other events overlapping this one; `?strict=true` refuses them instead.",
    )


class OccurrenceOut(BaseModel):
    """One occurrence of an event."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "event_id": "5c0e4d7a-2b8f-4b8e-8a86-3f5e0a3c9b11",
                "recurrence_id": "2023-03-14T16:00:00Z",
                "starts_at": "2023-03-15T10:00:00-06:00",
                "ends_at": "2023-03-15T11:00:00-06:00",
                "starts_at_utc": "2023-03-15T16:00:00Z",
                "ends_at_utc": "2023-03-15T17:00:00Z",
                "status": "moved",
                "cancellation_reason": None,
            }
        }
    )

    event_id: uuid.UUID
    recurrence_id: datetime = Field(description="Original start (UTC): names the occurrence.")
    starts_at: datetime
    ends_at: datetime
    starts_at_utc: datetime
    ends_at_utc: datetime
    status: OccurrenceStatus
    cancellation_reason: str | None


class OccurrenceMove(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {"starts_at": "2023-03-15T10:00:00", "ends_at": "2023-03-15T11:00:00"}
        },
    )

    starts_at: LocalDateTime = Field(description=_LOCAL_TIME)
    ends_at: LocalDateTime = Field(description=_LOCAL_TIME)

    @model_validator(mode="after")
    def _check(self) -> Self:
        _check_span(self.starts_at, self.ends_at)
        return self


class OccurrenceWritten(OccurrenceOut):
    warnings: list[Clash] = Field(default_factory=list)


# --- scheduling -----------------------------------------------------------------------


def _wall_clock_time(value: time) -> time:
    if value.tzinfo is not None:
        raise ValueError(
            "working hours are wall-clock times in `timezone`: give them without an offset, "
            'e.g. "09:00"'
        )
    return value


WallClockTime = Annotated[
    time,
    AfterValidator(_wall_clock_time),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$",
            "examples": ["09:00"],
        }
    ),
]


class WorkingHours(BaseModel):
    """Wall-clock hours in the request's `timezone`, without an offset."""

    start: WallClockTime = Field(default=time(9, 0), examples=["09:00"])
    end: WallClockTime = Field(default=time(17, 0), examples=["17:00"])

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.end <= self.start:
            raise ValueError("working hours must end after they start")
        return self


class SuggestionRequest(BaseModel):
    """What a free slot must satisfy."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "duration_minutes": 120,
                "window_start": "2023-04-01",
                "window_end": "2023-05-31",
                "timezone": "America/Panama",
                "working_hours": {"start": "09:00", "end": "17:00"},
                "countries": ["PAN", "CRI"],
                "working_groups": ["employment"],
                "avoid_kinds": ["sp_quarterly_meeting", "troika_meeting"],
                "count": 3,
            }
        },
    )

    duration_minutes: int = Field(ge=15, le=12 * 60)
    window_start: BoundedDate
    window_end: BoundedDate
    timezone: TimezoneName
    working_hours: WorkingHours = Field(default_factory=WorkingHours)
    weekdays: list[Weekday] = Field(
        default=[0, 1, 2, 3, 4],
        min_length=1,
        max_length=7,
        description="Days allowed, 0 = Monday … 6 = Sunday.",
    )
    countries: list[CountryCode] = Field(default_factory=list, max_length=50)
    working_groups: list[Annotated[Line, Field(max_length=100)]] = Field(
        default_factory=list, max_length=50
    )
    avoid_kinds: list[EventKind] = Field(default_factory=list)
    count: int = Field(default=5, ge=1, le=50, description="How many slots to return.")
    step_minutes: int = Field(default=30, ge=5, le=240, description="Granularity of starts.")

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.window_end < self.window_start:
            raise ValueError("window_end is before window_start")
        if (self.window_end - self.window_start).days > 366:
            raise ValueError("the window is at most a year")
        if any(day < 0 or day > 6 for day in self.weekdays):
            raise ValueError("weekdays are 0 (Monday) to 6 (Sunday)")
        return self


class Suggestion(BaseModel):
    starts_at: datetime = Field(description="Local start with offset.")
    ends_at: datetime
    starts_at_utc: datetime
    ends_at_utc: datetime
    nearest_clashes: list[Clash] = Field(
        description="The busy occurrences just before and just after the slot that it avoids."
    )


class SuggestionsOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "items": [
                    {
                        "starts_at": "2023-04-03T09:00:00-05:00",
                        "ends_at": "2023-04-03T11:00:00-05:00",
                        "starts_at_utc": "2023-04-03T14:00:00Z",
                        "ends_at_utc": "2023-04-03T16:00:00Z",
                        "nearest_clashes": [],
                    }
                ]
            }
        }
    )

    items: list[Suggestion]


class ConflictsOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "starts_at_utc": "2023-03-14T15:00:00Z",
                "ends_at_utc": "2023-03-14T17:00:00Z",
                "items": [_CLASH_EXAMPLE],
            }
        }
    )

    starts_at_utc: datetime
    ends_at_utc: datetime
    items: list[Clash]


class TimelineEntry(BaseModel):
    event_id: uuid.UUID
    kind: EventKind
    title: LocalizedText
    status: EventStatus
    starts_at: datetime = Field(description="Local start with offset.")
    timezone: str
    recurrence_id: datetime | None


class TimelineMonth(BaseModel):
    month: str = Field(examples=["2023-03"])
    total: int
    counts: dict[str, int] = Field(description="Occurrences per event kind.")
    entries: list[TimelineEntry]


class TimelineOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "year": 2023,
                "months": [
                    {
                        "month": "2023-03",
                        "total": 1,
                        "counts": {"sp_quarterly_meeting": 1},
                        "entries": [
                            {
                                "event_id": "0b7f6e7c-4c1e-4d8e-9f57-3b1a1b1f2c3d",
                                "kind": "sp_quarterly_meeting",
                                "title": {"es": "Segunda reunión trimestral", "en": None},
                                "status": "held",
                                "starts_at": "2023-03-14T10:00:00-05:00",
                                "timezone": "America/Panama",
                                "recurrence_id": None,
                            }
                        ],
                    }
                ],
            }
        }
    )

    year: int
    months: list[TimelineMonth]


# --- registrations --------------------------------------------------------------------


class RegistrationCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "name": "Ana Pérez",
                "email": "ana.perez@example.org",
                "organisation_id": "org-cri-mtss",
                "country": "CRI",
                "role": "participant",
            }
        },
    )

    name: Line = Field(min_length=1, max_length=300)
    email: Email
    organisation_id: OpaqueId | None = Field(
        default=None, description="Defaults to the caller's organisation."
    )
    country: CountryCode | None = None
    role: RegistrationRole = RegistrationRole.PARTICIPANT


class RegistrationOut(BaseModel):
    """A registration (personal data: never shown to anonymous callers)."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "id": "9a3c1f0e-7b2d-4e55-8c1a-2f3b4c5d6e7f",
                "event_id": "0b7f6e7c-4c1e-4d8e-9f57-3b1a1b1f2c3d",
                "name": "Ana Pérez",
                "email": "ana.perez@example.org",
                "organisation_id": "org-cri-mtss",
                "country": "CRI",
                "role": "participant",
                "status": "waitlisted",
                "created_at": "2023-04-01T12:00:00Z",
                "updated_at": "2023-04-01T12:00:00Z",
            }
        }
    )

    id: uuid.UUID
    event_id: uuid.UUID
    name: str
    email: str
    organisation_id: str | None
    country: str | None
    role: RegistrationRole
    status: RegistrationStatus
    created_at: datetime
    updated_at: datetime


class RegistrationCounts(BaseModel):
    """Public numbers of an event's registrations (no personal data)."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "event_id": "0b7f6e7c-4c1e-4d8e-9f57-3b1a1b1f2c3d",
                "capacity": 60,
                "places_left": 0,
                "registered": 58,
                "attended": 2,
                "waitlisted": 4,
                "cancelled": 3,
            }
        }
    )

    event_id: uuid.UUID
    capacity: int | None
    places_left: int | None
    registered: int
    attended: int
    waitlisted: int
    cancelled: int


# --- outcomes -------------------------------------------------------------------------


class OutcomeCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "kind": "resource_commitment",
                "country": "CRI",
                "organisation_id": "org-idb",
                "description": {
                    "es": "El BID financia la réplica del programa de empleo.",
                    "en": "IDB funds a replication of the employment programme.",
                },
                "status": "planned",
                "pledge_id": "7d0c8c1e-1b2a-4c3d-9e8f-0a1b2c3d4e5f",
            }
        },
    )

    kind: OutcomeKind
    country: CountryCode | None = None
    organisation_id: OpaqueId | None = None
    description: LocalizedText
    status: OutcomeStatus = OutcomeStatus.PLANNED
    pledge_id: OpaqueId | None = Field(
        default=None, description="The pledge (pledges service) a resource commitment became."
    )


class OutcomeUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"example": {"status": "done"}})

    kind: OutcomeKind | None = None
    country: CountryCode | None = None
    organisation_id: OpaqueId | None = None
    description: LocalizedText | None = None
    status: OutcomeStatus | None = None
    pledge_id: OpaqueId | None = None


class OutcomeOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "id": "3e2d1c0b-9a8f-4e7d-8c6b-5a4f3e2d1c0b",
                "event_id": "0b7f6e7c-4c1e-4d8e-9f57-3b1a1b1f2c3d",
                "kind": "policy_action",
                "country": "GTM",
                "organisation_id": None,
                "description": {
                    "es": "Guatemala adopta el modelo de ventanilla única.",
                    "en": None,
                },
                "status": "in_progress",
                "pledge_id": None,
                "created_at": "2023-06-01T12:00:00Z",
                "updated_at": "2023-06-01T12:00:00Z",
            }
        }
    )

    id: uuid.UUID
    event_id: uuid.UUID
    kind: OutcomeKind
    country: str | None
    organisation_id: str | None
    description: LocalizedText
    status: OutcomeStatus
    pledge_id: str | None
    created_at: datetime
    updated_at: datetime
    stale_references: list[StaleReference] = Field(
        default_factory=list, description=STALE_REFERENCES_DESCRIPTION
    )


def _check_span(starts_at: datetime, ends_at: datetime) -> None:
    if (starts_at.tzinfo is None) != (ends_at.tzinfo is None):
        raise ValueError("give starts_at and ends_at both as local times or both with offsets")
    if ends_at <= starts_at:
        raise ValueError("ends_at must be after starts_at")
    if ends_at - starts_at > MAX_DURATION:
        raise ValueError(f"an occurrence lasts at most {MAX_DURATION.days} days")


def _check_mode(mode: EventMode, location: Location, online_url: str | None) -> None:
    if mode in (EventMode.IN_PERSON, EventMode.HYBRID) and location.country is None:
        raise ValueError("an in-person or hybrid event needs location.country")
    if mode in (EventMode.VIRTUAL, EventMode.HYBRID) and online_url is None:
        raise ValueError("a virtual or hybrid event needs online_url")
