"""Shared fixtures: every database test runs on SQLite and on PostgreSQL.

PostgreSQL tests read MIRPS_TEST_POSTGRES_URL (an async URL to an existing database, used
only to create and drop throw-away databases). Without it they are skipped with a reason,
except when CI=true, where a missing PostgreSQL fails the run.

Each service gets one migrated database per backend per test session (real Alembic
migrations, never create_all); every test starts from empty tables.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import importlib
import os
import threading
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy import MetaData, text
from sqlalchemy.engine import make_url

from services.common.auth import mint_token
from services.common.db import make_engine
from services.common.migrations import upgrade_to_head
from services.common.settings import CommonSettings

POSTGRES_URL = os.environ.get("MIRPS_TEST_POSTGRES_URL")
BACKENDS = ("sqlite", "postgresql")
TEST_COMMON_SETTINGS = CommonSettings(environment="test")
TEST_TOKEN_MINUTES = 24 * 60

# The suite runs many services at once on a small, shared machine, where a healthy
# PostgreSQL can take seconds to hand out a connection. Outside the fault suite (which
# passes the production timeouts explicitly, see tests/faults/conftest.py) a slow answer
# is not what is under test, so every service in this process, and every process it
# starts, waits patiently. Explicit settings in a test still win over these.
PATIENT_DATABASE_ENV = {
    f"{service}_DB_{timeout}_TIMEOUT": "30"
    for service in ("PLEDGES", "PRACTICES", "EVENTS", "RESULTS")
    for timeout in ("POOL", "CONNECT", "STATEMENT")
}
for _name, _seconds in PATIENT_DATABASE_ENV.items():
    os.environ.setdefault(_name, _seconds)


def _asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _admin(statement: str) -> None:
    assert POSTGRES_URL is not None
    connection = await asyncpg.connect(_asyncpg_dsn(POSTGRES_URL))
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def _admin_sync(statement: str) -> None:
    """Run an admin statement from sync code, whether or not an event loop is running."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, _admin(statement)).result()


class Databases:
    """Creates throw-away databases on one backend and drops them at the end."""

    def __init__(self, backend: str, folder: Path) -> None:
        self.backend = backend
        self.folder = folder
        self._created: list[str] = []
        self._migrated: dict[str, str] = {}

    def create(self, label: str) -> str:
        """A new, empty database; returns its async URL."""
        name = f"mirps_test_{label}_{uuid.uuid4().hex[:10]}"
        if self.backend == "sqlite":
            return f"sqlite+aiosqlite:///{self.folder / name}.db"
        assert POSTGRES_URL is not None
        _admin_sync(f'CREATE DATABASE "{name}"')
        self._created.append(name)
        return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)

    def migrated(self, service: str) -> str:
        """The session's migrated database of `service` (made on first use)."""
        if service not in self._migrated:
            url = self.create(service)
            upgrade_to_head(service, url)
            self._migrated[service] = url
        return self._migrated[service]

    def drop_all(self) -> None:
        for name in self._created:
            _admin_sync(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The database backend of this test: sqlite or postgresql."""
    name: str = request.param
    if name == "postgresql" and not POSTGRES_URL:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but MIRPS_TEST_POSTGRES_URL is not set: PostgreSQL tests must run")
        pytest.skip("PostgreSQL tests need MIRPS_TEST_POSTGRES_URL (see README)")
    return name


@pytest.fixture(scope="session")
def databases(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Databases]:
    pool = Databases(backend, tmp_path_factory.mktemp(f"db-{backend}"))
    yield pool
    pool.drop_all()


async def empty_tables(database_url: str, metadata: MetaData) -> None:
    """Delete every row of the service's tables (faster than a new database per test)."""
    engine = make_engine(database_url)
    try:
        async with engine.begin() as connection:
            tables = list(reversed(metadata.sorted_tables))
            if not tables:
                return
            if engine.dialect.name == "postgresql":
                names = ", ".join(f'"{table.name}"' for table in tables)
                await connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    await connection.execute(table.delete())
    finally:
        await engine.dispose()


@pytest.fixture
def database_url_for(databases: Databases) -> Callable[[str], Awaitable[str]]:
    """`await database_url_for("pledges")`: the migrated database of a service, emptied."""

    async def get(service: str) -> str:
        url = await asyncio.to_thread(databases.migrated, service)
        metadata = importlib.import_module(f"services.{service}.models").Base.metadata
        await empty_tables(url, metadata)
        return url

    return get


async def settle_failed_sqlite_connections(join_seconds: float = 5.0) -> None:
    """Wait for the worker threads of aiosqlite connections that failed to open.

    After a failed connect, aiosqlite's worker thread still posts its shutdown to the
    event loop; if the test's loop has closed by then, the thread raises in a later test.
    Tests that make SQLite connections fail on purpose call this before they end.
    """
    workers = [
        thread
        for thread in threading.enumerate()
        if "_connection_worker_thread" in thread.name and thread.is_alive()
    ]

    def join() -> None:
        for thread in workers:
            thread.join(join_seconds)

    await asyncio.to_thread(join)
    await asyncio.sleep(0)  # let the posted callbacks run on this loop


def auth_headers(
    *roles: str, org_id: str | None = None, countries: tuple[str, ...] = (), sub: str | None = None
) -> dict[str, str]:
    """Headers with a valid test token for the given roles.

    Modules mint their tokens once, at import; the token lives a day so that it is still
    valid at the end of a suite that runs for over an hour on a busy machine."""
    token = mint_token(
        TEST_COMMON_SETTINGS,
        roles=roles,
        org_id=org_id,
        countries=countries,
        sub=sub,
        ttl_minutes=TEST_TOKEN_MINUTES,
    )
    return {"Authorization": f"Bearer {token}"}


def asgi_client(app: FastAPI, base_url: str = "http://test") -> httpx.AsyncClient:
    """An HTTP client calling `app` in-process; a server error is a response, not a raise."""
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, raise_app_exceptions=False), base_url=base_url
    )


@pytest.fixture
async def run_app() -> AsyncIterator[Callable[[FastAPI], Awaitable[httpx.AsyncClient]]]:
    """`client = await run_app(app)`: runs the app's lifespan until the test ends."""
    started: list[tuple[LifespanManager, httpx.AsyncClient]] = []

    async def start(app: FastAPI) -> httpx.AsyncClient:
        manager = LifespanManager(app)
        await manager.__aenter__()
        client = asgi_client(manager.app)
        started.append((manager, client))
        return client

    yield start
    for manager, client in reversed(started):
        await client.aclose()
        await manager.__aexit__(None, None, None)


def _backend_of(report: pytest.TestReport) -> str:
    """The database backend a test ran on (its `[sqlite]`/`[postgresql]` id), or `no database`."""
    params = report.nodeid.rpartition("[")[2].rstrip("]")
    for name in BACKENDS:
        if name in params.split("-"):
            return name
    return "no database"


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Skips as one line per backend (with the commonest reason) instead of one per test:
    `make test` without PostgreSQL skips every PostgreSQL variant for the same reason."""
    skipped: list[pytest.TestReport] = terminalreporter.stats.get("skipped", [])
    by_backend: dict[str, Counter[str]] = {}
    for report in skipped:
        reason = str(report.longrepr[2]) if isinstance(report.longrepr, tuple) else "skipped"
        reason = reason.removeprefix("Skipped: ")
        by_backend.setdefault(_backend_of(report), Counter())[reason] += 1
    for backend, reasons in sorted(by_backend.items()):
        (reason, count), *others = reasons.most_common()
        more = f" (+{sum(n for _, n in others)} for {len(others)} other reasons)" if others else ""
        total = sum(reasons.values())
        terminalreporter.write_line(f"SKIPPED {total} on {backend}: {count} because {reason}{more}")
