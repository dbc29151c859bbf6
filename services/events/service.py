"""The rules of the events service: who may do what, status transitions, clashes,
registrations with capacity and waitlist, outcomes. Functions here only flush.

Authorisation (the issue left it open; this is the choice):
- the secretariat may do everything;
- members and partners organise the events their organisation hosts: they may create an
  event only with their organisation among its hosts, and edit, move, transition it and
  record its outcomes;
- a country focal point may record outcomes for its own countries at any visible event;
- proposed events are drafts, seen only by the secretariat and the hosts' members;
  everything else about events is public, except registrations' personal data, which
  the secretariat, the event's organisers, the person's own organisation and whoever
  registered the person may see.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Principal
from services.common.errors import Conflict, Forbidden, Unprocessable
from services.common.etag import check_if_match
from services.common.references import StaleReference
from services.events import changes, repository
from services.events.exceptions import (
    DuplicateRegistration,
    EventNotFound,
    InvalidTransition,
    OccurrenceNotFound,
    OutcomeNotFound,
    RegistrationClosed,
    RegistrationNotFound,
    SchedulingClash,
)
from services.events.models import LearningEvent, Occurrence, Outcome, Registration
from services.events.recurrence import (
    MAX_DURATION,
    ExpandedOccurrence,
    expand_within_budget,
    normalise_rrule,
    to_local,
    to_utc,
    wall_clock,
    zone,
)
from services.events.references import (
    event_references,
    of_event,
    of_outcome,
    outcome_references,
    references,
)
from services.events.repository import BusyFilter, BusyOccurrence, EventFilters, Viewer
from services.events.schemas import (
    CancelEvent,
    Clash,
    EventCreate,
    EventOut,
    EventStatus,
    EventUpdate,
    Location,
    OccurrenceMove,
    OccurrenceOut,
    OutcomeCreate,
    OutcomeOut,
    OutcomeUpdate,
    Recurrence,
    RegistrationCounts,
    RegistrationCreate,
    RegistrationOut,
    RegistrationStatus,
    Suggestion,
    SuggestionRequest,
    TimelineEntry,
    TimelineMonth,
    TimelineOut,
)
from services.events.slots import BusySweep, SlotGrid, walk

MAX_WARNINGS = 50
# A series is clash-checked this many occurrences per query (an OR of index ranges).
_WINDOWS_PER_QUERY = 50

# target status → the statuses it may be reached from
TRANSITIONS: dict[EventStatus, frozenset[EventStatus]] = {
    EventStatus.SCHEDULED: frozenset({EventStatus.PROPOSED}),
    EventStatus.HELD: frozenset({EventStatus.SCHEDULED}),
    EventStatus.REPORTED: frozenset({EventStatus.HELD}),
    EventStatus.CANCELLED: frozenset({EventStatus.PROPOSED, EventStatus.SCHEDULED}),
}
_MOVABLE = frozenset({EventStatus.PROPOSED.value, EventStatus.SCHEDULED.value})
# Changes to these reach subscribed calendars: they bump the iCalendar SEQUENCE.
_SEQUENCE_FIELDS = (
    "starts_at",
    "ends_at",
    "timezone",
    "rrule",
    "exdates",
    "mode",
    "city",
    "country",
    "online_url",
    "status",
)


def now() -> datetime:
    return datetime.now(UTC)


# --- who the caller is ----------------------------------------------------------------


def viewer_for(principal: Principal | None) -> Viewer:
    if principal is None:
        return Viewer(sees_everything=False, organisation_id=None)
    organisation = principal.acting_org_id
    return Viewer(sees_everything=principal.is_secretariat, organisation_id=organisation)


def host_ids(event: LearningEvent) -> list[str]:
    return [host.organisation_id for host in event.hosts]


def is_organiser(principal: Principal | None, event: LearningEvent) -> bool:
    """The secretariat, or a member/partner of one of the event's hosts."""
    if principal is None:
        return False
    return principal.is_secretariat or any(principal.speaks_for_org(org) for org in host_ids(event))


def _can_see(principal: Principal | None, event: LearningEvent) -> bool:
    return event.status != EventStatus.PROPOSED.value or is_organiser(principal, event)


def require_organiser(principal: Principal, event: LearningEvent) -> None:
    if not is_organiser(principal, event):
        raise Forbidden(
            "only the secretariat and members of the event's host organisations may change it"
        )


async def visible_event(
    session: AsyncSession, principal: Principal | None, event_id: uuid.UUID
) -> LearningEvent:
    """The event, or 404 when it does not exist or the caller may not see it."""
    event = await repository.get_event(session, event_id)
    if event is None or not _can_see(principal, event):
        raise EventNotFound(f"event {event_id} does not exist")
    return event


# --- presenting -----------------------------------------------------------------------


def present_event(event: LearningEvent) -> EventOut:
    return EventOut(**_event_fields(event))


async def stale_references(session: AsyncSession, event: LearningEvent) -> list[StaleReference]:
    """The event's references to withdrawn, archived, cancelled or unknown records."""
    return await references.stale(session, of_event(event))


async def present_events(session: AsyncSession, events: Sequence[LearningEvent]) -> list[EventOut]:
    """Events with their stale references flagged (one query for all)."""
    flags = await references.stale_many(session, {event.id: of_event(event) for event in events})
    return [
        present_event(event).model_copy(update={"stale_references": flags[event.id]})
        for event in events
    ]


def _event_fields(event: LearningEvent) -> dict[str, Any]:
    recurrence = (
        Recurrence(
            rrule=event.rrule,
            # Stored as wall-clock times; emitted with the zone's offset, as `date-time` says.
            exdates=[
                datetime.fromisoformat(value).replace(tzinfo=zone(event.timezone))
                for value in event.exdates
            ],
        )
        if event.rrule
        else None
    )
    return {
        "id": event.id,
        "kind": event.kind,
        "title": event.title,
        "description": event.description,
        "starts_at": to_local(event.starts_at, event.timezone),
        "ends_at": to_local(event.ends_at, event.timezone),
        "starts_at_utc": event.starts_at,
        "ends_at_utc": event.ends_at,
        "timezone": event.timezone,
        "mode": event.mode,
        "location": Location(city=event.city, country=event.country),
        "online_url": event.online_url,
        "countries": [item.country for item in event.countries],
        "hosts": host_ids(event),
        "themes": [item.theme for item in event.themes],
        "featured_practice_ids": [item.practice_id for item in event.featured_practices],
        "working_group": event.working_group,
        "capacity": event.capacity,
        "status": event.status,
        "cancellation_reason": event.cancellation_reason,
        "recurrence": recurrence,
        "sequence": event.sequence,
        "version": event.version,
        "created_at": event.created_at,
        "updated_at": event.updated_at,
    }


def present_with(event: LearningEvent, warnings: list[Clash]) -> dict[str, Any]:
    return {**_event_fields(event), "warnings": warnings}


def present_occurrence(occurrence: Occurrence, timezone: str) -> OccurrenceOut:
    return OccurrenceOut(
        event_id=occurrence.event_id,
        recurrence_id=occurrence.recurrence_id,
        starts_at=to_local(occurrence.starts_at, timezone),
        ends_at=to_local(occurrence.ends_at, timezone),
        starts_at_utc=occurrence.starts_at,
        ends_at_utc=occurrence.ends_at,
        status=occurrence.status,
        cancellation_reason=occurrence.cancellation_reason,
    )


def present_clash(busy: BusyOccurrence) -> Clash:
    return Clash(
        event_id=busy.event_id,
        kind=busy.kind,
        title=busy.title,
        status=busy.status,
        starts_at=busy.starts_at,
        ends_at=busy.ends_at,
        local_starts_at=to_local(busy.starts_at, busy.timezone),
        timezone=busy.timezone,
        recurrence_id=busy.recurrence_id if busy.is_series else None,
        working_group=busy.working_group,
        country=busy.country,
    )


# --- events ---------------------------------------------------------------------------


def _involved_countries(location_country: str | None, countries: Sequence[str]) -> list[str]:
    return list(dict.fromkeys([*([location_country] if location_country else []), *countries]))


async def _occurrences_of(event: LearningEvent) -> list[ExpandedOccurrence]:
    return await expand_within_budget(
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        timezone=event.timezone,
        rule=event.rrule,
        exdates=[datetime.fromisoformat(value) for value in event.exdates],
    )


async def _clashes_with(
    session: AsyncSession,
    principal: Principal,
    occurrences: Sequence[ExpandedOccurrence],
    *,
    exclude_event_id: uuid.UUID | None,
) -> list[Clash]:
    """Other live events overlapping any of `occurrences` (compared in UTC)."""
    if not occurrences:
        return []
    ordered = sorted(occurrences, key=lambda item: item.starts_at)
    viewer = viewer_for(principal)
    collected: dict[tuple[uuid.UUID, datetime], BusyOccurrence] = {}
    for first in range(0, len(ordered), _WINDOWS_PER_QUERY):
        chunk = ordered[first : first + _WINDOWS_PER_QUERY]
        for item in await repository.busy_occurrences(
            session,
            windows=[(own.starts_at, own.ends_at) for own in chunk],
            viewer=viewer,
            busy=BusyFilter(),
            exclude_event_id=exclude_event_id,
            at_most=MAX_WARNINGS,
        ):
            collected.setdefault((item.event_id, item.recurrence_id), item)
        if len(collected) >= MAX_WARNINGS:
            break
    # The query only returns occurrences that overlap a window: each one is a clash.
    busy = sorted(collected.values(), key=lambda item: (item.starts_at, str(item.event_id)))
    return [present_clash(item) for item in busy[:MAX_WARNINGS]]


def _refuse_if_strict(strict: bool, clashes: list[Clash]) -> None:
    if strict and clashes:
        raise SchedulingClash(
            f"the time overlaps {len(clashes)} other occurrence(s); nothing was written",
            clashes=[clash.model_dump(mode="json") for clash in clashes],
        )


def _exdates_local(recurrence: Recurrence | None, timezone: str) -> list[str]:
    if recurrence is None:
        return []
    return sorted({wall_clock(value, timezone).isoformat() for value in recurrence.exdates})


async def create_event(
    session: AsyncSession,
    principal: Principal,
    data: EventCreate,
    *,
    strict: bool,
    event_id: uuid.UUID | None = None,
) -> tuple[LearningEvent, list[Clash]]:
    """Propose an event; clashes are warnings, or a 409 with `strict`.

    `event_id` is for the demo loader only, whose records other services refer to.
    """
    if not principal.is_secretariat:
        if principal.acting_org_id is None:
            raise Forbidden("only the secretariat and SP members or partners may propose events")
        if principal.org_id not in data.hosts:
            raise Forbidden(
                f"add your organisation ({principal.org_id}) to the hosts of the event you propose"
            )
    await references.check(session, event_references(data.hosts, data.featured_practice_ids))
    moment = now()
    event = LearningEvent(
        id=event_id or uuid.uuid4(),
        kind=data.kind.value,
        title=data.title.model_dump(),
        description=data.description.model_dump() if data.description else None,
        starts_at=to_utc(data.starts_at, data.timezone),
        ends_at=to_utc(data.ends_at, data.timezone),
        timezone=data.timezone,
        mode=data.mode.value,
        city=data.location.city,
        country=data.location.country,
        online_url=data.online_url,
        working_group=data.working_group,
        capacity=data.capacity,
        status=EventStatus.PROPOSED.value,
        rrule=normalise_rrule(data.recurrence.rrule) if data.recurrence else None,
        exdates=_exdates_local(data.recurrence, data.timezone),
        sequence=0,
        created_by=principal.sub,
        created_at=moment,
        updated_at=moment,
    )
    repository.replace_collections(
        event,
        hosts=data.hosts,
        countries=_involved_countries(data.location.country, data.countries),
        themes=data.themes,
        featured_practice_ids=data.featured_practice_ids,
    )
    occurrences = await _occurrences_of(event)
    clashes = await _clashes_with(session, principal, occurrences, exclude_event_id=None)
    _refuse_if_strict(strict, clashes)
    session.add(event)
    await session.flush()
    await repository.replace_occurrences(session, event.id, occurrences)
    await changes.event_changed(session, event, "created")
    return event, clashes


async def update_event(
    session: AsyncSession,
    principal: Principal,
    event_id: uuid.UUID,
    data: EventUpdate,
    *,
    if_match: str | None,
    strict: bool,
) -> tuple[LearningEvent, list[Clash]]:
    """Change an event; a new time is checked for clashes like a new event."""
    event = await visible_event(session, principal, event_id)
    require_organiser(principal, event)
    check_if_match(if_match, event.version)
    given = data.model_fields_set
    before = {name: getattr(event, name) for name in _SEQUENCE_FIELDS}

    if (
        "hosts" in given
        and not principal.is_secretariat
        and principal.org_id not in (data.hosts or [])
    ):
        raise Forbidden("you cannot remove your own organisation from the hosts")
    await references.check(
        session,
        event_references(
            data.hosts if "hosts" in given else None,
            data.featured_practice_ids if "featured_practice_ids" in given else None,
        ),
    )
    if "kind" in given and data.kind is not None:
        event.kind = data.kind.value
    if "title" in given and data.title is not None:
        event.title = data.title.model_dump()
    if "description" in given:
        event.description = data.description.model_dump() if data.description else None
    if "mode" in given and data.mode is not None:
        event.mode = data.mode.value
    if "location" in given:
        location = data.location or Location()
        event.city, event.country = location.city, location.country
    if "online_url" in given:
        event.online_url = data.online_url
    if "working_group" in given:
        event.working_group = data.working_group
    if "capacity" in given:
        event.capacity = data.capacity

    timing = {"starts_at", "ends_at", "timezone", "recurrence"} & given
    if timing and event.status not in _MOVABLE:
        raise InvalidTransition(
            f"a {event.status} event cannot be moved", current_status=event.status
        )
    if timing:
        timezone = data.timezone or event.timezone
        event.starts_at = _moved(data.starts_at, event.starts_at, event.timezone, timezone)
        event.ends_at = _moved(data.ends_at, event.ends_at, event.timezone, timezone)
        if event.ends_at <= event.starts_at or event.ends_at - event.starts_at > MAX_DURATION:
            raise Unprocessable("the new times must end after they start, within 31 days")
        if "recurrence" in given:
            event.rrule = normalise_rrule(data.recurrence.rrule) if data.recurrence else None
            event.exdates = _exdates_local(data.recurrence, timezone)
        event.timezone = timezone

    if "mode" in given or "location" in given or "online_url" in given:
        _check_place(event)
    countries: list[str] | None = None
    if "countries" in given:
        countries = _involved_countries(event.country, data.countries or [])
    elif "location" in given:  # the new location country replaces the old one
        others = [item.country for item in event.countries if item.country != before["country"]]
        countries = _involved_countries(event.country, others)
    repository.replace_collections(
        event,
        hosts=data.hosts if "hosts" in given else None,
        countries=countries,
        themes=data.themes if "themes" in given else None,
        featured_practice_ids=(
            data.featured_practice_ids if "featured_practice_ids" in given else None
        ),
    )

    clashes: list[Clash] = []
    if timing:
        occurrences = await _occurrences_of(event)
        clashes = await _clashes_with(session, principal, occurrences, exclude_event_id=event.id)
        _refuse_if_strict(strict, clashes)
        await repository.replace_occurrences(session, event.id, occurrences)
    _touch(event, before)
    await session.flush()
    if "capacity" in given:
        await _promote_waitlisted(session, event)
    await changes.event_changed(session, event, "rescheduled" if timing else "updated")
    return event, clashes


def _moved(given: datetime | None, current: datetime, old_zone: str, new_zone: str) -> datetime:
    """The new UTC instant of a start or end: as given, else the same wall clock in the new
    zone (the same instant when the zone does not change, even at an hour that occurs twice).
    """
    if given is not None:
        return to_utc(given, new_zone)
    if new_zone == old_zone:
        return current
    return to_utc(wall_clock(to_local(current, old_zone), old_zone), new_zone)


def _check_place(event: LearningEvent) -> None:
    if event.mode in ("in_person", "hybrid") and event.country is None:
        raise Unprocessable("an in-person or hybrid event needs location.country")
    if event.mode in ("virtual", "hybrid") and event.online_url is None:
        raise Unprocessable("a virtual or hybrid event needs online_url")


def _touch(
    event: LearningEvent, before: dict[str, Any] | None = None, *, bump: bool = False
) -> None:
    """Record a change: updated_at always, SEQUENCE when time, place or status changed."""
    changed = bump or (
        before is not None
        and any(getattr(event, name) != before[name] for name in _SEQUENCE_FIELDS)
    )
    if changed:
        event.sequence += 1
    event.updated_at = now()


async def transition(
    session: AsyncSession,
    principal: Principal,
    event_id: uuid.UUID,
    target: EventStatus,
    *,
    if_match: str | None,
    cancellation: CancelEvent | None = None,
) -> LearningEvent:
    """Move an event along proposed → scheduled → held → reported, or cancel it."""
    event = await visible_event(session, principal, event_id)
    require_organiser(principal, event)
    if if_match is not None:
        check_if_match(if_match, event.version)
    allowed = TRANSITIONS[target]
    if EventStatus(event.status) not in allowed:
        raise InvalidTransition(
            f"a {event.status} event cannot become {target.value} (allowed from: "
            f"{', '.join(sorted(status.value for status in allowed))})",
            current_status=event.status,
            target=target.value,
        )
    event.status = target.value
    if cancellation is not None:
        event.cancellation_reason = cancellation.reason
    _touch(event, bump=True)
    await session.flush()
    await changes.event_changed(session, event, target.value)
    return event


async def list_events(
    session: AsyncSession,
    principal: Principal | None,
    filters: EventFilters,
    *,
    cursor: str | None,
    limit: int,
) -> tuple[list[LearningEvent], str | None]:
    return await repository.list_events(
        session, filters, viewer_for(principal), cursor=cursor, limit=limit
    )


# --- occurrences ----------------------------------------------------------------------


async def list_occurrences(
    session: AsyncSession,
    principal: Principal | None,
    event_id: uuid.UUID,
    *,
    starts_from: datetime | None,
    starts_to: datetime | None,
    limit: int,
) -> tuple[LearningEvent, list[Occurrence]]:
    event = await visible_event(session, principal, event_id)
    occurrences = await repository.list_occurrences(
        session, event.id, starts_from=starts_from, starts_to=starts_to, at_most=limit
    )
    return event, occurrences


async def list_occurrences_of(
    session: AsyncSession,
    principal: Principal | None,
    event_ids: Sequence[uuid.UUID],
    *,
    starts_from: datetime | None,
    starts_to: datetime | None,
    per_event: int,
    cursor: str | None,
    limit: int,
) -> tuple[list[OccurrenceOut], str | None]:
    """Occurrences of several events the caller may see (the others are absent), each in
    its event's zone, in time order."""
    events, _ = await list_events(
        session, principal, EventFilters(ids=event_ids), cursor=None, limit=max(len(event_ids), 1)
    )
    zones = {event.id: event.timezone for event in events}
    occurrences, next_cursor = await repository.occurrences_of(
        session,
        list(zones),
        starts_from=starts_from,
        starts_to=starts_to,
        per_event=per_event,
        cursor=cursor,
        limit=limit,
    )
    return [present_occurrence(item, zones[item.event_id]) for item in occurrences], next_cursor


async def _series_occurrence(
    session: AsyncSession, principal: Principal, event_id: uuid.UUID, recurrence_id: datetime
) -> tuple[LearningEvent, Occurrence]:
    event = await visible_event(session, principal, event_id)
    require_organiser(principal, event)
    if event.rrule is None:
        raise Conflict("this event is not a series; move it with PATCH /v1/events/{id}")
    if event.status not in _MOVABLE:
        raise InvalidTransition(
            f"a {event.status} series cannot be changed", current_status=event.status
        )
    occurrence = await repository.get_occurrence(session, event.id, recurrence_id.astimezone(UTC))
    if occurrence is None:
        raise OccurrenceNotFound(
            f"the series has no occurrence starting at {recurrence_id.isoformat()}"
        )
    return event, occurrence


async def move_occurrence(
    session: AsyncSession,
    principal: Principal,
    event_id: uuid.UUID,
    recurrence_id: datetime,
    data: OccurrenceMove,
    *,
    strict: bool,
) -> tuple[LearningEvent, Occurrence, list[Clash]]:
    """Move one occurrence of a series (an override with RECURRENCE-ID)."""
    event, occurrence = await _series_occurrence(session, principal, event_id, recurrence_id)
    starts = to_utc(data.starts_at, event.timezone)
    ends = to_utc(data.ends_at, event.timezone)
    local = to_local(starts, event.timezone)
    moved = ExpandedOccurrence(occurrence.recurrence_id, starts, ends, f"{local:%Y-%m}")
    clashes = await _clashes_with(session, principal, [moved], exclude_event_id=event.id)
    _refuse_if_strict(strict, clashes)
    occurrence.starts_at, occurrence.ends_at = starts, ends
    occurrence.local_month = moved.local_month
    occurrence.status = "moved"
    occurrence.cancellation_reason = None
    _touch(event, bump=True)
    await session.flush()
    await changes.occurrence_changed(session, event, occurrence, "moved")
    return event, occurrence, clashes


async def cancel_occurrence(
    session: AsyncSession,
    principal: Principal,
    event_id: uuid.UUID,
    recurrence_id: datetime,
    data: CancelEvent,
) -> tuple[LearningEvent, Occurrence]:
    """Cancel one occurrence of a series; the rest of the series is unchanged."""
    event, occurrence = await _series_occurrence(session, principal, event_id, recurrence_id)
    occurrence.status = "cancelled"
    occurrence.cancellation_reason = data.reason
    _touch(event, bump=True)
    await session.flush()
    await changes.occurrence_changed(session, event, occurrence, "cancelled")
    return event, occurrence


# --- scheduling -----------------------------------------------------------------------


async def conflicts(
    session: AsyncSession,
    principal: Principal | None,
    *,
    starts_at: datetime,
    ends_at: datetime,
    timezone: str,
    countries: Sequence[str],
    kinds: Sequence[str],
) -> tuple[datetime, datetime, list[Clash]]:
    """Everything visible that overlaps the slot, recurring occurrences included, in UTC."""
    start, end = to_utc(starts_at, timezone), to_utc(ends_at, timezone)
    if end <= start:
        raise Unprocessable("ends_at must be after starts_at")
    busy = await repository.busy_occurrences(
        session,
        windows=[(start, end)],
        viewer=viewer_for(principal),
        busy=BusyFilter(countries=countries, kinds=kinds, kinds_only=True),
        at_most=500,
    )
    return start, end, [present_clash(item) for item in busy]


async def suggestions(
    session: AsyncSession, principal: Principal | None, request: SuggestionRequest
) -> list[Suggestion]:
    """The first free slots in the window, within working hours, in the given zone.

    A slot is busy when it overlaps an occurrence that involves one of the countries (or
    is regional), belongs to one of the working groups, or is of a kind to avoid; with
    none of these given, every event is busy. The window's busy occurrences are read in
    one range query, in batches as the sweep over them needs them (services/events/slots.py),
    so a search done in the first week reads no further; the nearest clashes of the slots
    found are then read with their titles in one query.
    """
    tz = zone(request.timezone)
    window_start = datetime.combine(request.window_start, time(0), tz).astimezone(UTC)
    window_end = datetime.combine(request.window_end + timedelta(days=1), time(0), tz).astimezone(
        UTC
    )
    grid = SlotGrid(
        first_day=request.window_start,
        last_day=request.window_end,
        weekdays=frozenset(request.weekdays),
        day_start=request.working_hours.start,
        day_end=request.working_hours.end,
        timezone=request.timezone,
        duration=timedelta(minutes=request.duration_minutes),
        step=timedelta(minutes=request.step_minutes),
    )
    async with repository.streamed_busy_spans(
        session,
        # A day either side, so the first and last slots find their nearest clashes.
        window=(window_start - timedelta(days=1), window_end + timedelta(days=1)),
        viewer=viewer_for(principal),
        busy=BusyFilter(
            countries=request.countries,
            working_groups=request.working_groups,
            kinds=[kind.value for kind in request.avoid_kinds],
        ),
    ) as batches:
        found = await walk(grid, request.count, BusySweep(batches))
    keys = {(span.event_id, span.recurrence_id) for slot in found for span in slot.nearest}
    details = {
        (item.event_id, item.recurrence_id): item
        for item in await repository.occurrences_by_key(session, keys)
    }
    return [
        Suggestion(
            starts_at=to_local(slot.starts_at, request.timezone),
            ends_at=to_local(slot.ends_at, request.timezone),
            starts_at_utc=slot.starts_at,
            ends_at_utc=slot.ends_at,
            nearest_clashes=[
                present_clash(details[(span.event_id, span.recurrence_id)])
                for span in slot.nearest
                if (span.event_id, span.recurrence_id) in details
            ],
        )
        for slot in found
    ]


async def timeline(session: AsyncSession, principal: Principal | None, year: int) -> TimelineOut:
    """The year's occurrences grouped by local month, with counts per kind."""
    viewer = viewer_for(principal)
    counts = await repository.timeline_counts(session, year, viewer)
    entries = await repository.timeline_entries(session, year, viewer)
    months: dict[str, TimelineMonth] = {
        f"{year:04d}-{month:02d}": TimelineMonth(
            month=f"{year:04d}-{month:02d}", total=0, counts={}, entries=[]
        )
        for month in range(1, 13)
    }
    for month, kind, count in counts:
        months[month].counts[kind] = count
        months[month].total += count
    for event, occurrence in entries:
        months[occurrence.local_month].entries.append(
            TimelineEntry(
                event_id=event.id,
                kind=event.kind,
                title=event.title,
                status=event.status,
                starts_at=to_local(occurrence.starts_at, event.timezone),
                timezone=event.timezone,
                recurrence_id=occurrence.recurrence_id if event.rrule else None,
            )
        )
    return TimelineOut(year=year, months=list(months.values()))


# --- registrations --------------------------------------------------------------------


def present_registration(registration: Registration) -> RegistrationOut:
    return RegistrationOut.model_validate(registration, from_attributes=True)


def _may_see_registration(
    principal: Principal, event: LearningEvent, registration: Registration
) -> bool:
    return is_organiser(principal, event) or _owns_registration(principal, registration)


def _owns_registration(principal: Principal, registration: Registration) -> bool:
    """The caller made it, or it belongs to the caller's organisation."""
    return (
        principal.speaks_for_org(registration.organisation_id)
        or registration.created_by == principal.sub
    )


async def register(
    session: AsyncSession, principal: Principal, event_id: uuid.UUID, data: RegistrationCreate
) -> Registration:
    """Register a person: a place while capacity lasts, the waitlist after.

    The event row is locked (SELECT … FOR UPDATE; SQLite serialises writers), so two
    concurrent registrations cannot both take the last place or the same e-mail.
    """
    event = await visible_event(session, principal, event_id)
    organiser = is_organiser(principal, event)
    hosts = host_ids(event)
    organisation_id = data.organisation_id or principal.org_id
    if not organiser and organisation_id is not None and organisation_id != principal.org_id:
        raise Forbidden("you may register people of your own organisation only")
    locked = await repository.lock_event(session, event.id)
    if locked is None:
        raise EventNotFound(f"event {event_id} does not exist")
    if locked.status != EventStatus.SCHEDULED.value:
        raise RegistrationClosed(
            f"registration is open while an event is scheduled; this one is {locked.status}",
            current_status=locked.status,
        )
    email = data.email.strip().lower()
    moment = now()
    existing = await repository.registration_by_email(session, event.id, email)
    if existing is not None and existing.status != RegistrationStatus.CANCELLED.value:
        raise _duplicate(principal, existing, organiser=organiser)
    if existing is not None:
        # A cancelled registration is gone for good: the new one is a new row with a new
        # id, owned by whoever registers now, never by who registered (and cancelled) before.
        await session.delete(existing)
        await session.flush()
    taken = await repository.places_taken(session, event.id)
    has_place = locked.capacity is None or taken < locked.capacity
    status = RegistrationStatus.REGISTERED if has_place else RegistrationStatus.WAITLISTED
    registration = Registration(
        id=uuid.uuid4(),
        event_id=event.id,
        name=data.name,
        email=email,
        organisation_id=organisation_id,
        country=data.country,
        role=data.role.value,
        status=status.value,
        queued_at=moment,
        created_by=principal.sub,
        created_at=moment,
        updated_at=moment,
    )
    session.add(registration)
    try:
        await session.flush()
    except IntegrityError as exc:  # the unique (event, e-mail) constraint, as a last guard
        raise DuplicateRegistration(_UNSEEN_DUPLICATE) from exc
    await changes.registration_changed(session, hosts, registration, "created")
    return registration


_UNSEEN_DUPLICATE = (
    "this person cannot be registered for this event again; the event's organisers can help"
)


def _duplicate(
    principal: Principal, existing: Registration, *, organiser: bool
) -> DuplicateRegistration:
    """The 409 for an e-mail already registered: it names the registration only to a caller
    who may see it, so others cannot learn whose e-mail is on the list (or which
    organisation registered it)."""
    if organiser or _owns_registration(principal, existing):
        return DuplicateRegistration(
            f"{existing.email} is already registered for this event",
            registration_id=str(existing.id),
        )
    return DuplicateRegistration(_UNSEEN_DUPLICATE)


async def _promote_waitlisted(session: AsyncSession, event: LearningEvent) -> None:
    """Give free places to the first waitlisted people, in queue order."""
    if event.capacity is None:
        free = 1_000_000
    else:
        free = event.capacity - await repository.places_taken(session, event.id)
    if free <= 0:
        return
    for registration in await repository.first_waitlisted(session, event.id, free):
        registration.status = RegistrationStatus.REGISTERED.value
        registration.updated_at = now()
    await session.flush()


async def _registration_and_event(
    session: AsyncSession, principal: Principal, registration_id: uuid.UUID
) -> tuple[Registration, LearningEvent]:
    registration = await repository.get_registration(session, registration_id)
    if registration is None:
        raise RegistrationNotFound(f"registration {registration_id} does not exist")
    event = await repository.get_event(session, registration.event_id)
    if event is None or not _may_see_registration(principal, event, registration):
        raise RegistrationNotFound(f"registration {registration_id} does not exist")
    return registration, event


async def get_registration(
    session: AsyncSession, principal: Principal, registration_id: uuid.UUID
) -> Registration:
    registration, _ = await _registration_and_event(session, principal, registration_id)
    return registration


async def cancel_registration(
    session: AsyncSession, principal: Principal, registration_id: uuid.UUID
) -> Registration:
    """Cancel a registration; a freed place goes to the first person on the waitlist."""
    registration, event = await _registration_and_event(session, principal, registration_id)
    hosts = host_ids(event)
    locked = await repository.lock_event(session, event.id)
    assert locked is not None
    await session.refresh(registration)
    if registration.status not in (
        RegistrationStatus.REGISTERED.value,
        RegistrationStatus.WAITLISTED.value,
    ):
        raise Conflict(
            f"a {registration.status} registration cannot be cancelled",
            current_status=registration.status,
        )
    registration.status = RegistrationStatus.CANCELLED.value
    registration.updated_at = now()
    await session.flush()
    await _promote_waitlisted(session, locked)
    await changes.registration_changed(session, hosts, registration, "cancelled")
    return registration


async def mark_attended(
    session: AsyncSession, principal: Principal, registration_id: uuid.UUID
) -> Registration:
    """Organisers record who came."""
    registration, event = await _registration_and_event(session, principal, registration_id)
    require_organiser(principal, event)
    if registration.status != RegistrationStatus.REGISTERED.value:
        raise Conflict(
            f"only a registered person can be marked attended (this one is {registration.status})",
            current_status=registration.status,
        )
    if event.status not in (EventStatus.SCHEDULED.value, EventStatus.HELD.value):
        raise Conflict(f"attendance is recorded for scheduled or held events, not {event.status}")
    registration.status = RegistrationStatus.ATTENDED.value
    registration.updated_at = now()
    await session.flush()
    await changes.registration_changed(session, host_ids(event), registration, "attended")
    return registration


async def list_registrations(
    session: AsyncSession,
    principal: Principal,
    event_id: uuid.UUID,
    *,
    status: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[Registration], str | None]:
    """All registrations for organisers; others see their organisation's and their own."""
    event = await visible_event(session, principal, event_id)
    everything = is_organiser(principal, event)
    return await repository.registrations_of(
        session,
        all_of=[event.id] if everything else [],
        some_of=[] if everything else [event.id],
        only_organisation=principal.acting_org_id,
        only_creator=principal.sub,
        status=status,
        cursor=cursor,
        limit=limit,
    )


async def list_registrations_of(
    session: AsyncSession,
    principal: Principal,
    event_ids: Sequence[uuid.UUID],
    *,
    status: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[Registration], str | None]:
    """Registrations of several events the caller may see, each event's as
    `list_registrations` shows them: all for its organisers, otherwise the caller's
    organisation's and their own. Events the caller may not see are absent."""
    events, _ = await list_events(
        session, principal, EventFilters(ids=event_ids), cursor=None, limit=max(len(event_ids), 1)
    )
    return await repository.registrations_of(
        session,
        all_of=[event.id for event in events if is_organiser(principal, event)],
        some_of=[event.id for event in events if not is_organiser(principal, event)],
        only_organisation=principal.acting_org_id,
        only_creator=principal.sub,
        status=status,
        cursor=cursor,
        limit=limit,
    )


async def registration_counts(
    session: AsyncSession, principal: Principal | None, event_id: uuid.UUID
) -> RegistrationCounts:
    event = await visible_event(session, principal, event_id)
    counts = await repository.registration_counts(session, event.id)
    return _counts(event, counts)


async def registration_counts_of(
    session: AsyncSession, principal: Principal | None, event_ids: Sequence[uuid.UUID]
) -> list[RegistrationCounts]:
    """The counts of several events the caller may see (the others are absent)."""
    events, _ = await list_events(
        session, principal, EventFilters(ids=event_ids), cursor=None, limit=max(len(event_ids), 1)
    )
    counts = await repository.registration_counts_of(session, [event.id for event in events])
    return [_counts(event, counts.get(event.id, {})) for event in events]


def _counts(event: LearningEvent, counts: dict[str, int]) -> RegistrationCounts:
    registered, attended = counts.get("registered", 0), counts.get("attended", 0)
    return RegistrationCounts(
        event_id=event.id,
        capacity=event.capacity,
        places_left=None
        if event.capacity is None
        else max(0, event.capacity - registered - attended),
        registered=registered,
        attended=attended,
        waitlisted=counts.get("waitlisted", 0),
        cancelled=counts.get("cancelled", 0),
    )


# --- outcomes -------------------------------------------------------------------------


def present_outcome(outcome: Outcome) -> OutcomeOut:
    return OutcomeOut.model_validate(outcome, from_attributes=True)


async def present_outcomes(session: AsyncSession, outcomes: Sequence[Outcome]) -> list[OutcomeOut]:
    """Outcomes with their stale references flagged (one query for all)."""
    flags = await references.stale_many(session, {item.id: of_outcome(item) for item in outcomes})
    return [
        present_outcome(item).model_copy(update={"stale_references": flags[item.id]})
        for item in outcomes
    ]


def _require_outcome_author(
    principal: Principal, event: LearningEvent, country: str | None
) -> None:
    if is_organiser(principal, event):
        return
    if country is not None and principal.is_focal_point_for(country):
        return
    raise Forbidden(
        "outcomes are recorded by the secretariat, the event's organisers, or the focal "
        "point of the outcome's country"
    )


async def create_outcome(
    session: AsyncSession, principal: Principal, event_id: uuid.UUID, data: OutcomeCreate
) -> Outcome:
    """Record what an event produced (once it has been held)."""
    event = await visible_event(session, principal, event_id)
    _require_outcome_author(principal, event, data.country)
    if event.status not in (EventStatus.HELD.value, EventStatus.REPORTED.value):
        raise InvalidTransition(
            f"outcomes are recorded once an event is held; this one is {event.status}",
            current_status=event.status,
        )
    await references.check(session, outcome_references(data.organisation_id, data.pledge_id))
    moment = now()
    outcome = Outcome(
        id=uuid.uuid4(),
        event_id=event.id,
        kind=data.kind.value,
        country=data.country,
        organisation_id=data.organisation_id,
        description=data.description.model_dump(),
        status=data.status.value,
        pledge_id=data.pledge_id,
        created_at=moment,
        updated_at=moment,
    )
    session.add(outcome)
    await session.flush()
    await changes.outcome_changed(session, event, outcome, "created")
    return outcome


async def visible_outcome(
    session: AsyncSession, principal: Principal | None, outcome_id: uuid.UUID
) -> tuple[Outcome, LearningEvent]:
    outcome = await repository.get_outcome(session, outcome_id)
    if outcome is None:
        raise OutcomeNotFound(f"outcome {outcome_id} does not exist")
    event = await repository.get_event(session, outcome.event_id)
    if event is None or not _can_see(principal, event):
        raise OutcomeNotFound(f"outcome {outcome_id} does not exist")
    return outcome, event


async def update_outcome(
    session: AsyncSession,
    principal: Principal,
    outcome_id: uuid.UUID,
    data: OutcomeUpdate,
    *,
    if_match: str | None,
) -> Outcome:
    """Follow an outcome up (e.g. planned → done, or link the pledge it became)."""
    outcome, event = await visible_outcome(session, principal, outcome_id)
    _require_outcome_author(principal, event, outcome.country)
    check_if_match(if_match, outcome.version)
    given = data.model_fields_set
    await references.check(
        session,
        outcome_references(
            data.organisation_id if "organisation_id" in given else None,
            data.pledge_id if "pledge_id" in given else None,
        ),
    )
    if "country" in given:
        _require_outcome_author(principal, event, data.country)
        outcome.country = data.country
    if "kind" in given and data.kind is not None:
        outcome.kind = data.kind.value
    if "organisation_id" in given:
        outcome.organisation_id = data.organisation_id
    if "description" in given and data.description is not None:
        outcome.description = data.description.model_dump()
    if "status" in given and data.status is not None:
        outcome.status = data.status.value
    if "pledge_id" in given:
        outcome.pledge_id = data.pledge_id
    outcome.updated_at = now()
    await session.flush()
    await changes.outcome_changed(session, event, outcome, "updated")
    return outcome


async def list_outcomes(
    session: AsyncSession,
    principal: Principal | None,
    *,
    event_id: uuid.UUID | None,
    kind: str | None,
    country: str | None,
    status: str | None,
    year: int | None,
    cursor: str | None,
    limit: int,
    event_ids: Sequence[uuid.UUID] | None = None,
) -> tuple[list[Outcome], str | None]:
    """Outcomes across events (the follow-up record); `year` is the event's local year.

    `event_ids` reads the outcomes of several events at once (the invisible ones' are absent).
    """
    if event_id is not None:
        await visible_event(session, principal, event_id)
    return await repository.list_outcomes(
        session,
        viewer_for(principal),
        event_id=event_id,
        event_ids=event_ids,
        kind=kind,
        country=country,
        status=status,
        year=year,
        cursor=cursor,
        limit=limit,
    )


# --- calendars ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CalendarData:
    events: list[LearningEvent]
    overrides: dict[uuid.UUID, list[Occurrence]]


async def calendar_data(
    session: AsyncSession, principal: Principal | None, filters: EventFilters, *, at_most: int
) -> CalendarData:
    events = await repository.all_events(session, filters, viewer_for(principal), at_most=at_most)
    overrides: dict[uuid.UUID, list[Occurrence]] = {}
    for occurrence in await repository.overrides_of(session, [event.id for event in events]):
        overrides.setdefault(occurrence.event_id, []).append(occurrence)
    return CalendarData(events, overrides)


async def event_calendar_data(
    session: AsyncSession, principal: Principal | None, event_id: uuid.UUID
) -> CalendarData:
    event = await visible_event(session, principal, event_id)
    return CalendarData([event], {event.id: await repository.overrides_of(session, [event.id])})
