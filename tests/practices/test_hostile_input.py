"""Hostile input to the practices API: control characters and junk are a 422, never a 500."""

from __future__ import annotations

import httpx
import pytest

from tests.practices.conftest import MEMBER_A, practice_body

NUL = "a\x00b"


@pytest.mark.parametrize(
    "fields",
    [
        {"title": {"es": NUL}},
        {"implementing_organisations": [{"name": NUL}]},
        {"contacts": [{"name": "Ana\r\nBcc: x"}]},
        {"links": [{"url": "https://x.example.org/\r\nX:1"}]},
        {"links": [{"url": "javascript:alert(1)"}]},
    ],
)
async def test_control_characters_and_bad_urls_in_a_practice_are_a_422(
    client: httpx.AsyncClient, fields: dict[str, object]
) -> None:
    response = await client.post("/v1/practices", json=practice_body(**fields), headers=MEMBER_A)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    listed = await client.get("/v1/practices", params={"status": "draft"}, headers=MEMBER_A)
    assert listed.status_code == 200
    assert listed.json()["items"] == []


async def test_nul_byte_in_a_search_is_not_a_server_error(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/practices", params={"q": NUL})
    assert response.status_code < 500, response.text
