"""Fixtures of the fault suite: its own PostgreSQL cluster and the practices service on it."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager

from services.common.migrations import upgrade_to_head
from services.practices.app import create_app
from services.practices.config import Settings
from tests.conftest import TEST_COMMON_SETTINGS, asgi_client
from tests.e2e.runner import free_port_block
from tests.faults.cluster import Cluster, available


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    """A fresh cluster on a free port, migrated for the practices service.

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
        upgrade_to_head("practices", cluster.url)
        yield cluster
    finally:
        cluster.thaw()
        cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
async def service(cluster: Cluster) -> AsyncIterator[httpx.AsyncClient]:
    """The practices service on the cluster, with the default timeouts."""
    if not cluster.pids():
        cluster.start()
    app = create_app(Settings(database_url=cluster.url, mirps=TEST_COMMON_SETTINGS))
    async with LifespanManager(app), asgi_client(app) as client:
        yield client
    cluster.thaw()
