"""A computed value's hash depends on what was counted, never on how it was fetched."""

from __future__ import annotations

import random
from datetime import date, timedelta

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from services.results.periods import parse_period
from services.results.queries import Record, counted, inputs_hash

WINDOW = parse_period("2022/2023")
CUT = parse_period("2023-H1")

records = st.lists(
    st.builds(
        Record,
        ref=st.uuids().map(lambda u: f"pledges:pledge:{u}"),
        on=st.one_of(
            st.none(),
            st.integers(0, 900).map(lambda days: date(2021, 9, 1) + timedelta(days=days)),
        ),
        attrs=st.dictionaries(
            st.sampled_from(["country", "contributor_kind"]), st.text(max_size=5)
        ),
    ),
    max_size=12,
    unique_by=lambda record: record.ref,
)


@settings(max_examples=60, deadline=None)
@given(records, st.randoms())
def test_the_same_records_in_any_order_give_the_same_hash(
    found: list[Record], shuffler: random.Random
) -> None:
    shuffled = list(found)
    shuffler.shuffle(shuffled)

    kept, kept_shuffled = counted(found, WINDOW, CUT), counted(shuffled, WINDOW, CUT)

    assert inputs_hash("q", WINDOW, CUT, kept) == inputs_hash("q", WINDOW, CUT, kept_shuffled)


@settings(max_examples=60, deadline=None)
@given(records.filter(bool))
def test_dropping_a_counted_record_changes_the_hash(found: list[Record]) -> None:
    kept = counted(found, WINDOW, CUT)
    assume(kept)
    assert inputs_hash("q", WINDOW, CUT, kept) != inputs_hash("q", WINDOW, CUT, kept[1:])


@settings(max_examples=60, deadline=None)
@given(records)
def test_only_records_dated_in_the_window_up_to_the_cut_are_counted(found: list[Record]) -> None:
    kept = counted(found, WINDOW, CUT)

    assert all(r.on is None or WINDOW.start <= r.on <= CUT.end for r in kept)
    assert len(kept) == sum(r.on is None or WINDOW.start <= r.on <= CUT.end for r in found)
