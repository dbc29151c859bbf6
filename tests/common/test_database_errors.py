"""How a service answers database failures: 503 with Retry-After, a refused value 422."""

from __future__ import annotations

import pytest
from fastapi import APIRouter, FastAPI
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from services.common.app import ServiceInfo, build_service_app
from services.common.settings import ServiceSettings
from tests.conftest import TEST_COMMON_SETTINGS


class DriverError(Exception):
    """What a driver raises: a message and a SQLSTATE."""

    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"driver error {sqlstate}")
        self.sqlstate = sqlstate


def _failure(kind: str) -> BaseException:
    if kind == "refused":
        return ConnectionRefusedError(111, "Connect call failed")
    if kind == "client-timeout":
        return TimeoutError()
    if kind == "pool":
        return PoolTimeout("QueuePool limit reached")
    if kind == "unique":
        return IntegrityError("INSERT", None, DriverError("23505"))
    return DBAPIError("SELECT", None, DriverError(kind))


def _app() -> FastAPI:
    router = APIRouter()

    @router.get("/fail/{kind}")
    async def fail(kind: str) -> None:
        """Raise the failure named `kind`."""
        raise _failure(kind)

    settings = ServiceSettings(
        database_url="sqlite+aiosqlite:///:memory:", mirps=TEST_COMMON_SETTINGS
    )
    info = ServiceInfo(name="db-errors", title="t", description="d")
    return build_service_app(info, settings, [router])


@pytest.fixture
async def client(run_app):
    return await run_app(_app())


@pytest.mark.parametrize(
    ("kind", "detail"),
    [
        ("refused", "the service cannot reach its database"),
        ("57P01", "the service cannot reach its database"),  # admin shutdown
        ("57P03", "the service cannot reach its database"),  # starting up / shutting down
        ("08006", "the service cannot reach its database"),  # connection failure
        ("53300", "the service cannot reach its database"),  # too many connections
        ("57014", "the database did not answer in time"),  # statement_timeout
        ("client-timeout", "the database did not answer in time"),
        ("pool", "the database did not answer in time"),
    ],
)
async def test_an_unavailable_database_is_a_503_with_retry_after(client, kind, detail) -> None:
    response = await client.get(f"/fail/{kind}")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == "5"
    assert response.json()["type"] == "/problems/database-unavailable"
    assert response.json()["detail"] == detail


@pytest.mark.parametrize("sqlstate", ["22021", "22P05", "22001"])
async def test_a_value_the_database_refuses_is_a_422(client, sqlstate) -> None:
    response = await client.get(f"/fail/{sqlstate}")
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


async def test_any_other_database_error_is_still_a_masked_500(client) -> None:
    response = await client.get("/fail/unique")
    assert response.status_code == 500
    assert "23505" not in response.text
