"""`mirps purge-idempotency` deletes expired Idempotency-Key records of every service."""

from __future__ import annotations

import asyncio
import importlib
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from services.cli import SERVICE_PORT_OFFSETS, app
from services.common.db import make_engine
from services.common.migrations import upgrade_to_head
from tests.conftest import Databases

runner = CliRunner()


def _table(service: str) -> sa.Table:
    table: sa.Table = importlib.import_module(
        f"services.{service}.models"
    ).IdempotencyRecord.__table__
    return table


async def _insert_keys(service: str, url: str) -> None:
    now = datetime.now(UTC)
    rows = [
        {
            "caller": "user-1",
            "key": f"{service}-{state}",
            "request_hash": "0" * 64,
            "status_code": 201,
            "response_body": "{}",
            "created_at": now - timedelta(days=2),
            "expires_at": now + offset,
        }
        for state, offset in (("expired", -timedelta(hours=1)), ("live", timedelta(hours=23)))
    ]
    engine = make_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(sa.insert(_table(service)), rows)
    finally:
        await engine.dispose()


async def _keys(service: str, url: str) -> list[str]:
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            result = await connection.execute(sa.select(_table(service).c.key))
            return sorted(result.scalars())
    finally:
        await engine.dispose()


def test_purge_idempotency_deletes_expired_keys_of_every_service(
    databases: Databases, monkeypatch: pytest.MonkeyPatch
) -> None:
    urls = {}
    for service in SERVICE_PORT_OFFSETS:
        urls[service] = databases.create(f"purge_{service}")
        upgrade_to_head(service, urls[service])
        asyncio.run(_insert_keys(service, urls[service]))
        monkeypatch.setenv(f"{service.upper()}_DATABASE_URL", urls[service])

    result = runner.invoke(app, ["purge-idempotency"])

    assert result.exit_code == 0, result.output
    for service in SERVICE_PORT_OFFSETS:
        assert f"{service}: 1 expired idempotency keys purged" in result.output
        assert asyncio.run(_keys(service, urls[service])) == [f"{service}-live"]


def test_purge_idempotency_of_one_service_and_an_unknown_one(
    databases: Databases, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = databases.create("purge_one")
    upgrade_to_head("events", url)
    asyncio.run(_insert_keys("events", url))
    monkeypatch.setenv("EVENTS_DATABASE_URL", url)

    result = runner.invoke(app, ["purge-idempotency", "events"])

    assert result.exit_code == 0, result.output
    assert result.output.strip() == "events: 1 expired idempotency keys purged"
    assert asyncio.run(_keys("events", url)) == ["events-live"]
    unknown = runner.invoke(app, ["purge-idempotency", "payroll"])
    assert unknown.exit_code == 1
    assert "unknown service" in unknown.output
