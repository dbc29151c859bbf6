"""Fixtures of the fault suite: its own PostgreSQL cluster and the four services on it.

One cluster for the whole suite, one database per service: a fault (stop, SIGSTOP) hits
every service at once, as it would in production, and the suite pays for it once.
"""

from __future__ import annotations

import importlib
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager

from services.common.migrations import upgrade_to_head
from services.common.settings import ServiceSettings
from tests.conftest import TEST_COMMON_SETTINGS, asgi_client, auth_headers
from tests.e2e.runner import free_port_block
from tests.events.conftest import HOST_MEMBER, event_body
from tests.faults.cluster import Cluster, available
from tests.practices.conftest import MEMBER_A, practice_body
from tests.results.conftest import UPSTREAMS, DownTransport

# The timeouts a deployment runs with, stated explicitly so that the patient defaults the
# rest of the suite sets through the environment (tests/conftest.py) do not apply here.
PRODUCTION_TIMEOUTS = {
    name: ServiceSettings.model_fields[name].default
    for name in ("db_pool_timeout", "db_connect_timeout", "db_statement_timeout")
}
SECRETARIAT = auth_headers("secretariat", sub="faults-secretariat")


@dataclass(frozen=True)
class Target:
    """How the suite writes to and reads back from one service."""

    name: str
    collection: str  # POST here creates a record; GET lists
    table: str  # a table every write touches (locked by the statement-timeout test)
    headers: dict[str, str]
    body: Callable[[], dict[str, Any]]
    key: str = "id"  # the field of the answer that names the record in its URL

    async def write(self, client: httpx.AsyncClient) -> httpx.Response:
        return await client.post(self.collection, json=self.body(), headers=self.headers)

    async def read(self, client: httpx.AsyncClient, key: str) -> httpx.Response:
        return await client.get(f"{self.collection}/{key}", headers=self.headers)


def _organisation() -> dict[str, Any]:
    return {"name": f"Org {uuid.uuid4().hex[:8]}", "kind": "state"}


def _strategy() -> dict[str, Any]:
    return {
        "code": f"sp-{uuid.uuid4().hex[:12]}",
        "title": {"en": "Strategy"},
        "starts_on": "2023-01-01",
        "ends_on": "2023-12-31",
    }


TARGETS = {
    "pledges": Target("pledges", "/v1/organisations", "organisations", SECRETARIAT, _organisation),
    "practices": Target("practices", "/v1/practices", "practice", MEMBER_A, practice_body),
    "events": Target("events", "/v1/events", "events", HOST_MEMBER, event_body),
    "results": Target("results", "/v1/strategies", "strategies", SECRETARIAT, _strategy, "code"),
}


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    """A fresh cluster on a free port with a migrated database per service.

    Its folder is made with mkdtemp (pytest's temporary root is private to the test user,
    and the postgres user must reach it), removed at the end.
    """
    reason = available()
    if reason and os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but the fault suite cannot run: {reason}")
    if reason:
        pytest.skip(reason)
    folder = Path(tempfile.mkdtemp(prefix="mirps-faults-"))
    cluster = Cluster(folder=folder, port=free_port_block(1))
    try:
        cluster.init()
        cluster.start()
        for name in TARGETS:
            cluster.create_database(name)
            upgrade_to_head(name, cluster.url_for(name))
        yield cluster
    finally:
        cluster.thaw()
        cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)


def _app(name: str, database_url: str) -> Any:
    module = importlib.import_module(f"services.{name}.app")
    config = importlib.import_module(f"services.{name}.config")
    settings = config.Settings(
        database_url=database_url, mirps=TEST_COMMON_SETTINGS, **PRODUCTION_TIMEOUTS
    )
    if name == "results":  # its upstreams are not under test here
        return module.create_app(settings, transports=dict.fromkeys(UPSTREAMS, DownTransport()))
    return module.create_app(settings)


@pytest.fixture
async def services(cluster: Cluster) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    """Every service on the cluster, with the default timeouts, by name."""
    if not cluster.pids():
        cluster.start()
    async with AsyncExitStack() as stack:
        clients = {}
        for name in TARGETS:
            app = _app(name, cluster.url_for(name))
            await stack.enter_async_context(LifespanManager(app))
            clients[name] = await stack.enter_async_context(asgi_client(app))
        yield clients
    cluster.thaw()
