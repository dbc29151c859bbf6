"""One convention for multi-value query parameters, shared by every service.

A filter that takes several values accepts them repeated (`theme=a&theme=b`),
comma-separated (`theme=a,b`) or both (`theme=a,b&theme=c`); each value is then checked
by its type, so an unknown code is a 422 naming it. `?ids=` batch reads are UUIDs, at most
`MAX_IDS` of them; a malformed id is a 422 naming it.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, TypeVar

from fastapi import Query
from pydantic import BeforeValidator

from services.common.schemas import Instant

T = TypeVar("T")

MAX_IDS = 200


def split_values(raw: Any) -> Any:
    """Repeated and comma-separated values as one flat list (blank parts dropped)."""
    if raw is None:
        return None
    if isinstance(raw, str):
        raw = [raw]
    if isinstance(raw, list | tuple):
        return [part.strip() for item in raw for part in str(item).split(",") if part.strip()]
    return raw


def parse_ids(raw: Any) -> Any:
    """`?ids=` as UUIDs: a malformed one names itself, more than MAX_IDS is refused."""
    values = split_values(raw)
    if not isinstance(values, list):
        return values
    if not values:
        raise ValueError("give at least one id (or leave out `ids` to list)")
    if len(values) > MAX_IDS:
        raise ValueError(f"at most {MAX_IDS} ids per request, got {len(values)}")
    ids: list[uuid.UUID] = []
    for value in values:
        try:
            ids.append(uuid.UUID(value))
        except ValueError:
            raise ValueError(f"'{value}' is not a UUID") from None
    return list(dict.fromkeys(ids))


# A list filter: `Values[ThemeCode]` accepts `theme=a&theme=b` and `theme=a,b`.
Values = Annotated[list[T], BeforeValidator(split_values)]

# The ids of a batch read.
Ids = Annotated[list[uuid.UUID], BeforeValidator(parse_ids)]

IdsQuery = Annotated[
    Ids | None,
    Query(
        description=f"Batch read: ids, comma-separated or repeated (at most {MAX_IDS}); unknown "
        "or invisible ids are simply absent and the whole match comes in one page.",
        examples=["3f6c1a52-8a43-4c8e-9b8e-0c9c2d7f5a11,8b1e2c44-1d3a-4f0e-8f7a-2a5b6c7d8e90"],
    ),
]

# `?updated_since=`: records changed at or after an instant (RFC 3339, with its offset).
UpdatedSinceQuery = Annotated[
    Instant | None,
    Query(
        description="Only records created or changed at or after this instant (RFC 3339 "
        "with an offset, e.g. `2026-12-01T15:00:00Z`); pass the time your last copy started. "
        "Inclusive, so a record changed at that very instant comes again. Deletions and "
        "withdrawals that hide a record from the list show up only in the change feed "
        "(`GET /v1/changes`).",
        examples=["2026-12-01T15:00:00Z"],
    ),
]
