"""Property: whatever text an event holds, its calendar has exactly the lines it should.

Any title, description, city or link (even one stored before input was checked) is escaped
by the icalendar library: the feed parses back to one VEVENT whose SUMMARY and
DESCRIPTION are the text given, and no text can add a property.
"""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Calendar
from pydantic import TypeAdapter, ValidationError

from services.common.inputs import Line, Text
from services.events.calendar import render
from services.events.models import LearningEvent
from services.events.recurrence import expand_within_budget
from services.events.service import CalendarData

MOMENT = datetime(2023, 5, 16, 15, tzinfo=UTC)
# Any text a request can carry, weighted towards what breaks a line-based format. Lone
# surrogates cannot be encoded at all and are refused at the input (services.common.inputs).
hostile = st.text(
    alphabet=st.one_of(
        st.sampled_from('\r\n\t\x00;,:\\"BEGIN:VEVENT'), st.characters(codec="utf-8")
    ),
    min_size=1,
    max_size=60,
)


def _event(title: str, description: str, city: str, url: str) -> LearningEvent:
    return LearningEvent(
        id=uuid.uuid4(),
        kind="learning_event",
        title={"es": title},
        description={"es": description},
        starts_at=MOMENT,
        ends_at=MOMENT.replace(hour=17),
        timezone="America/Panama",
        mode="hybrid",
        city=city,
        country="PAN",
        online_url=url,
        status="scheduled",
        rrule=None,
        exdates=[],
        sequence=1,
        created_at=MOMENT,
        updated_at=MOMENT,
    )


@settings(max_examples=60, deadline=None)
@given(title=hostile, description=hostile, city=hostile, url_tail=hostile)
def test_any_text_is_escaped_and_reads_back(
    title: str, description: str, city: str, url_tail: str
) -> None:
    event = _event(title, description, city, f"https://meet.example.org/{url_tail}")
    document = render(CalendarData(events=[event], overrides={}), lang="es", name=title)
    calendar = Calendar.from_ical(document)
    (vevent,) = calendar.walk("VEVENT")
    # iCalendar has no carriage return: a CR LF or lone CR reads back as a line feed.
    assert str(vevent["SUMMARY"]) == title.replace("\r\n", "\n").replace("\r", "\n")
    assert str(vevent["DESCRIPTION"]) == description.replace("\r\n", "\n").replace("\r", "\n")
    for line in document.split(b"\r\n"):
        assert b"\n" not in line
        assert b"\r" not in line


def _accepted(annotation: object, value: str) -> bool:
    try:
        TypeAdapter(annotation).validate_python(value)
    except ValidationError:
        return False
    return True


@settings(max_examples=200, deadline=None)
@given(value=st.text(max_size=40))
def test_a_line_holds_no_control_character_and_text_only_line_breaks_and_tabs(
    value: str,
) -> None:
    controls = {chr(code) for code in [*range(0x20), *range(0x7F, 0xA0)]} | {"\u2028", "\u2029"}
    assert _accepted(Line, value) == (not controls & set(value))
    assert _accepted(Text, value) == (not (controls - {"\t", "\n", "\r"}) & set(value))


async def test_a_real_series_expands_even_when_the_process_is_busy() -> None:
    """The budget is the expansion's own CPU time: threads competing for the interpreter
    slow a real 1,999-occurrence series down without getting it refused."""
    stop = threading.Event()

    def spin() -> None:
        while not stop.is_set():
            sum(range(1000))

    busy = [threading.Thread(target=spin, daemon=True) for _ in range(8)]
    for thread in busy:
        thread.start()
    try:
        occurrences = await expand_within_budget(
            starts_at=MOMENT,
            ends_at=MOMENT.replace(hour=17),
            timezone="America/Panama",
            rule="FREQ=DAILY;COUNT=1999",
        )
    finally:
        stop.set()
        for thread in busy:
            thread.join()
    assert len(occurrences) == 1999
