"""The framework and indicators over REST: shapes, bad input, who may write."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.results.conftest import (
    GTM_FOCAL_POINT,
    MEMBER,
    SECRETARIAT,
    STRATEGY,
    build_framework,
    create_indicator,
    indicator_body,
    post,
)


def _bad_fields(problem: dict[str, Any]) -> set[str]:
    return {error["field"] for error in problem.get("errors") or []}


async def test_the_framework_reads_as_one_tree_for_anyone(client: httpx.AsyncClient) -> None:
    await build_framework(client)
    await create_indicator(client)

    response = await client.get(f"/v1/strategies/{STRATEGY}")

    assert response.status_code == 200
    tree = response.json()
    assert tree["status"] == "not_started"
    [objective] = tree["objectives"]
    [activity] = objective["activities"]
    assert [o["code"] for o in activity["outcomes"]] == ["1.1.1", "1.1.2"]
    [indicator] = activity["outcomes"][0]["indicators"]
    assert indicator["target"] == "100"
    assert indicator["latest"] is None
    assert indicator["history"] == []


async def test_an_activity_under_an_outcome_is_refused_naming_parent_code(
    client: httpx.AsyncClient,
) -> None:
    await build_framework(client)
    body = {"level": "activity", "code": "1.2", "parent_code": "1.1.1", "title": {"en": "x"}}

    problem = await post(client, f"/v1/strategies/{STRATEGY}/elements", body, expect=422)

    assert _bad_fields(problem) == {"parent_code"}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"unit": "furlongs"}, "body.unit"),
        ({"direction": "sideways"}, "body.direction"),
        ({"period": None}, "body"),
        ({"period": "2023-Q3"}, "body.period"),
        ({"outcome_code": "1.1"}, "outcome_code"),
        ({"source": "computed", "query": "no_such_query", "country": None}, "query"),
        ({"source": "computed", "query": "usd_pledged", "country": None}, "unit"),
    ],
)
async def test_bad_indicators_are_refused_naming_the_field(
    client: httpx.AsyncClient, overrides: dict[str, Any], field: str
) -> None:
    await build_framework(client)

    problem = await post(
        client, f"/v1/strategies/{STRATEGY}/indicators", indicator_body(**overrides), expect=422
    )

    assert field in _bad_fields(problem), problem
    listed = await client.get("/v1/indicators", params={"strategy": STRATEGY})
    assert listed.json()["items"] == []


async def test_a_target_without_a_period_says_so(client: httpx.AsyncClient) -> None:
    await build_framework(client)

    problem = await post(
        client, f"/v1/strategies/{STRATEGY}/indicators", indicator_body(period=None), expect=422
    )

    assert "a target needs a period" in problem["detail"]


@pytest.mark.parametrize(
    ("headers", "status"),
    [({}, 401), (MEMBER, 403), (GTM_FOCAL_POINT, 403), (SECRETARIAT, 201)],
)
async def test_only_the_secretariat_writes_the_framework(
    client: httpx.AsyncClient, headers: dict[str, str], status: int
) -> None:
    await build_framework(client)
    writes = [
        ("/v1/strategies", {"code": "sp-next", "title": {"en": "Next"}, "starts_on": "2024-01-01",
                            "ends_on": "2024-12-31"}),
        (f"/v1/strategies/{STRATEGY}/elements",
         {"level": "objective", "code": "2", "title": {"en": "Two"}}),
        (f"/v1/strategies/{STRATEGY}/indicators", indicator_body(code="other")),
        (f"/v1/strategies/{STRATEGY}/milestones",
         {"code": "m1", "title": {"en": "M"}, "due_on": "2023-03-31"}),
        ("/v1/governance-roles", {"role": "chair", "holder": "X", "starts_on": "2023-01-01"}),
    ]  # fmt: skip
    for path, body in writes:
        response = await client.post(path, json=body, headers=headers)
        assert response.status_code == status, (path, response.text)
    tree = (await client.get(f"/v1/strategies/{STRATEGY}")).json()
    assert len(tree["objectives"]) == (2 if status == 201 else 1)


async def test_milestones_are_planned_done_or_late(client: httpx.AsyncClient) -> None:
    await build_framework(client)
    path = f"/v1/strategies/{STRATEGY}/milestones"
    await post(client, path, {"code": "late", "title": {"en": "L"}, "due_on": "2023-03-31",
                              "outcome_codes": ["1.1.2"]})  # fmt: skip
    await post(client, path, {"code": "future", "title": {"en": "F"}, "due_on": "2199-01-01"})
    await post(client, path, {"code": "bad", "title": {"en": "B"}, "due_on": "2023-01-01",
                              "outcome_codes": ["1"]}, expect=422)  # fmt: skip

    done = await client.patch(f"{path}/late", json={"done_on": "2023-04-02"}, headers=SECRETARIAT)

    assert done.json()["status"] == "done"
    statuses = {m["code"]: m["status"] for m in (await client.get(path)).json()["items"]}
    assert statuses == {"late": "done", "future": "planned"}
    await client.patch(f"{path}/late", json={"done_on": None}, headers=SECRETARIAT)
    statuses = {m["code"]: m["status"] for m in (await client.get(path)).json()["items"]}
    assert statuses["late"] == "late"


async def test_governance_roles_are_dated_terms(client: httpx.AsyncClient) -> None:
    for holder in ("UNHCR", "OAS"):
        await post(
            client,
            "/v1/governance-roles",
            {"role": "technical_secretariat", "holder": holder, "starts_on": "2019-12-17"},
        )
    await post(
        client,
        "/v1/governance-roles",
        {"role": "chair", "holder": "X", "starts_on": "2023-01-02", "ends_on": "2023-01-01"},
        expect=422,
    )

    roles = (await client.get("/v1/governance-roles")).json()["items"]

    assert sorted(r["holder"] for r in roles) == ["OAS", "UNHCR"]


async def test_named_queries_state_their_rules(client: httpx.AsyncClient) -> None:
    queries = (await client.get("/v1/queries")).json()["items"]

    names = {q["name"] for q in queries}
    assert {"private_sector_commitments", "learning_events_held", "grf_policy_pledges"} <= names
    assert all(q["rule"] for q in queries)


async def test_the_secretariat_updates_an_indicator_with_if_match(
    client: httpx.AsyncClient,
) -> None:
    await build_framework(client)
    indicator = await create_indicator(client)
    url = f"/v1/indicators/{indicator['id']}"
    read = await client.get(url)
    etag = read.headers["ETag"]

    missing = await client.patch(url, json={"target": "50"}, headers=SECRETARIAT)
    member = await client.patch(url, json={"target": "50"}, headers={**MEMBER, "If-Match": etag})
    updated = await client.patch(
        url, json={"target": "50"}, headers={**SECRETARIAT, "If-Match": etag}
    )
    stale = await client.patch(
        url, json={"target": "60"}, headers={**SECRETARIAT, "If-Match": etag}
    )

    assert missing.status_code == 428
    assert member.status_code == 403
    assert updated.status_code == 200, updated.text
    assert updated.json()["target"] == "50"
    assert updated.headers["ETag"] != etag
    assert stale.status_code == 412
    assert (await client.get(url)).json()["target"] == "50"
