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


# ---------------------------------------------------------------- reversal message


async def test_reversing_a_partly_disbursed_commitment_asks_to_reverse_disbursements_first(
    ledger: Ledger,
) -> None:
    org = await ledger.organisation()
    pledge = await ledger.pledge(org["id"])
    commitment = (await ledger.entry(pledge["id"], "commitment", "100")).json()
    assert (await ledger.entry(pledge["id"], "disbursement", "80")).status_code == 201
    response = await ledger.client.post(
        f"/v1/pledges/{pledge['id']}/entries",
        json={
            "entry_type": "reversal",
            "reverses_entry_id": commitment["id"],
            "value_date": "2023-02-01",
        },
        headers=SECRETARIAT,
    )
    assert response.status_code == 409
    problem = response.json()
    assert (
        "reverse the disbursements first: 80.0000 disbursed against 100.0000 committed"
        in (problem["detail"])
    )
    assert problem["headroom"] == "20.0000"
    assert problem["requested"] == "-100.0000"
    entries = await ledger.client.get(f"/v1/pledges/{pledge['id']}/entries", headers=SECRETARIAT)
    assert len(entries.json()["items"]) == 2


# ---------------------------------------------------------------- oversized CSV cells


async def test_a_csv_cell_above_the_field_limit_is_an_invalid_file_and_writes_nothing(
    ledger: Ledger,
) -> None:
    org = await ledger.organisation()
    huge = "x" * (200 * 1024)
    pledges = (
        "record_type,contributor_id,kind,title_en,amount,currency,recipient_countries,"
        f"announced_on\npledge,{org['id']},financial,Fine,100,USD,GTM,2023-01-01\n"
        f'pledge,{org["id"]},financial,"{huge}",100,USD,GTM,2023-01-01\n'
    )
    imported = await ledger.client.post("/v1/imports", content=pledges, headers=CSV_HEADERS)
    assert imported.status_code == 422, imported.text
    assert "field larger than field limit" in imported.json()["detail"]
    listed = await ledger.client.get("/v1/pledges", headers=SECRETARIAT)
    assert listed.json()["items"] == []
    rates = (
        "currency,rate_date,rate_to_usd,source\nEUR,2023-01-01,1.1,ECB\n"
        f'CAD,2023-01-01,0.75,"{huge}"\n'
    )
    uploaded = await ledger.client.post(
        "/v1/exchange-rates/bulk", content=rates, headers=CSV_HEADERS
    )
    assert uploaded.status_code == 422, uploaded.text
    assert "field larger than field limit" in uploaded.json()["detail"]
    listed_rates = await ledger.client.get("/v1/exchange-rates", headers=SECRETARIAT)
    assert listed_rates.json()["items"] == []
