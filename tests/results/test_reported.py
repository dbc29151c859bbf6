"""Reported values: evidence, review (submitted -> validated), history, and who may report."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.results.conftest import (
    GTM_FOCAL_POINT,
    HND_FOCAL_POINT,
    MEMBER,
    SECRETARIAT,
    build_framework,
    create_indicator,
    post,
)

VALUE = {"value": "40", "period": "2023-H1", "evidence_url": "https://example.org/report.pdf"}


async def _setup(client: httpx.AsyncClient) -> dict[str, Any]:
    await build_framework(client)
    return await create_indicator(client)


def _path(indicator: dict[str, Any]) -> str:
    return f"/v1/indicators/{indicator['id']}/measurements"


@pytest.mark.parametrize(
    ("headers", "status"),
    [({}, 401), (MEMBER, 403), (HND_FOCAL_POINT, 403), (GTM_FOCAL_POINT, 201), (SECRETARIAT, 201)],
)
async def test_a_nap_indicator_is_reported_by_its_country_or_the_secretariat(
    client: httpx.AsyncClient, headers: dict[str, str], status: int
) -> None:
    indicator = await _setup(client)

    response = await client.post(_path(indicator), json=VALUE, headers=headers)

    assert response.status_code == status, response.text
    if status == 403 and headers is HND_FOCAL_POINT:
        assert response.json()["field"] == "country"
    read = (await client.get(f"/v1/indicators/{indicator['id']}", headers=SECRETARIAT)).json()
    assert len(read["history"]) == (1 if status == 201 else 0)


async def test_a_focal_point_cannot_report_a_regional_indicator(
    client: httpx.AsyncClient,
) -> None:
    await build_framework(client)
    regional = await create_indicator(client, code="regional", country=None)

    response = await client.post(_path(regional), json=VALUE, headers=GTM_FOCAL_POINT)

    assert response.status_code == 403
    assert response.json()["field"] == "country"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**VALUE, "evidence_url": "ftp://example.org/report.pdf"}, "body.evidence_url"),
        ({**VALUE, "evidence_url": "javascript:alert(1)"}, "body.evidence_url"),
        ({"value": "40", "period": "2023-H1"}, "body"),
        ({**VALUE, "period": "2024-H1"}, "period"),
        ({**VALUE, "value": "NaN"}, "body.value"),
    ],
)
async def test_bad_reported_values_are_refused_naming_the_field(
    client: httpx.AsyncClient, body: dict[str, Any], field: str
) -> None:
    indicator = await _setup(client)

    problem = await post(client, _path(indicator), body, headers=GTM_FOCAL_POINT, expect=422)

    assert field in {error["field"] for error in problem["errors"]}
    read = (await client.get(f"/v1/indicators/{indicator['id']}", headers=SECRETARIAT)).json()
    assert read["history"] == []


async def test_a_value_is_public_and_counts_only_once_validated(client: httpx.AsyncClient) -> None:
    indicator = await _setup(client)
    reported = await post(client, _path(indicator), VALUE, headers=GTM_FOCAL_POINT)
    assert reported["review_status"] == "submitted"
    url = f"/v1/indicators/{indicator['id']}"

    anonymous = (await client.get(url)).json()
    own_country = (await client.get(url, headers=GTM_FOCAL_POINT)).json()
    assert anonymous["history"] == []
    assert anonymous["latest"] is None
    assert len(own_country["history"]) == 1

    validation = f"{_path(indicator)}/{reported['id']}/validation"
    assert (await client.post(validation, headers=GTM_FOCAL_POINT)).status_code == 403
    validated = await post(client, validation, {}, expect=200)
    assert validated["review_status"] == "validated"
    assert validated["reviewed_by"] == "secretariat-1"
    assert (await client.post(validation, headers=SECRETARIAT)).status_code == 409
    anonymous = (await client.get(url)).json()
    assert anonymous["latest"]["value"] == "40"


async def test_a_later_value_keeps_the_earlier_in_history(client: httpx.AsyncClient) -> None:
    indicator = await _setup(client)
    first = await post(client, _path(indicator), VALUE)
    second = await post(client, _path(indicator), {**VALUE, "value": "45"})
    for reported in (first, second):
        await post(client, f"{_path(indicator)}/{reported['id']}/validation", {}, expect=200)

    read = (await client.get(f"/v1/indicators/{indicator['id']}")).json()

    assert [m["value"] for m in read["history"]] == ["40", "45"]
    assert read["latest"]["value"] == "45"


async def test_a_computed_indicator_is_not_reported(client: httpx.AsyncClient) -> None:
    await build_framework(client)
    computed = await create_indicator(
        client, code="events", source="computed", query="learning_events_held", country=None
    )

    problem = await post(client, _path(computed), VALUE, expect=422)

    assert problem["errors"][0]["field"] == "indicator"


async def test_a_retried_report_with_the_same_key_is_recorded_once(
    client: httpx.AsyncClient,
) -> None:
    indicator = await _setup(client)
    headers = {**GTM_FOCAL_POINT, "Idempotency-Key": "report-2023-h1"}

    first = await client.post(_path(indicator), json=VALUE, headers=headers)
    again = await client.post(_path(indicator), json=VALUE, headers=headers)

    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    read = (await client.get(f"/v1/indicators/{indicator['id']}", headers=SECRETARIAT)).json()
    assert len(read["history"]) == 1
