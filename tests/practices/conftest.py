"""Fixtures of the practices tests: a running app on each backend and typed shortcuts."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from services.practices.app import create_app
from services.practices.config import Settings
from tests.conftest import TEST_COMMON_SETTINGS, auth_headers

RunApp = Callable[[FastAPI], Awaitable[httpx.AsyncClient]]

SECRETARIAT = auth_headers("secretariat", sub="secretariat-rosa")
MEMBER_A = auth_headers("member", org_id="org-a", sub="member-ana")
MEMBER_A_COLLEAGUE = auth_headers("member", org_id="org-a", sub="member-alberto")
MEMBER_B = auth_headers("member", org_id="org-b", sub="member-beto")
FOCAL_GTM = auth_headers("country_focal_point", countries=("GTM",), sub="focal-gtm")
FOCAL_HND = auth_headers("country_focal_point", countries=("HND",), sub="focal-hnd")
ANONYMOUS: dict[str, str] = {}


@pytest.fixture
async def client(
    database_url_for: Callable[[str], Awaitable[str]], run_app: RunApp
) -> httpx.AsyncClient:
    url = await database_url_for("practices")
    return await run_app(create_app(Settings(database_url=url, mirps=TEST_COMMON_SETTINGS)))


def practice_body(**overrides: Any) -> dict[str, Any]:
    """A valid new practice; override any field."""
    body: dict[str, Any] = {
        "title": {
            "es": "Integración laboral de personas refugiadas",
            "en": "Labour integration of refugees",
        },
        "summary": {"es": "Bolsa de empleo con empresas locales.", "en": "Job matching."},
        "country": "GTM",
        "origin": "mirps_country",
        "themes": ["employment_livelihoods"],
        "populations": ["refugees"],
        "implementing_organisations": [{"id": "org-a", "name": "Organización A"}],
        "contacts": [{"name": "Ana López", "email": "ana@example.org"}],
        "evidence": {"level": "good"},
    }
    body.update(overrides)
    return body


async def create_practice(
    client: httpx.AsyncClient, headers: dict[str, str] | None = None, **overrides: Any
) -> dict[str, Any]:
    response = await client.post(
        "/v1/practices", json=practice_body(**overrides), headers=headers or MEMBER_A
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def published_practice(
    client: httpx.AsyncClient, headers: dict[str, str] | None = None, **overrides: Any
) -> dict[str, Any]:
    """A practice taken through submit and publish."""
    practice = await create_practice(client, headers, **overrides)
    pid = practice["id"]
    submitted = await client.post(f"/v1/practices/{pid}/submit", headers=headers or MEMBER_A)
    assert submitted.status_code == 200, submitted.text
    published = await client.post(f"/v1/practices/{pid}/publish", headers=SECRETARIAT)
    assert published.status_code == 200, published.text
    result: dict[str, Any] = published.json()
    return result
