"""Transactional outbox and change feed, generic over services.

Every state change of a service writes one event row in the same transaction as the
change (`Outbox.record`), so an event exists exactly when its change committed. Each row
is a CloudEvents 1.0 envelope with a `position` that only grows; `GET /v1/changes` serves
them in position order, filtered by what the caller may see.

Positions and commit order. A reader resuming `after=N` must never miss a row with a lower
position that commits after it read. An autoincrement key alone does not give that on
PostgreSQL: two transactions can take positions 7 and 8, and 8 commit first. We take a
transaction-level advisory lock (`pg_advisory_xact_lock`) just before inserting the row,
so outbox writers of one database queue there from that insert until their commit:
positions are taken and committed in the same order, and a reader sees a prefix. The
price is that writers serialise for the tail of their transaction (the row is written
last, after the change's own checks), which the write rates of this platform afford. The
alternative, serving only positions below the oldest in-flight transaction's, needs the
xid bookkeeping of `pg_snapshot_xmin` on every read and still lets readers stall behind a
long transaction. SQLite needs nothing: BEGIN IMMEDIATE already serialises writers.
Rolled-back transactions leave gaps in positions; gaps are harmless, order is what counts.

Each row carries its audience (public, or the organisations, subjects and countries that
may read the record at the time of the change), so the feed filters without calling the
service's domain code. Personal data never goes into `data`.

Each service declares a model with `OutboxEventMixin` in its metadata, a migration made
by `create_outbox_table`, and one `Outbox(model, service)`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import JSON, BigInteger, Integer, String, Uuid, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from services.common.auth import OptionalPrincipalDep, Principal
from services.common.db import SessionDep, UTCDateTime
from services.common.errors import problem_responses
from services.common.filters import Values

TYPE_PREFIX = "org.mirps."
MAX_LIMIT = 500
# The whole feed of one database shares one advisory lock key ("mirps-outbox" as int64).
ADVISORY_LOCK_KEY = 0x6D69_7270_735F_6F62


class OutboxEventMixin:
    """Columns of a service's outbox table `outbox_events`, keyed by `position`."""

    __tablename__ = "outbox_events"

    position: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    event_id: Mapped[uuid.UUID] = mapped_column(Uuid(), unique=True)
    type: Mapped[str] = mapped_column(String(120), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    time: Mapped[datetime] = mapped_column(UTCDateTime())
    data: Mapped[dict[str, Any]] = mapped_column(JSON())
    audience: Mapped[dict[str, Any]] = mapped_column(JSON())


def create_outbox_table(op: Any) -> None:
    """The migration body that creates `outbox_events` (the same in every service)."""
    import sqlalchemy as sa

    op.create_table(
        "outbox_events",
        sa.Column(
            "position",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.String(length=120), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("audience", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("position", name=op.f("pk_outbox_events")),
        sa.UniqueConstraint("event_id", name=op.f("uq_outbox_events_event_id")),
    )
    op.create_index(op.f("ix_outbox_events_type"), "outbox_events", ["type"], unique=False)


def drop_outbox_table(op: Any) -> None:
    op.drop_index(op.f("ix_outbox_events_type"), table_name="outbox_events")
    op.drop_table("outbox_events")


@dataclass(frozen=True)
class Audience:
    """Who may read the record an event is about, as of the change.

    Public records are readable by anyone; otherwise the secretariat, the token subjects in
    `subjects`, members/partners of `organisations`, and focal points of `countries`.
    """

    public: bool = False
    organisations: Sequence[str] = field(default_factory=tuple)
    subjects: Sequence[str] = field(default_factory=tuple)
    countries: Sequence[str] = field(default_factory=tuple)

    def as_json(self) -> dict[str, Any]:
        return {
            "public": self.public,
            "organisations": sorted({str(o) for o in self.organisations}),
            "subjects": sorted(set(self.subjects)),
            "countries": sorted(set(self.countries)),
        }


PUBLIC = Audience(public=True)
SECRETARIAT_ONLY = Audience()


def may_read(principal: Principal | None, audience: dict[str, Any]) -> bool:
    """Whether `principal` may read an event with this stored audience."""
    if audience.get("public"):
        return True
    if principal is None:
        return False
    if principal.is_secretariat or principal.sub in audience.get("subjects", ()):
        return True
    if principal.acting_org_id is not None and principal.acting_org_id in audience.get(
        "organisations", ()
    ):
        return True
    return any(principal.is_focal_point_for(c) for c in audience.get("countries", ()))


EXAMPLE_EVENT: dict[str, Any] = {
    "specversion": "1.0",
    "id": "0b7e1c0e-7f4b-4e55-9d1a-5c1f0b2b5d0e",
    "source": "/mirps/pledges",
    "type": "org.mirps.pledge.status_changed",
    "time": "2026-12-01T15:24:49.514000Z",
    "subject": "pledges/83fc1920-2289-4dc4-85b1-6f6093437867",
    "datacontenttype": "application/json",
    "position": 1042,
    "data": {
        "id": "83fc1920-2289-4dc4-85b1-6f6093437867",
        "contributor_id": "5f0c4a53-52a4-4f4c-9a51-0f2d8f0e3b10",
        "changed": ["implementation_status"],
        "implementation_status": ["planning", "in_progress"],
    },
}


class CloudEvent(BaseModel):
    """A change, as a CloudEvents 1.0 envelope (JSON format) with its feed position."""

    model_config = ConfigDict(json_schema_extra={"example": EXAMPLE_EVENT})

    specversion: str = Field("1.0", examples=["1.0"])
    id: str = Field(description="Unique per event; a consumer de-duplicates on it.")
    source: str = Field(description="The service that wrote it.", examples=["/mirps/pledges"])
    type: str = Field(examples=["org.mirps.pledge.status_changed"])
    time: datetime
    subject: str = Field(
        description="Path of the record the event is about.",
        examples=["pledges/6f1c2a9e-2b5d-4c3a-9a57-0c9f3d7e5b11"],
    )
    datacontenttype: str = "application/json"
    position: int = Field(
        description="Feed position (CloudEvents extension attribute): strictly increasing "
        "in commit order; resume with `?after=` the last one processed."
    )
    data: dict[str, Any]


class ChangePage(BaseModel):
    """One page of the change feed."""

    model_config = ConfigDict(
        json_schema_extra={"example": {"items": [EXAMPLE_EVENT], "next": 1042}}
    )

    items: list[CloudEvent]
    next: int = Field(
        description="Pass as `after` for the next page. It moves past events the caller may "
        "not see, so it can be ahead of the last item; equal to `after` when nothing new."
    )


def envelope(row: OutboxEventMixin, source: str) -> CloudEvent:
    return CloudEvent(
        id=str(row.event_id),
        source=source,
        type=row.type,
        time=row.time,
        subject=row.subject,
        position=row.position,
        data=row.data,
    )


class Outbox:
    """A service's outbox: writes its events and serves its change feed."""

    def __init__(self, model: type[OutboxEventMixin], service: str) -> None:
        self.model = model
        self.service = service
        self.source = f"/mirps/{service}"

    async def record(
        self,
        session: AsyncSession,
        type_: str,
        subject: str,
        data: dict[str, Any],
        audience: Audience = SECRETARIAT_ONLY,
    ) -> OutboxEventMixin:
        """Write one event in the session's transaction (flushes; the caller commits).

        `type_` is relative to `org.mirps.` (`pledge.status_changed`).
        """
        if session.get_bind().dialect.name == "postgresql":
            await session.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY}
            )
        row = self.model(  # type: ignore[call-arg]  # the mapped subclass takes the columns
            event_id=uuid.uuid4(),
            type=TYPE_PREFIX + type_,
            subject=subject,
            time=datetime.now(UTC),
            data=data,
            audience=audience.as_json(),
        )
        session.add(row)
        await session.flush()
        return row

    async def head(self, session: AsyncSession) -> int:
        """The position of the newest event (0 when there is none)."""
        model: Any = self.model
        return int(await session.scalar(select(func.max(model.position))) or 0)

    async def read(
        self,
        session: AsyncSession,
        principal: Principal | None,
        after: int,
        types: Sequence[str] = (),
        limit: int = 100,
    ) -> ChangePage:
        """Events after `after` the caller may read, in position order, at most `limit`."""
        model: Any = self.model
        query = select(model).where(model.position > after).order_by(model.position)
        if types:
            query = query.where(model.type.in_(types))
        items: list[CloudEvent] = []
        cursor = after
        while len(items) < limit:
            rows = (await session.scalars(query.where(model.position > cursor).limit(limit))).all()
            for row in rows:
                cursor = row.position
                if may_read(principal, row.audience):
                    items.append(envelope(row, self.source))
                    if len(items) == limit:
                        break
            if len(rows) < limit:
                break
        return ChangePage(items=items, next=cursor)

    def router(self) -> APIRouter:
        """`GET /v1/changes` for this service."""
        router = APIRouter(prefix="/v1", tags=["changes"])
        outbox = self

        @router.get("/changes", response_model=ChangePage, responses=problem_responses(401, 422))
        async def changes(
            session: SessionDep,
            principal: OptionalPrincipalDep,
            after: Annotated[
                int, Query(ge=0, description="Position of the last event already processed.")
            ] = 0,
            types: Annotated[
                Values[Annotated[str, Field(pattern=r"^org\.mirps\.[a-z_.]+$", max_length=120)]]
                | None,
                Query(
                    description="Only these event types (repeated or comma-separated).",
                    examples=["org.mirps.pledge.status_changed"],
                ),
            ] = None,
            limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
        ) -> ChangePage:
            """The service's changes after a position, oldest first, as CloudEvents."""
            return await outbox.read(session, principal, after, types or (), limit)

        return router
