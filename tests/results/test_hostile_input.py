"""Hostile input to the results API: control characters and junk are a 422 naming the field
(never a 500 on PostgreSQL, never stored on SQLite), and change nothing."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.results.conftest import (
    GTM_FOCAL_POINT,
    SECRETARIAT,
    STRATEGY,
    build_framework,
    create_indicator,
    indicator_body,
)

NUL = "a\x00b"
NUL_IN_URL = "a%00b"


def _assert_422_naming(response: httpx.Response, field: str) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    fields = [error["field"] for error in response.json().get("errors", [])]
    assert any(name.startswith(field) for name in fields), (field, response.text)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"chair": NUL}, "body.chair"),
        ({"chair": "Chair\nX-Injected: 1"}, "body.chair"),
        ({"title": {"es": NUL}}, "body.title.es"),
    ],
)
async def test_control_characters_in_a_strategy_are_a_422(
    client: httpx.AsyncClient, fields: dict[str, Any], field: str
) -> None:
    body = {
        "code": "sp-hostile",
        "title": {"en": "Strategy"},
        "starts_on": "2023-01-01",
        "ends_on": "2023-12-31",
        **fields,
    }
    response = await client.post("/v1/strategies", json=body, headers=SECRETARIAT)
    _assert_422_naming(response, field)
    listed = (await client.get("/v1/strategies")).json()["items"]
    assert [s["code"] for s in listed if s["code"] == "sp-hostile"] == []


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"responsible_organisations": ["UNHCR", NUL]}, "body.responsible_organisations"),
        ({"responsible_organisations": ["OAS\r\n"]}, "body.responsible_organisations"),
        ({"query": NUL}, "body.query"),
        ({"objective_id": "obj\x00"}, "body.objective_id"),
        ({"period": "2023\n"}, "body.period"),
        ({"period": "٢٠٢٣"}, "body.period"),  # Arabic-Indic digits are not a year here
        ({"name": {"en": "\x07bell"}}, "body.name.en"),
    ],
)
async def test_control_characters_in_an_indicator_are_a_422(
    client: httpx.AsyncClient, fields: dict[str, Any], field: str
) -> None:
    await build_framework(client)
    response = await client.post(
        f"/v1/strategies/{STRATEGY}/indicators",
        json=indicator_body(**fields),
        headers=SECRETARIAT,
    )
    _assert_422_naming(response, field)
    listed = await client.get("/v1/indicators", params={"strategy": STRATEGY})
    assert listed.json()["items"] == []


async def test_control_characters_in_an_indicator_update_are_a_422(
    client: httpx.AsyncClient,
) -> None:
    await build_framework(client)
    indicator = await create_indicator(client, responsible_organisations=["UNHCR"])
    url = f"/v1/indicators/{indicator['id']}"
    response = await client.patch(
        url,
        json={"responsible_organisations": [NUL]},
        headers={**SECRETARIAT, "If-Match": f'"{indicator["version"]}"'},
    )
    _assert_422_naming(response, "body.responsible_organisations")
    assert (await client.get(url)).json()["responsible_organisations"] == ["UNHCR"]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"evidence_url": "https://x.example.org/\x00"}, "body.evidence_url"),
        ({"evidence_url": "https://x.example.org/\r\nX:1"}, "body.evidence_url"),
        ({"evidence_url": "javascript:alert(1)"}, "body.evidence_url"),
        ({"evidence_url": None, "evidence_reference": NUL}, "body.evidence_reference"),
        ({"evidence_url": None, "evidence_reference": "note\n2"}, "body.evidence_reference"),
    ],
)
async def test_hostile_evidence_is_a_422_and_records_nothing(
    client: httpx.AsyncClient, fields: dict[str, Any], field: str
) -> None:
    await build_framework(client)
    indicator = await create_indicator(client)
    body = {"value": "40", "period": "2023-H1", "evidence_url": "https://example.org/r.pdf"}
    response = await client.post(
        f"/v1/indicators/{indicator['id']}/measurements",
        json={**body, **fields},
        headers=GTM_FOCAL_POINT,
    )
    _assert_422_naming(response, field)
    read = await client.get(f"/v1/indicators/{indicator['id']}", headers=SECRETARIAT)
    assert read.json()["history"] == []


async def test_control_characters_in_a_governance_role_are_a_422(
    client: httpx.AsyncClient,
) -> None:
    body = {"role": "chair", "holder": "Costa Rica\x00", "starts_on": "2023-01-01"}
    response = await client.post("/v1/governance-roles", json=body, headers=SECRETARIAT)
    _assert_422_naming(response, "body.holder")
    assert (await client.get("/v1/governance-roles")).json()["items"] == []


@pytest.mark.parametrize(
    ("method", "url", "field"),
    [
        ("GET", f"/v1/strategies/{NUL_IN_URL}", "path.code"),
        ("GET", f"/v1/strategies/{NUL_IN_URL}/milestones", "path.code"),
        ("PATCH", f"/v1/strategies/{STRATEGY}/milestones/{NUL_IN_URL}", "path.milestone_code"),
        ("GET", f"/v1/progress?strategy={NUL_IN_URL}", "query.strategy"),
        ("GET", f"/v1/indicators?strategy={NUL_IN_URL}", "query.strategy"),
        ("GET", f"/v1/indicators?objective_id={NUL_IN_URL}", "query.objective_id"),
        ("GET", "/v1/progress/snapshots/٢٠٢٣-H1", "path.period"),
    ],
)
async def test_control_characters_in_paths_and_queries_are_a_422(
    client: httpx.AsyncClient, method: str, url: str, field: str
) -> None:
    await build_framework(client)
    body = {"done_on": None} if method == "PATCH" else None
    response = await client.request(method, url, json=body, headers=SECRETARIAT)
    _assert_422_naming(response, field)


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_a_half_year_outside_the_calendar_is_a_422_not_a_500(
    client: httpx.AsyncClient, method: str
) -> None:
    await build_framework(client)
    response = await client.request(
        method,
        "/v1/progress/snapshots/0000-H1",
        params={"strategy": STRATEGY},
        headers=SECRETARIAT,
    )
    _assert_422_naming(response, "path.period")
    assert "2200" in response.text  # the pattern names the years it allows


async def test_a_period_outside_the_calendar_is_a_422(client: httpx.AsyncClient) -> None:
    await build_framework(client)
    response = await client.post(
        f"/v1/strategies/{STRATEGY}/indicators",
        json=indicator_body(period="0000/2023"),
        headers=SECRETARIAT,
    )
    _assert_422_naming(response, "body.period")
