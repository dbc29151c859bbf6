"""Input types every request schema uses for text and URLs.

PostgreSQL refuses a NUL byte or a lone surrogate in text (a 500 if it gets that far), and a
line break in a value that ends up in a one-line format (an iCalendar property, an HTTP
header, a CSV cell) breaks that format. So text is checked once, here, at the edge: a
`Line` holds no control character at all, a `Text` keeps tabs and line breaks only, and a
`WebUrl` is an absolute http(s) URL without whitespace. Each has a hard upper length bound;
a field narrows it with `Field(max_length=…)`, which is also what its OpenAPI shows (pydantic
drops field constraints placed after a validator, so the bound is checked in the validator).
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, AnyUrl, GetJsonSchemaHandler, ValidationError
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

LINE_MAX_LENGTH = 2_000
TEXT_MAX_LENGTH = 20_000
URL_MAX_LENGTH = 2_000
EMAIL_MAX_LENGTH = 320

# C0 and C1 controls, DEL, the Unicode line and paragraph separators, and lone surrogates.
_NOT_IN_A_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
# The same, less tab, line feed and carriage return.
_NOT_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_WHITESPACE = re.compile(r"\s")


def _describe(character: str) -> str:
    return f"U+{ord(character):04X}"


def _at_most(value: str, limit: int) -> None:
    if len(value) > limit:
        raise ValueError(f"must be at most {limit} characters")


def _single_line(value: str) -> str:
    _at_most(value, LINE_MAX_LENGTH)
    found = _NOT_IN_A_LINE.search(value)
    if found:
        raise ValueError(
            f"must be one line without control characters (found {_describe(found.group())})"
        )
    return value


def _text(value: str) -> str:
    _at_most(value, TEXT_MAX_LENGTH)
    found = _NOT_IN_TEXT.search(value)
    if found:
        raise ValueError(f"must not contain control characters (found {_describe(found.group())})")
    return value


def _email(value: str) -> str:
    _at_most(value, EMAIL_MAX_LENGTH)
    if not _EMAIL.fullmatch(value):  # fullmatch: re's `$` would let a final newline by
        raise ValueError("not an e-mail address (name@domain.tld, one line, no spaces)")
    return value


def _web_url(value: str) -> str:
    _at_most(value, URL_MAX_LENGTH)
    _single_line(value)
    if _WHITESPACE.search(value):
        raise ValueError("a URL cannot contain whitespace")
    try:
        url = AnyUrl(value)
    except ValidationError as exc:
        raise ValueError(f"not a URL: {exc.errors()[0]['msg']}") from exc
    if url.scheme not in ("http", "https") or not url.host:
        raise ValueError("give an absolute http:// or https:// URL")
    return value


class Declared:
    """Adds to a type's JSON schema what its validator enforces, so the OpenAPI document
    (and every client generated from it) knows which strings are refused."""

    def __init__(self, **keywords: str) -> None:
        self.keywords = keywords

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler(core_schema)
        for keyword, value in self.keywords.items():
            if keyword in schema and schema[keyword] != value:  # a field's own pattern: both
                schema.setdefault("allOf", []).append({keyword: value})
            else:
                schema[keyword] = value
        return schema


# The same character classes in the ECMA-262 regex syntax of JSON Schema (lone surrogates,
# which no UTF-8 JSON text can carry, are left to the validator).
_LINE_PATTERN = r"^[^\u0000-\u001f\u007f-\u009f\u2028\u2029]*$"
_TEXT_PATTERN = r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]*$"
_EMAIL_PART = r"[^@\s\u0000-\u001f\u007f-\u009f\u2028\u2029]+"
_EMAIL = re.compile(rf"{_EMAIL_PART}@{_EMAIL_PART}\.{_EMAIL_PART}")
_EMAIL_PATTERN = f"^{_EMAIL.pattern}$"
_LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_LAST_LABEL = r"[A-Za-z]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_URL_PATTERN = (
    rf"^[hH][tT][tT][pP][sS]?://({_LABEL}\.)*{_LAST_LABEL}(:[1-9][0-9]{{0,3}})?"
    r"([/?#][^\s\u0000-\u001f\u007f-\u009f]*)?$"
)

Line = Annotated[str, AfterValidator(_single_line), Declared(pattern=_LINE_PATTERN)]
"""One line of text: no control characters (NUL, CR, LF, tab …), at most 2,000 characters."""

Text = Annotated[str, AfterValidator(_text), Declared(pattern=_TEXT_PATTERN)]
"""Free text: line breaks and tabs allowed, other control characters (NUL …) refused."""

WebUrl = Annotated[str, AfterValidator(_web_url), Declared(pattern=_URL_PATTERN)]
"""An absolute http(s) URL without whitespace or control characters, kept as given."""

Email = Annotated[str, AfterValidator(_email), Declared(pattern=_EMAIL_PATTERN)]
"""An e-mail address as people type it (name@domain.tld): one line, no spaces, at most 320
characters; checked by the same pattern the OpenAPI document shows."""
