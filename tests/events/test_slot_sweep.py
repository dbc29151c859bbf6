"""The one-pass sweep finds the same free slots, with the same nearest clashes, as checking
every slot against every busy occurrence."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from services.events.exceptions import InvalidLocalTime
from services.events.recurrence import to_utc
from services.events.repository import BusySpan
from services.events.slots import BusySweep, FreeSlot, Judge, SlotGrid, walk

ZONES = ("America/Panama", "America/Mexico_City", "America/New_York", "UTC")
FIRST_DAY = date(2026, 3, 2)  # spans New York's change to summer time (8 March)
ORIGIN = datetime(2026, 3, 1, tzinfo=UTC)


def naive(busy: list[BusySpan]) -> Judge:
    """Every slot checked against every span: overlapping ones make it busy; the nearest
    before is the first span (in the list's order) of those ending latest before it."""

    async def judge(start: datetime, end: datetime) -> FreeSlot | None:
        if any(span.starts_at < end and span.ends_at > start for span in busy):
            return None
        ended = [span for span in busy if span.ends_at <= start]
        after = [span for span in busy if span.starts_at >= end]
        before = [max(ended, key=lambda span: span.ends_at)] if ended else []
        return FreeSlot(start, end, before + after[:1])

    return judge


@st.composite
def busy_spans(draw: st.DrawFn) -> list[BusySpan]:
    """Occurrences over three weeks, sorted by start then id as the range query returns
    them: many share a start or an end, some last days, some are nested in others."""
    ids = [uuid.UUID(int=n) for n in range(1, 6)]
    spans = []
    for _ in range(draw(st.integers(0, 60))):
        start = ORIGIN + timedelta(minutes=15 * draw(st.integers(0, 4 * 24 * 21)))
        length = timedelta(minutes=15 * draw(st.sampled_from([1, 2, 4, 8, 12, 96, 300])))
        event_id = draw(st.sampled_from(ids))
        spans.append(BusySpan(event_id, start, start, start + length))
    unique = {(span.event_id, span.recurrence_id): span for span in spans}
    return sorted(unique.values(), key=lambda span: (span.starts_at, span.event_id))


grids = st.builds(
    lambda days, weekdays, start_hour, hours, zone, duration, step: SlotGrid(
        first_day=FIRST_DAY,
        last_day=FIRST_DAY + timedelta(days=days),
        weekdays=frozenset(weekdays),
        day_start=time(start_hour),
        day_end=time(min(23, start_hour + hours), 59 if start_hour + hours >= 23 else 0),
        timezone=zone,
        duration=timedelta(minutes=duration),
        step=timedelta(minutes=step),
    ),
    days=st.integers(0, 20),
    weekdays=st.sets(st.integers(0, 6), min_size=1),
    start_hour=st.integers(0, 12),
    hours=st.integers(1, 12),
    zone=st.sampled_from(ZONES),
    duration=st.sampled_from([15, 30, 60, 90, 120]),
    step=st.sampled_from([5, 15, 30, 60]),
)


async def in_batches(busy: list[BusySpan], size: int) -> AsyncIterator[list[BusySpan]]:
    """The spans as the range query's cursor hands them over."""
    for first in range(0, len(busy), size):
        yield busy[first : first + size]


def sweep(busy: list[BusySpan], size: int = 7) -> BusySweep:
    return BusySweep(in_batches(busy, size))


@settings(max_examples=300, deadline=None)
@given(busy=busy_spans(), grid=grids, wanted=st.integers(1, 20), size=st.integers(1, 30))
def test_the_sweep_finds_what_checking_every_slot_finds(
    busy: list[BusySpan], grid: SlotGrid, wanted: int, size: int
) -> None:
    swept = asyncio.run(walk(grid, wanted, sweep(busy, size)))
    assert swept == asyncio.run(walk(grid, wanted, naive(busy)))


def test_a_slot_between_two_meetings_names_both() -> None:
    first, second = uuid.UUID(int=1), uuid.UUID(int=2)
    nine = datetime(2026, 3, 2, 14, tzinfo=UTC)  # 09:00 in Panama
    busy = [
        BusySpan(first, nine, nine, nine + timedelta(hours=1)),
        BusySpan(
            second, nine + timedelta(hours=2), nine + timedelta(hours=2), nine + timedelta(hours=3)
        ),
    ]
    grid = SlotGrid(
        first_day=date(2026, 3, 2),
        last_day=date(2026, 3, 2),
        weekdays=frozenset(range(7)),
        day_start=time(9),
        day_end=time(12),
        timezone="America/Panama",
        duration=timedelta(hours=1),
        step=timedelta(minutes=30),
    )
    [slot] = asyncio.run(walk(grid, 5, sweep(busy)))
    assert slot.starts_at == nine + timedelta(hours=1)
    assert [span.event_id for span in slot.nearest] == [first, second]


@settings(max_examples=200, deadline=None)
@given(grid=grids)
def test_the_walk_tries_the_starts_each_wall_clock_time_converts_to(grid: SlotGrid) -> None:
    """Converting once per day (when no clock change falls in it) gives every start that
    converting each wall-clock time alone gives, daylight-saving days included."""
    tried: list[datetime] = []

    async def busy(start: datetime, _end: datetime) -> None:
        tried.append(start)

    asyncio.run(walk(grid, 1, busy))
    expected = []
    day = grid.first_day
    while day <= grid.last_day:
        if day.weekday() in grid.weekdays:
            local = datetime.combine(day, grid.day_start)
            while local + grid.duration <= datetime.combine(day, grid.day_end):
                with contextlib.suppress(InvalidLocalTime):
                    expected.append(to_utc(local, grid.timezone))
                local += grid.step
        day += timedelta(days=1)
    assert tried == expected
