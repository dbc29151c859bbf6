"""Free slots for suggestions: a walk over the working hours, judged by one sweep over busy time.

The service reads every busy occurrence of the window in one range query, ordered by
start. The walk proposes slots in increasing time order, so a single pass over that list
answers each one: the spans starting before the slot ends have all been read, and the
one of them that ends latest decides whether the slot is free (any overlap ends after
the slot starts exactly when that one does) and, when it is free, is its nearest clash
before; the next unread span is its nearest clash after. A whole window costs one pass
over the busy list, however dense the calendar, instead of a search per slot.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from services.events.exceptions import InvalidLocalTime
from services.events.recurrence import to_utc
from services.events.repository import BusySpan


@dataclass(frozen=True, slots=True)
class FreeSlot:
    starts_at: datetime
    ends_at: datetime
    nearest: list[BusySpan]


@dataclass(frozen=True)
class SlotGrid:
    """Where slots may start: every `step` of the working hours of the chosen weekdays."""

    first_day: date
    last_day: date
    weekdays: Collection[int]
    day_start: time
    day_end: time
    timezone: str
    duration: timedelta
    step: timedelta


Judge = Callable[[datetime, datetime], Awaitable[FreeSlot | None]]


async def walk(grid: SlotGrid, wanted: int, judge: Judge) -> list[FreeSlot]:
    """The first `wanted` free slots, earliest first; a slot found is not overlapped by the
    next one tried. `judge` is asked about slots (UTC) in increasing time order."""
    slots: list[FreeSlot] = []
    day = grid.first_day
    while day <= grid.last_day and len(slots) < wanted:
        if day.weekday() in grid.weekdays:
            local = datetime.combine(day, grid.day_start)
            day_end = datetime.combine(day, grid.day_end)
            offset = _steady_offset(local, day_end - grid.duration, grid.timezone)
            while local + grid.duration <= day_end and len(slots) < wanted:
                try:
                    start = (
                        to_utc(local, grid.timezone)
                        if offset is None
                        else (local - offset).replace(tzinfo=UTC)
                    )
                except InvalidLocalTime:  # skipped or repeated by daylight saving
                    local += grid.step
                    continue
                slot = await judge(start, start + grid.duration)
                if slot is None:
                    local += grid.step
                    continue
                slots.append(slot)
                local += grid.duration
        day += timedelta(days=1)
    return slots


def _steady_offset(first: datetime, last: datetime, timezone: str) -> timedelta | None:
    """The zone's UTC offset from wall-clock `first` to `last` when it holds all along
    (no daylight-saving change that day), else None: then each time is converted alone.

    Converting once per day instead of once per candidate start is most of the walk's
    time saved on a long window; the answer is what `to_utc` gives for each.
    """
    if last < first:
        return None
    try:
        offsets = {local - to_utc(local, timezone).replace(tzinfo=None) for local in (first, last)}
    except InvalidLocalTime:
        return None
    return offsets.pop() if len(offsets) == 1 else None


class BusySweep:
    """Judges slots, asked in increasing time order, against spans sorted by start that
    arrive in batches: it reads a batch only when the slot needs it."""

    def __init__(self, batches: AsyncIterator[list[BusySpan]]) -> None:
        self.batches = batches
        self.busy: list[BusySpan] = []
        self.complete = False  # every batch read
        self.read = 0  # busy[:read] start before the last slot judged ends
        self.latest: BusySpan | None = None  # of those, the first that ends last

    async def __call__(self, start: datetime, end: datetime) -> FreeSlot | None:
        # Read on until a span starts at or after the slot's end (its nearest clash after).
        while not self.complete and (not self.busy or self.busy[-1].starts_at < end):
            batch = await anext(self.batches, None)
            if batch is None:
                self.complete = True
            else:
                self.busy += batch
        busy = self.busy
        while self.read < len(busy) and busy[self.read].starts_at < end:
            span = busy[self.read]
            if self.latest is None or span.ends_at > self.latest.ends_at:
                self.latest = span
            self.read += 1
        if self.latest is not None and self.latest.ends_at > start:
            return None
        before = [self.latest] if self.latest is not None else []
        return FreeSlot(start, end, before + busy[self.read : self.read + 1])
