"""Webhook subscriptions, generic over services: tables, rules and `/v1/webhook-subscriptions`.

An organisation subscribes a URL to some of a service's event types; the worker
(`services.common.dispatcher`, run by `mirps worker`) delivers each matching event of the
service's outbox to it, signed per Standard Webhooks with the subscription's secret.

A subscription reads the feed with the rights of the token that created it (its subject,
roles, organisation and countries are kept), so a webhook never carries an event its
owner could not read from `/v1/changes`. The secretariat sees and manages every
subscription; members and partners those of their organisation.

Each service declares models with `WebhookSubscriptionMixin` and `WebhookDeliveryMixin`,
a migration made by `create_webhook_tables`, and mounts `Webhooks(...).router()`.
"""

from __future__ import annotations

import base64
import ipaddress
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from sqlalchemy import JSON, BigInteger, Integer, String, Text, Uuid, delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from services.common.auth import Principal, PrincipalDep
from services.common.db import SessionDep, UTCDateTime
from services.common.errors import Forbidden, NotFound, Unprocessable, problem_responses
from services.common.etag import RequiredIfMatchHeader, check_if_match
from services.common.inputs import WebUrl
from services.common.outbox import Audience, Outbox

EventType = Annotated[str, Field(pattern=r"^org\.mirps\.[a-z_.]+$", max_length=120)]
# After a rotation the previous secret still signs (a second signature) for this long.
ROTATION_OVERLAP = timedelta(hours=24)
MAX_SUBSCRIPTIONS_LISTED = 200


class WebhookSubscriptionMixin:
    """Columns of `webhook_subscriptions`."""

    __tablename__ = "webhook_subscriptions"

    id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True)
    organisation_id: Mapped[str | None] = mapped_column(String(100), index=True)
    owner_sub: Mapped[str] = mapped_column(String(200))
    owner_roles: Mapped[list[str]] = mapped_column(JSON())
    owner_countries: Mapped[list[str]] = mapped_column(JSON())
    url: Mapped[str] = mapped_column(String(2000))
    event_types: Mapped[list[str]] = mapped_column(JSON())
    secret: Mapped[str] = mapped_column(String(100))
    previous_secret: Mapped[str | None] = mapped_column(String(100))
    previous_secret_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(20))
    disabled_reason: Mapped[str | None] = mapped_column(Text())
    cursor: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer())

    __mapper_args__ = {"version_id_col": version}

    def owner(self) -> Principal:
        """The rights the subscription reads the feed with."""
        return Principal(
            sub=self.owner_sub,
            roles=frozenset(self.owner_roles),
            org_id=self.organisation_id,
            countries=frozenset(self.owner_countries),
        )

    def secrets_in_force(self, now: datetime) -> list[str]:
        """The current secret, and the previous one during its overlap after a rotation."""
        keys = [self.secret]
        until = self.previous_secret_until
        if self.previous_secret and until is not None and now < until:
            keys.append(self.previous_secret)
        return keys


class WebhookDeliveryMixin:
    """Columns of `webhook_deliveries`: the queue of attempts and the delivery log."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True)
    subscription_id: Mapped[uuid.UUID] = mapped_column(Uuid(), index=True)
    position: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"))
    event_id: Mapped[uuid.UUID] = mapped_column(Uuid())
    event_type: Mapped[str] = mapped_column(String(120))
    state: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(Integer())
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    last_status: Mapped[int | None] = mapped_column(Integer())
    last_error: Mapped[str | None] = mapped_column(Text())
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


def create_webhook_tables(op: Any) -> None:
    """The migration body that creates both webhook tables (the same in every service)."""
    import sqlalchemy as sa

    big = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    stamp = sa.DateTime(timezone=True)
    op.create_table(
        "webhook_subscriptions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.String(length=100), nullable=True),
        sa.Column("owner_sub", sa.String(length=200), nullable=False),
        sa.Column("owner_roles", sa.JSON(), nullable=False),
        sa.Column("owner_countries", sa.JSON(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("event_types", sa.JSON(), nullable=False),
        sa.Column("secret", sa.String(length=100), nullable=False),
        sa.Column("previous_secret", sa.String(length=100), nullable=True),
        sa.Column("previous_secret_until", stamp, nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("disabled_reason", sa.Text(), nullable=True),
        sa.Column("cursor", big, nullable=False),
        sa.Column("created_at", stamp, nullable=False),
        sa.Column("updated_at", stamp, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_subscriptions")),
    )
    op.create_index(
        op.f("ix_webhook_subscriptions_organisation_id"),
        "webhook_subscriptions",
        ["organisation_id"],
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("subscription_id", sa.Uuid(), nullable=False),
        sa.Column("position", big, nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("event_type", sa.String(length=120), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", stamp, nullable=False),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_attempt_at", stamp, nullable=True),
        sa.Column("delivered_at", stamp, nullable=True),
        sa.Column("created_at", stamp, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_deliveries")),
    )
    op.create_index(
        op.f("ix_webhook_deliveries_subscription_id"), "webhook_deliveries", ["subscription_id"]
    )
    op.create_index(
        op.f("ix_webhook_deliveries_next_attempt_at"), "webhook_deliveries", ["next_attempt_at"]
    )


def drop_webhook_tables(op: Any) -> None:
    op.drop_index(op.f("ix_webhook_deliveries_next_attempt_at"), table_name="webhook_deliveries")
    op.drop_index(op.f("ix_webhook_deliveries_subscription_id"), table_name="webhook_deliveries")
    op.drop_table("webhook_deliveries")
    op.drop_index(
        op.f("ix_webhook_subscriptions_organisation_id"), table_name="webhook_subscriptions"
    )
    op.drop_table("webhook_subscriptions")


# --- which URLs a webhook may go to ------------------------------------------------------


def refused_address(address: str) -> str | None:
    """Why an IP address is no webhook target in production (None when it is public)."""
    ip = ipaddress.ip_address(address)
    if ip.is_global and not ip.is_multicast:
        return None
    return f"{address} is a loopback, private, link-local or reserved address"


def check_target(url: str, allow_private: bool) -> None:
    """Refuse what can be told from the URL alone: not http(s), or a non-public literal host.

    Names are resolved again at each delivery (`dispatcher.resolve_target`), where a name
    that points at a private address is refused the same way.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Unprocessable("url: an absolute http(s) URL is required", field="url")
    if allow_private:
        return
    host = parts.hostname
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        raise Unprocessable(f"url: {host} is not a public host", field="url")
    try:
        reason = refused_address(host)
    except ValueError:
        return  # a name, checked when delivering
    if reason:
        raise Unprocessable(f"url: {reason}", field="url")


# --- schemas -----------------------------------------------------------------------------


class SubscriptionCreate(BaseModel):
    """A new subscription: where to send, and which events (none listed: all)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "url": "https://partner.example.org/mirps/webhooks",
                "event_types": ["org.mirps.pledge.status_changed", "org.mirps.pledge.withdrawn"],
            }
        },
    )

    url: WebUrl
    event_types: list[EventType] = Field(default_factory=list, max_length=50)


class SubscriptionUpdate(BaseModel):
    """Change the URL or the event types, or re-enable (`"status": "active"`) or pause."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"example": {"status": "active"}})

    url: WebUrl | None = None
    event_types: list[EventType] | None = Field(default=None, max_length=50)
    status: Annotated[str, Field(pattern="^(active|disabled)$")] | None = None


EXAMPLE_SUBSCRIPTION: dict[str, Any] = {
    "id": "9d1f6c1e-3c41-4c52-8f0e-2a7d8b6f4e21",
    "organisation_id": "5f0c4a53-52a4-4f4c-9a51-0f2d8f0e3b10",
    "url": "https://partner.example.org/mirps/webhooks",
    "event_types": ["org.mirps.pledge.status_changed"],
    "status": "active",
    "disabled_reason": None,
    "cursor": 1042,
    "created_at": "2026-12-01T15:00:00Z",
    "updated_at": "2026-12-01T15:00:00Z",
    "version": 1,
}


class SubscriptionRead(BaseModel):
    """A webhook subscription (its secret is never shown again after creation)."""

    model_config = ConfigDict(json_schema_extra={"example": EXAMPLE_SUBSCRIPTION})

    id: uuid.UUID
    organisation_id: str | None
    url: str
    event_types: list[str]
    status: str = Field(description="active, or disabled (by its owner or after failures).")
    disabled_reason: str | None
    cursor: int = Field(description="Feed position up to which events have been queued.")
    created_at: datetime
    updated_at: datetime
    version: int


class SubscriptionWithSecret(SubscriptionRead):
    """A subscription with its signing secret: the answer to creation and rotation."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {**EXAMPLE_SUBSCRIPTION, "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}
        }
    )

    secret: str = Field(
        description="The signing secret (`whsec_…`, Standard Webhooks). Shown only when the "
        "subscription is created and when its secret is rotated."
    )


class SubscriptionList(BaseModel):
    """Subscriptions, oldest first."""

    model_config = ConfigDict(json_schema_extra={"example": {"items": [EXAMPLE_SUBSCRIPTION]}})

    items: list[SubscriptionRead]


def _not_a_boolean(value: object) -> object:
    if isinstance(value, bool):
        raise ValueError("give a feed position (an integer), not true or false")
    return value


# A feed position (up to 10^15, which every JSON reader holds exactly).
Position = Annotated[int, BeforeValidator(_not_a_boolean)]
MAX_POSITION = 10**15


class Replay(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"example": {"after": 1000}})

    after: Position = Field(
        ge=0,
        le=MAX_POSITION,
        description="Deliver again every matching event after this position.",
    )


class DeliveryRead(BaseModel):
    """One event queued for a subscription: its attempts and their outcome."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "id": "2b0e6c8a-8f7d-4a44-9b0a-7a3e1d2c5f60",
                "position": 1042,
                "event_id": "0b7e1c0e-7f4b-4e55-9d1a-5c1f0b2b5d0e",
                "event_type": "org.mirps.pledge.status_changed",
                "state": "pending",
                "attempts": 2,
                "next_attempt_at": "2026-12-01T15:06:05Z",
                "last_status": 500,
                "last_error": "HTTP 500",
                "last_attempt_at": "2026-12-01T15:05:05Z",
                "delivered_at": None,
            }
        }
    )

    id: uuid.UUID
    position: int
    event_id: uuid.UUID
    event_type: str
    state: str = Field(description="pending, delivered, or failed (retries exhausted).")
    attempts: int
    next_attempt_at: datetime
    last_status: int | None
    last_error: str | None
    last_attempt_at: datetime | None
    delivered_at: datetime | None


# --- the service side --------------------------------------------------------------------


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def may_manage(principal: Principal) -> bool:
    return principal.is_secretariat or principal.acting_org_id is not None


class Webhooks:
    """A service's webhook subscriptions and their delivery log."""

    def __init__(
        self,
        outbox: Outbox,
        subscription: type[WebhookSubscriptionMixin],
        delivery: type[WebhookDeliveryMixin],
    ) -> None:
        self.outbox = outbox
        self.subscription = subscription
        self.delivery = delivery

    async def get(
        self, session: AsyncSession, principal: Principal, subscription_id: uuid.UUID
    ) -> WebhookSubscriptionMixin:
        """The subscription, if the caller manages it (404 otherwise)."""
        found = await session.get(self.subscription, subscription_id)
        if found is None or not (
            principal.is_secretariat
            or (principal.acting_org_id and principal.acting_org_id == found.organisation_id)
        ):
            raise NotFound(f"webhook subscription {subscription_id} does not exist")
        return found

    async def create(
        self, session: AsyncSession, principal: Principal, body: SubscriptionCreate, *, allow: bool
    ) -> SubscriptionWithSecret:
        if not may_manage(principal):
            raise Forbidden("the secretariat, members and partners subscribe to webhooks")
        check_target(str(body.url), allow)
        now = datetime.now(UTC)
        row = self.subscription(  # type: ignore[call-arg]  # the mapped subclass takes them
            id=uuid.uuid4(),
            organisation_id=principal.acting_org_id,
            owner_sub=principal.sub,
            owner_roles=sorted(principal.roles),
            owner_countries=sorted(principal.countries),
            url=str(body.url),
            event_types=list(dict.fromkeys(body.event_types)),
            secret=new_secret(),
            status="active",
            cursor=await self.outbox.head(session),  # from now on; replay reaches back
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        await session.flush()
        return SubscriptionWithSecret.model_validate(row, from_attributes=True)

    async def update(
        self,
        session: AsyncSession,
        principal: Principal,
        subscription_id: uuid.UUID,
        body: SubscriptionUpdate,
        if_match: str | None,
        *,
        allow: bool,
    ) -> SubscriptionRead:
        row = await self.get(session, principal, subscription_id)
        check_if_match(if_match, row.version)
        if body.url is not None:
            check_target(str(body.url), allow)
            row.url = str(body.url)
        if body.event_types is not None:
            row.event_types = list(dict.fromkeys(body.event_types))
        if body.status is not None:
            row.status = body.status
            row.disabled_reason = None if body.status == "active" else "disabled by its owner"
        row.updated_at = datetime.now(UTC)
        await session.flush()
        return SubscriptionRead.model_validate(row, from_attributes=True)

    async def rotate(
        self, session: AsyncSession, principal: Principal, subscription_id: uuid.UUID
    ) -> SubscriptionWithSecret:
        row = await self.get(session, principal, subscription_id)
        now = datetime.now(UTC)
        row.previous_secret, row.previous_secret_until = row.secret, now + ROTATION_OVERLAP
        row.secret = new_secret()
        row.updated_at = now
        await session.flush()
        return SubscriptionWithSecret.model_validate(row, from_attributes=True)

    async def replay(
        self, session: AsyncSession, principal: Principal, subscription_id: uuid.UUID, after: int
    ) -> SubscriptionRead:
        row = await self.get(session, principal, subscription_id)
        row.cursor = after
        row.updated_at = datetime.now(UTC)
        await session.flush()
        return SubscriptionRead.model_validate(row, from_attributes=True)

    async def remove(
        self, session: AsyncSession, principal: Principal, subscription_id: uuid.UUID
    ) -> SubscriptionRead:
        row = await self.get(session, principal, subscription_id)
        removed = SubscriptionRead.model_validate(row, from_attributes=True)
        delivery: Any = self.delivery
        await session.execute(delete(delivery).where(delivery.subscription_id == row.id))
        await session.delete(row)
        await session.flush()
        return removed

    async def listed(self, session: AsyncSession, principal: Principal) -> SubscriptionList:
        model: Any = self.subscription
        query = select(model).order_by(model.created_at, model.id).limit(MAX_SUBSCRIPTIONS_LISTED)
        if not principal.is_secretariat:
            if principal.acting_org_id is None:
                return SubscriptionList(items=[])
            query = query.where(model.organisation_id == principal.acting_org_id)
        rows = (await session.scalars(query)).all()
        return SubscriptionList(
            items=[SubscriptionRead.model_validate(row, from_attributes=True) for row in rows]
        )

    async def deliveries(
        self,
        session: AsyncSession,
        principal: Principal,
        subscription_id: uuid.UUID,
        before: int | None,
        limit: int,
    ) -> DeliveryLog:
        row = await self.get(session, principal, subscription_id)
        model: Any = self.delivery
        query = select(model).where(model.subscription_id == row.id)
        if before is not None:
            query = query.where(model.position < before)
        query = query.order_by(model.position.desc(), model.created_at.desc()).limit(limit)
        return DeliveryLog(
            items=[
                DeliveryRead.model_validate(d, from_attributes=True)
                for d in (await session.scalars(query)).all()
            ]
        )

    def owner_audience(self, row: WebhookSubscriptionMixin) -> Audience:
        """Who hears that a subscription was disabled: its organisation and its creator."""
        return Audience(
            organisations=[row.organisation_id] if row.organisation_id else [],
            subjects=[row.owner_sub],
        )

    def router(self) -> APIRouter:
        return webhook_router(self)


def _allow(request: Request) -> bool:
    return bool(request.app.state.settings.mirps.allows_private_webhook_targets)


def webhook_router(hooks: Webhooks) -> APIRouter:
    """`/v1/webhook-subscriptions` for one service."""
    router = APIRouter(prefix="/v1/webhook-subscriptions", tags=["webhooks"])
    problems = problem_responses(401, 403, 404, 422)

    @router.post("", status_code=201, response_model=SubscriptionWithSecret, responses=problems)
    async def create_subscription(
        body: SubscriptionCreate, session: SessionDep, principal: PrincipalDep, request: Request
    ) -> SubscriptionWithSecret:
        """Subscribe a URL to this service's events (its secret is in the answer, once)."""
        return await hooks.create(session, principal, body, allow=_allow(request))

    @router.get("", response_model=SubscriptionList, responses=problem_responses(401))
    async def list_subscriptions(session: SessionDep, principal: PrincipalDep) -> SubscriptionList:
        """The caller's organisation's subscriptions (every one, for the secretariat)."""
        return await hooks.listed(session, principal)

    @router.get("/{subscription_id}", response_model=SubscriptionRead, responses=problems)
    async def get_subscription(
        subscription_id: uuid.UUID, session: SessionDep, principal: PrincipalDep
    ) -> SubscriptionRead:
        """One subscription, with its status and how far its events have been queued."""
        row = await hooks.get(session, principal, subscription_id)
        return SubscriptionRead.model_validate(row, from_attributes=True)

    @router.patch(
        "/{subscription_id}",
        response_model=SubscriptionRead,
        responses=problem_responses(401, 403, 404, 412, 422, 428),
    )
    async def update_subscription(
        subscription_id: uuid.UUID,
        body: SubscriptionUpdate,
        session: SessionDep,
        principal: PrincipalDep,
        request: Request,
        if_match: RequiredIfMatchHeader,
    ) -> SubscriptionRead:
        """Change URL or event types, pause it, or re-enable it after it was disabled."""
        return await hooks.update(
            session, principal, subscription_id, body, if_match, allow=_allow(request)
        )

    @router.delete("/{subscription_id}", response_model=SubscriptionRead, responses=problems)
    async def delete_subscription(
        subscription_id: uuid.UUID, session: SessionDep, principal: PrincipalDep
    ) -> SubscriptionRead:
        """Stop and forget a subscription and its delivery log; answers what was removed."""
        return await hooks.remove(session, principal, subscription_id)

    @router.post(
        "/{subscription_id}/secret-rotation",
        response_model=SubscriptionWithSecret,
        responses=problems,
    )
    async def rotate_secret(
        subscription_id: uuid.UUID, session: SessionDep, principal: PrincipalDep
    ) -> SubscriptionWithSecret:
        """A new secret; for 24 h deliveries carry signatures with the old and the new one."""
        return await hooks.rotate(session, principal, subscription_id)

    @router.post("/{subscription_id}/replay", response_model=SubscriptionRead, responses=problems)
    async def replay(
        subscription_id: uuid.UUID, body: Replay, session: SessionDep, principal: PrincipalDep
    ) -> SubscriptionRead:
        """Deliver again every matching event after a feed position."""
        return await hooks.replay(session, principal, subscription_id, body.after)

    @router.get("/{subscription_id}/deliveries", response_model=DeliveryLog, responses=problems)
    async def deliveries(
        subscription_id: uuid.UUID,
        session: SessionDep,
        principal: PrincipalDep,
        before: Annotated[
            int | None,
            Query(ge=0, le=MAX_POSITION, description="Only deliveries of positions below this."),
        ] = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
    ) -> DeliveryLog:
        """The delivery log, newest position first: attempts, last status, last error."""
        return await hooks.deliveries(session, principal, subscription_id, before, limit)

    return router


class DeliveryLog(BaseModel):
    """A subscription's deliveries, newest position first."""

    model_config = ConfigDict(
        json_schema_extra={"example": {"items": [DeliveryRead.model_json_schema()["example"]]}}
    )

    items: list[DeliveryRead]
