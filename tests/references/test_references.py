"""Checked cross-service references: each service reads its upstreams' change feeds into a
local table, refuses unknown ids (422 naming the field) and flags stale ones."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from gateway.app import create_app as create_gateway
from services.cli import load_demo
from services.common.references import sync
from services.events.references import references as event_references
from services.pledges.references import references as pledge_references
from services.practices.references import references as practice_references
from services.results.references import references as result_references
from tests.conftest import TEST_COMMON_SETTINGS, auth_headers
from tests.events.conftest import event_body
from tests.gateway.conftest import RecordingTransport, gateway_settings, make_service_app
from tests.practices.conftest import practice_body as base_practice_body
from tests.results.conftest import STRATEGY, build_framework, indicator_body

RunApp = Callable[[FastAPI], Awaitable[httpx.AsyncClient]]
SECRETARIAT = auth_headers("secretariat", sub="secretariat-1")
REFERENCES = {
    "events": event_references,
    "practices": practice_references,
    "pledges": pledge_references,
    "results": result_references,
}


class Platform:
    """The three services in-process; `sync(name)` reads its upstreams' feeds."""

    def __init__(self) -> None:
        self.apps: dict[str, FastAPI] = {}
        self.clients: dict[str, httpx.AsyncClient] = {}

    async def sync(self, service: str) -> dict[str, int]:
        references = REFERENCES[service]
        upstreams = {feed.upstream: self.clients[feed.upstream] for feed in references.feeds}
        return await sync(
            references, self.apps[service].state.sessionmaker, upstreams, TEST_COMMON_SETTINGS
        )

    async def post(self, service: str, path: str, body: dict[str, Any]) -> httpx.Response:
        return await self.clients[service].post(path, json=body, headers=SECRETARIAT)


@pytest.fixture
async def platform(database_url_for: Callable[[str], Awaitable[str]], run_app: RunApp) -> Platform:
    platform = Platform()
    for name in ("pledges", "practices", "events", "results"):
        app = make_service_app(name, await database_url_for(name))
        platform.clients[name] = await run_app(app)
        platform.apps[name] = app
    return platform


async def created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def organisation(platform: Platform) -> str:
    body = {"name": "Donor", "kind": "state"}
    return str((await created(await platform.post("pledges", "/v1/organisations", body)))["id"])


def pledge_body(contributor_id: str, **overrides: Any) -> dict[str, Any]:
    return {
        "contributor_id": contributor_id,
        "kind": "financial",
        "title": {"en": "Support"},
        "amount": {"amount": "1000", "currency": "USD"},
        "recipient_countries": ["GTM"],
        "announced_on": "2022-09-28",
        **overrides,
    }


def practice_body(organisation_id: str) -> dict[str, Any]:
    return base_practice_body(
        implementing_organisations=[{"id": organisation_id, "name": "Ministerio"}]
    )


def assert_unknown(response: httpx.Response, field: str, ref_id: str) -> None:
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["errors"][0]["field"] == f"body.{field}"
    assert ref_id in problem["errors"][0]["message"]
    assert ref_id in problem["detail"]


async def test_unknown_ids_are_422_in_every_service_once_its_upstreams_were_read(
    platform: Platform,
) -> None:
    org_id = await organisation(platform)
    event = await created(await platform.post("events", "/v1/events", event_body(hosts=[org_id])))
    for service in REFERENCES:
        await platform.sync(service)

    hosted = await platform.post("events", "/v1/events", event_body(hosts=[org_id, "org-usa"]))
    assert_unknown(hosted, "hosts[1]", "org-usa")
    featured = event_body(hosts=[org_id], featured_practice_ids=["no-such-practice"])
    assert_unknown(
        await platform.post("events", "/v1/events", featured),
        "featured_practice_ids[0]",
        "no-such-practice",
    )
    practice = practice_body("no-such-org")
    assert_unknown(
        await platform.post("practices", "/v1/practices", practice),
        "implementing_organisations[0].id",
        "no-such-org",
    )
    pledge = pledge_body(org_id, announced_at="no-such-event")
    assert_unknown(
        await platform.post("pledges", "/v1/pledges", pledge), "announced_at", "no-such-event"
    )

    # Known ids pass, whatever their case.
    await created(await platform.post("events", "/v1/events", event_body(hosts=[org_id.upper()])))
    await created(await platform.post("practices", "/v1/practices", practice_body(org_id)))
    announced = pledge_body(org_id, announced_at=event["id"])
    assert (await created(await platform.post("pledges", "/v1/pledges", announced)))[
        "stale_references"
    ] == []


async def test_before_the_first_read_of_an_upstream_ids_are_not_checked(
    platform: Platform,
) -> None:
    response = await platform.post("events", "/v1/events", event_body(hosts=["org-usa"]))

    assert response.status_code == 201, response.text
    assert response.json()["stale_references"] == []


async def test_a_withdrawn_pledge_is_flagged_on_the_outcome_once_the_feed_is_read(
    platform: Platform,
) -> None:
    org_id = await organisation(platform)
    pledge = await created(await platform.post("pledges", "/v1/pledges", pledge_body(org_id)))
    event = await created(await platform.post("events", "/v1/events", event_body(hosts=[org_id])))
    for step in ("schedule", "hold"):
        moved = await platform.post("events", f"/v1/events/{event['id']}/{step}", {})
        assert moved.status_code == 200, moved.text
    await platform.sync("events")
    outcome_body = {
        "kind": "resource_commitment",
        "description": {"en": "Funds the programme."},
        "status": "planned",
        "organisation_id": org_id,
        "pledge_id": pledge["id"],
    }
    outcome = await created(
        await platform.post("events", f"/v1/events/{event['id']}/outcomes", outcome_body)
    )
    assert outcome["stale_references"] == []

    withdrawn = await platform.clients["pledges"].post(
        f"/v1/pledges/{pledge['id']}/withdrawal",
        json={"reason": "Budget cut."},
        headers={**SECRETARIAT, "If-Match": f'"{pledge["version"]}"'},
    )
    assert withdrawn.status_code == 200, withdrawn.text
    before = await platform.clients["events"].get(f"/v1/outcomes/{outcome['id']}")
    assert before.json()["stale_references"] == []  # not read yet: nothing known downstream

    assert (await platform.sync("events"))["pledges"] >= 1
    after = await platform.clients["events"].get(f"/v1/outcomes/{outcome['id']}")

    assert after.json()["stale_references"] == [
        {"field": "pledge_id", "id": pledge["id"], "state": "withdrawn"}
    ]
    assert (await platform.sync("events")) == {"pledges": 0, "practices": 0}  # resumes after


async def test_a_cancelled_event_is_flagged_on_the_pledges_announced_at_it(
    platform: Platform,
) -> None:
    org_id = await organisation(platform)
    event = await created(await platform.post("events", "/v1/events", event_body(hosts=[org_id])))
    pledge = await created(
        await platform.post("pledges", "/v1/pledges", pledge_body(org_id, announced_at=event["id"]))
    )
    cancelled = await platform.post(
        "events", f"/v1/events/{event['id']}/cancel", {"reason": "Postponed sine die."}
    )
    assert cancelled.status_code == 200, cancelled.text

    await platform.sync("pledges")
    listed = await platform.clients["pledges"].get("/v1/pledges", headers=SECRETARIAT)

    [item] = [p for p in listed.json()["items"] if p["id"] == pledge["id"]]
    assert item["stale_references"] == [
        {"field": "announced_at", "id": event["id"], "state": "cancelled"}
    ]


async def test_the_demo_data_names_only_records_its_upstreams_have(
    platform: Platform, database_url_for: Callable[[str], Awaitable[str]]
) -> None:
    for name in REFERENCES:
        await load_demo(name, await database_url_for(name))
    for name in REFERENCES:
        assert sum((await platform.sync(name)).values()) > 0

    lists = {
        "events": "/v1/events?limit=200",
        "practices": "/v1/practices?limit=100",
        "pledges": "/v1/pledges?limit=200",
    }
    for name, path in lists.items():
        page = (await platform.clients[name].get(path, headers=SECRETARIAT)).json()
        assert page["items"], name
        flagged = {item["id"]: item["stale_references"] for item in page["items"]}
        assert {k: v for k, v in flagged.items() if v} == {}, name


async def test_an_indicator_tracks_only_an_objective_the_pledges_service_has(
    platform: Platform,
) -> None:
    objective = {
        "country": "GTM",
        "pillar": "durable_solutions",
        "theme": "employment_livelihoods",
        "title": {"en": "Jobs"},
        "requirement": {"amount": "1000000", "currency": "USD"},
        "start_year": 2023,
        "end_year": 2025,
    }
    known = await created(await platform.post("pledges", "/v1/objectives", objective))
    await build_framework(platform.clients["results"])
    await platform.sync("results")
    path = f"/v1/strategies/{STRATEGY}/indicators"

    unknown = await platform.post("results", path, indicator_body(objective_id="obj-gtm-9"))
    assert_unknown(unknown, "objective_id", "obj-gtm-9")
    body = indicator_body(objective_id=known["id"])
    assert (await created(await platform.post("results", path, body)))["stale_references"] == []


async def test_the_graph_shows_a_pledges_reference_to_a_cancelled_event(
    platform: Platform, run_app: RunApp
) -> None:
    org_id = await organisation(platform)
    event = await created(await platform.post("events", "/v1/events", event_body(hosts=[org_id])))
    announced = pledge_body(org_id, announced_at=event["id"])
    pledge = await created(await platform.post("pledges", "/v1/pledges", announced))
    cancel = {"reason": "Postponed sine die."}
    assert (await platform.post("events", f"/v1/events/{event['id']}/cancel", cancel)).is_success
    await platform.sync("pledges")
    transports = {name: RecordingTransport(client) for name, client in platform.clients.items()}
    gateway = await run_app(create_gateway(gateway_settings(), transports=transports))

    response = await gateway.post(
        "/graphql",
        json={
            "query": "query($id: ID!) { pledge(id: $id) { "
            "staleReferences { field restId state } } }",
            "variables": {"id": pledge["id"]},
        },
        headers=SECRETARIAT,
    )

    assert response.json()["data"]["pledge"]["staleReferences"] == [
        {"field": "announced_at", "restId": event["id"], "state": "cancelled"}
    ]
