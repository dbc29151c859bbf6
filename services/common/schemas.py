"""Value shapes shared by every API: bilingual text, money and bounded dates."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Self, TypeVar

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
    model_validator,
)

from services.common.inputs import Declared, Text
from services.common.vocabulary import CurrencyCode


def _not_a_json_number(value: object) -> object:
    """A JSON number is refused: 0.1 as a float is not 0.1, and money must be exact."""
    if isinstance(value, int | float):
        raise ValueError(f'give the decimal as a string, e.g. "{value}", not as a JSON number')
    return value


# Decimal on the wire is always a string ("1250000.00"), never a JSON number, both ways.
DecimalString = Annotated[
    Decimal,
    BeforeValidator(_not_a_json_number),
    PlainSerializer(lambda value: format(value, "f"), return_type=str, when_used="json"),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^-?[0-9]{1,18}(\.[0-9]{1,10})?$",
            "description": "A decimal string, never a JSON number.",
            "examples": ["1250000.00"],
        }
    ),
]


Figure = Annotated[
    DecimalString,
    Field(max_digits=20, decimal_places=4),
    Declared(pattern=r"^-?[0-9]{1,16}(\.[0-9]{1,4})?$"),
]
"""A measured or reported figure: a decimal string with up to 4 decimals (not money, so
no currency; a JSON number is refused like money's, since 0.1 as a float is not 0.1)."""


# Dates the platform can hold: far enough from year 1 and 9999 that shifting a time by a
# zone offset or a month never overflows Python's datetime (an OverflowError, a 500).
MIN_YEAR, MAX_YEAR = 1900, 2200


_Day = TypeVar("_Day", bound=date)


def _within_years(value: _Day) -> _Day:
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValueError(f"the year must be between {MIN_YEAR} and {MAX_YEAR}")
    return value


_NUMBER = re.compile(r"\s*[+-]?(\d+\.?\d*|\.\d+)\s*")


def _iso_only(value: object) -> object:
    """Pydantic would read `0.5` or `1700000000` as seconds since 1970: refused, since a
    client sending a number most likely did not mean a time in 1970."""
    if isinstance(value, int | float) or (isinstance(value, str) and _NUMBER.fullmatch(value)):
        raise ValueError("give an ISO 8601 date or date-time, e.g. 2023-03-01T10:00:00")
    return value


# The year range as a pattern on the ISO text, so the OpenAPI document says it too: a
# whole pattern of valid days, which a generator can draw from directly.
# A calendar day of those years (29 February left out: a pattern cannot know leap years)
# and a wall-clock time, with or without an offset.
_DAY = (
    r"(19[0-9]{2}|2[01][0-9]{2}|2200)-((0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])"
    r"|(0[13-9]|1[0-2])-(29|30)|(0[13578]|1[02])-31)"
)
_TIME = r"([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?"
_OFFSET = r"(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])"
LOCAL_DATE_TIME_PATTERN = rf"^{_DAY}T{_TIME}{_OFFSET}?$"
INSTANT_PATTERN = rf"^{_DAY}T{_TIME}{_OFFSET}$"
DATE_PATTERN = rf"^{_DAY}$"

BoundedDateTime = Annotated[
    datetime,
    BeforeValidator(_iso_only),
    AfterValidator(_within_years),
    # No `format: date-time`: that demands an offset, and a time without one is accepted
    # (read in UTC or in the zone the request names).
    WithJsonSchema({"type": "string", "pattern": LOCAL_DATE_TIME_PATTERN}),
]
"""A datetime in years 1900 to 2200 (else a 422 naming the field)."""
Instant = Annotated[
    AwareDatetime,
    BeforeValidator(_iso_only),
    AfterValidator(_within_years),
    WithJsonSchema({"type": "string", "pattern": INSTANT_PATTERN}),
]
"""An RFC 3339 date-time with its offset in years 1900 to 2200; a bare number (which
pydantic would read as seconds since 1970) is refused with a 422."""
BoundedDate = Annotated[
    date, BeforeValidator(_iso_only), AfterValidator(_within_years), Declared(pattern=DATE_PATTERN)
]

LocalDateTime = Annotated[
    BoundedDateTime,
    WithJsonSchema(
        {
            "type": "string",
            "pattern": LOCAL_DATE_TIME_PATTERN,
            "examples": ["2023-03-14T10:00:00"],
        }
    ),
]
"""A BoundedDateTime that may come without an offset (a wall-clock time in a zone the
request names); `format: date-time` would demand the offset, so a pattern says what is
accepted."""
"""A date in years 1900 to 2200 (else a 422 naming the field)."""


def given(*names: str) -> dict[str, Any]:
    """JSON Schema: each of `names` is present and not null."""
    return {**not_null(*names), "required": [*names]}


def not_null(*names: str) -> dict[str, Any]:
    """JSON Schema: each of `names` may be left out, but is not null when sent."""
    return {"properties": {name: {"not": {"type": "null"}} for name in names}}


def absent(*names: str) -> dict[str, Any]:
    """JSON Schema: each of `names` is left out or null."""
    return {"properties": {name: {"type": "null"} for name in names}}


def both(*rules: dict[str, Any]) -> dict[str, Any]:
    """JSON Schema: every one of `rules` (from `given`, `absent`, `not_null`) holds; their
    properties are merged, where `{**a, **b}` would keep only the last one's."""
    merged: dict[str, Any] = {"properties": {}}
    for rule in rules:
        merged["properties"].update(rule.get("properties", {}))
        if "required" in rule:
            merged["required"] = [*merged.get("required", []), *rule["required"]]
    return merged


def when(
    field: str, value: str, then: dict[str, Any], otherwise: dict[str, Any] | None = None
) -> dict[str, Any]:
    """JSON Schema for a rule between fields: when `field` is `value` (a default counts only
    if it is sent), `then` holds, else `otherwise`. A model states its rules in its OpenAPI
    schema this way, so a client generator and a fuzzer know them as the validator does."""
    rule: dict[str, Any] = {
        "if": {"properties": {field: {"const": value}}, "required": [field]},
        "then": then,
    }
    if otherwise is not None:
        rule["else"] = otherwise
    return rule


# A decimal string above zero: not only zeros.
ABOVE_ZERO: dict[str, Any] = {"not": {"pattern": r"^0*(\.0*)?$"}}
# A Money amount above zero (the pattern of Money.amount, less the zeros).
POSITIVE_AMOUNT = {
    "properties": {"amount": {"pattern": r"^([0-9]{1,14}(\.[0-9]{1,4})?)$", **ABOVE_ZERO}}
}


class LocalizedText(BaseModel):
    """User-facing text in Spanish and/or English; at least one language is required."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {"es": "Integración", "en": "Integration"},
        },
    )

    es: Text | None = Field(default=None, max_length=20_000, description="Spanish text.")
    en: Text | None = Field(default=None, max_length=20_000, description="English text.")

    @model_validator(mode="after")
    def _one_language_at_least(self) -> Self:
        self.es = (self.es or "").strip() or None
        self.en = (self.en or "").strip() or None
        if self.es is None and self.en is None:
            raise ValueError("give the text in at least one language (es or en)")
        return self

    def text(self, lang: str = "es") -> str:
        """The text in `lang`, falling back to the other language."""
        preferred, other = (self.es, self.en) if lang == "es" else (self.en, self.es)
        return preferred or other or ""


class Money(BaseModel):
    """An amount in an ISO 4217 currency. Amounts are decimal strings, never floats."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"example": {"amount": "1250000.00", "currency": "EUR"}},
    )

    amount: DecimalString = Field(
        ge=0,
        max_digits=18,
        decimal_places=4,
        description='Decimal string, e.g. "1250000.00".',
        json_schema_extra={"pattern": r"^[0-9]{1,14}(\.[0-9]{1,4})?$"},
    )
    currency: CurrencyCode = Field(description="ISO 4217 code, e.g. EUR.")
