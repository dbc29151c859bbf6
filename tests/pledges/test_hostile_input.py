"""Hostile input to the pledges API: control characters and junk are a 422, never a 500."""

from __future__ import annotations

import pytest

from tests.pledges.conftest import SECRETARIAT, Ledger

NUL = "a\x00b"


async def test_nul_byte_in_an_organisation_name_is_a_422_and_stores_nothing(
    ledger: Ledger,
) -> None:
    response = await ledger.client.post(
        "/v1/organisations", json={"name": NUL, "kind": "state"}, headers=SECRETARIAT
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "body.name"
    listed = await ledger.client.get("/v1/organisations", headers=SECRETARIAT)
    assert listed.json()["items"] == []


@pytest.mark.parametrize(
    "fields",
    [
        {"title": {"en": NUL}},
        {"description": {"es": "ok", "en": NUL}},
        {"announced_at": "event\nX"},
    ],
)
async def test_control_characters_in_pledge_text_are_a_422(
    ledger: Ledger, fields: dict[str, object]
) -> None:
    contributor = await ledger.organisation()
    body = {
        "contributor_id": contributor["id"],
        "kind": "financial",
        "title": {"en": "Support"},
        "amount": {"amount": "1000", "currency": "USD"},
        "recipient_countries": ["GTM"],
        "announced_on": "2022-09-28",
        **fields,
    }
    response = await ledger.client.post("/v1/pledges", json=body, headers=SECRETARIAT)
    assert response.status_code == 422, response.text


async def test_nul_byte_in_an_entry_note_is_a_422(ledger: Ledger) -> None:
    contributor = await ledger.organisation()
    pledge = await ledger.pledge(contributor["id"])
    response = await ledger.entry(pledge["id"], "commitment", "10", note=NUL)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "body.note"


async def test_a_line_break_in_a_website_is_a_422_not_silently_removed(ledger: Ledger) -> None:
    response = await ledger.client.post(
        "/v1/organisations",
        json={"name": "Org", "kind": "state", "website": "https://x.example.org/\r\nX:1"},
        headers=SECRETARIAT,
    )
    assert response.status_code == 422, response.text


async def test_nul_byte_in_a_query_parameter_is_not_a_server_error(ledger: Ledger) -> None:
    response = await ledger.client.get("/v1/pledges", params={"announced_at": NUL})
    assert response.status_code < 500, response.text
