"""Wall-clock time in IANA zones and RFC 5545 recurrence, expanded into UTC occurrences.

A meeting "every Tuesday at 10:00 in Tijuana" is 10:00 local on both sides of a
daylight-saving change, so its UTC instant moves by an hour: rules are expanded in the
event's zone (dateutil over zoneinfo-aware datetimes) and only then converted to UTC.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import re
import signal
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import FrameType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from dateutil.rrule import rrule, rrulestr

from services.common.errors import RETRY_AFTER_SECONDS
from services.events.exceptions import ExpansionUnavailable, InvalidLocalTime, InvalidRecurrence

# An occurrence lasts at most this long; range queries use it to bound their index scans.
MAX_DURATION = timedelta(days=31)
# A series without COUNT or UNTIL is materialised this far from its first occurrence.
OPEN_SERIES_HORIZON = timedelta(days=366 * 10)
MAX_OCCURRENCES = 2000
# CPU time one expansion may use. A real series of 2,000 occurrences expands in about
# 15 ms; a rule that can never occur (31 February) makes dateutil search until the year
# 9999, seconds of CPU, so it is stopped here and refused. The budget is the expansion
# worker's own CPU time, so a busy machine slows a real series without failing it; the
# wall-clock cap bounds the wait when the machine is very busy.
EXPANSION_BUDGET_SECONDS = 0.05
EXPANSION_WALL_CAP_SECONDS = 5.0
EXPANSION_WORKERS = 2
_ALLOWED_FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")


def zone(name: str) -> ZoneInfo:
    """The IANA zone `name`, or ValueError naming it (pydantic turns it into a 422)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown IANA time zone '{name}'") from exc


def _loadable(name: str) -> bool:
    try:
        zone(name)
    except ValueError:
        return False
    return True


def _offered_zones() -> list[str]:
    """The zone names a client is offered (the OpenAPI enum): every name the time zone
    database answers, less the few that a client generator would spell alike once
    reduced to letters and digits (`Etc/GMT+5` and `Etc/GMT-5`, `GMT+0` and `GMT0`); those
    are still accepted, only not listed."""
    names = [name for name in available_timezones() if _loadable(name)]
    spelled = Counter(re.sub("[^A-Za-z0-9]", "", name).upper() for name in names)
    return sorted(n for n in names if spelled[re.sub("[^A-Za-z0-9]", "", n).upper()] == 1)


ZONE_NAMES = _offered_zones()


def check_zone(name: str) -> str:
    zone(name)
    return name


def to_utc(local: datetime, timezone: str) -> datetime:
    """A wall-clock time in `timezone` as a UTC instant.

    A time with an offset is taken as that instant. A wall-clock time that does not exist
    (skipped when clocks go forward) or that occurs twice (when clocks go back) is refused
    rather than guessed: the caller sends it with its offset instead.
    """
    tz = zone(timezone)
    if local.tzinfo is not None:
        return local.astimezone(UTC)
    aware = local.replace(tzinfo=tz)
    back = aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
    if back != local:
        raise InvalidLocalTime(
            f"{local.isoformat()} does not exist in {timezone} (clocks skip it)",
            timezone=timezone,
        )
    later = local.replace(tzinfo=tz, fold=1)
    if later.utcoffset() != aware.utcoffset():
        raise InvalidLocalTime(
            f"{local.isoformat()} occurs twice in {timezone} (clocks go back): send it with "
            f"its offset, {aware.isoformat()} or {later.isoformat()}",
            timezone=timezone,
        )
    return aware.astimezone(UTC)


def to_local(instant: datetime, timezone: str) -> datetime:
    """A UTC instant as an aware datetime in `timezone` (its ISO form carries the offset)."""
    return instant.astimezone(zone(timezone))


def wall_clock(value: datetime, timezone: str) -> datetime:
    """Naive wall-clock time in `timezone` (a naive value is taken as already local)."""
    if value.tzinfo is None:
        return value
    return value.astimezone(zone(timezone)).replace(tzinfo=None)


@dataclass(frozen=True, slots=True)
class ExpandedOccurrence:
    recurrence_id: datetime  # original start, UTC
    starts_at: datetime  # UTC
    ends_at: datetime  # UTC
    local_month: str  # YYYY-MM of the local start


def normalise_rrule(text: str) -> str:
    """The rule without an `RRULE:` prefix, upper-cased; 422 when it is not one we expand."""
    rule = text.strip()
    if rule.upper().startswith("RRULE:"):
        rule = rule[len("RRULE:") :]
    rule = rule.upper()
    if not rule or "\n" in rule or "DTSTART" in rule:
        raise InvalidRecurrence(
            "give one RRULE line (RFC 5545) without DTSTART, e.g. FREQ=WEEKLY;BYDAY=TU"
        )
    parts = dict(part.partition("=")[::2] for part in rule.split(";") if part)
    if parts.get("FREQ") not in _ALLOWED_FREQUENCIES:
        raise InvalidRecurrence(
            f"FREQ must be one of {', '.join(_ALLOWED_FREQUENCIES)}", rrule=text
        )
    if "COUNT" in parts and "UNTIL" in parts:
        raise InvalidRecurrence("COUNT and UNTIL cannot both be given (RFC 5545)", rrule=text)
    if "UNTIL" in parts and not parts["UNTIL"].endswith("Z"):
        raise InvalidRecurrence(
            "UNTIL must be a UTC time ending in Z, e.g. UNTIL=20231231T235959Z (RFC 5545 "
            "requires UTC when the start has a time zone)",
            rrule=text,
        )
    _refuse_impossible_days(parts, text)
    return rule


# The longest each month can be (February in a leap year).
_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _numbers(value: str | None) -> list[int] | None:
    if not value:
        return None
    try:
        return [int(item) for item in value.split(",")]
    except ValueError:
        return None  # dateutil's parser names the bad value


def _refuse_impossible_days(parts: dict[str, str], text: str) -> None:
    """A rule whose BYMONTHDAY fits none of its BYMONTH months (31 February) never occurs.

    Refused at once: expanding it would search every year up to 9999 for a day that does
    not exist. Rarer impossible rules are caught by the expansion's time budget.
    """
    days = _numbers(parts.get("BYMONTHDAY"))
    months = _numbers(parts.get("BYMONTH")) or list(range(1, 13))
    if days is None or not all(1 <= month <= 12 for month in months):
        return
    if all(abs(day) > _MONTH_DAYS[month - 1] for day in days for month in months):
        raise InvalidRecurrence(
            "the rule never occurs: no month it names has the day it names (BYMONTHDAY "
            "and BYMONTH)",
            rrule=text,
        )


def _rule(rule: str, first_start_local: datetime) -> rrule:
    try:
        parsed = rrulestr(rule, dtstart=first_start_local)
    except (ValueError, TypeError) as exc:
        raise InvalidRecurrence(f"the RRULE cannot be parsed: {exc}", rrule=rule) from exc
    if not isinstance(parsed, rrule):
        raise InvalidRecurrence("give a single RRULE", rrule=rule)
    return parsed


def expand(
    *,
    starts_at: datetime,
    ends_at: datetime,
    timezone: str,
    rule: str | None,
    exdates: Iterable[datetime] = (),
) -> list[ExpandedOccurrence]:
    """Every occurrence of an event in UTC: one for a single event, the series otherwise.

    `starts_at`/`ends_at` are the first occurrence's UTC instants; exception dates are
    wall-clock times in `timezone` and remove the occurrence starting then.
    """
    tz = zone(timezone)
    duration = ends_at - starts_at
    first_local = starts_at.astimezone(tz)
    if rule is None:
        return [
            ExpandedOccurrence(
                starts_at, starts_at, ends_at, f"{first_local.year:04d}-{first_local.month:02d}"
            )
        ]
    parsed = _rule(rule, first_local)
    excluded = {value.replace(tzinfo=None) for value in exdates}
    horizon = first_local + OPEN_SERIES_HORIZON
    occurrences: list[ExpandedOccurrence] = []
    for local_start in parsed:
        if local_start > horizon:
            break
        if len(occurrences) >= MAX_OCCURRENCES:
            raise InvalidRecurrence(
                f"the series has more than {MAX_OCCURRENCES} occurrences; add COUNT or UNTIL",
                rrule=rule,
            )
        if local_start.replace(tzinfo=None) in excluded:
            continue
        start = local_start.astimezone(UTC)
        occurrences.append(
            ExpandedOccurrence(
                start,
                start,
                start + duration,
                f"{local_start.year:04d}-{local_start.month:02d}",
            )
        )
    if not occurrences:
        raise InvalidRecurrence(
            "the rule and exception dates leave no occurrence at all", rrule=rule
        )
    return occurrences


class _BudgetExceeded(Exception):
    """Raised inside an expansion worker whose CPU timer expired."""


def _stop_expansion(signum: int, frame: FrameType | None) -> None:
    raise _BudgetExceeded


def _prepare_worker() -> None:
    signal.signal(signal.SIGPROF, _stop_expansion)


def _expand_in_worker(
    starts_at: datetime, ends_at: datetime, timezone: str, rule: str, exdates: list[datetime]
) -> list[ExpandedOccurrence] | None:
    """`expand` under a CPU timer (the worker process's own user and system time): None
    when the timer expires first. Domain errors travel back to the caller as they are."""
    signal.setitimer(signal.ITIMER_PROF, EXPANSION_BUDGET_SECONDS)
    try:
        return expand(
            starts_at=starts_at, ends_at=ends_at, timezone=timezone, rule=rule, exdates=exdates
        )
    except _BudgetExceeded:
        return None
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)


_workers: ProcessPoolExecutor | None = None


def _expansion_workers() -> ProcessPoolExecutor:
    """The processes that expand rules, started on first use. A worker is forked from a
    server that has already imported this module, so it starts in milliseconds."""
    global _workers
    if _workers is None:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([__name__])
        _workers = ProcessPoolExecutor(
            max_workers=EXPANSION_WORKERS, mp_context=context, initializer=_prepare_worker
        )
    return _workers


def _discard(pool: ProcessPoolExecutor) -> None:
    """Drop a broken pool, unless another request has already replaced it."""
    global _workers
    if _workers is pool:
        _workers = None
    pool.shutdown(wait=False, cancel_futures=True)


async def _in_worker(
    arguments: tuple[datetime, datetime, str, str, list[datetime]],
) -> list[ExpandedOccurrence] | None:
    """The expansion's outcome from a worker. A pool whose worker died (killed by the
    system) is replaced once; a second failure is a 503, the rule not being at fault."""
    loop = asyncio.get_running_loop()
    for _ in range(2):
        pool = _expansion_workers()
        try:
            return await loop.run_in_executor(pool, _expand_in_worker, *arguments)
        except BrokenProcessPool:
            _discard(pool)
    raise ExpansionUnavailable(
        "the recurrence workers are restarting; retry shortly",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


async def expand_within_budget(
    *,
    starts_at: datetime,
    ends_at: datetime,
    timezone: str,
    rule: str | None,
    exdates: Iterable[datetime] = (),
) -> list[ExpandedOccurrence]:
    """`expand` in a worker process, stopped and refused when it passes the CPU budget.

    A worker process, not a thread: a rule that searches for seconds holds no lock the
    service needs (a thread would hold the interpreter's), and the kernel's CPU timer stops
    it exactly at the budget, however busy the machine is.
    """
    if rule is None:
        return expand(starts_at=starts_at, ends_at=ends_at, timezone=timezone, rule=None)
    arguments = (starts_at, ends_at, timezone, rule, list(exdates))
    try:
        async with asyncio.timeout(EXPANSION_WALL_CAP_SECONDS):
            occurrences = await _in_worker(arguments)
    except (TimeoutError, _BudgetExceeded):  # the timer can also expire as it is stopped
        occurrences = None
    if occurrences is None:
        raise InvalidRecurrence(
            "the rule cannot be expanded within the time budget: it never occurs (e.g. "
            "31 February) or occurs too rarely; check BYMONTH/BYMONTHDAY, or add COUNT",
            rrule=rule,
        )
    return occurrences
