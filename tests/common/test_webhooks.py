"""Webhooks end to end against a real HTTP receiver on a free local port: signatures that
the `standardwebhooks` verifier accepts, retries with backoff on 500 and timeouts,
disabling after the schedule is spent, replay, secret rotation, owners' rights, refused
private targets, and two dispatchers that never deliver an event twice (PostgreSQL)."""

from __future__ import annotations

import asyncio
import json
import os
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from standardwebhooks import Webhook, WebhookVerificationError

from services.common.db import make_engine, make_sessionmaker
from services.common.dispatcher import DeliveryPolicy, Dispatcher
from services.common.settings import CommonSettings
from services.pledges.app import create_app
from services.pledges.changes import webhooks
from services.pledges.config import Settings
from services.worker import WorkerSettings
from services.worker import create_app as create_worker
from tests.conftest import TEST_COMMON_SETTINGS, auth_headers
from tests.pledges.conftest import SECRETARIAT, Ledger

ORG = "22222222-2222-4222-8222-222222222222"


@dataclass
class Receiver:
    """A webhook endpoint: answers each POST with the next planned reaction."""

    port: int = 0
    plan: list[int | float] = field(default_factory=list)  # status, or seconds to stall
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def react(self) -> int | float:
        return self.plan.pop(0) if self.plan else 204


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["content-length"]))
            reaction = state.react()
            if isinstance(reaction, float):
                time.sleep(reaction)
                reaction = 204
            state.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(reaction)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            return None

    class Server(ThreadingHTTPServer):
        request_queue_size = 256  # a dispatcher sends a whole batch at once

    server = Server(("127.0.0.1", 0), Handler)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()
    thread.join(5)


@dataclass
class Clock:
    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@dataclass
class Rig:
    ledger: Ledger
    clock: Clock
    make: Callable[..., Dispatcher]

    async def subscribe(
        self, url: str, headers: dict[str, str] = SECRETARIAT, **body: Any
    ) -> dict[str, Any]:
        response = await self.ledger.client.post(
            "/v1/webhook-subscriptions", json={"url": url, **body}, headers=headers
        )
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    async def log(self, subscription_id: str) -> list[dict[str, Any]]:
        response = await self.ledger.client.get(
            f"/v1/webhook-subscriptions/{subscription_id}/deliveries", headers=SECRETARIAT
        )
        assert response.status_code == 200, response.text
        entries: list[dict[str, Any]] = response.json()["items"]
        return entries


@pytest.fixture
async def rig(
    database_url_for: Callable[[str], Awaitable[str]],
    run_app: Callable[[FastAPI], Awaitable[httpx.AsyncClient]],
) -> AsyncIterator[Rig]:
    url = await database_url_for("pledges")
    app = create_app(Settings(database_url=url, mirps=TEST_COMMON_SETTINGS))
    ledger = Ledger(client=await run_app(app), database_url=url)
    clock = Clock()
    engines = []
    clients = []

    def make(**options: Any) -> Dispatcher:
        engine = make_engine(url)
        client = httpx.AsyncClient()
        engines.append(engine)
        clients.append(client)
        return Dispatcher(
            webhooks,
            make_sessionmaker(engine),
            client,
            allow_private=options.pop("allow_private", True),
            policy=options.pop("policy", DeliveryPolicy(timeout=0.5)),
            clock=clock,
            rng=lambda: 0.5,  # no jitter: waits are exactly the schedule's
        )

    yield Rig(ledger, clock, make)
    for client in clients:
        await client.aclose()
    for engine in engines:
        await engine.dispose()


def verified(secret: str, request: tuple[dict[str, str], bytes]) -> dict[str, Any]:
    headers, body = request
    payload: dict[str, Any] = Webhook(secret).verify(body, headers)
    return payload


async def test_an_event_arrives_signed_and_is_logged(rig: Rig, receiver: Receiver) -> None:
    subscription = await rig.subscribe(receiver.url, event_types=["org.mirps.pledge.created"])
    org = await rig.ledger.organisation()  # not subscribed: organisation.created
    pledge = await rig.ledger.pledge(org["id"])
    assert await rig.make().run_once() == 1
    [request] = receiver.received
    event = verified(subscription["secret"], request)
    assert event["type"] == "org.mirps.pledge.created"
    assert event["subject"] == f"pledges/{pledge['id']}"
    assert request[0]["webhook-id"] == event["id"]
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "A" * 43 + "=").verify(request[1], request[0])
    [entry] = await rig.log(subscription["id"])
    assert (entry["state"], entry["attempts"], entry["last_status"]) == ("delivered", 1, 204)
    assert await rig.make().run_once() == 0  # nothing delivered twice


async def test_500_and_timeouts_are_retried_with_backoff(rig: Rig, receiver: Receiver) -> None:
    subscription = await rig.subscribe(receiver.url)
    receiver.plan = [500, 2.0]  # a server error, then an answer slower than the 0.5 s timeout
    await rig.ledger.organisation()
    dispatcher = rig.make()
    start = rig.clock.now
    assert await dispatcher.run_once() == 1
    [entry] = await rig.log(subscription["id"])
    assert (entry["state"], entry["last_error"]) == ("pending", "HTTP 500")
    assert datetime.fromisoformat(entry["next_attempt_at"]) == start + timedelta(seconds=5)
    assert await dispatcher.run_once() == 0  # not due yet
    rig.clock.advance(timedelta(seconds=5))
    assert await dispatcher.run_once() == 1
    [entry] = await rig.log(subscription["id"])
    assert entry["last_error"] == "no answer within 0.5 s"
    assert datetime.fromisoformat(entry["next_attempt_at"]) == rig.clock.now + timedelta(seconds=60)
    rig.clock.advance(timedelta(seconds=60))
    assert await dispatcher.run_once() == 1
    [entry] = await rig.log(subscription["id"])
    assert (entry["state"], entry["attempts"]) == ("delivered", 3)
    await asyncio.sleep(1.6)  # the stalled request finishes on the receiver's side
    ids = {headers["webhook-id"] for headers, _ in receiver.received}
    assert len(ids) == 1  # every attempt is the same message


def test_the_default_schedule_spans_more_than_a_day() -> None:
    assert sum(DeliveryPolicy().schedule, timedelta()) > timedelta(hours=24)


async def test_sustained_failure_disables_and_tells_the_owner_then_replay(
    rig: Rig, receiver: Receiver
) -> None:
    owner = auth_headers("member", org_id=ORG, sub="partner-dev")
    subscription = await rig.subscribe(receiver.url, headers=owner)
    receiver.plan = [500, 500, 500]
    await rig.ledger.organisation()
    dispatcher = rig.make(policy=DeliveryPolicy(timeout=0.5, schedule=(timedelta(seconds=1),) * 2))
    for _ in range(3):
        await dispatcher.run_once()
        rig.clock.advance(timedelta(seconds=2))
    state = await rig.ledger.client.get(
        f"/v1/webhook-subscriptions/{subscription['id']}", headers=owner
    )
    assert state.json()["status"] == "disabled"
    assert "after 3 attempts" in state.json()["disabled_reason"]
    [entry] = await rig.log(subscription["id"])
    assert entry["state"] == "failed"
    feed = await rig.ledger.client.get("/v1/changes", headers=owner)
    notices = [e for e in feed.json()["items"] if e["type"].endswith("subscription.disabled")]
    assert [n["subject"] for n in notices] == [f"webhook-subscriptions/{subscription['id']}"]
    other = auth_headers("member", org_id="33333333-3333-4333-8333-333333333333")
    feed = await rig.ledger.client.get("/v1/changes", headers=other)
    assert not [e for e in feed.json()["items"] if e["type"].endswith("subscription.disabled")]

    await rig.ledger.organisation()
    assert await dispatcher.run_once() == 0  # disabled: nothing is sent
    enabled = await rig.ledger.client.patch(
        f"/v1/webhook-subscriptions/{subscription['id']}",
        json={"status": "active"},
        headers={**owner, "If-Match": f'"{state.json()["version"]}"'},
    )
    assert enabled.status_code == 200, enabled.text
    replay = await rig.ledger.client.post(
        f"/v1/webhook-subscriptions/{subscription['id']}/replay", json={"after": 0}, headers=owner
    )
    assert replay.status_code == 200, replay.text
    receiver.received.clear()
    await dispatcher.run_once()
    types = [json.loads(body)["type"] for _, body in receiver.received]
    # The organisation event that failed, the one made while disabled, and the notice.
    assert sorted(types) == [
        "org.mirps.organisation.created",
        "org.mirps.organisation.created",
        "org.mirps.webhook_subscription.disabled",
    ]


async def test_rotation_signs_with_both_secrets_for_a_while(rig: Rig, receiver: Receiver) -> None:
    subscription = await rig.subscribe(receiver.url)
    rotated = await rig.ledger.client.post(
        f"/v1/webhook-subscriptions/{subscription['id']}/secret-rotation", headers=SECRETARIAT
    )
    assert rotated.status_code == 200, rotated.text
    new_secret = rotated.json()["secret"]
    assert new_secret != subscription["secret"]
    await rig.ledger.organisation()
    await rig.make().run_once()
    verified(subscription["secret"], receiver.received[0])
    verified(new_secret, receiver.received[0])
    rig.clock.advance(timedelta(hours=25))
    await rig.ledger.organisation()
    await rig.make().run_once()
    verified(new_secret, receiver.received[1])
    with pytest.raises(WebhookVerificationError):
        verified(subscription["secret"], receiver.received[1])


async def test_a_subscription_only_carries_what_its_owner_may_read(
    rig: Rig, receiver: Receiver
) -> None:
    contributor = await rig.ledger.organisation()
    stranger = auth_headers("member", org_id=ORG)
    await rig.subscribe(receiver.url, headers=stranger, event_types=["org.mirps.pledge.created"])
    await rig.ledger.pledge(contributor["id"], visibility="restricted")
    public = await rig.ledger.pledge(contributor["id"])
    await rig.make().run_once()
    subjects = [json.loads(body)["subject"] for _, body in receiver.received]
    assert subjects == [f"pledges/{public['id']}"]


async def test_subscriptions_belong_to_their_organisation(rig: Rig, receiver: Receiver) -> None:
    mine = auth_headers("partner", org_id=ORG)
    theirs = auth_headers("member", org_id="33333333-3333-4333-8333-333333333333")
    created = await rig.subscribe(receiver.url, headers=mine)
    path = f"/v1/webhook-subscriptions/{created['id']}"
    assert (await rig.ledger.client.get(path, headers=theirs)).status_code == 404
    assert (await rig.ledger.client.delete(path, headers=theirs)).status_code == 404
    listed = await rig.ledger.client.get("/v1/webhook-subscriptions", headers=theirs)
    assert listed.json() == {"items": []}
    listed = await rig.ledger.client.get("/v1/webhook-subscriptions", headers=SECRETARIAT)
    assert [s["id"] for s in listed.json()["items"]] == [created["id"]]
    assert "secret" not in listed.json()["items"][0]
    anonymous = await rig.ledger.client.post(
        "/v1/webhook-subscriptions", json={"url": receiver.url}
    )
    assert anonymous.status_code == 401
    focal = auth_headers("country_focal_point", countries=("GTM",))
    refused = await rig.ledger.client.post(
        "/v1/webhook-subscriptions", json={"url": receiver.url}, headers=focal
    )
    assert refused.status_code == 403
    assert (await rig.ledger.client.delete(path, headers=mine)).status_code == 200
    assert (await rig.ledger.client.get(path, headers=mine)).status_code == 404


async def test_private_targets_are_refused_in_production(
    rig: Rig,
    receiver: Receiver,
    run_app: Callable[[FastAPI], Awaitable[httpx.AsyncClient]],
) -> None:
    strict = CommonSettings(environment="test", webhook_private_targets=False)
    client = await run_app(create_app(Settings(database_url=rig.ledger.database_url, mirps=strict)))
    for url in (receiver.url, "http://10.1.2.3/x", "http://[::1]/x", "http://localhost/x"):
        response = await client.post(
            "/v1/webhook-subscriptions", json={"url": url}, headers=SECRETARIAT
        )
        assert response.status_code == 422, (url, response.text)
    ftp = await client.post(
        "/v1/webhook-subscriptions", json={"url": "ftp://example.org/x"}, headers=SECRETARIAT
    )
    assert ftp.status_code == 422
    # A subscription made where it was allowed is still not called by a strict dispatcher.
    subscription = await rig.subscribe(receiver.url)
    await rig.ledger.organisation()
    await rig.make(allow_private=False).run_once()
    assert receiver.received == []
    [entry] = await rig.log(subscription["id"])
    assert entry["last_error"].startswith("target not allowed")
    assert not CommonSettings(
        environment="production", jwt_jwks_url="https://idp.example/jwks"
    ).allows_private_webhook_targets


async def test_replicas_never_deliver_an_event_twice(
    backend: str, rig: Rig, receiver: Receiver
) -> None:
    if backend == "sqlite":
        pytest.skip("replicas are a PostgreSQL deployment; SQLite runs one worker")
    await rig.subscribe(receiver.url)
    for _ in range(3):
        await rig.subscribe(receiver.url, event_types=["org.mirps.organisation.created"])
    for _ in range(15):
        await rig.ledger.organisation()
    policy = DeliveryPolicy(timeout=2.0, batch=10)
    replicas = [rig.make(policy=policy) for _ in range(4)]
    await asyncio.gather(*(replica.fan_out() for replica in replicas))
    # All replicas claim at the same moment, again and again, until the queue is empty.
    while sum(await asyncio.gather(*(replica.deliver_due() for replica in replicas))):
        pass
    sent = [(headers["webhook-id"], body) for headers, body in receiver.received]
    assert len(sent) == 4 * 15
    per_event: dict[str, int] = {}
    for event_id, _ in sent:
        per_event[event_id] = per_event.get(event_id, 0) + 1
    assert set(per_event.values()) == {4}  # once per subscription, never more


async def test_the_worker_process_delivers_from_every_service(
    database_url_for: Callable[[str], Awaitable[str]],
    run_app: Callable[[FastAPI], Awaitable[httpx.AsyncClient]],
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for service in ("pledges", "practices", "events", "results"):
        monkeypatch.setenv(f"{service.upper()}_DATABASE_URL", await database_url_for(service))
    monkeypatch.setenv("MIRPS_ENVIRONMENT", "test")
    pledges = await run_app(
        create_app(
            Settings(database_url=os.environ["PLEDGES_DATABASE_URL"], mirps=TEST_COMMON_SETTINGS)
        )
    )
    response = await pledges.post(
        "/v1/webhook-subscriptions", json={"url": receiver.url}, headers=SECRETARIAT
    )
    assert response.status_code == 201, response.text
    # Reference tables are tested in tests/references; here nothing may call the default
    # service ports, where another process could be listening.
    worker = await run_app(
        create_worker(WorkerSettings(poll_interval_seconds=0.05, references_interval_seconds=0))
    )
    assert (await worker.get("/readyz")).status_code == 200
    await Ledger(client=pledges, database_url="").organisation()
    for _ in range(200):
        if receiver.received:
            break
        await asyncio.sleep(0.05)
    [request] = receiver.received
    assert verified(response.json()["secret"], request)["type"] == "org.mirps.organisation.created"
    assert (await worker.get("/healthz")).json() == {"status": "ok"}
