"""`Idempotency-Key` for creating POSTs, generic over services.

A client that retries a POST (a timeout, a dropped connection) sends the same
`Idempotency-Key`; it must get the first response again and never a second row.

How it works, inside the request's own transaction:

1. The key row `(caller, key)` is inserted first, with a hash of the request, under the
   table's primary key. A concurrent request with the same key blocks on that unique key
   (PostgreSQL) or on the write lock (SQLite's BEGIN IMMEDIATE) until the first commits,
   then finds the row and replays the stored response: exactly one write, always.
2. The handler runs; its status and JSON body are stored on the key row before the
   transaction commits, so the key and the effect are committed (or lost) together.
3. A failed request (4xx/5xx raised as an error) rolls back, key row included, so a retry
   after fixing the cause runs afresh.

The same key with another request (method, path or body) is a 422. Keys are scoped to
the caller (token subject) and kept at least `retention` (24 h by default); an expired
row is replaced when its key is reused, and `purge_expired` deletes the rest.

Each service keeps the rows in its own database: declare a model with
`IdempotencyRecordMixin` in the service's metadata and migration.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import Header, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import Integer, String, Text, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from services.common.db import UTCDateTime
from services.common.errors import Unprocessable

DEFAULT_RETENTION = timedelta(hours=24)
REPLAY_HEADER = "Idempotent-Replayed"

IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description=(
            "A unique key per logical request (e.g. a UUID). Retrying with the same key and "
            "body returns the first response without a second write; the same key with "
            "another body is a 422. Keys are scoped to the caller and kept 24 hours."
        ),
        examples=["5d41b1c6-6f0e-4a4b-9d3b-2f2f6d8c1e77"],
    ),
]


class IdempotencyKeyReused(Unprocessable):
    title, slug = "Idempotency key reused", "idempotency-key-reused"


class IdempotencyRecordMixin:
    """Columns of a service's idempotency table; primary key (caller, key)."""

    caller: Mapped[str] = mapped_column(String(200), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


def request_fingerprint(method: str, path: str, body: Any) -> str:
    """A stable hash of what the request asks for (method, path, canonical body)."""
    if isinstance(body, bytes):
        payload = body
    else:
        if isinstance(body, BaseModel):
            body = body.model_dump(mode="json")
        payload = json.dumps(jsonable_encoder(body), sort_keys=True, separators=(",", ":")).encode()
    digest = hashlib.sha256()
    digest.update(method.upper().encode() + b" " + path.encode() + b"\n")
    digest.update(payload)
    return digest.hexdigest()


@dataclass(frozen=True)
class IdempotentRequest:
    """What identifies one idempotent call: who, which key, and a hash of the request."""

    caller: str
    key: str | None
    fingerprint: str


def _replay(record: IdempotencyRecordMixin) -> JSONResponse:
    assert record.status_code is not None
    body = json.loads(record.response_body) if record.response_body else None
    return JSONResponse(body, status_code=record.status_code, headers={REPLAY_HEADER: "true"})


async def _existing(
    session: AsyncSession, model: type[IdempotencyRecordMixin], caller: str, key: str
) -> IdempotencyRecordMixin | None:
    statement = select(model).where(model.caller == caller, model.key == key)
    record: IdempotencyRecordMixin | None = (
        await session.execute(statement.execution_options(populate_existing=True))
    ).scalar_one_or_none()
    return record


def _check_same_request(record: IdempotencyRecordMixin, fingerprint: str) -> None:
    if record.request_hash != fingerprint:
        raise IdempotencyKeyReused(
            "this Idempotency-Key was already used with a different request; "
            "use a new key for a new request",
            idempotency_key=record.key,
        )


async def run_idempotent(
    session: AsyncSession,
    model: type[IdempotencyRecordMixin],
    request: IdempotentRequest,
    action: Callable[[], Awaitable[Any]],
    *,
    status_code: int = 201,
    retention: timedelta = DEFAULT_RETENTION,
    now: datetime | None = None,
) -> JSONResponse:
    """Run `action` once per (caller, key); its result (JSON-able) is the response body."""
    if request.key is None:
        return JSONResponse(jsonable_encoder(await action()), status_code=status_code)
    moment = now or datetime.now(UTC)
    record = await _existing(session, model, request.caller, request.key)
    if record is not None:
        if record.expires_at > moment:
            _check_same_request(record, request.fingerprint)
            return _replay(record)
        await session.delete(record)
        await session.flush()
    record = model()
    record.caller = request.caller
    record.key = request.key
    record.request_hash = request.fingerprint
    record.created_at = moment
    record.expires_at = moment + retention
    try:
        async with session.begin_nested():
            session.add(record)
    except IntegrityError:
        # A concurrent request with this key committed first: replay its response.
        winner = await _existing(session, model, request.caller, request.key)
        if winner is None or winner.status_code is None:
            raise
        _check_same_request(winner, request.fingerprint)
        return _replay(winner)
    body = jsonable_encoder(await action())
    record.status_code = status_code
    record.response_body = json.dumps(body, separators=(",", ":"))
    await session.flush()
    return JSONResponse(body, status_code=status_code)


async def purge_expired(
    session: AsyncSession, model: type[IdempotencyRecordMixin], now: datetime | None = None
) -> int:
    """Delete the key rows past their retention; returns how many went."""
    result = await session.execute(
        delete(model).where(model.expires_at <= (now or datetime.now(UTC)))
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def run_idempotent_request(
    request: Request,
    session: AsyncSession,
    model: type[IdempotencyRecordMixin],
    caller: str,
    key: str | None,
    body: BaseModel | bytes,
    action: Callable[[], Awaitable[Any]],
    *,
    status_code: int = 201,
) -> JSONResponse:
    """`run_idempotent` for a creating POST: what is hashed is its method, its path WITH
    the query string (`?dry_run=true` is another request) and its body."""
    target = f"{request.url.path}?{request.url.query}"
    fingerprint = request_fingerprint(request.method, target, body)
    return await run_idempotent(
        session,
        model,
        IdempotentRequest(caller=caller, key=key, fingerprint=fingerprint),
        action,
        status_code=status_code,
    )
