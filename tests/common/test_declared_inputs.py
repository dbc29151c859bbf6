"""The patterns the OpenAPI documents show for text, URLs and dates say what the validators
check: a client that keeps to the document is not refused, and one that does not is."""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, Field, ValidationError

from services.common.inputs import Email, Line, Text, WebUrl
from services.common.schemas import BoundedDate


class Sample(BaseModel):
    email: Email = "a@example.org"
    line: Line = Field(default="x", max_length=200)
    text: Text = Field(default="x", max_length=200)
    url: WebUrl = "https://example.org"
    day: BoundedDate = date(2024, 1, 1)


SCHEMA = Sample.model_json_schema()["properties"]


def _declared(field: str, value: str) -> bool:
    """The pattern read as JSON Schema reads it (ECMA-262: `$` is the very end, where
    Python's `$` also matches before a final newline)."""
    pattern: str = SCHEMA[field]["pattern"]
    if pattern.endswith("$"):
        pattern = pattern.removesuffix("$") + r"\Z"
    return re.search(pattern, value) is not None


def _accepted(field: str, value: str) -> bool:
    try:
        Sample.model_validate({field: value})
    except ValidationError:
        return False
    return True


# Text a JSON body can carry (no lone surrogates), short of the length bounds.
_characters = st.characters(exclude_categories=["Cs"])


@given(st.text(_characters, max_size=40))
def test_a_line_is_refused_exactly_when_its_pattern_says_so(value: str) -> None:
    assert _accepted("line", value) == _declared("line", value)


@given(st.text(_characters, max_size=40))
def test_text_is_refused_exactly_when_its_pattern_says_so(value: str) -> None:
    assert _accepted("text", value) == _declared("text", value)


@given(st.text(_characters, max_size=40))
def test_an_email_is_refused_exactly_when_its_pattern_says_so(value: str) -> None:
    assert _accepted("email", value) == _declared("email", value)


@given(st.from_regex(SCHEMA["url"]["pattern"], fullmatch=True).filter(lambda u: len(u) < 200))
def test_every_url_the_pattern_allows_is_accepted(value: str) -> None:
    assert _accepted("url", value), value


@pytest.mark.parametrize("value", ["ftp://example.org", "https://", "example.org", "http:// x"])
def test_urls_outside_the_pattern_are_refused(value: str) -> None:
    assert not _declared("url", value)
    assert not _accepted("url", value)


@pytest.mark.parametrize(
    ("value", "accepted"),
    [("1900-01-01", True), ("2200-12-31", True), ("1899-12-31", False), ("2201-01-01", False)],
)
def test_the_date_pattern_holds_the_year_range(value: str, accepted: bool) -> None:
    assert _declared("day", value) == accepted == _accepted("day", value)
