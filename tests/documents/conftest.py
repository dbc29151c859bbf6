"""Fixtures of the documents tests: the three services with each storage backend.

The S3 backend talks to a real S3-compatible server: moto in server mode, started once for
the module on a free port and stopped at its end.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from fastapi import FastAPI
from moto.server import ThreadedMotoServer

from services.events.app import create_app as events_app
from services.events.config import Settings as EventsSettings
from services.pledges.app import create_app as pledges_app
from services.pledges.config import Settings as PledgesSettings
from services.practices.app import create_app as practices_app
from services.practices.config import Settings as PracticesSettings
from tests.conftest import TEST_COMMON_SETTINGS
from tests.e2e.runner import free_port_block

RunApp = Callable[[FastAPI], Awaitable[httpx.AsyncClient]]
S3_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """A local S3-compatible server (moto), for the session."""
    port = free_port_block(1)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def s3_client(endpoint: str) -> Any:
    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", **S3_CREDENTIALS)


@pytest.fixture(params=["local", "s3"])
def storage_settings(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, Any]:
    """Document settings for one backend: a fresh folder, or a fresh bucket."""
    if request.param == "local":
        return {"documents_backend": "local", "documents_dir": tmp_path / "documents"}
    endpoint = request.getfixturevalue("s3_endpoint")
    bucket = f"mirps-{uuid.uuid4().hex[:12]}"
    s3_client(endpoint).create_bucket(Bucket=bucket)
    return {
        "documents_backend": "s3",
        "documents_s3_endpoint_url": endpoint,
        "documents_s3_bucket": bucket,
        "documents_s3_region": "us-east-1",
        "documents_s3_access_key_id": S3_CREDENTIALS["aws_access_key_id"],
        "documents_s3_secret_access_key": S3_CREDENTIALS["aws_secret_access_key"],
        "documents_s3_addressing_style": "path",
    }


def stored_keys(app: FastAPI) -> set[str]:
    """Every content key the app's storage holds, whichever the backend."""
    storage = app.state.document_storage
    if hasattr(storage, "root"):
        root: Path = storage.root
        return {path.name for path in root.glob("*/*") if not path.name.startswith(".")}
    listing = storage._client.list_objects_v2(Bucket=storage._bucket)
    return {item["Key"].rsplit("/", 1)[-1] for item in listing.get("Contents", [])}


class Services:
    """The three services on migrated, emptied databases, sharing one storage setup."""

    def __init__(self, database_url_for: Callable[[str], Awaitable[str]], run_app: RunApp):
        self._database_url_for = database_url_for
        self._run_app = run_app
        self.apps: dict[str, FastAPI] = {}

    async def start(self, service: str, **settings: Any) -> httpx.AsyncClient:
        makers: dict[str, tuple[Any, Any]] = {
            "events": (events_app, EventsSettings),
            "practices": (practices_app, PracticesSettings),
            "pledges": (pledges_app, PledgesSettings),
        }
        create_app, settings_class = makers[service]
        url = await self._database_url_for(service)
        app = create_app(settings_class(database_url=url, mirps=TEST_COMMON_SETTINGS, **settings))
        self.apps[service] = app
        return await self._run_app(app)


@pytest.fixture
def services(database_url_for: Callable[[str], Awaitable[str]], run_app: RunApp) -> Services:
    return Services(database_url_for, run_app)
