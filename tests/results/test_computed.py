"""Computed indicators measured over the other services' demo data, through their HTTP APIs.

The expected values are counted by hand from services/{pledges,practices,events}/demo.py:
- learning events held in 2023: the 9 May learning event (the September one is only
  scheduled; the July field visit is another kind) -> 1;
- private-sector commitments 2022/2023: AEE's employment and material pledges and the
  hotel network's apprenticeships, all announced 21 Sep 2022 -> 3 (RRPC is civil society);
- companies with employment pledges in two MIRPS countries: AEE's covers Mexico only -> 0;
- new partners 2022/2023: IDB, WB, CABEI, AEE, the hotel network and RRPC, first pledges
  on 21 Sep 2022 -> 6 (states and UN agencies are not counted);
- countries with a policy action from an event, 2023: Guatemala -> 1;
- resource commitments from events in 2023: the IDB's, Honduras -> 1 (the 2022 one is
  outside 2023);
- takeaways 2022/2023: the first quarterly meeting's -> 1;
- pledges at the 2023 GRF: none is announced there -> 0 of each;
- countries in the inventory (as of 30 June 2023): all seven;
- published practices: 12 of MIRPS countries (one submitted, one draft are not), 5 of SP
  members.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from services.cli import load_demo
from services.results import repository
from services.results.app import create_app, refresh_once
from services.results.demo import CODE
from tests.results.conftest import (
    SECRETARIAT,
    UPSTREAMS,
    DatabaseUrlFor,
    DownTransport,
    RunApp,
    results_settings,
    start_upstreams,
)

EXPECTED = {
    "learning-events": {"2023-H1": "1", "2023-H2": "1", "2023": "1"},
    "private-sector-commitments": {"2022-H1": "0", "2022-H2": "3", "2022/2023": "3"},
    "employment-companies": {"2022/2023": "0"},
    "new-partners": {"2022-H1": "0", "2022-H2": "6", "2023-H2": "6"},
    "policy-actions": {"2023": "1"},
    "resource-commitments": {"2023": "1"},
    "takeaways": {"2022-H1": "0", "2022/2023": "1"},
    "grf-policy-pledges": {"2023": "0"},
    "grf-funding-pledges": {"2023": "0"},
    "countries-with-inventory": {"2023": "7"},
    "practices-mirps": {"2022/2023": "12"},
    "practices-sp-members": {"2022/2023": "5"},
}


async def _results(
    run_app: RunApp, database_url_for: DatabaseUrlFor, transports: dict[str, Any], **settings: Any
) -> tuple[httpx.AsyncClient, FastAPI]:
    url = await database_url_for("results")
    await load_demo("results", url)
    app = create_app(results_settings(url, **settings), transports=transports)
    return await run_app(app), app


def _by_code(indicators: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {indicator["code"]: indicator for indicator in indicators}


def _values(indicator: dict[str, Any]) -> dict[str, str]:
    """The latest value per period."""
    values: dict[str, str] = {}
    for measurement in indicator["history"]:
        values[measurement["period"]] = measurement["value"]
    return values


async def _indicators(client: httpx.AsyncClient) -> dict[str, dict[str, Any]]:
    response = await client.get("/v1/indicators", params={"strategy": CODE})
    return _by_code(response.json()["items"])


@pytest.fixture
async def measured(run_app: RunApp, database_url_for: DatabaseUrlFor) -> httpx.AsyncClient:
    transports = await start_upstreams(run_app, database_url_for, demo=True)
    client, _ = await _results(run_app, database_url_for, dict(transports))
    response = await client.post("/v1/measure", headers=SECRETARIAT)
    assert response.status_code == 200, response.text
    assert response.json()["errors"] == {}
    return client


async def test_computed_indicators_match_the_hand_counted_demo_data(
    measured: httpx.AsyncClient,
) -> None:
    indicators = await _indicators(measured)

    for code, expected in EXPECTED.items():
        values = _values(indicators[code])
        assert {period: values.get(period) for period in expected} == expected, code


async def test_computed_values_are_disaggregated_as_the_indicator_says(
    measured: httpx.AsyncClient,
) -> None:
    indicators = await _indicators(measured)

    partners = indicators["new-partners"]["latest"]["breakdown"]
    commitments = indicators["private-sector-commitments"]["latest"]["breakdown"]

    assert partners == {
        "contributor_kind": {
            "civil_society": 1,
            "multilateral_development_bank": 3,
            "private_sector": 2,
        }
    }
    # AEE's two pledges go to Mexico, the hotel network's to Costa Rica.
    assert commitments == {"country": {"CRI": 1, "MEX": 2}}
    assert indicators["learning-events"]["latest"]["breakdown"] == {}


async def test_usd_figures_match_the_hand_converted_demo_ledger(
    measured: httpx.AsyncClient,
) -> None:
    indicators = await _indicators(measured)
    values = {code: _values(indicators[code]) for code in ("usd-pledged", "usd-committed",
                                                          "usd-disbursed")}  # fmt: skip

    # Pledged at the 2022-09-01 rates (EUR 1.00, CAD 0.75, CHF 1.03): USA 70 + Canada 30
    # + EU 25 + Spain 8 + France 5 + Switzerland 6.18 + IDB 30 + WB 20 + CABEI 10 + AEE 1.5
    # + RRPC 0.8 + hotels 3.52 = USD 210 million, the figure the strategy reports.
    assert values["usd-pledged"]["2022/2023"] == "210000000.00"
    # The ledger values every entry at its pledge's announcement rate (docs/services/pledges.md,
    # "Reports": converted to the pledge's currency at the value date, then valued as the
    # pledge is), so committed never exceeds pledged in USD when rates move.
    # Committed by June 2023: USA 50 + Canada CAD 20 x 0.75 = 15 + EU 12 + Spain 5
    # + France 2 + Switzerland CHF 3 x 1.03 = 3.09 + IDB 30 + WB 20 + RRPC 0.8; CABEI's 4
    # in July.
    assert values["usd-committed"]["2023-H1"] == "137890000.00"
    assert values["usd-committed"]["2022/2023"] == "141890000.00"
    # Disbursed by the end of 2023: USA 20 + Canada CAD 8 x 0.75 = 6 + EU 6 + Spain
    # GTQ 20 x 0.127 / 1.07 (EUR on 2023-06-15) = 2,373,831.78 + France MXN 20 x 0.058 / 1.09
    # = 1,064,220.18 + Switzerland CHF 1.5 x 1.03 = 1.545 + IDB 10 + WB 5 + RRPC 0.8
    # (Canada's 2024 disbursement is later).
    assert values["usd-disbursed"]["2022/2023"] == "52783051.96"
    latest = indicators["usd-committed"]["latest"]
    assert "GET pledges /v1/reports/summary" in latest["source_call"]
    assert "date_to=2023-12-31" in latest["source_call"]


async def test_measuring_again_the_same_data_gives_the_same_hash_and_no_new_value(
    measured: httpx.AsyncClient,
) -> None:
    before = await _indicators(measured)

    await measured.post("/v1/measure", headers=SECRETARIAT)
    after = await _indicators(measured)

    for code in EXPECTED:
        assert len(after[code]["history"]) == len(before[code]["history"]), code
        assert after[code]["latest"]["inputs_hash"] == before[code]["latest"]["inputs_hash"]
        assert after[code]["latest"]["computed_at"] == before[code]["latest"]["computed_at"]


async def test_a_value_names_the_records_it_counts(measured: httpx.AsyncClient) -> None:
    indicators = await _indicators(measured)

    refs = indicators["private-sector-commitments"]["latest"]["record_refs"]

    assert len(refs) == 3
    assert all(ref.startswith("pledges:pledge:") for ref in refs)


async def test_an_upstream_down_keeps_the_last_value_marked_stale(
    run_app: RunApp, database_url_for: DatabaseUrlFor
) -> None:
    transports: dict[str, Any] = dict(await start_upstreams(run_app, database_url_for, demo=True))
    client, app = await _results(run_app, database_url_for, transports)
    await client.post("/v1/measure", headers=SECRETARIAT)
    learning = (await _indicators(client))["learning-events"]
    app.state.upstream["events"]._transport = DownTransport()

    response = await client.post(f"/v1/indicators/{learning['id']}/measure", headers=SECRETARIAT)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["stale"] is True
    assert body["error"].startswith("events: ConnectError")
    latest = body["indicator"]["latest"]
    assert latest["value"] == "1"
    assert latest["stale"] is True
    assert latest["error"] == body["error"]
    progress = (await client.get("/v1/progress", params={"strategy": CODE})).json()
    assert progress["status"] in {"off_track", "at_risk", "on_track", "achieved"}


async def test_the_scheduled_refresh_marks_what_it_cannot_read_and_measures_the_rest(
    run_app: RunApp, database_url_for: DatabaseUrlFor
) -> None:
    transports: dict[str, Any] = dict(await start_upstreams(run_app, database_url_for, demo=True))
    transports["practices"] = DownTransport()
    client, app = await _results(run_app, database_url_for, transports)

    errors = await refresh_once(app.state.sessionmaker, app.state.upstream)

    assert set(errors) == {"countries-with-inventory", "practices-mirps", "practices-sp-members"}
    indicators = await _indicators(client)
    assert indicators["practices-mirps"]["latest"] is None
    assert _values(indicators["learning-events"])["2023"] == "1"


async def test_the_background_refresh_measures_without_being_asked(
    run_app: RunApp, database_url_for: DatabaseUrlFor
) -> None:
    transports = dict(await start_upstreams(run_app, database_url_for, demo=True))
    client, _ = await _results(run_app, database_url_for, transports, refresh_interval_seconds=3600)

    for _ in range(100):
        indicators = await _indicators(client)
        if indicators["learning-events"]["latest"] is not None:
            break
        await asyncio.sleep(0.05)

    assert indicators["learning-events"]["latest"]["value"] == "1"


def test_every_upstream_is_a_service_with_demo_data() -> None:
    assert UPSTREAMS == ("pledges", "practices", "events")


async def test_a_refresh_round_is_skipped_while_another_replica_holds_the_lock(
    run_app: RunApp, database_url_for: DatabaseUrlFor, backend: str
) -> None:
    if backend == "sqlite":
        pytest.skip("SQLite runs as one process; its write lock serialises the rounds")
    transports = dict(await start_upstreams(run_app, database_url_for, demo=True))
    client, app = await _results(run_app, database_url_for, transports)
    async with app.state.sessionmaker() as other_replica:
        assert await repository.try_refresh_lock(other_replica)

        skipped = await refresh_once(app.state.sessionmaker, app.state.upstream)

        assert skipped == {}
        assert (await _indicators(client))["learning-events"]["latest"] is None
    await refresh_once(app.state.sessionmaker, app.state.upstream)
    assert (await _indicators(client))["learning-events"]["latest"]["value"] == "1"


async def test_grf_pledges_and_employment_companies_count_what_the_rules_say(
    run_app: RunApp, database_url_for: DatabaseUrlFor
) -> None:
    """The demo has no GRF pledge and no company hiring in two countries: made here."""
    transports = await start_upstreams(run_app, database_url_for, demo=False)
    pledges, events = transports["pledges"].client, transports["events"].client

    async def created(client: httpx.AsyncClient, path: str, body: dict[str, Any]) -> Any:
        response = await client.post(path, json=body, headers=SECRETARIAT)
        assert response.status_code == 201, response.text
        return response.json()

    forum = await created(events, "/v1/events", {
        "kind": "global_refugee_forum", "title": {"en": "GRF 2023"},
        "starts_at": "2023-12-13T09:00:00", "ends_at": "2023-12-15T18:00:00",
        "timezone": "Europe/Zurich", "mode": "in_person", "location": {"country": "CHE"},
    })  # fmt: skip
    scheduled = await events.post(f"/v1/events/{forum['id']}/schedule", headers=SECRETARIAT)
    assert scheduled.status_code == 200, scheduled.text
    company = await created(pledges, "/v1/organisations", {"name": "Co", "kind": "private_sector"})
    state = await created(pledges, "/v1/organisations", {"name": "State", "kind": "state"})
    for contributor, kind, countries, at in [
        (state, "policy", ["GTM"], forum["id"]),
        (state, "financial", ["GTM"], forum["id"]),
        (state, "financial", ["HND"], None),  # not at the forum
        (company, "employment", ["MEX"], None),
        (company, "employment", ["GTM"], None),  # the company's second country
    ]:
        amount = {"amount": "1000", "currency": "USD"} if kind == "financial" else None
        await created(pledges, "/v1/pledges", {
            "contributor_id": contributor["id"], "kind": kind, "title": {"en": kind},
            "amount": amount, "recipient_countries": countries, "announced_on": "2023-12-14",
            "announced_at": at,
        })  # fmt: skip
    url = await database_url_for("results")
    await load_demo("results", url)
    client = await run_app(create_app(results_settings(url), transports=dict(transports)))
    await client.post("/v1/measure", headers=SECRETARIAT)

    indicators = await _indicators(client)

    assert _values(indicators["grf-policy-pledges"])["2023"] == "1"
    assert _values(indicators["grf-funding-pledges"])["2023"] == "1"
    assert _values(indicators["employment-companies"])["2023-H2"] == "1"
    assert _values(indicators["employment-companies"])["2023-H1"] == "0"
