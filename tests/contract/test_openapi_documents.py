"""What a client generator reads in each service's OpenAPI document, and the requests that
hold the document to its word: unknown query parameters, JSON numbers for money, 405s."""

from __future__ import annotations

import importlib
import re
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.conftest import TEST_COMMON_SETTINGS, auth_headers

SERVICES = ("pledges", "practices", "events", "results")
SECRETARIAT = auth_headers("secretariat", sub="contract")
PROBLEM = {"schema": {"$ref": "#/components/schemas/Problem"}}


def make_app(name: str, database_url: str = "sqlite+aiosqlite:///:memory:") -> FastAPI:
    module = importlib.import_module(f"services.{name}.app")
    config = importlib.import_module(f"services.{name}.config")
    app: FastAPI = module.create_app(
        config.Settings(database_url=database_url, mirps=TEST_COMMON_SETTINGS)
    )
    return app


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, path_item in document["paths"].items()
        for method, operation in path_item.items()
    ]


@pytest.fixture(params=SERVICES, scope="module")
def document(request: pytest.FixtureRequest) -> dict[str, Any]:
    return make_app(request.param).openapi()


def test_each_model_has_one_schema_name(document: dict[str, Any]) -> None:
    split = [
        name for name in document["components"]["schemas"] if re.search(r"-(In|Out)put$", name)
    ]
    assert split == []


def test_operation_ids_are_unique_camel_case_names(document: dict[str, Any]) -> None:
    ids = Counter(operation["operationId"] for _, _, operation in operations(document))
    assert [name for name, count in ids.items() if count > 1] == []
    assert [name for name in ids if not re.fullmatch(r"[a-z][A-Za-z0-9]*", name)] == []


def test_every_error_is_a_problem_under_its_media_type(document: dict[str, Any]) -> None:
    wrong = [
        f"{method} {path} {status}"
        for path, method, operation in operations(document)
        for status, response in operation["responses"].items()
        if status[0] in "45" and response.get("content") != {"application/problem+json": PROBLEM}
    ]
    assert wrong == []
    assert "HTTPValidationError" not in document["components"]["schemas"]


def test_bodies_document_the_400_for_malformed_json(document: dict[str, Any]) -> None:
    missing = [
        f"{method} {path}"
        for path, method, operation in operations(document)
        if "requestBody" in operation and "400" not in operation["responses"]
    ]
    assert missing == []


def test_every_operation_says_whether_it_needs_a_token(document: dict[str, Any]) -> None:
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    unsaid = [f"{m} {p}" for p, m, operation in operations(document) if "security" not in operation]
    assert unsaid == []
    writes = [op for _, method, op in operations(document) if method in {"post", "patch", "put"}]
    assert writes
    assert all({"bearer": []} in op["security"] for op in writes)


def test_every_tag_is_declared_with_a_description(document: dict[str, Any]) -> None:
    declared = {tag["name"]: tag.get("description") for tag in document.get("tags", [])}
    used = {tag for _, _, operation in operations(document) for tag in operation.get("tags", [])}
    assert used - set(declared) == set()
    assert all(declared[tag] for tag in used)


def test_money_and_codes_are_declared_as_the_service_checks_them() -> None:
    schemas = make_app("pledges").openapi()["components"]["schemas"]
    amount, currency = (schemas["Money"]["properties"][k] for k in ("amount", "currency"))
    assert amount["type"] == "string"
    assert "pattern" in amount
    assert "EUR" in currency["enum"]
    assert "XYZ" not in currency["enum"]


RunApp = Callable[[FastAPI], Awaitable[httpx.AsyncClient]]


async def test_an_unknown_query_parameter_is_a_422_naming_it(
    database_url_for: Callable[[str], Awaitable[str]], run_app: RunApp
) -> None:
    client = await run_app(make_app("pledges", await database_url_for("pledges")))
    response = await client.get("/v1/pledges", params={"contributor_kind": "private_sector"})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [error["field"] for error in response.json()["errors"]] == ["query.contributor_kind"]
    assert (await client.get("/v1/pledges", params={"limit": 5})).status_code == 200


async def test_money_as_a_json_number_is_refused(
    database_url_for: Callable[[str], Awaitable[str]], run_app: RunApp
) -> None:
    client = await run_app(make_app("pledges", await database_url_for("pledges")))
    rate = {"currency": "EUR", "rate_to_usd": 1.08, "rate_date": "2023-01-02", "source": "ECB"}
    response = await client.post("/v1/exchange-rates", json=rate, headers=SECRETARIAT)
    assert response.status_code == 422, response.text
    assert "not as a JSON number" in response.json()["detail"]
    listed = await client.get("/v1/exchange-rates")
    assert listed.json()["items"] == []  # nothing was stored


async def test_a_405_allows_every_method_of_the_path(
    database_url_for: Callable[[str], Awaitable[str]], run_app: RunApp
) -> None:
    client = await run_app(make_app("pledges", await database_url_for("pledges")))
    response = await client.delete("/v1/pledges")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
    assert response.headers["content-type"] == "application/problem+json"


async def test_patching_an_ics_feed_is_a_405_not_a_422(
    database_url_for: Callable[[str], Awaitable[str]], run_app: RunApp
) -> None:
    client = await run_app(make_app("events", await database_url_for("events")))
    event_id = "3f6c1a52-8a43-4c8e-9b8e-0c9c2d7f5a11"
    response = await client.patch(f"/v1/events/{event_id}.ics", json={}, headers=SECRETARIAT)
    assert response.status_code == 405, response.text
    assert response.headers["allow"] == "GET"
    bad_id = await client.patch("/v1/events/not-an-id", json={}, headers=SECRETARIAT)
    assert bad_id.status_code == 422  # a malformed id on the event itself is still named


async def test_patching_an_ics_feed_is_a_405_whatever_its_query(
    database_url_for: Callable[[str], Awaitable[str]], run_app: RunApp
) -> None:
    client = await run_app(make_app("events", await database_url_for("events")))
    feed = "/v1/events/3f6c1a52-8a43-4c8e-9b8e-0c9c2d7f5a11.ics"
    response = await client.patch(feed, params={"lang": "en"}, json={}, headers=SECRETARIAT)
    assert response.status_code == 405, response.text
    assert response.headers["allow"] == "GET"


def test_updates_that_need_if_match_declare_it_required() -> None:
    document = make_app("pledges").openapi()
    for path in ("/v1/pledges/{pledge_id}", "/v1/objectives/{objective_id}"):
        (if_match,) = (
            parameter
            for parameter in document["paths"][path]["patch"]["parameters"]
            if parameter["name"] == "If-Match"
        )
        assert if_match["required"] is True, path


async def test_an_update_without_if_match_is_a_428(
    database_url_for: Callable[[str], Awaitable[str]], run_app: RunApp
) -> None:
    client = await run_app(make_app("pledges", await database_url_for("pledges")))
    organisation = "/v1/organisations/3f6c1a52-8a43-4c8e-9b8e-0c9c2d7f5a11"
    response = await client.patch(organisation, json={"acronym": "X"}, headers=SECRETARIAT)
    assert response.status_code == 428, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert "If-Match" in response.json()["detail"]


def test_rules_between_fields_are_in_the_schemas() -> None:
    schemas = make_app("pledges").openapi()["components"]["schemas"]
    objective = schemas["ObjectiveCreate"]
    assert objective["else"]["required"] == ["country"]  # a national objective's country
    line = schemas["AllocationLineIn"]["allOf"]
    assert {"anyOf", "oneOf"} == {key for rule in line for key in rule}
    assert schemas["ExchangeRateCreate"]["not"]["properties"]["currency"]["const"] == "USD"


async def test_creates_carry_location_and_etag_and_reads_revalidate(
    database_url_for: Callable[[str], Awaitable[str]], run_app: RunApp
) -> None:
    client = await run_app(make_app("pledges", await database_url_for("pledges")))
    body = {"name": "Fundación Contract", "kind": "civil_society"}
    created = await client.post("/v1/organisations", json=body, headers=SECRETARIAT)
    assert created.status_code == 201, created.text
    assert created.headers["location"] == f"/v1/organisations/{created.json()['id']}"
    read = await client.get(created.headers["location"])
    assert read.headers["etag"] == created.headers["etag"]
    again = await client.get(
        created.headers["location"], headers={"If-None-Match": read.headers["etag"]}
    )
    assert again.status_code == 304
    assert again.content == b""
    listed = await client.get("/v1/organisations")
    unchanged = await client.get(
        "/v1/organisations", headers={"If-None-Match": listed.headers["etag"]}
    )
    assert unchanged.status_code == 304
    await client.post("/v1/organisations", json={**body, "name": "Another"}, headers=SECRETARIAT)
    changed = await client.get(
        "/v1/organisations", headers={"If-None-Match": listed.headers["etag"]}
    )
    assert changed.status_code == 200


async def test_calendar_feeds_can_be_polled_cheaply(
    database_url_for: Callable[[str], Awaitable[str]], run_app: RunApp
) -> None:
    client = await run_app(make_app("events", await database_url_for("events")))
    feed = await client.get("/v1/calendar.ics")
    assert feed.status_code == 200
    assert feed.headers["cache-control"].startswith("public, max-age=")
    polled = await client.get("/v1/calendar.ics", headers={"If-None-Match": feed.headers["etag"]})
    assert polled.status_code == 304


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_the_docs_pages_work_offline(page: str) -> None:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=make_app("events")), base_url="http://test"
    ) as client:
        html = (await client.get(page)).text
        assets = re.findall(r'(?:src|href)="([^"]+)"', html)
        assert assets, html
        assert re.findall(r"https?://|//[a-z]", html) == []  # no external host at all
        for url in assets:
            response = await client.get(url)
            assert response.status_code == 200, url
            assert len(response.content) > 1000 or url.endswith(".png"), url


def test_old_parameter_names_are_declared_deprecated() -> None:
    deprecated = {
        (path, parameter["name"])
        for name in ("pledges", "events")
        for path, _, operation in operations(make_app(name).openapi())
        for parameter in operation.get("parameters", [])
        if parameter.get("deprecated")
    }
    assert deprecated == {
        ("/v1/reports/summary", "date_from"),
        ("/v1/reports/summary", "date_to"),
        ("/v1/schedule/conflicts", "countries"),
        ("/v1/schedule/conflicts", "kinds"),
    }


async def test_the_new_names_and_the_old_ones_answer_alike(
    database_url_for: Callable[[str], Awaitable[str]], run_app: RunApp
) -> None:
    client = await run_app(make_app("pledges", await database_url_for("pledges")))
    new = await client.get("/v1/reports/summary?group_by=year&from=2023-01-01&to=2023-12-31")
    old = await client.get(
        "/v1/reports/summary?group_by=year&date_from=2023-01-01&date_to=2023-12-31"
    )
    assert new.status_code == old.status_code == 200, new.text
    assert new.json() == old.json()
    bad = await client.get("/v1/reports/summary?group_by=year&from=0.5")
    assert bad.status_code == 422
