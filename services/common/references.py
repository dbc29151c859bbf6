"""Checked references to other services' records, without calling them on the write path.

A service that names another service's records (an event's host organisations, an
outcome's pledge, a featured practice, a pledge's announcement event) keeps a local table
`known_references` of the ids it may name, one row per (kind, id) with its state: active,
or stale (withdrawn, archived, cancelled). The table is filled by reading the owners'
change feeds (`GET /v1/changes`) from a checkpoint kept per upstream in
`reference_checkpoints`: `mirps references sync` does it once (bootstrap), and the webhook
worker (`mirps worker`) keeps doing it every `WORKER_REFERENCES_INTERVAL_SECONDS`.

Writes then check the ids they name against the local table only: an unknown id is a 422
naming the field and the id. A reference to a stale record is accepted (it was valid when
written, or it records history) but flagged in responses (`stale_references`).

Policy before the first sync: a kind whose upstream has never been read (no checkpoint)
is neither checked nor flagged, so each service starts, migrates and loads its demo data
alone, in any order; from the upstream's first read on, unknown ids are refused. No
setting turns the check off: a service that must accept ids it cannot know yet simply has
not read that upstream.

The check and the flags read only this service's own database: no call to another
service on the write path, and an upstream being down only delays what becomes known.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import httpx
from pydantic import BaseModel, Field
from sqlalchemy import BigInteger, Integer, String, literal, select, tuple_, union_all
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from services.common.auth import Role, mint_token
from services.common.db import UTCDateTime
from services.common.errors import Unprocessable
from services.common.outbox import MAX_LIMIT, TYPE_PREFIX
from services.common.settings import CommonSettings, ServiceSettings

ACTIVE = "active"


class ReferenceState(StrEnum):
    """Why a reference is flagged: its record is gone from use, or was never known."""

    WITHDRAWN = "withdrawn"
    ARCHIVED = "archived"
    CANCELLED = "cancelled"
    UNKNOWN = "unknown"


class KnownReferenceMixin:
    """A foreign record this service may name: `kind` (organisation, pledge…), id, state."""

    __tablename__ = "known_references"

    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    ref_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    state: Mapped[str] = mapped_column(String(20))
    # Feed position of the event that last set the state.
    position: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ReferenceCheckpointMixin:
    """How far this service has read one upstream's change feed."""

    __tablename__ = "reference_checkpoints"

    upstream: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"))
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime())


def create_reference_tables(op: Any) -> None:
    """The migration body that creates both tables (the same in every service)."""
    import sqlalchemy as sa

    position = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "known_references",
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("ref_id", sa.String(length=100), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("position", position, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("kind", "ref_id", name=op.f("pk_known_references")),
    )
    op.create_table(
        "reference_checkpoints",
        sa.Column("upstream", sa.String(length=40), nullable=False),
        sa.Column("position", position, nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("upstream", name=op.f("pk_reference_checkpoints")),
    )


def drop_reference_tables(op: Any) -> None:
    op.drop_table("reference_checkpoints")
    op.drop_table("known_references")


@dataclass(frozen=True)
class UpstreamFeed:
    """What one upstream's feed tells this service: event type -> (kind, state it sets)."""

    upstream: str
    types: Mapping[str, tuple[str, str]]

    @property
    def kinds(self) -> set[str]:
        return {kind for kind, _state in self.types.values()}


def _lifecycle(
    kind: str, live: Iterable[str], ended: Mapping[str, str]
) -> dict[str, tuple[str, str]]:
    types = {f"{kind}.{action}": (kind, ACTIVE) for action in live}
    types.update({f"{kind}.{action}": (kind, state) for action, state in ended.items()})
    return types


# What the owners publish. `pledge.restricted` is deliberately absent: a restricted pledge
# still exists (the consumer reads as the secretariat and sees its real events).
PLEDGES_FEED = UpstreamFeed(
    "pledges",
    {
        **_lifecycle("organisation", ("created", "updated"), {}),
        **_lifecycle("objective", ("created", "updated"), {}),
        **_lifecycle(
            "pledge",
            ("created", "updated", "status_changed", "announced", "reallocated"),
            {"withdrawn": ReferenceState.WITHDRAWN},
        ),
    },
)
PRACTICES_FEED = UpstreamFeed(
    "practices",
    _lifecycle(
        "practice",
        ("created", "updated", "submitted", "returned", "published"),
        {"archived": ReferenceState.ARCHIVED},
    ),
)
EVENTS_FEED = UpstreamFeed(
    "events",
    _lifecycle(
        "event",
        ("created", "updated", "rescheduled", "scheduled", "held", "reported"),
        {"cancelled": ReferenceState.CANCELLED},
    ),
)


def canonical(ref_id: str) -> str:
    """The id as the owner writes it in its feed: a UUID in lowercase hyphenated form."""
    try:
        return str(uuid.UUID(ref_id))
    except ValueError:
        return ref_id


@dataclass(frozen=True)
class Reference:
    """One id a record names: where (`field`, as in the request), of what kind, which id."""

    field: str
    kind: str
    ref_id: str


class StaleReference(BaseModel):
    """A reference this record makes to a record that is no longer in use, or unknown."""

    field: str = Field(description="Where the reference is.", examples=["hosts[0]"])
    id: str = Field(examples=["5f0c4a53-52a4-4f4c-9a51-0f2d8f0e3b10"])
    state: ReferenceState = Field(
        description="withdrawn, archived or cancelled by its owner; unknown: its owner has "
        "been read and never had it (a record older than the checks)."
    )


STALE_REFERENCES_DESCRIPTION = (
    "References to other services' records that are withdrawn, archived, cancelled or "
    "unknown, as last read from their owners' change feeds; empty when all are in use."
)


class UnknownReference(Unprocessable):
    title, slug = "Unknown reference", "unknown-reference"


@dataclass
class References:
    """A service's reference tables and the upstream feeds that fill them."""

    model: type[KnownReferenceMixin]
    checkpoint_model: type[ReferenceCheckpointMixin]
    feeds: Sequence[UpstreamFeed]
    _owner: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        self._owner = {kind: feed.upstream for feed in self.feeds for kind in feed.kinds}

    async def _lookup(
        self, session: AsyncSession, references: Sequence[Reference]
    ) -> tuple[set[str], dict[tuple[str, str], str]]:
        """The kinds whose owner's feed has been read, and the known states of these
        references: one statement (the checkpoints' rows carry an empty kind)."""
        model: Any = self.model
        checkpoint: Any = self.checkpoint_model
        keys = sorted({(ref.kind, canonical(ref.ref_id)) for ref in references})
        statement: Any = select(
            literal("", String).label("kind"),
            checkpoint.upstream.label("ref_id"),
            literal("", String).label("state"),
        )
        if keys:
            known = select(model.kind, model.ref_id, model.state).where(
                tuple_(model.kind, model.ref_id).in_(keys)
            )
            statement = union_all(statement, known)
        upstreams: set[str] = set()
        states: dict[tuple[str, str], str] = {}
        for kind, ref_id, state in await session.execute(statement):
            if kind == "":
                upstreams.add(ref_id)
            else:
                states[(kind, ref_id)] = state
        synced = {kind for kind, upstream in self._owner.items() if upstream in upstreams}
        return synced, states

    async def check(self, session: AsyncSession, references: Sequence[Reference]) -> None:
        """422 naming every field whose id its (already read) owner never had."""
        if not references:
            return
        synced, states = await self._lookup(session, references)
        checked = [ref for ref in references if ref.kind in synced]
        unknown = [ref for ref in checked if (ref.kind, canonical(ref.ref_id)) not in states]
        if unknown:
            raise UnknownReference(
                "; ".join(f"{ref.field}: no {ref.kind} {ref.ref_id!r}" for ref in unknown),
                errors=[
                    {
                        "field": f"body.{ref.field}",
                        "message": f"no {ref.kind} with id {ref.ref_id!r} is known",
                        "type": "unknown_reference",
                    }
                    for ref in unknown
                ],
            )

    async def stale(
        self, session: AsyncSession, references: Sequence[Reference]
    ) -> list[StaleReference]:
        """The references among these that are not active (unknown only once synced)."""
        return (await self.stale_many(session, {None: references}))[None]

    async def stale_many(
        self, session: AsyncSession, per_record: Mapping[Any, Sequence[Reference]]
    ) -> dict[Any, list[StaleReference]]:
        """`stale` for many records at once (one query), keyed as given."""
        everything = [ref for refs in per_record.values() for ref in refs]
        if not everything:  # nothing referenced, nothing to flag: no query
            return {key: [] for key in per_record}
        synced, states = await self._lookup(session, everything)
        result: dict[Any, list[StaleReference]] = {}
        for key, refs in per_record.items():
            flagged = []
            for ref in refs:
                state = states.get((ref.kind, canonical(ref.ref_id)))
                if state is None and ref.kind in synced:
                    state = ReferenceState.UNKNOWN
                if state is not None and state != ACTIVE:
                    flagged.append(StaleReference(field=ref.field, id=ref.ref_id, state=state))
            result[key] = flagged
        return result

    async def apply(
        self, session: AsyncSession, feed: UpstreamFeed, events: Sequence[dict[str, Any]]
    ) -> None:
        """Record what these feed events say about the upstream's records (flushes)."""
        model: Any = self.model
        latest: dict[tuple[str, str], tuple[str, int]] = {}
        for event in events:  # in position order: the last event about a record wins
            mapped = feed.types.get(event["type"].removeprefix(TYPE_PREFIX))
            ref_id = event.get("data", {}).get("id")
            if mapped is not None and isinstance(ref_id, str):
                latest[(mapped[0], ref_id)] = (str(mapped[1]), event["position"])
        now = datetime.now(UTC)
        known = {}
        if latest:
            rows = await session.scalars(
                select(model).where(tuple_(model.kind, model.ref_id).in_(sorted(latest)))
            )
            known = {(row.kind, row.ref_id): row for row in rows}
        for (kind, ref_id), (state, position) in latest.items():
            row = known.get((kind, ref_id))
            if row is None:
                session.add(
                    model(kind=kind, ref_id=ref_id, state=state, position=position, updated_at=now)
                )
            elif position > row.position:
                row.state, row.position, row.updated_at = state, position, now
        await session.flush()

    async def position(self, session: AsyncSession, upstream: str) -> int:
        checkpoint = await session.get(self.checkpoint_model, upstream)
        return checkpoint.position if checkpoint is not None else 0

    async def save_position(self, session: AsyncSession, upstream: str, position: int) -> None:
        checkpoint = await session.get(self.checkpoint_model, upstream)
        now = datetime.now(UTC)
        if checkpoint is None:
            model: Any = self.checkpoint_model
            session.add(model(upstream=upstream, position=position, synced_at=now))
        else:
            checkpoint.position, checkpoint.synced_at = position, now
        await session.flush()

    async def consume(
        self,
        session: AsyncSession,
        feed: UpstreamFeed,
        client: httpx.AsyncClient,
        headers: Mapping[str, str] | None = None,
    ) -> int:
        """Read `feed` from the stored checkpoint to its end; returns the events applied.

        Each page is applied and its checkpoint saved in the caller's transaction; the
        caller commits (once, or after each call), so a crash re-reads at most what was
        not committed, and applying an event twice changes nothing.
        """
        after = await self.position(session, feed.upstream)
        types = ",".join(TYPE_PREFIX + type_ for type_ in sorted(feed.types))
        applied = 0
        while True:
            response = await client.get(
                "/v1/changes",
                params={"after": after, "types": types, "limit": MAX_LIMIT},
                headers=headers,
            )
            response.raise_for_status()
            page = response.json()
            await self.apply(session, feed, page["items"])
            applied += len(page["items"])
            moved = page["next"] != after
            after = page["next"]
            await self.save_position(session, feed.upstream, after)
            if not page["items"] or not moved:
                return applied


# --- running the consumer ------------------------------------------------------------------

FEED_TIMEOUT_SECONDS = 10.0


def feed_headers(settings: CommonSettings) -> dict[str, str]:
    """How the consumer authenticates to the upstream feeds (see `references_token`)."""
    token = settings.references_token.get_secret_value() if settings.references_token else ""
    if token:  # an empty value (an unset Compose variable) counts as unset
        return {"Authorization": f"Bearer {token}"}
    if settings.is_production:
        return {}
    minted = mint_token(settings, roles=[Role.SECRETARIAT], sub="mirps-references")
    return {"Authorization": f"Bearer {minted}"}


def feed_clients(
    references: References,
    settings: ServiceSettings,
    transports: Mapping[str, httpx.AsyncBaseTransport] | None = None,
) -> dict[str, httpx.AsyncClient]:
    """One pooled client per upstream, at the service's `<upstream>_url` setting."""
    return {
        feed.upstream: httpx.AsyncClient(
            base_url=getattr(settings, f"{feed.upstream}_url"),
            timeout=FEED_TIMEOUT_SECONDS,
            transport=(transports or {}).get(feed.upstream),
        )
        for feed in references.feeds
    }


async def sync(
    references: References,
    sessionmaker: async_sessionmaker[AsyncSession],
    clients: Mapping[str, httpx.AsyncClient],
    settings: CommonSettings,
) -> dict[str, int]:
    """Read every upstream feed to its end, one transaction per upstream; events applied."""
    headers = feed_headers(settings)
    applied = {}
    for feed in references.feeds:
        async with sessionmaker() as session:
            applied[feed.upstream] = await references.consume(
                session, feed, clients[feed.upstream], headers
            )
            await session.commit()
    return applied


REFERENCING_SERVICES = ("pledges", "practices", "events", "results")


def service_references(service: str) -> References:
    """The reference tables of a service (`services/<name>/references.py`)."""
    import importlib

    references: References = importlib.import_module(f"services.{service}.references").references
    return references


async def sync_once(service: str, settings: ServiceSettings) -> dict[str, int]:
    """`sync` for one service at its configured database and upstream URLs (the CLI)."""
    from services.common.db import make_engine, make_sessionmaker

    references = service_references(service)
    engine = make_engine(settings.database_url, settings)
    clients = feed_clients(references, settings)
    try:
        return await sync(references, make_sessionmaker(engine), clients, settings.mirps)
    finally:
        for client in clients.values():
            await client.aclose()
        await engine.dispose()
