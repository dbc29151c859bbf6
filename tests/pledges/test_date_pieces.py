"""A report's date range cut into whole half-years, months and days covers every day of
the range exactly once (what lets the rollups answer any `date_from`/`date_to`)."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from services.pledges.reports import date_pieces, half_of

DAYS = st.dates(min_value=date(2019, 1, 1), max_value=date(2026, 12, 31))


def _covered(date_from: date | None, date_to: date | None, day: date) -> int:
    """How many pieces of the range hold `day`."""
    pieces = date_pieces(date_from, date_to)
    times = 0
    if pieces.halves is not None:
        low, high = pieces.halves
        half = half_of(day)
        times += (low is None or half >= low) and (high is None or half <= high)
    month = day.year * 100 + day.month
    times += sum(low <= month <= high for low, high in pieces.months)
    as_day = day.year * 10000 + day.month * 100 + day.day
    times += sum(low <= as_day <= high for low, high in pieces.days)
    return times


@given(date_from=st.none() | DAYS, date_to=st.none() | DAYS, day=DAYS)
def test_every_day_of_the_range_is_in_exactly_one_piece(
    date_from: date | None, date_to: date | None, day: date
) -> None:
    inside = (date_from is None or day >= date_from) and (date_to is None or day <= date_to)
    assert _covered(date_from, date_to, day) == (1 if inside else 0)


def test_a_range_inside_one_month_is_days_only() -> None:
    pieces = date_pieces(date(2023, 3, 10), date(2023, 3, 20))
    assert (pieces.halves, pieces.months, pieces.days) == (None, [], [(20230310, 20230320)])


def test_a_range_over_a_half_year_reads_its_edges_by_month_then_day() -> None:
    pieces = date_pieces(date(2022, 11, 15), date(2023, 8, 15))
    assert pieces.halves == (20231, 20231)
    assert pieces.months == [(202212, 202212), (202307, 202307)]
    assert pieces.days == [(20221115, 20221130), (20230801, 20230815)]


def test_edges_of_every_day_of_a_year_are_covered() -> None:
    start = date(2023, 1, 1)
    for offset in range(0, 365, 7):
        day = start + timedelta(days=offset)
        assert _covered(None, day, day) == 1
        assert _covered(day, None, day) == 1
