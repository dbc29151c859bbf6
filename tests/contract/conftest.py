"""A service served by a real uvicorn server (in a thread) on a fresh migrated database."""

from __future__ import annotations

import importlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

from services.common.migrations import upgrade_to_head
from tests.conftest import TEST_COMMON_SETTINGS, Databases
from tests.e2e.runner import free_port_block

SERVICES = ("pledges", "practices", "events", "results")


@contextmanager
def served(name: str, databases: Databases, **app_options: Any) -> Iterator[str]:
    """The base URL of service `name`, stopped when the block ends (`app_options` go to its
    `create_app`, e.g. the results service's upstream transports)."""
    module = importlib.import_module(f"services.{name}.app")
    config = importlib.import_module(f"services.{name}.config")
    database_url = databases.create(f"{name}_contract")
    upgrade_to_head(name, database_url)
    settings = config.Settings(database_url=database_url, mirps=TEST_COMMON_SETTINGS)
    app = module.create_app(settings, **app_options)
    port = free_port_block(1)
    server = uvicorn.Server(uvicorn.Config(app, port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, name=f"uvicorn-{name}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive(), "the service stopped while starting"
        assert time.monotonic() < deadline, "the service did not start within 30 s"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
