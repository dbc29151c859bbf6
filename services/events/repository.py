"""All SQL of the events service (SQLAlchemy 2 `select()`), portable to SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Collection, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, delete, exists, false, func, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from services.common.pagination import keyset_page
from services.events.models import (
    EventCountry,
    EventFeaturedPractice,
    EventHost,
    EventTheme,
    LearningEvent,
    Occurrence,
    Outcome,
    Registration,
)
from services.events.recurrence import MAX_DURATION, ExpandedOccurrence

_WITH_COLLECTIONS = (
    selectinload(LearningEvent.hosts),
    selectinload(LearningEvent.countries),
    selectinload(LearningEvent.themes),
    selectinload(LearningEvent.featured_practices),
)


@dataclass(frozen=True, slots=True)
class Viewer:
    """What the visibility rule needs to know about the caller (decided in the service)."""

    sees_everything: bool
    organisation_id: str | None


@dataclass(frozen=True, slots=True)
class EventFilters:
    starts_from: datetime | None = None
    starts_to: datetime | None = None
    kinds: Collection[str] = ()
    themes: Collection[str] = ()
    countries: Collection[str] = ()
    statuses: Collection[str] = ()
    featured_practice_id: Collection[str] = ()
    host: Collection[str] = ()
    ids: Collection[uuid.UUID] | None = None
    updated_since: datetime | None = None


@dataclass(frozen=True, slots=True)
class BusyFilter:
    """Which other events count as busy: any that matches one of the criteria given."""

    countries: Collection[str] = ()
    working_groups: Collection[str] = ()
    kinds: Collection[str] = ()
    kinds_only: bool = False  # conflicts' `kinds=` narrows instead of widening


@dataclass(frozen=True, slots=True)
class BusySpan:
    event_id: uuid.UUID
    recurrence_id: datetime
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True, slots=True)
class BusyOccurrence:
    event_id: uuid.UUID
    kind: str
    title: dict[str, Any]
    status: str
    timezone: str
    working_group: str | None
    country: str | None
    is_series: bool
    recurrence_id: datetime
    starts_at: datetime
    ends_at: datetime


def visible(viewer: Viewer) -> ColumnElement[bool]:
    """Proposed events are drafts: only the secretariat and the hosts' members see them."""
    if viewer.sees_everything:
        return LearningEvent.id.is_not(None)
    public = LearningEvent.status != "proposed"
    if viewer.organisation_id is None:
        return public
    hosted = exists().where(
        EventHost.event_id == LearningEvent.id,
        EventHost.organisation_id == viewer.organisation_id,
    )
    return or_(public, hosted)


def _involves_countries(countries: Collection[str]) -> ColumnElement[bool]:
    """The event involves one of `countries`, or is regional (involves no country)."""
    return or_(
        exists().where(
            EventCountry.event_id == LearningEvent.id, EventCountry.country.in_(countries)
        ),
        ~exists().where(EventCountry.event_id == LearningEvent.id),
    )


# --- events ---------------------------------------------------------------------------


async def get_event(session: AsyncSession, event_id: uuid.UUID) -> LearningEvent | None:
    """One event with its collections."""
    statement = (
        select(LearningEvent).where(LearningEvent.id == event_id).options(*_WITH_COLLECTIONS)
    )
    return (await session.scalars(statement)).one_or_none()


async def lock_event(session: AsyncSession, event_id: uuid.UUID) -> LearningEvent | None:
    """The event row, locked until the transaction ends (SQLite: the write lock is held)."""
    # populate_existing: the caller may already hold this event, read before the lock;
    # its status and capacity must be the locked row's, not the stale copy's.
    statement = (
        select(LearningEvent)
        .where(LearningEvent.id == event_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.scalars(statement)).one_or_none()


def _event_query(
    filters: EventFilters, viewer: Viewer, *, with_collections: bool = True
) -> Select[Any]:
    statement = select(LearningEvent).where(visible(viewer))
    if with_collections:
        statement = statement.options(*_WITH_COLLECTIONS)
    if filters.ids is not None:
        statement = statement.where(LearningEvent.id.in_(list(filters.ids)))
    if filters.kinds:
        statement = statement.where(LearningEvent.kind.in_(filters.kinds))
    if filters.updated_since is not None:
        statement = statement.where(LearningEvent.updated_at >= filters.updated_since)
    if filters.statuses:
        statement = statement.where(LearningEvent.status.in_(filters.statuses))
    if filters.themes:
        statement = statement.where(
            exists().where(
                EventTheme.event_id == LearningEvent.id, EventTheme.theme.in_(filters.themes)
            )
        )
    if filters.countries:
        statement = statement.where(
            exists().where(
                EventCountry.event_id == LearningEvent.id,
                EventCountry.country.in_(filters.countries),
            )
        )
    if filters.featured_practice_id:
        statement = statement.where(
            exists().where(
                EventFeaturedPractice.event_id == LearningEvent.id,
                EventFeaturedPractice.practice_id.in_(filters.featured_practice_id),
            )
        )
    if filters.host:
        statement = statement.where(
            exists().where(
                EventHost.event_id == LearningEvent.id,
                EventHost.organisation_id.in_(filters.host),
            )
        )
    if filters.starts_from is not None or filters.starts_to is not None:
        # An event is in the range when one of its occurrences overlaps it.
        in_range = [Occurrence.event_id == LearningEvent.id]
        if filters.starts_from is not None:
            in_range += [
                Occurrence.ends_at > filters.starts_from,
                Occurrence.starts_at > filters.starts_from - MAX_DURATION,
            ]
        if filters.starts_to is not None:
            in_range.append(Occurrence.starts_at < filters.starts_to)
        statement = statement.where(exists().where(*in_range))
    return statement


async def list_events(
    session: AsyncSession, filters: EventFilters, viewer: Viewer, *, cursor: str | None, limit: int
) -> tuple[list[LearningEvent], str | None]:
    return await keyset_page(
        session,
        _event_query(filters, viewer),
        order_by=[LearningEvent.starts_at.expression, LearningEvent.id.expression],
        sort_key=lambda event: (event.starts_at, event.id),
        cursor=cursor,
        limit=limit,
    )


async def all_events(
    session: AsyncSession, filters: EventFilters, viewer: Viewer, *, at_most: int
) -> list[LearningEvent]:
    """Events for the calendar feed: without their hosts, countries, themes and featured
    practices, which a calendar does not show (four fewer queries over up to `at_most`)."""
    statement = _event_query(filters, viewer, with_collections=False).order_by(
        LearningEvent.starts_at, LearningEvent.id
    )
    return list((await session.scalars(statement.limit(at_most))).all())


def replace_collections(
    event: LearningEvent,
    *,
    hosts: Sequence[str] | None = None,
    countries: Sequence[str] | None = None,
    themes: Sequence[str] | None = None,
    featured_practice_ids: Sequence[str] | None = None,
) -> None:
    """Set the event's lists (duplicates removed); None leaves a list as it is."""
    if hosts is not None:
        event.hosts = [EventHost(organisation_id=value) for value in dict.fromkeys(hosts)]
    if countries is not None:
        event.countries = [EventCountry(country=value) for value in dict.fromkeys(countries)]
    if themes is not None:
        event.themes = [EventTheme(theme=value) for value in dict.fromkeys(themes)]
    if featured_practice_ids is not None:
        event.featured_practices = [
            EventFeaturedPractice(practice_id=value)
            for value in dict.fromkeys(featured_practice_ids)
        ]


# --- occurrences ----------------------------------------------------------------------


async def replace_occurrences(
    session: AsyncSession, event_id: uuid.UUID, expanded: Sequence[ExpandedOccurrence]
) -> None:
    """Re-materialise an event's occurrences, keeping overrides whose occurrence remains."""
    wanted = {item.recurrence_id: item for item in expanded}
    overrides = (
        await session.scalars(
            select(Occurrence).where(
                Occurrence.event_id == event_id, Occurrence.status != "scheduled"
            )
        )
    ).all()
    kept = set()
    for override in overrides:
        if override.recurrence_id in wanted:
            kept.add(override.recurrence_id)
        else:
            await session.delete(override)
    await session.execute(
        delete(Occurrence).where(Occurrence.event_id == event_id, Occurrence.status == "scheduled")
    )
    rows = [
        {
            "id": uuid.uuid4(),
            "event_id": event_id,
            "recurrence_id": item.recurrence_id,
            "starts_at": item.starts_at,
            "ends_at": item.ends_at,
            "local_month": item.local_month,
            "status": "scheduled",
        }
        for item in expanded
        if item.recurrence_id not in kept
    ]
    if rows:
        await session.execute(insert(Occurrence), rows)
    await session.flush()


async def get_occurrence(
    session: AsyncSession, event_id: uuid.UUID, recurrence_id: datetime
) -> Occurrence | None:
    statement = select(Occurrence).where(
        Occurrence.event_id == event_id, Occurrence.recurrence_id == recurrence_id
    )
    return (await session.scalars(statement)).one_or_none()


async def list_occurrences(
    session: AsyncSession,
    event_id: uuid.UUID,
    *,
    starts_from: datetime | None,
    starts_to: datetime | None,
    at_most: int,
) -> list[Occurrence]:
    statement = select(Occurrence).where(Occurrence.event_id == event_id)
    if starts_from is not None:
        statement = statement.where(Occurrence.ends_at > starts_from)
    if starts_to is not None:
        statement = statement.where(Occurrence.starts_at < starts_to)
    statement = statement.order_by(Occurrence.starts_at, Occurrence.id).limit(at_most)
    return list((await session.scalars(statement)).all())


async def occurrences_of(
    session: AsyncSession,
    event_ids: Collection[uuid.UUID],
    *,
    starts_from: datetime | None,
    starts_to: datetime | None,
    per_event: int,
    cursor: str | None,
    limit: int,
) -> tuple[list[Occurrence], str | None]:
    """Occurrences of several events in time order, at most `per_event` of each (the first
    ones in time order within the range, as `list_occurrences` gives for one event)."""
    in_range: list[ColumnElement[bool]] = [Occurrence.event_id.in_(list(event_ids))]
    if starts_from is not None:
        in_range.append(Occurrence.ends_at > starts_from)
    if starts_to is not None:
        in_range.append(Occurrence.starts_at < starts_to)
    ranked = (
        select(
            Occurrence.id,
            func.row_number()
            .over(
                partition_by=Occurrence.event_id,
                order_by=(Occurrence.starts_at, Occurrence.id),
            )
            .label("rank"),
        )
        .where(*in_range)
        .subquery()
    )
    statement = select(Occurrence).where(
        Occurrence.id.in_(select(ranked.c.id).where(ranked.c.rank <= per_event))
    )
    return await keyset_page(
        session,
        statement,
        order_by=[Occurrence.starts_at.expression, Occurrence.id.expression],
        sort_key=lambda occurrence: (occurrence.starts_at, occurrence.id),
        cursor=cursor,
        limit=limit,
    )


async def overrides_of(session: AsyncSession, event_ids: Collection[uuid.UUID]) -> list[Occurrence]:
    """Moved and cancelled occurrences of these events (for iCalendar)."""
    if not event_ids:
        return []
    statement = (
        select(Occurrence)
        .where(Occurrence.event_id.in_(list(event_ids)), Occurrence.status != "scheduled")
        .order_by(Occurrence.event_id, Occurrence.recurrence_id)
    )
    return list((await session.scalars(statement)).all())


def _busy_statement(
    columns: Sequence[Any],
    *,
    windows: Sequence[tuple[datetime, datetime]],
    viewer: Viewer,
    busy: BusyFilter,
    exclude_event_id: uuid.UUID | None,
    at_most: int | None,
) -> Select[Any]:
    """Live occurrences of live events overlapping any of the [start, end) windows (UTC).

    The lower bound on `starts_at` (an occurrence lasts at most MAX_DURATION) lets the
    index on starts_at answer each overlap test without scanning everything before it;
    several windows (a series' occurrences) become one query with an OR of index ranges.
    """
    overlaps = [
        and_(
            Occurrence.starts_at < end,
            Occurrence.starts_at > start - MAX_DURATION,
            Occurrence.ends_at > start,
        )
        for start, end in windows
    ]
    statement = (
        select(*columns)
        .select_from(Occurrence)
        .join(LearningEvent, Occurrence.event_id == LearningEvent.id)
        .where(
            or_(*overlaps) if len(overlaps) > 1 else overlaps[0],
            Occurrence.status != "cancelled",
            LearningEvent.status != "cancelled",
            visible(viewer),
        )
    )
    if exclude_event_id is not None:
        statement = statement.where(LearningEvent.id != exclude_event_id)
    if busy.kinds_only:
        if busy.kinds:
            statement = statement.where(LearningEvent.kind.in_(busy.kinds))
        if busy.countries:
            statement = statement.where(_involves_countries(busy.countries))
    else:
        criteria: list[ColumnElement[bool]] = []
        if busy.countries:
            criteria.append(_involves_countries(busy.countries))
        if busy.working_groups:
            criteria.append(LearningEvent.working_group.in_(busy.working_groups))
        if busy.kinds:
            criteria.append(LearningEvent.kind.in_(busy.kinds))
        if criteria:
            statement = statement.where(or_(*criteria))
    statement = statement.order_by(Occurrence.starts_at, LearningEvent.id)
    return statement if at_most is None else statement.limit(at_most)


_BUSY_COLUMNS = (
    LearningEvent.id,
    LearningEvent.kind,
    LearningEvent.title,
    LearningEvent.status,
    LearningEvent.timezone,
    LearningEvent.working_group,
    LearningEvent.country,
    LearningEvent.rrule.is_not(None),
    Occurrence.recurrence_id,
    Occurrence.starts_at,
    Occurrence.ends_at,
)


async def busy_occurrences(
    session: AsyncSession,
    *,
    windows: Sequence[tuple[datetime, datetime]],
    viewer: Viewer,
    busy: BusyFilter,
    exclude_event_id: uuid.UUID | None = None,
    at_most: int = 10_000,
) -> list[BusyOccurrence]:
    """Busy occurrences with what a clash report shows about their events."""
    statement = _busy_statement(
        _BUSY_COLUMNS,
        windows=windows,
        viewer=viewer,
        busy=busy,
        exclude_event_id=exclude_event_id,
        at_most=at_most,
    )
    return [BusyOccurrence(*row) for row in (await session.execute(statement)).all()]


@asynccontextmanager
async def streamed_busy_spans(
    session: AsyncSession, *, window: tuple[datetime, datetime], viewer: Viewer, busy: BusyFilter
) -> AsyncIterator[AsyncIterator[list[BusySpan]]]:
    """When the busy occurrences are (no titles: what a free-slot search needs), in start
    order, read in batches as the caller asks for them (one query on a server-side
    cursor), so a search that is done early reads no further."""
    statement = _busy_statement(
        (Occurrence.event_id, Occurrence.recurrence_id, Occurrence.starts_at, Occurrence.ends_at),
        windows=[window],
        viewer=viewer,
        busy=busy,
        exclude_event_id=None,
        at_most=None,
    )
    connection = await session.connection()
    result = await connection.stream(statement.execution_options(yield_per=STREAM_BATCH))
    try:
        yield ([BusySpan(*row) for row in batch] async for batch in result.partitions())
    finally:
        await result.close()


STREAM_BATCH = 500


async def occurrences_by_key(
    session: AsyncSession, keys: Collection[tuple[uuid.UUID, datetime]]
) -> list[BusyOccurrence]:
    """Busy occurrences named by (event id, recurrence id), with their events' details."""
    if not keys:
        return []
    statement = (
        select(*_BUSY_COLUMNS)
        .select_from(Occurrence)
        .join(LearningEvent, Occurrence.event_id == LearningEvent.id)
        .where(
            or_(
                *(
                    and_(Occurrence.event_id == event_id, Occurrence.recurrence_id == recurrence_id)
                    for event_id, recurrence_id in keys
                )
            )
        )
    )
    return [BusyOccurrence(*row) for row in (await session.execute(statement)).all()]


async def timeline_counts(
    session: AsyncSession, year: int, viewer: Viewer
) -> list[tuple[str, str, int]]:
    """(month, kind, occurrences) for the year's live occurrences, counted in the database."""
    statement = (
        select(Occurrence.local_month, LearningEvent.kind, func.count())
        .join(LearningEvent, LearningEvent.id == Occurrence.event_id)
        .where(
            Occurrence.local_month.like(f"{year:04d}-%"),
            Occurrence.status != "cancelled",
            LearningEvent.status != "cancelled",
            visible(viewer),
        )
        .group_by(Occurrence.local_month, LearningEvent.kind)
        .order_by(Occurrence.local_month, LearningEvent.kind)
    )
    return [(month, kind, count) for month, kind, count in (await session.execute(statement)).all()]


async def timeline_entries(
    session: AsyncSession, year: int, viewer: Viewer
) -> list[tuple[LearningEvent, Occurrence]]:
    statement = (
        select(LearningEvent, Occurrence)
        .join(Occurrence, Occurrence.event_id == LearningEvent.id)
        .where(
            Occurrence.local_month.like(f"{year:04d}-%"),
            Occurrence.status != "cancelled",
            LearningEvent.status != "cancelled",
            visible(viewer),
        )
        .order_by(Occurrence.starts_at, LearningEvent.id)
    )
    return [(event, occurrence) for event, occurrence in (await session.execute(statement)).all()]


# --- registrations --------------------------------------------------------------------


async def registration_counts(session: AsyncSession, event_id: uuid.UUID) -> dict[str, int]:
    statement = (
        select(Registration.status, func.count())
        .where(Registration.event_id == event_id)
        .group_by(Registration.status)
    )
    return {status: int(count) for status, count in (await session.execute(statement)).all()}


async def registration_counts_of(
    session: AsyncSession, event_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, dict[str, int]]:
    """Registrations per status of several events, in one grouped query."""
    statement = (
        select(Registration.event_id, Registration.status, func.count())
        .where(Registration.event_id.in_(event_ids))
        .group_by(Registration.event_id, Registration.status)
    )
    counts: dict[uuid.UUID, dict[str, int]] = {}
    for event_id, status, count in (await session.execute(statement)).all():
        counts.setdefault(event_id, {})[status] = int(count)
    return counts


async def places_taken(session: AsyncSession, event_id: uuid.UUID) -> int:
    statement = select(func.count()).where(
        Registration.event_id == event_id, Registration.status.in_(("registered", "attended"))
    )
    return int((await session.execute(statement)).scalar_one())


async def registration_by_email(
    session: AsyncSession, event_id: uuid.UUID, email: str
) -> Registration | None:
    statement = select(Registration).where(
        Registration.event_id == event_id, Registration.email == email
    )
    return (await session.scalars(statement)).one_or_none()


async def first_waitlisted(
    session: AsyncSession, event_id: uuid.UUID, how_many: int
) -> list[Registration]:
    statement = (
        select(Registration)
        .where(Registration.event_id == event_id, Registration.status == "waitlisted")
        .order_by(Registration.queued_at, Registration.id)
        .limit(how_many)
    )
    return list((await session.scalars(statement)).all())


async def get_registration(
    session: AsyncSession, registration_id: uuid.UUID
) -> Registration | None:
    return await session.get(Registration, registration_id)


async def registrations_of(
    session: AsyncSession,
    *,
    all_of: Collection[uuid.UUID],
    some_of: Collection[uuid.UUID],
    only_organisation: str | None,
    only_creator: str | None,
    status: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[Registration], str | None]:
    """Registrations of several events in queue order: every one of the events in
    `all_of`; of those in `some_of`, the organisation's and the creator's only."""
    mine: list[ColumnElement[bool]] = [false()]
    if only_organisation is not None:
        mine.append(Registration.organisation_id == only_organisation)
    if only_creator is not None:
        mine.append(Registration.created_by == only_creator)
    statement = select(Registration).where(
        or_(
            Registration.event_id.in_(list(all_of)),
            and_(Registration.event_id.in_(list(some_of)), or_(*mine)),
        )
    )
    if status is not None:
        statement = statement.where(Registration.status == status)
    return await keyset_page(
        session,
        statement,
        order_by=[Registration.queued_at.expression, Registration.id.expression],
        sort_key=lambda registration: (registration.queued_at, registration.id),
        cursor=cursor,
        limit=limit,
    )


# --- outcomes -------------------------------------------------------------------------


async def get_outcome(session: AsyncSession, outcome_id: uuid.UUID) -> Outcome | None:
    return await session.get(Outcome, outcome_id)


async def list_outcomes(
    session: AsyncSession,
    viewer: Viewer,
    *,
    event_id: uuid.UUID | None,
    kind: str | None,
    country: str | None,
    status: str | None,
    year: int | None,
    cursor: str | None,
    limit: int,
    event_ids: Collection[uuid.UUID] | None = None,
) -> tuple[list[Outcome], str | None]:
    statement = (
        select(Outcome)
        .join(LearningEvent, LearningEvent.id == Outcome.event_id)
        .where(visible(viewer))
    )
    conditions: list[ColumnElement[bool]] = []
    if event_id is not None:
        conditions.append(Outcome.event_id == event_id)
    if event_ids is not None:
        conditions.append(Outcome.event_id.in_(event_ids))
    if kind is not None:
        conditions.append(Outcome.kind == kind)
    if country is not None:
        conditions.append(Outcome.country == country)
    if status is not None:
        conditions.append(Outcome.status == status)
    if year is not None:
        # The local year of the event's first occurrence, as the timeline counts it; the
        # UTC range (a day wider than any zone offset) keeps the scan on the starts_at index.
        first_local_month = (
            select(func.min(Occurrence.local_month))
            .where(Occurrence.event_id == LearningEvent.id)
            .scalar_subquery()
        )
        conditions += [
            LearningEvent.starts_at >= datetime(year - 1, 12, 31, tzinfo=UTC),
            LearningEvent.starts_at < datetime(year + 1, 1, 2, tzinfo=UTC),
            first_local_month.between(f"{year:04d}-01", f"{year:04d}-12"),
        ]
    if conditions:
        statement = statement.where(*conditions)
    return await keyset_page(
        session,
        statement,
        order_by=[Outcome.created_at.expression, Outcome.id.expression],
        sort_key=lambda outcome: (outcome.created_at, outcome.id),
        cursor=cursor,
        limit=limit,
    )


async def has_events(session: AsyncSession) -> bool:
    return (await session.scalar(select(LearningEvent.id).limit(1))) is not None
