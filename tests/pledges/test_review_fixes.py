"""Review findings on the ledger: each test failed before its fix."""

from __future__ import annotations

import csv
import io
from typing import Any

from tests.conftest import auth_headers
from tests.pledges.conftest import SECRETARIAT, Ledger

CSV_HEADERS = {**SECRETARIAT, "Content-Type": "text/csv"}


async def _withdraw(ledger: Ledger, pledge: dict[str, Any]) -> None:
    response = await ledger.client.post(
        f"/v1/pledges/{pledge['id']}/withdrawal",
        json={"reason": "Changed priorities"},
        headers={**SECRETARIAT, "If-Match": f'"{pledge["version"]}"'},
    )
    assert response.status_code == 200, response.text


# ---------------------------------------------------------------- private notes


async def test_a_recipient_focal_point_sees_notes_in_the_export_as_in_the_ledger(
    ledger: Ledger,
) -> None:
    org = await ledger.organisation()
    pledge = await ledger.pledge(org["id"])
    assert (await ledger.entry(pledge["id"], "commitment", "10", note="Private")).status_code == 201
    focal = auth_headers("country_focal_point", countries=("GTM",))
    listed = await ledger.client.get(f"/v1/pledges/{pledge['id']}/entries", headers=focal)
    assert listed.json()["items"][0]["note"] == "Private"
    exported = await ledger.client.get("/v1/exports/entries", headers=focal)
    assert [row["note"] for row in csv.DictReader(io.StringIO(exported.text))] == ["Private"]
    stranger = auth_headers("country_focal_point", countries=("PAN",))
    hidden = await ledger.client.get("/v1/exports/entries", headers=stranger)
    assert [row["note"] for row in csv.DictReader(io.StringIO(hidden.text))] == [""]
    anonymous = await ledger.client.get("/v1/exports/entries")
    assert [row["note"] for row in csv.DictReader(io.StringIO(anonymous.text))] == [""]
