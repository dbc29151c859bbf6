"""The webhook dispatcher: from a service's outbox to its subscribers, signed and retried.

It works on the service's own database, not through `/v1/changes`: the queue of
deliveries, the subscriptions' cursors and the row locks that keep replicas apart must
live in one transactional store, and that store already holds the outbox, so reading it
there costs no HTTP hop and no service token, and filters events with the same audience
rule (`outbox.may_read`) the feed uses, applied with the subscription owner's rights.

Two steps, each its own short transaction:

1. fan-out: for each active subscription (row locked, `SKIP LOCKED` so replicas share the
   work), queue one delivery per new matching event after its cursor, and move the cursor.
2. delivery: claim due deliveries (`FOR UPDATE SKIP LOCKED`), push their next attempt a
   lease ahead and commit, so no other replica takes them; then POST each, signed per
   Standard Webhooks, and record the outcome: delivered, or the next attempt after an
   exponential backoff with jitter, or — when the schedule (over 24 h) is spent — failed,
   which disables the subscription and tells its owner with an outbox event.

SQLite has no row locks, but BEGIN IMMEDIATE serialises the claiming transactions, which
is enough for the single worker `mirps up` runs. Delivery is at least once (a worker that
dies after sending and before recording sends again after the lease); receivers
de-duplicate on `webhook-id`, the event's id. Time and randomness are injectable.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import random
import socket
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from standardwebhooks import Webhook

from services.common.outbox import envelope
from services.common.webhooks import (
    WebhookDeliveryMixin,
    Webhooks,
    WebhookSubscriptionMixin,
    refused_address,
)

logger = logging.getLogger("mirps.worker")

# Waits after attempts 1, 2, …: 9 attempts over about 27.6 h before a delivery fails.
DEFAULT_SCHEDULE = tuple(
    timedelta(seconds=s) for s in (5, 60, 300, 1800, 7200, 18000, 36000, 36000)
)


@dataclass(frozen=True)
class DeliveryPolicy:
    """How hard the dispatcher tries."""

    schedule: Sequence[timedelta] = DEFAULT_SCHEDULE
    jitter: float = 0.2  # each wait is scaled by a random factor in [1 - jitter, 1 + jitter]
    timeout: float = 10.0  # seconds for one POST, connect to last byte
    batch: int = 50  # deliveries claimed at once
    fan_out_batch: int = 200  # events queued per subscription per round

    @property
    def lease(self) -> timedelta:
        """How long a claimed delivery stays invisible to other replicas."""
        return timedelta(seconds=self.timeout * 3 + 5)


@dataclass(frozen=True)
class Outcome:
    status: int | None
    error: str | None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def _wall_clock() -> datetime:
    return datetime.now(UTC)


class Dispatcher:
    """Delivers one service's events to its subscribers."""

    def __init__(
        self,
        hooks: Webhooks,
        sessionmaker: async_sessionmaker[AsyncSession],
        client: httpx.AsyncClient,
        *,
        allow_private: bool,
        policy: DeliveryPolicy | None = None,
        clock: Callable[[], datetime] = _wall_clock,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self.hooks = hooks
        self.sessionmaker = sessionmaker
        self.client = client
        self.allow_private = allow_private
        self.policy = policy or DeliveryPolicy()
        self.clock = clock
        self.rng = rng

    async def run_once(self) -> int:
        """Queue new events, then attempt every due delivery; returns the attempts made."""
        await self.fan_out()
        return await self.deliver_due()

    # --- fan-out ---------------------------------------------------------------------------

    async def fan_out(self) -> int:
        """Queue a delivery per new matching event of each active subscription."""
        subscription: Any = self.hooks.subscription
        queued = 0
        async with self.sessionmaker() as session:
            rows = (
                await session.scalars(
                    select(subscription)
                    .where(subscription.status == "active")
                    .order_by(subscription.id)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            for row in rows:
                queued += await self._queue(session, row)
            await session.commit()
        return queued

    async def _queue(self, session: AsyncSession, row: WebhookSubscriptionMixin) -> int:
        page = await self.hooks.outbox.read(
            session, row.owner(), row.cursor, row.event_types, self.policy.fan_out_batch
        )
        if page.next == row.cursor:
            return 0
        now = self.clock()
        for event in page.items:
            session.add(
                self.hooks.delivery(  # type: ignore[call-arg]
                    id=uuid.uuid4(),
                    subscription_id=row.id,
                    position=event.position,
                    event_id=uuid.UUID(event.id),
                    event_type=event.type,
                    state="pending",
                    attempts=0,
                    next_attempt_at=now,
                    created_at=now,
                )
            )
        # A plain UPDATE: moving the cursor is no edit of the subscription (no new ETag).
        subscription: Any = self.hooks.subscription
        await session.execute(
            update(subscription)
            .where(subscription.id == row.id)
            .values(cursor=page.next)
            .execution_options(synchronize_session=False)
        )
        return len(page.items)

    # --- delivery --------------------------------------------------------------------------

    async def deliver_due(self) -> int:
        """Claim the due deliveries, send them concurrently, record each outcome."""
        claimed = await self._claim()
        if not claimed:
            return 0
        outcomes = await asyncio.gather(*(self._send(*item) for item in claimed))
        await self._record([d.id for d, _, _ in claimed], outcomes)
        return len(claimed)

    async def _claim(self) -> list[tuple[WebhookDeliveryMixin, WebhookSubscriptionMixin, Any]]:
        delivery: Any = self.hooks.delivery
        subscription: Any = self.hooks.subscription
        outbox: Any = self.hooks.outbox.model
        now = self.clock()
        async with self.sessionmaker() as session:
            due = (
                await session.scalars(
                    select(delivery)
                    .join(subscription, subscription.id == delivery.subscription_id)
                    .where(
                        delivery.state == "pending",
                        delivery.next_attempt_at <= now,
                        subscription.status == "active",
                    )
                    .order_by(delivery.next_attempt_at, delivery.position)
                    .limit(self.policy.batch)
                    .with_for_update(skip_locked=True, of=delivery)
                )
            ).all()
            if not due:
                return []
            for item in due:
                item.attempts += 1
                item.next_attempt_at = now + self.policy.lease
            subscriptions = {
                s.id: s
                for s in await session.scalars(
                    select(subscription).where(
                        subscription.id.in_({d.subscription_id for d in due})
                    )
                )
            }
            events = {
                e.position: e
                for e in await session.scalars(
                    select(outbox).where(outbox.position.in_({d.position for d in due}))
                )
            }
            await session.commit()
        return [(d, subscriptions[d.subscription_id], events[d.position]) for d in due]

    async def _send(
        self, item: WebhookDeliveryMixin, row: WebhookSubscriptionMixin, event: Any
    ) -> Outcome:
        refused = await self._refused_target(row.url)
        if refused:
            return Outcome(None, refused)
        body = envelope(event, self.hooks.outbox.source).model_dump_json()
        msg_id = str(item.event_id)
        stamp = datetime.fromtimestamp(int(time.time()), UTC)  # receivers check their clock
        signatures = " ".join(
            Webhook(secret).sign(msg_id, stamp, body)
            for secret in row.secrets_in_force(self.clock())
        )
        headers = {
            "content-type": "application/json",
            "webhook-id": msg_id,
            "webhook-timestamp": str(int(stamp.timestamp())),
            "webhook-signature": signatures,
            "user-agent": "mirps-webhooks/1",
        }
        try:
            response = await self.client.post(
                row.url, content=body, headers=headers, timeout=self.policy.timeout
            )
        except httpx.TimeoutException:
            return Outcome(None, f"no answer within {self.policy.timeout:g} s")
        except httpx.HTTPError as exc:
            return Outcome(None, f"{type(exc).__name__}: {exc}"[:500])
        error = None if 200 <= response.status_code < 300 else f"HTTP {response.status_code}"
        return Outcome(response.status_code, error)

    async def _refused_target(self, url: str) -> str | None:
        """Why the URL's host may not be called now (None when it may)."""
        if self.allow_private:
            return None
        parts = urlsplit(url)
        host, port = parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                host, port, type=socket.SOCK_STREAM
            )
        except OSError as exc:
            return f"cannot resolve {host}: {exc}"
        for info in infos:
            address = str(info[4][0])
            reason = refused_address(ipaddress.ip_address(address).compressed)
            if reason:
                return f"target not allowed: {host} resolves to {reason}"
        return None

    def _wait(self, attempts: int) -> timedelta:
        base = self.policy.schedule[attempts - 1]
        factor = 1 + self.policy.jitter * (2 * self.rng() - 1)
        return base * factor

    async def _record(self, ids: Sequence[uuid.UUID], outcomes: Sequence[Outcome]) -> None:
        delivery: Any = self.hooks.delivery
        now = self.clock()
        async with self.sessionmaker() as session:
            rows = {
                d.id: d for d in await session.scalars(select(delivery).where(delivery.id.in_(ids)))
            }
            for delivery_id, outcome in zip(ids, outcomes, strict=True):
                item = rows[delivery_id]
                item.last_status, item.last_error, item.last_attempt_at = (
                    outcome.status,
                    outcome.error,
                    now,
                )
                if outcome.ok:
                    item.state, item.delivered_at = "delivered", now
                elif item.attempts > len(self.policy.schedule):
                    item.state = "failed"
                    await self._disable(session, item)
                else:
                    item.next_attempt_at = now + self._wait(item.attempts)
            await session.commit()

    async def _disable(self, session: AsyncSession, item: WebhookDeliveryMixin) -> None:
        """Retries spent: stop the subscription and tell its owner on the change feed."""
        row = await session.get(self.hooks.subscription, item.subscription_id)
        if row is None or row.status != "active":
            return
        row.status = "disabled"
        row.disabled_reason = (
            f"event {item.position} could not be delivered after {item.attempts} attempts "
            f"({item.last_error}); fix the endpoint, then PATCH status to active"
        )
        row.updated_at = self.clock()
        await self.hooks.outbox.record(
            session,
            "webhook_subscription.disabled",
            f"webhook-subscriptions/{row.id}",
            {"id": str(row.id), "url": row.url, "reason": row.disabled_reason},
            self.hooks.owner_audience(row),
        )
        logger.warning("webhook subscription %s disabled: %s", row.id, row.disabled_reason)
