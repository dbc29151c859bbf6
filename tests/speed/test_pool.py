"""The pool pings only a connection that sat idle, and replaces one the server dropped."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy import text

from services.common.db import make_engine
from services.pledges.config import Settings
from tests.conftest import TEST_COMMON_SETTINGS
from tests.statements import count_statements

UrlFor = Callable[[str], Awaitable[str]]


def settings(url: str, ping_after_idle: float) -> Settings:
    return Settings(
        database_url=url, mirps=TEST_COMMON_SETTINGS, db_ping_after_idle=ping_after_idle
    )


async def postgres_url(database_url_for: UrlFor) -> str:
    url = await database_url_for("pledges")
    if not url.startswith("postgresql"):
        pytest.skip("the pool is PostgreSQL's")
    return url


async def test_a_connection_dropped_while_idle_is_replaced_before_use(
    database_url_for: UrlFor,
) -> None:
    url = await postgres_url(database_url_for)
    engine = make_engine(url, settings(url, 0.0))
    try:
        async with engine.connect() as connection, engine.connect() as killer:
            backend = await connection.scalar(text("SELECT pg_backend_pid()"))
            await connection.close()  # back to the pool, idle
            await killer.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
        with count_statements(engine) as seen:
            async with engine.connect() as connection:
                fresh = await connection.scalar(text("SELECT pg_backend_pid()"))
        assert fresh != backend
        assert seen.pings >= 1
    finally:
        await engine.dispose()


async def test_a_connection_in_steady_use_is_not_pinged(database_url_for: UrlFor) -> None:
    url = await postgres_url(database_url_for)
    engine = make_engine(url, settings(url, 60.0))
    try:
        with count_statements(engine) as seen:
            for _ in range(3):
                async with engine.connect() as connection:
                    assert await connection.scalar(text("SELECT 1")) == 1
        assert seen.pings == 0
        assert len(seen.sql) == 3
    finally:
        await engine.dispose()
