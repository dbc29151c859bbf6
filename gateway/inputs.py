"""Input types shared by the mutations, and the conversion of inputs to REST bodies.

Update inputs leave a field out (UNSET) to keep its value, exactly like the services'
PATCH bodies: only the fields the client gave are sent.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import strawberry
from strawberry.types.unset import UnsetType


@strawberry.input(description="Text in Spanish and/or English (at least one).")
class LocalizedTextInput:
    es: str | None = strawberry.field(default=None, description="Spanish text.")
    en: str | None = strawberry.field(default=None, description="English text.")


@strawberry.input(description="An amount in an ISO 4217 currency; send the amount as a string.")
class MoneyInput:
    amount: Decimal = strawberry.field(description='Decimal string, e.g. "1250000.00".')
    currency: str = strawberry.field(description="ISO 4217 code, e.g. EUR.")


def rest_value(value: Any) -> Any:
    """A Python/strawberry value as JSON for a service."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [rest_value(item) for item in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return rest_body(value)
    return value


def rest_body(
    data: Any,
    *,
    skip: frozenset[str] = frozenset(),
    renames: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The fields of an input that the client set, snake_case, as a REST JSON body."""
    renames = renames or {}
    body: dict[str, Any] = {}
    for field in dataclasses.fields(data):
        if field.name in skip:
            continue
        value = getattr(data, field.name)
        if isinstance(value, UnsetType):
            continue
        body[renames.get(field.name, field.name)] = rest_value(value)
    return body


def idempotency(key: str | UnsetType | None) -> dict[str, str]:
    """The Idempotency-Key header for a creating mutation, when the client gave one."""
    if isinstance(key, str) and key:
        return {"Idempotency-Key": key}
    return {}
