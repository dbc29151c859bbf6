"""Routes of the events service: parse, authorise, call one service function, return."""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, StringConstraints
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import OptionalPrincipalDep, Principal, PrincipalDep
from services.common.conditional import set_feed_headers
from services.common.db import SessionDep
from services.common.errors import Unprocessable, problem_responses
from services.common.etag import IfMatchHeader, RequiredIfMatchHeader, etag_for, set_etag
from services.common.filters import MAX_IDS, Ids, IdsQuery, UpdatedSinceQuery, Values
from services.common.idempotency import (
    REPLAY_HEADER,
    IdempotencyKeyHeader,
    run_idempotent_request,
)
from services.common.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery, Page
from services.common.schemas import BoundedDateTime
from services.common.vocabulary import countries as country_codes
from services.common.vocabulary import declared
from services.common.vocabulary import themes as theme_codes
from services.events import calendar, service
from services.events.models import IdempotencyRecord
from services.events.recurrence import to_utc
from services.events.repository import EventFilters
from services.events.schemas import (
    CancelEvent,
    ConflictsOut,
    EventCreate,
    EventKind,
    EventOut,
    EventStatus,
    EventUpdate,
    EventWritten,
    OccurrenceMove,
    OccurrenceOut,
    OccurrenceWritten,
    OutcomeCreate,
    OutcomeKind,
    OutcomeOut,
    OutcomeStatus,
    OutcomeUpdate,
    RegistrationCounts,
    RegistrationCreate,
    RegistrationOut,
    RegistrationStatus,
    SuggestionRequest,
    SuggestionsOut,
    TimelineOut,
    TimezoneName,
)

router = APIRouter(prefix="/v1")
CALENDAR_MEDIA_TYPE = "text/calendar; charset=utf-8"
MAX_FEED_EVENTS = 5000
# SQLAlchemy's version counter starts every new row at 1; a replay carries no ETag, since
# the object may have changed since the first response.
FIRST_VERSION = 1

StrictQuery = Annotated[
    bool,
    Query(description="Refuse (409, nothing written) instead of warning when the time clashes."),
]
_IN_ZONE = "a time without an offset is local in `timezone` (UTC by default)"
FromQuery = Annotated[
    BoundedDateTime | None,
    Query(
        alias="from",
        description=f"Only events with an occurrence ending after this instant; {_IN_ZONE}.",
        examples=["2023-03-01T00:00:00"],
    ),
]
ToQuery = Annotated[
    BoundedDateTime | None,
    Query(
        alias="to",
        description=f"Only events with an occurrence starting before this instant; {_IN_ZONE}.",
        examples=["2023-04-01T00:00:00"],
    ),
]
RangeZoneQuery = Annotated[
    TimezoneName,
    Query(
        description="IANA zone in which `from` and `to` without an offset are read; a value "
        "with an offset is that instant whatever the zone.",
    ),
]


def _instant(value: datetime | None, timezone: str) -> datetime | None:
    """`from`/`to` as a UTC instant: local in `timezone` unless it carries an offset."""
    return None if value is None else to_utc(value, timezone)


def _as_utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _codes(raw: list[str] | None, parameter: str, check: Callable[[str], str]) -> list[str]:
    """Codes (repeated or comma-separated), each checked; an unknown one is a 422 naming it."""
    if not raw:
        return []
    result: list[str] = []
    for value in raw:
        try:
            result.append(check(value))
        except ValueError as exc:
            raise Unprocessable(f"{parameter}: {exc}", parameter=parameter) from exc
    return result


def _enum_check(enum: type[EventKind] | type[EventStatus]) -> Callable[[str], str]:
    def check(value: str) -> str:
        try:
            return enum(value).value
        except ValueError as exc:
            allowed = ", ".join(member.value for member in enum)
            raise ValueError(f"unknown value '{value}' (one of: {allowed})") from exc

    return check


def _filters(
    *,
    starts_from: datetime | None,
    starts_to: datetime | None,
    kind: list[str] | None,
    theme: list[str] | None,
    country: list[str] | None,
    status: list[str] | None = None,
    featured_practice_id: list[str] | None = None,
    host: list[str] | None = None,
    ids: list[uuid.UUID] | None = None,
    updated_since: datetime | None = None,
) -> EventFilters:
    return EventFilters(
        starts_from=_as_utc(starts_from),
        starts_to=_as_utc(starts_to),
        kinds=_codes(kind, "kind", _enum_check(EventKind)),
        themes=_codes(theme, "theme", theme_codes.check),
        countries=_codes(country, "country", country_codes.check),
        statuses=_codes(status, "status", _enum_check(EventStatus)),
        featured_practice_id=featured_practice_id or (),
        host=host or (),
        ids=ids,
        updated_since=_as_utc(updated_since),
    )


async def _idempotent(
    request: Request,
    session: AsyncSession,
    principal: Principal,
    key: str | None,
    body: BaseModel,
    action: Callable[[], Awaitable[Any]],
) -> JSONResponse:
    """Run a creating POST under its Idempotency-Key: a retry replays the first response."""
    return await run_idempotent_request(
        request, session, IdempotencyRecord, principal.sub, key, body, action
    )


def _page_of(model: type[BaseModel], *errors: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a list: an example page of `model`, and the errors it may give."""
    extra = model.model_config.get("json_schema_extra")
    example = extra.get("example") if isinstance(extra, dict) else None
    page = {"items": [example], "next_cursor": "W1siZHQiLCIyMDIzLTA1LTE2VDE1OjAwOjAwWiJdXQ"}
    return {
        200: {"content": {"application/json": {"example": page}}},
        **problem_responses(*errors),
    }


# Codes as the service checks them (case-insensitively), declared as enums for generators.
KindCode = Annotated[str, declared(tuple(EventKind), "Event kind")]
StatusCode = Annotated[str, declared(tuple(EventStatus), "Event status")]
ThemeName = Annotated[str, declared(theme_codes, "MIRPS theme")]
CountryName = Annotated[str, declared(country_codes, "ISO 3166-1 alpha-3 code")]

KindQuery = Annotated[
    Values[KindCode] | None,
    Query(description="Event kinds (repeated or comma-separated).", examples=["learning_event"]),
]
ThemeQuery = Annotated[
    Values[ThemeName] | None,
    Query(description="Theme codes (repeated or comma-separated; any of them)."),
]
CountryQuery = Annotated[
    Values[CountryName] | None,
    Query(
        description="ISO 3166-1 alpha-3 codes (repeated or comma-separated): events involving "
        "any of them."
    ),
]
ReferenceValues = Values[Annotated[str, StringConstraints(max_length=100)]]


# --- calendars (declared before /events/{event_id} so the .ics suffix wins) ----------


@router.get(
    "/calendar.ics",
    tags=["calendars"],
    response_class=Response,
    responses={
        200: {
            "content": {"text/calendar": {"example": "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n…"}},
            "description": "An RFC 5545 calendar.",
        },
        **problem_responses(401, 422),
    },
)
async def calendar_feed(
    session: SessionDep,
    principal: OptionalPrincipalDep,
    starts_from: FromQuery = None,
    starts_to: ToQuery = None,
    timezone: RangeZoneQuery = "UTC",
    kind: KindQuery = None,
    theme: ThemeQuery = None,
    country: CountryQuery = None,
    lang: Annotated[Literal["es", "en"], Query(description="Language of the texts.")] = "es",
) -> Response:
    """Subscribe to events as an iCalendar feed (series, moved and cancelled occurrences).

    Proposed events appear only for callers who may see them (as TENTATIVE). Calendar
    clients re-read the feed; SEQUENCE and LAST-MODIFIED tell them what changed.
    """
    filters = _filters(
        starts_from=_instant(starts_from, timezone),
        starts_to=_instant(starts_to, timezone),
        kind=kind,
        theme=theme,
        country=country,
    )
    data = await service.calendar_data(session, principal, filters, at_most=MAX_FEED_EVENTS)
    name = "MIRPS — eventos" if lang == "es" else "MIRPS — events"
    response = Response(
        calendar.render(data, lang=lang, name=name),
        media_type=CALENDAR_MEDIA_TYPE,
        headers={"Content-Disposition": 'inline; filename="mirps-events.ics"'},
    )
    set_feed_headers(response, (event.updated_at for event in data.events))
    return response


@router.get(
    "/events/{event_id}.ics",
    tags=["calendars"],
    response_class=Response,
    responses={
        200: {
            "content": {"text/calendar": {"example": "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n…"}},
            "description": "An RFC 5545 calendar with this event.",
        },
        **problem_responses(404, 422),
    },
)
async def event_calendar(
    event_id: uuid.UUID,
    session: SessionDep,
    principal: OptionalPrincipalDep,
    lang: Annotated[Literal["es", "en"], Query(description="Language of the texts.")] = "es",
) -> Response:
    """One event (and its moved or cancelled occurrences) as an iCalendar file."""
    data = await service.event_calendar_data(session, principal, event_id)
    response = Response(
        calendar.render(
            data, lang=lang, name=calendar.text_in(data.events[0].title, lang) or "MIRPS"
        ),
        media_type=CALENDAR_MEDIA_TYPE,
        headers={"Content-Disposition": f'inline; filename="{event_id}.ics"'},
    )
    set_feed_headers(response, (event.updated_at for event in data.events))
    return response


# --- events ---------------------------------------------------------------------------


@router.post(
    "/events",
    status_code=201,
    response_model=EventWritten,
    tags=["events"],
    responses=problem_responses(401, 403, 409, 422),
)
async def create_event(
    data: EventCreate,
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    strict: StrictQuery = False,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    """Propose an event or a recurring series (status `proposed`).

    Times are local to `timezone` and stored in UTC. Other events overlapping it come back
    as `warnings`; with `?strict=true` a clash is a 409 and nothing is written. Only the
    secretariat, or a member/partner listing its own organisation among the hosts, may
    propose. An `Idempotency-Key` makes a retry return the first response.
    """

    async def action() -> EventWritten:
        event, warnings = await service.create_event(session, principal, data, strict=strict)
        return EventWritten(
            **service.present_with(event, warnings),
            stale_references=await service.stale_references(session, event),
        )

    response = await _idempotent(request, session, principal, idempotency_key, data, action)
    response.headers["Location"] = f"/v1/events/{_created_id(response)}"
    if REPLAY_HEADER not in response.headers:
        response.headers["ETag"] = etag_for(FIRST_VERSION)
    return response


def _created_id(response: JSONResponse) -> str:
    body = json.loads(bytes(response.body))
    return str(body["id"])


@router.get(
    "/events",
    response_model=Page[EventOut],
    tags=["events"],
    responses=_page_of(EventOut, 401, 422),
)
async def list_events(
    session: SessionDep,
    principal: OptionalPrincipalDep,
    starts_from: FromQuery = None,
    starts_to: ToQuery = None,
    timezone: RangeZoneQuery = "UTC",
    kind: KindQuery = None,
    theme: ThemeQuery = None,
    country: CountryQuery = None,
    status: Annotated[
        Values[StatusCode] | None, Query(description="Statuses (repeated or comma-separated).")
    ] = None,
    featured_practice_id: Annotated[
        ReferenceValues | None, Query(description="Only events featuring any of these practices.")
    ] = None,
    host: Annotated[
        ReferenceValues | None,
        Query(description="Only events any of these organisations hosts."),
    ] = None,
    ids: IdsQuery = None,
    updated_since: UpdatedSinceQuery = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[EventOut]:
    """List events by first start, with filters; `?ids=` reads a batch in one page.

    `country` matches the location country and the other countries an event involves.
    In a batch read, unknown and invisible ids are simply absent.
    """
    filters = _filters(
        starts_from=_instant(starts_from, timezone),
        starts_to=_instant(starts_to, timezone),
        kind=kind,
        theme=theme,
        country=country,
        status=status,
        featured_practice_id=featured_practice_id,
        host=host,
        ids=ids,
        updated_since=updated_since,
    )
    if filters.ids is not None:  # a batch read answers in one page
        limit = MAX_IDS
    events, next_cursor = await service.list_events(
        session, principal, filters, cursor=cursor, limit=limit
    )
    return Page(items=await service.present_events(session, events), next_cursor=next_cursor)


@router.get(
    "/events/{event_id}",
    response_model=EventOut,
    tags=["events"],
    responses=problem_responses(401, 404, 422),
)
async def get_event(
    event_id: uuid.UUID, session: SessionDep, principal: OptionalPrincipalDep, response: Response
) -> EventOut:
    """Read one event; its ETag is what `If-Match` needs for an update."""
    event = await service.visible_event(session, principal, event_id)
    set_etag(response, event.version)
    return (await service.present_events(session, [event]))[0]


@router.patch(
    "/events/{event_id}",
    response_model=EventWritten,
    tags=["events"],
    responses=problem_responses(401, 403, 404, 409, 412, 422, 428),
)
async def update_event(
    event_id: uuid.UUID,
    data: EventUpdate,
    session: SessionDep,
    principal: PrincipalDep,
    response: Response,
    if_match: RequiredIfMatchHeader,
    strict: StrictQuery = False,
) -> EventWritten:
    """Change an event (If-Match required); a new time is clash-checked like a new event.

    Changing time, place or recurrence bumps the iCalendar SEQUENCE. A held, reported or
    cancelled event cannot be moved (409).
    """
    event, warnings = await service.update_event(
        session, principal, event_id, data, if_match=if_match, strict=strict
    )
    set_etag(response, event.version)
    return EventWritten(
        **service.present_with(event, warnings),
        stale_references=await service.stale_references(session, event),
    )


def _transition_route(path: str, target: EventStatus, summary: str, doc: str) -> None:
    async def endpoint(
        event_id: uuid.UUID,
        session: SessionDep,
        principal: PrincipalDep,
        response: Response,
        if_match: IfMatchHeader = None,
    ) -> EventOut:
        event = await service.transition(session, principal, event_id, target, if_match=if_match)
        set_etag(response, event.version)
        return (await service.present_events(session, [event]))[0]

    endpoint.__doc__ = doc
    router.add_api_route(
        f"/events/{{event_id}}/{path}",
        endpoint,
        methods=["POST"],
        response_model=EventOut,
        tags=["events"],
        summary=summary,
        name=f"event_{path}",
        responses=problem_responses(401, 403, 404, 409, 412, 422),
    )


_transition_route(
    "schedule",
    EventStatus.SCHEDULED,
    "Schedule an event",
    "Confirm a proposed event (proposed → scheduled); registration opens. Any other "
    "status is a 409. If-Match is optional here and checked when sent.",
)
_transition_route(
    "hold",
    EventStatus.HELD,
    "Mark an event held",
    "Record that a scheduled event took place (scheduled → held); outcomes can be recorded.",
)
_transition_route(
    "report",
    EventStatus.REPORTED,
    "Mark an event reported",
    "Close a held event once its report and outcomes are in (held → reported).",
)


@router.post(
    "/events/{event_id}/cancel",
    response_model=EventOut,
    tags=["events"],
    responses=problem_responses(401, 403, 404, 409, 412, 422),
)
async def cancel_event(
    event_id: uuid.UUID,
    data: CancelEvent,
    session: SessionDep,
    principal: PrincipalDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> EventOut:
    """Cancel a proposed or scheduled event with a reason (calendars show STATUS:CANCELLED)."""
    event = await service.transition(
        session, principal, event_id, EventStatus.CANCELLED, if_match=if_match, cancellation=data
    )
    set_etag(response, event.version)
    return (await service.present_events(session, [event]))[0]


# --- occurrences ----------------------------------------------------------------------


@router.get(
    "/events/{event_id}/occurrences",
    response_model=list[OccurrenceOut],
    tags=["events"],
    responses=problem_responses(401, 404, 422),
)
async def list_occurrences(
    event_id: uuid.UUID,
    session: SessionDep,
    principal: OptionalPrincipalDep,
    starts_from: FromQuery = None,
    starts_to: ToQuery = None,
    timezone: RangeZoneQuery = "UTC",
    limit: Annotated[int, Query(ge=1, le=2000, description="At most this many.")] = 500,
) -> list[OccurrenceOut]:
    """Occurrences of an event in time order, moved and cancelled ones included."""
    event, occurrences = await service.list_occurrences(
        session,
        principal,
        event_id,
        starts_from=_instant(starts_from, timezone),
        starts_to=_instant(starts_to, timezone),
        limit=limit,
    )
    return [service.present_occurrence(item, event.timezone) for item in occurrences]


@router.get(
    "/occurrences",
    response_model=Page[OccurrenceOut],
    tags=["events"],
    responses=_page_of(OccurrenceOut, 422),
)
async def list_occurrences_of(
    session: SessionDep,
    principal: OptionalPrincipalDep,
    event_id: Annotated[
        Ids,
        Query(
            description=f"The events (comma-separated or repeated, at most {MAX_IDS}); "
            "unknown and invisible ones are absent.",
            examples=["0b7f6e7c-4c1e-4d8e-9f57-3b1a1b1f2c3d,5d1c9a0e-2b7f-4c3d-8e9f-0a1b2c3d4e5f"],
        ),
    ],
    starts_from: FromQuery = None,
    starts_to: ToQuery = None,
    timezone: RangeZoneQuery = "UTC",
    per_event: Annotated[
        int,
        Query(ge=1, le=2000, description="At most this many of each event (its first ones)."),
    ] = 500,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[OccurrenceOut]:
    """Occurrences of several events in time order, moved and cancelled ones included."""
    items, next_cursor = await service.list_occurrences_of(
        session,
        principal,
        event_id,
        starts_from=_instant(starts_from, timezone),
        starts_to=_instant(starts_to, timezone),
        per_event=per_event,
        cursor=cursor,
        limit=limit,
    )
    return Page(items=items, next_cursor=next_cursor)


@router.patch(
    "/events/{event_id}/occurrences/{recurrence_id}",
    response_model=OccurrenceWritten,
    tags=["events"],
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def move_occurrence(
    event_id: uuid.UUID,
    recurrence_id: BoundedDateTime,
    data: OccurrenceMove,
    session: SessionDep,
    principal: PrincipalDep,
    strict: StrictQuery = False,
) -> OccurrenceWritten:
    """Move one occurrence of a series (named by its original start, e.g. 2023-03-14T16:00:00Z).

    New times are local to the series' zone. Clashes come back as warnings (409 with
    `?strict=true`). Calendars receive it as a VEVENT with RECURRENCE-ID.
    """
    event, occurrence, warnings = await service.move_occurrence(
        session, principal, event_id, _as_utc(recurrence_id) or recurrence_id, data, strict=strict
    )
    out = service.present_occurrence(occurrence, event.timezone)
    return OccurrenceWritten(**out.model_dump(), warnings=warnings)


@router.post(
    "/events/{event_id}/occurrences/{recurrence_id}/cancel",
    response_model=OccurrenceOut,
    tags=["events"],
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def cancel_occurrence(
    event_id: uuid.UUID,
    recurrence_id: BoundedDateTime,
    data: CancelEvent,
    session: SessionDep,
    principal: PrincipalDep,
) -> OccurrenceOut:
    """Cancel one occurrence of a series, with a reason; the rest of the series stays."""
    event, occurrence = await service.cancel_occurrence(
        session, principal, event_id, _as_utc(recurrence_id) or recurrence_id, data
    )
    return service.present_occurrence(occurrence, event.timezone)


# --- scheduling -----------------------------------------------------------------------


@router.get(
    "/schedule/conflicts",
    response_model=ConflictsOut,
    tags=["scheduling"],
    responses=problem_responses(401, 422),
)
async def schedule_conflicts(
    session: SessionDep,
    principal: OptionalPrincipalDep,
    starts_at: Annotated[
        BoundedDateTime,
        Query(description="Local start in `timezone`.", examples=["2023-03-14T10:00:00"]),
    ],
    ends_at: Annotated[
        BoundedDateTime,
        Query(description="Local end in `timezone`.", examples=["2023-03-14T12:00:00"]),
    ],
    timezone: Annotated[TimezoneName, Query()],
    country: Annotated[
        Values[CountryName] | None,
        Query(description="Only events involving one of these countries (or regional ones)."),
    ] = None,
    kind: Annotated[Values[KindCode] | None, Query(description="Only these event kinds.")] = None,
    countries: Annotated[
        Values[CountryName] | None, Query(deprecated=True, description="Use `country`.")
    ] = None,
    kinds: Annotated[
        Values[KindCode] | None, Query(deprecated=True, description="Use `kind`.")
    ] = None,
) -> ConflictsOut:
    """Everything that overlaps a proposed slot, series occurrences included, compared in UTC."""
    start, end, clashes = await service.conflicts(
        session,
        principal,
        starts_at=starts_at,
        ends_at=ends_at,
        timezone=timezone,
        countries=_codes((country or []) + (countries or []), "country", country_codes.check),
        kinds=_codes((kind or []) + (kinds or []), "kind", _enum_check(EventKind)),
    )
    return ConflictsOut(starts_at_utc=start, ends_at_utc=end, items=clashes)


@router.post(
    "/schedule/suggestions",
    response_model=SuggestionsOut,
    tags=["scheduling"],
    responses=problem_responses(401, 422),
)
async def schedule_suggestions(
    data: SuggestionRequest, session: SessionDep, principal: OptionalPrincipalDep
) -> SuggestionsOut:
    """The first free slots in a date window, within working hours, avoiding busy events.

    Busy means: involving one of `countries` (or regional), belonging to one of
    `working_groups`, or of a kind in `avoid_kinds`. Each slot lists the nearest busy
    occurrences before and after it.
    """
    return SuggestionsOut(items=await service.suggestions(session, principal, data))


@router.get(
    "/timeline",
    response_model=TimelineOut,
    tags=["scheduling"],
    responses=problem_responses(401, 422),
)
async def get_timeline(
    session: SessionDep,
    principal: OptionalPrincipalDep,
    year: Annotated[int, Query(ge=2000, le=2100, examples=[2023])],
) -> TimelineOut:
    """The year month by month: occurrences with counts per kind ("Looking forward")."""
    return await service.timeline(session, principal, year)


# --- registrations --------------------------------------------------------------------


@router.post(
    "/events/{event_id}/registrations",
    status_code=201,
    response_model=RegistrationOut,
    tags=["registrations"],
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def register(
    event_id: uuid.UUID,
    data: RegistrationCreate,
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    """Register a person for a scheduled event: `registered` while places last, else `waitlisted`.

    One registration per e-mail per event (409). Members register people of their own
    organisation; organisers and the secretariat anyone.
    """

    async def action() -> RegistrationOut:
        return service.present_registration(
            await service.register(session, principal, event_id, data)
        )

    return await _idempotent(request, session, principal, idempotency_key, data, action)


@router.get(
    "/events/{event_id}/registrations",
    response_model=Page[RegistrationOut],
    tags=["registrations"],
    responses=_page_of(RegistrationOut, 401, 404, 422),
)
async def list_registrations(
    event_id: uuid.UUID,
    session: SessionDep,
    principal: PrincipalDep,
    status: Annotated[RegistrationStatus | None, Query()] = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[RegistrationOut]:
    """Registrations in queue order: all for organisers, otherwise your organisation's and yours."""
    items, next_cursor = await service.list_registrations(
        session,
        principal,
        event_id,
        status=status.value if status else None,
        cursor=cursor,
        limit=limit,
    )
    return Page(
        items=[service.present_registration(item) for item in items], next_cursor=next_cursor
    )


@router.get(
    "/registrations",
    response_model=Page[RegistrationOut],
    tags=["registrations"],
    responses=_page_of(RegistrationOut, 401, 422),
)
async def list_registrations_of(
    session: SessionDep,
    principal: PrincipalDep,
    event_id: Annotated[
        Ids,
        Query(
            description=f"The events (comma-separated or repeated, at most {MAX_IDS}); "
            "unknown and invisible ones are absent.",
            examples=["0b7f6e7c-4c1e-4d8e-9f57-3b1a1b1f2c3d,5d1c9a0e-2b7f-4c3d-8e9f-0a1b2c3d4e5f"],
        ),
    ],
    status: Annotated[RegistrationStatus | None, Query()] = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[RegistrationOut]:
    """Several events' registrations in queue order, each event's as its own list shows them."""
    items, next_cursor = await service.list_registrations_of(
        session,
        principal,
        event_id,
        status=status.value if status else None,
        cursor=cursor,
        limit=limit,
    )
    return Page(
        items=[service.present_registration(item) for item in items], next_cursor=next_cursor
    )


@router.get(
    "/events/{event_id}/registrations/counts",
    response_model=RegistrationCounts,
    tags=["registrations"],
    responses=problem_responses(404, 422),
)
async def registration_counts(
    event_id: uuid.UUID, session: SessionDep, principal: OptionalPrincipalDep
) -> RegistrationCounts:
    """Public numbers: places, registered, attended, waitlisted, cancelled (no personal data)."""
    return await service.registration_counts(session, principal, event_id)


@router.get(
    "/registration-counts",
    response_model=Page[RegistrationCounts],
    tags=["registrations"],
    responses=_page_of(RegistrationCounts, 422),
)
async def registration_counts_of(
    session: SessionDep,
    principal: OptionalPrincipalDep,
    event_ids: Annotated[
        Ids,
        Query(
            description=f"The events (comma-separated or repeated, at most {MAX_IDS}); "
            "unknown and invisible ones are absent.",
            examples=["0b7f6e7c-4c1e-4d8e-9f57-3b1a1b1f2c3d,5d1c9a0e-2b7f-4c3d-8e9f-0a1b2c3d4e5f"],
        ),
    ],
) -> Page[RegistrationCounts]:
    """Public registration numbers of several events at once (no personal data)."""
    items = await service.registration_counts_of(session, principal, event_ids)
    return Page(items=items, next_cursor=None)


@router.get(
    "/registrations/{registration_id}",
    response_model=RegistrationOut,
    tags=["registrations"],
    responses=problem_responses(401, 404, 422),
)
async def get_registration(
    registration_id: uuid.UUID, session: SessionDep, principal: PrincipalDep
) -> RegistrationOut:
    """Read one registration (organisers, the person's organisation, or who registered them)."""
    return service.present_registration(
        await service.get_registration(session, principal, registration_id)
    )


@router.post(
    "/registrations/{registration_id}/cancel",
    response_model=RegistrationOut,
    tags=["registrations"],
    responses=problem_responses(401, 404, 409, 422),
)
async def cancel_registration(
    registration_id: uuid.UUID, session: SessionDep, principal: PrincipalDep
) -> RegistrationOut:
    """Cancel a registration; a freed place goes to the first person on the waitlist."""
    return service.present_registration(
        await service.cancel_registration(session, principal, registration_id)
    )


@router.post(
    "/registrations/{registration_id}/attend",
    response_model=RegistrationOut,
    tags=["registrations"],
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def mark_attended(
    registration_id: uuid.UUID, session: SessionDep, principal: PrincipalDep
) -> RegistrationOut:
    """Record that a registered person attended (organisers)."""
    return service.present_registration(
        await service.mark_attended(session, principal, registration_id)
    )


# --- outcomes -------------------------------------------------------------------------


@router.post(
    "/events/{event_id}/outcomes",
    status_code=201,
    response_model=OutcomeOut,
    tags=["outcomes"],
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def create_outcome(
    event_id: uuid.UUID,
    data: OutcomeCreate,
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    """Record an outcome of a held event: takeaway, policy action, resource commitment…"""

    async def action() -> OutcomeOut:
        outcome = await service.create_outcome(session, principal, event_id, data)
        return (await service.present_outcomes(session, [outcome]))[0]

    response = await _idempotent(request, session, principal, idempotency_key, data, action)
    if REPLAY_HEADER not in response.headers:
        response.headers["ETag"] = etag_for(FIRST_VERSION)
    return response


@router.get(
    "/events/{event_id}/outcomes",
    response_model=Page[OutcomeOut],
    tags=["outcomes"],
    responses=_page_of(OutcomeOut, 404, 422),
)
async def list_event_outcomes(
    event_id: uuid.UUID,
    session: SessionDep,
    principal: OptionalPrincipalDep,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[OutcomeOut]:
    """Outcomes of one event, oldest first."""
    items, next_cursor = await service.list_outcomes(
        session,
        principal,
        event_id=event_id,
        kind=None,
        country=None,
        status=None,
        year=None,
        cursor=cursor,
        limit=limit,
    )
    return Page(items=await service.present_outcomes(session, items), next_cursor=next_cursor)


@router.get(
    "/outcomes",
    response_model=Page[OutcomeOut],
    tags=["outcomes"],
    responses=_page_of(OutcomeOut, 422),
)
async def list_outcomes(
    session: SessionDep,
    principal: OptionalPrincipalDep,
    event_id: Annotated[
        Values[uuid.UUID] | None,
        Query(description="Outcomes of any of these events (repeated or comma-separated)."),
    ] = None,
    kind: Annotated[OutcomeKind | None, Query()] = None,
    country: Annotated[CountryName | None, Query(description="ISO 3166-1 alpha-3.")] = None,
    status: Annotated[OutcomeStatus | None, Query()] = None,
    year: Annotated[
        int | None,
        Query(
            ge=2000,
            le=2100,
            description="Year of the event's first occurrence, in its own time zone.",
        ),
    ] = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[OutcomeOut]:
    """Outcomes across events: the follow-up record of Outcomes 3.3.1 to 3.3.3."""
    countries = _codes([country] if country else None, "country", country_codes.check)
    items, next_cursor = await service.list_outcomes(
        session,
        principal,
        event_id=None,
        event_ids=event_id,
        kind=kind.value if kind else None,
        country=countries[0] if countries else None,
        status=status.value if status else None,
        year=year,
        cursor=cursor,
        limit=limit,
    )
    return Page(items=await service.present_outcomes(session, items), next_cursor=next_cursor)


@router.get(
    "/outcomes/{outcome_id}",
    response_model=OutcomeOut,
    tags=["outcomes"],
    responses=problem_responses(404, 422),
)
async def get_outcome(
    outcome_id: uuid.UUID, session: SessionDep, principal: OptionalPrincipalDep, response: Response
) -> OutcomeOut:
    """Read one outcome; its ETag is what `If-Match` needs for an update."""
    outcome, _ = await service.visible_outcome(session, principal, outcome_id)
    set_etag(response, outcome.version)
    return (await service.present_outcomes(session, [outcome]))[0]


@router.patch(
    "/outcomes/{outcome_id}",
    response_model=OutcomeOut,
    tags=["outcomes"],
    responses=problem_responses(401, 403, 404, 412, 422, 428),
)
async def update_outcome(
    outcome_id: uuid.UUID,
    data: Annotated[OutcomeUpdate, Body()],
    session: SessionDep,
    principal: PrincipalDep,
    response: Response,
    if_match: RequiredIfMatchHeader,
) -> OutcomeOut:
    """Follow an outcome up (status, linked pledge…); If-Match required."""
    outcome = await service.update_outcome(session, principal, outcome_id, data, if_match=if_match)
    set_etag(response, outcome.version)
    return (await service.present_outcomes(session, [outcome]))[0]
