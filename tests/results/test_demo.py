"""The demo data: the seed's framework, its indicators, milestones and governance."""

from __future__ import annotations

import httpx

from services.cli import load_demo
from services.results.app import create_app
from services.results.demo import CODE
from tests.results.conftest import SECRETARIAT, DatabaseUrlFor, RunApp, results_settings


async def test_the_demo_is_the_seeds_framework_loaded_once(
    run_app: RunApp, database_url_for: DatabaseUrlFor
) -> None:
    url = await database_url_for("results")
    assert await load_demo("results", url) == "demo data loaded"
    assert await load_demo("results", url) == "demo data already present"
    client: httpx.AsyncClient = await run_app(create_app(results_settings(url)))

    tree = (await client.get(f"/v1/strategies/{CODE}")).json()
    indicators = (await client.get("/v1/indicators", params={"strategy": CODE})).json()["items"]
    milestones = (await client.get(f"/v1/strategies/{CODE}/milestones")).json()["items"]
    roles = (await client.get("/v1/governance-roles")).json()["items"]

    activities = [a for o in tree["objectives"] for a in o["activities"]]
    outcomes = [o["code"] for a in activities for o in a["outcomes"]]
    assert [o["code"] for o in tree["objectives"]] == ["1", "2", "3"]
    assert [a["code"] for a in activities] == [
        "1.1", "1.2", "2.1", "3.1", "3.2", "3.3", "3.4", "3.5"
    ]  # fmt: skip
    assert len(outcomes) == 18
    assert all(o["title"]["es"] and o["title"]["en"] for a in activities for o in a["outcomes"])
    nap = [i for i in indicators if i["country"]]
    assert {i["country"] for i in nap} == {"GTM", "HND", "PAN"}
    assert all(i["illustrative"] and i["source"] == "reported" for i in nap)
    assert sum(i["source"] == "computed" for i in indicators) == 15
    assert {m["code"]: m["status"] for m in milestones}["next-chair-joins-troika"] == "late"
    secretariat = [r["holder"] for r in roles if r["role"] == "technical_secretariat"]
    assert sorted(secretariat) == ["OAS", "UNHCR"]


async def test_an_unvalidated_demo_value_is_not_public(
    run_app: RunApp, database_url_for: DatabaseUrlFor
) -> None:
    url = await database_url_for("results")
    await load_demo("results", url)
    client: httpx.AsyncClient = await run_app(create_app(results_settings(url)))
    params = {"country": "HND"}

    public = (await client.get("/v1/indicators", params=params)).json()["items"]
    internal = (await client.get("/v1/indicators", params=params, headers=SECRETARIAT)).json()

    assert [m["period"] for m in public[0]["history"]] == ["2023-H1"]
    assert [m["review_status"] for m in internal["items"][0]["history"]] == [
        "validated",
        "submitted",
    ]
