"""Every error is RFC 9457 problem+json, with the request id, and a 500 leaks nothing."""

from __future__ import annotations

import logging

import pytest

from tests.common.machinery_app import LEAKY_SECRET, machinery_app
from tests.conftest import auth_headers

PROBLEM = "application/problem+json"


@pytest.fixture
async def client(run_app):
    return await run_app(machinery_app())


async def test_unknown_route_is_404_problem(client) -> None:
    response = await client.get("/v1/nowhere")
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["status"] == 404
    assert "GET /v1/nowhere" in body["detail"]
    assert body["instance"] == "/v1/nowhere"


async def test_missing_token_is_401_with_challenge(client) -> None:
    response = await client.get("/v1/secretariat-only")
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_wrong_role_is_403(client) -> None:
    response = await client.get("/v1/secretariat-only", headers=auth_headers("member", org_id="o1"))
    assert response.status_code == 403
    assert response.headers["content-type"] == PROBLEM
    assert "secretariat" in response.json()["detail"]


async def test_right_role_passes(client) -> None:
    headers = auth_headers("secretariat", sub="alice")
    response = await client.get("/v1/secretariat-only", headers=headers)
    assert response.status_code == 200
    assert response.json() == {"sub": "alice"}


async def test_validation_lists_each_bad_field(client) -> None:
    body = {"country": "XXX", "budget": {"amount": "-5", "currency": "EUR"}, "title": {}}
    response = await client.post("/v1/things", json=body, headers=auth_headers("member"))
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    fields = {error["field"] for error in problem["errors"]}
    assert fields == {"body.country", "body.budget.amount", "body.title"}
    country_error = next(e for e in problem["errors"] if e["field"] == "body.country")
    assert "unknown country code 'XXX'" in country_error["message"]


async def test_money_must_be_a_known_currency_and_comes_back_as_string(client) -> None:
    body = {
        "country": "gtm",
        "budget": {"amount": "1250000.5", "currency": "EUR"},
        "title": {"es": "Hola"},
    }
    response = await client.post("/v1/things", json=body, headers=auth_headers("member"))
    assert response.status_code == 200
    assert response.json()["budget"] == {"amount": "1250000.5", "currency": "EUR"}
    assert response.json()["country"] == "GTM"
    body["budget"]["currency"] = "EUX"
    response = await client.post("/v1/things", json=body, headers=auth_headers("member"))
    assert response.status_code == 422
    assert "unknown currency code 'EUX'" in response.json()["detail"]


async def test_domain_error_carries_its_numbers(client) -> None:
    response = await client.get("/v1/conflict")
    assert response.status_code == 409
    problem = response.json()
    assert problem["type"] == "/problems/conflict"
    assert problem["committed"] == "100.00"
    assert problem["requested"] == "150.00"


async def test_unexpected_error_is_masked_500_and_logged_with_request_id(
    client, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="mirps.errors"):
        response = await client.get("/v1/boom", headers={"X-Request-ID": "trace-500"})
    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["x-request-id"] == "trace-500"
    assert LEAKY_SECRET not in response.text
    assert "Traceback" not in response.text
    assert response.json()["request_id"] == "trace-500"
    logged = [record for record in caplog.records if record.name == "mirps.errors"]
    assert logged
    assert logged[0].request_id == "trace-500"  # type: ignore[attr-defined]
    assert logged[0].exc_info is not None


async def test_request_id_is_echoed_or_generated(client) -> None:
    echoed = await client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert echoed.headers["x-request-id"] == "abc-123"
    generated = await client.get("/healthz")
    assert len(generated.headers["x-request-id"]) == 32
    hostile = await client.get("/healthz", headers={"X-Request-ID": "bad id\twith spaces"})
    assert hostile.headers["x-request-id"] != "bad id\twith spaces"


async def test_limit_above_maximum_is_422(client) -> None:
    assert (await client.get("/v1/page?limit=200")).json() == {"limit": 200}
    response = await client.get("/v1/page?limit=201")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "query.limit"
    assert (await client.get("/v1/page?limit=0")).status_code == 422


async def test_each_request_logs_one_access_line(client, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="mirps.access"):
        await client.get("/healthz", headers={"X-Request-ID": "line-1"})
    lines = [record for record in caplog.records if record.name == "mirps.access"]
    assert len(lines) == 1
    line = lines[0].__dict__
    assert (line["request_id"], line["method"], line["path"], line["status"]) == (
        "line-1",
        "GET",
        "/healthz",
        200,
    )
    assert line["duration_ms"] >= 0
