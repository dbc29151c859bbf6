"""Cursor pagination over a stable ordering: `limit` + `cursor` in, `items` + `next_cursor` out.

The cursor is opaque to clients: the sort-key values of the last item, typed and
base64url-encoded. Pages are fetched by keyset (`WHERE (k1, k2) > (:v1, :v2)`), so they
stay stable and cheap however deep a client pages.
"""

from __future__ import annotations

import base64
import binascii
import enum
import hashlib
import json
import uuid
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field
from sqlalchemy import Select, literal, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from services.common.errors import Unprocessable

DEFAULT_LIMIT = 50
MAX_LIMIT = 200

LimitQuery = Annotated[
    int,
    Query(
        ge=1, le=MAX_LIMIT, description=f"Page size (default {DEFAULT_LIMIT}, at most {MAX_LIMIT})."
    ),
]
CursorQuery = Annotated[
    str | None, Query(max_length=1024, description="`next_cursor` of the previous page.")
]

ItemT = TypeVar("ItemT")
RowT = TypeVar("RowT")


class Page(BaseModel, Generic[ItemT]):
    """One page of a list."""

    items: list[ItemT] = Field(description="The items of this page, in the list's order.")
    next_cursor: str | None = Field(
        default=None, description="Pass as `cursor` for the next page; null on the last page."
    )


class InvalidCursor(Unprocessable):
    title, slug = "Invalid cursor", "invalid-cursor"


def _tag(value: Any) -> list[Any]:
    if isinstance(value, datetime):
        return ["dt", value.isoformat()]
    if isinstance(value, date):
        return ["d", value.isoformat()]
    if isinstance(value, uuid.UUID):
        return ["u", str(value)]
    if isinstance(value, Decimal):
        return ["n", str(value)]
    if value is None or isinstance(value, str | int | float | bool):
        return ["v", value]
    raise TypeError(f"cannot put {type(value).__name__} in a cursor")


_UNTAG: dict[str, Callable[[Any], Any]] = {
    "dt": datetime.fromisoformat,
    "d": date.fromisoformat,
    "u": uuid.UUID,
    "n": Decimal,
    "v": lambda value: value,
}


def _ordering_tag(order_by: Sequence[ColumnElement[Any]], descending: bool) -> str:
    """A short fingerprint of a list's ordering, so a cursor only works where it was made."""
    described = "|".join(str(column) for column in order_by) + ("|desc" if descending else "|asc")
    return hashlib.sha256(described.encode()).hexdigest()[:12]


def encode_cursor(
    values: Sequence[Any], order_by: Sequence[ColumnElement[Any]], *, descending: bool = False
) -> str:
    """The cursor after an item whose `order_by` values are `values`."""
    payload = {"o": _ordering_tag(order_by, descending), "v": [_tag(value) for value in values]}
    raw = json.dumps(payload, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _python_type(column: ColumnElement[Any]) -> type | None:
    try:
        python_type: type = column.type.python_type
    except NotImplementedError:
        return None
    return python_type


def decode_cursor(
    cursor: str, order_by: Sequence[ColumnElement[Any]], *, descending: bool = False
) -> list[Any]:
    """The sort-key values in `cursor`, or a 422 if this list with this ordering did not make it."""
    try:
        payload = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        tag, tagged = payload["o"], payload["v"]
        values = [_UNTAG[kind](value) for kind, value in tagged]
    except (ValueError, TypeError, KeyError, binascii.Error, json.JSONDecodeError) as exc:
        raise InvalidCursor(
            "the cursor is malformed; use next_cursor from a previous page"
        ) from exc
    if tag != _ordering_tag(order_by, descending) or len(values) != len(order_by):
        raise InvalidCursor("the cursor belongs to another list or another sort order")
    return [_fit(value, column) for value, column in zip(values, order_by, strict=True)]


def _fit(value: Any, column: ColumnElement[Any]) -> Any:
    """The cursor value as the column's Python type; a forged value is a 422, not a 500."""
    expected = _python_type(column)
    if value is None or expected is None or isinstance(value, expected):
        return value
    if expected is float and isinstance(value, int):
        return float(value)
    if issubclass(expected, enum.Enum):
        try:
            return expected(value)
        except ValueError as exc:
            raise InvalidCursor("the cursor's values do not fit this list's ordering") from exc
    raise InvalidCursor("the cursor's values do not fit this list's ordering")


def after_cursor(
    order_by: Sequence[ColumnElement[Any]], cursor: str, *, descending: bool = False
) -> ColumnElement[bool]:
    """The keyset condition `(k1, k2, …) > (cursor values)` (or `<` when descending)."""
    after = decode_cursor(cursor, order_by, descending=descending)
    keys = tuple_(*order_by)
    bounds = tuple_(*(literal(v, c.type) for v, c in zip(after, order_by, strict=True)))
    return keys < bounds if descending else keys > bounds


async def keyset_page(
    session: AsyncSession,
    statement: Select[Any],
    *,
    order_by: Sequence[ColumnElement[Any]],
    sort_key: Callable[[Any], Sequence[Any]],
    cursor: str | None,
    limit: int,
    descending: bool = False,
) -> tuple[list[Any], str | None]:
    """Run `statement` one page at a time, ordered by `order_by` (unique as a whole).

    `sort_key` returns the `order_by` values of a result item; it makes the next cursor.
    """
    if cursor is not None:
        statement = statement.where(after_cursor(order_by, cursor, descending=descending))
    ordering = [column.desc() if descending else column.asc() for column in order_by]
    result = await session.scalars(statement.order_by(*ordering).limit(limit + 1))
    items = list(result.unique().all())
    if len(items) <= limit:
        return items, None
    items = items[:limit]
    return items, encode_cursor(sort_key(items[-1]), order_by, descending=descending)
