"""Fixtures of the events tests: the app on a migrated, emptied database, and factories."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from services.events.app import create_app
from services.events.config import Settings
from tests.conftest import TEST_COMMON_SETTINGS, auth_headers

SECRETARIAT = auth_headers("secretariat", sub="secretariat-1")
HOST_ORG = "org-usa"
HOST_MEMBER = auth_headers("member", org_id=HOST_ORG, sub="usa-member")
OTHER_MEMBER = auth_headers("member", org_id="org-can", sub="can-member")

RunApp = Callable[[FastAPI], Awaitable[httpx.AsyncClient]]


@pytest.fixture
async def events_url(database_url_for: Callable[[str], Awaitable[str]]) -> str:
    return await database_url_for("events")


@pytest.fixture
async def client(events_url: str, run_app: RunApp) -> httpx.AsyncClient:
    """The events service over an empty, migrated database."""
    settings = Settings(database_url=events_url, mirps=TEST_COMMON_SETTINGS)
    return await run_app(create_app(settings))


def event_body(**overrides: Any) -> dict[str, Any]:
    """A valid virtual event hosted by HOST_ORG; override any field."""
    body: dict[str, Any] = {
        "kind": "learning_event",
        "title": {"es": "Evento de aprendizaje", "en": "Learning event"},
        "starts_at": "2023-05-16T10:00:00",
        "ends_at": "2023-05-16T12:00:00",
        "timezone": "America/Panama",
        "mode": "virtual",
        "online_url": "https://meet.example.org/le",
        "hosts": [HOST_ORG],
    }
    body.update(overrides)
    return body


async def create_event(
    client: httpx.AsyncClient, *, headers: dict[str, str] | None = None, **overrides: Any
) -> dict[str, Any]:
    response = await client.post(
        "/v1/events", json=event_body(**overrides), headers=headers or SECRETARIAT
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def schedule(client: httpx.AsyncClient, event_id: str) -> dict[str, Any]:
    response = await client.post(f"/v1/events/{event_id}/schedule", headers=SECRETARIAT)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body
