"""Rules without HTTP: time-zone arithmetic and recurrence expansion."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from services.events.exceptions import InvalidLocalTime, InvalidRecurrence
from services.events.recurrence import expand, normalise_rrule, to_utc


def test_panama_and_mexico_city_are_an_hour_apart_in_2023() -> None:
    assert to_utc(datetime(2023, 3, 14, 10), "America/Mexico_City") == datetime(
        2023, 3, 14, 16, tzinfo=UTC
    )
    assert to_utc(datetime(2023, 3, 14, 11), "America/Panama") == datetime(
        2023, 3, 14, 16, tzinfo=UTC
    )


def test_a_skipped_and_an_ambiguous_tijuana_time() -> None:
    with pytest.raises(InvalidLocalTime):
        to_utc(datetime(2023, 3, 12, 2, 30), "America/Tijuana")
    # 01:30 on 5 November happens twice: refused too, the caller sends an offset instead.
    with pytest.raises(InvalidLocalTime, match="occurs twice"):
        to_utc(datetime(2023, 11, 5, 1, 30), "America/Tijuana")
    daylight = datetime(2023, 11, 5, 1, 30, tzinfo=timezone(timedelta(hours=-7)))
    assert to_utc(daylight, "America/Tijuana") == datetime(2023, 11, 5, 8, 30, tzinfo=UTC)


def test_a_daily_series_crosses_tijuanas_spring_change_at_the_same_local_hour() -> None:
    occurrences = expand(
        starts_at=to_utc(datetime(2023, 3, 10, 9), "America/Tijuana"),
        ends_at=to_utc(datetime(2023, 3, 10, 10), "America/Tijuana"),
        timezone="America/Tijuana",
        rule=normalise_rrule("RRULE:FREQ=DAILY;COUNT=4"),
        exdates=[datetime(2023, 3, 11, 9)],
    )
    assert [item.starts_at.hour for item in occurrences] == [17, 16, 16]
    assert [item.starts_at.day for item in occurrences] == [10, 12, 13]
    assert all((item.ends_at - item.starts_at).seconds == 3600 for item in occurrences)


def test_local_month_is_the_zones_month_not_utcs() -> None:
    (occurrence,) = expand(
        starts_at=to_utc(datetime(2023, 12, 31, 22), "America/Panama"),
        ends_at=to_utc(datetime(2023, 12, 31, 23), "America/Panama"),
        timezone="America/Panama",
        rule=None,
    )
    assert occurrence.starts_at.year == 2024
    assert occurrence.local_month == "2023-12"


def test_open_ended_series_stop_at_the_horizon() -> None:
    occurrences = expand(
        starts_at=datetime(2023, 1, 2, 15, tzinfo=UTC),
        ends_at=datetime(2023, 1, 2, 16, tzinfo=UTC),
        timezone="America/Panama",
        rule=normalise_rrule("FREQ=MONTHLY"),
    )
    assert len(occurrences) == 121  # ten years of months, then the materialisation horizon


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=HOURLY",
        "FREQ=WEEKLY;COUNT=3;UNTIL=20231231T000000Z",
        "FREQ=WEEKLY;UNTIL=20231231",
        "DTSTART:20230101T000000\nRRULE:FREQ=DAILY",
        "",
    ],
)
def test_rules_we_do_not_expand_are_refused(rule: str) -> None:
    with pytest.raises(InvalidRecurrence):
        normalise_rrule(rule)


def test_a_rule_whose_exceptions_remove_everything_is_refused() -> None:
    with pytest.raises(InvalidRecurrence):
        expand(
            starts_at=datetime(2023, 1, 2, 15, tzinfo=UTC),
            ends_at=datetime(2023, 1, 2, 16, tzinfo=UTC),
            timezone="America/Panama",
            rule="FREQ=DAILY;COUNT=1",
            exdates=[datetime(2023, 1, 2, 10)],
        )
