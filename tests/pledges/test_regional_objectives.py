"""Regional objectives: of the Regional Action Plan, with no country, counted in the
regional row of the gaps report."""

from __future__ import annotations

from typing import Any

from tests.conftest import auth_headers
from tests.pledges.conftest import SECRETARIAT, Ledger
from tests.pledges.test_rollups import _differences

REGIONAL: dict[str, Any] = {
    "scope": "regional",
    "pillar": "durable_solutions",
    "theme": "employment_livelihoods",
    "title": {"en": "Regional labour mobility"},
    "requirement": {"amount": "2000000", "currency": "USD"},
    "start_year": 2023,
    "end_year": 2024,
}


async def test_a_regional_objective_counts_in_the_regional_row_of_the_gaps_report(
    ledger: Ledger,
) -> None:
    created = await ledger.client.post("/v1/objectives", json=REGIONAL, headers=SECRETARIAT)
    assert created.status_code == 201, created.text
    regional = created.json()
    assert (regional["scope"], regional["country"]) == ("regional", None)
    national = await ledger.objective(requirement={"amount": "1000000", "currency": "USD"})
    donor = await ledger.organisation()
    pledge = await ledger.pledge(
        donor["id"],
        amount={"amount": "600000", "currency": "USD"},
        objective_ids=[regional["id"], national["id"]],
        allocation=[
            {"objective_id": regional["id"], "amount": "500000"},
            {"objective_id": national["id"], "amount": "100000"},
        ],
    )
    committed = await ledger.entry(
        pledge["id"], "commitment", "400000", objective_id=regional["id"]
    )
    assert committed.status_code == 201, committed.text
    gaps = (await ledger.client.get("/v1/reports/gaps")).json()
    rows = {row["country"]: row for row in gaps["countries"]}
    assert list(rows) == ["GTM", None]
    assert (rows[None]["requirement_usd"], rows[None]["committed_usd"]) == (
        "2000000.00",
        "400000.00",
    )
    assert rows[None]["gap_usd"] == "1600000.00"
    assert rows["GTM"]["requirement_usd"] == "1000000.00"
    objective_rows = {row["objective_id"]: row for row in gaps["objectives"]}
    assert objective_rows[regional["id"]]["country"] is None
    assert await _differences(ledger.database_url) == []


async def test_a_regional_objective_has_no_country_and_only_the_secretariat_records_it(
    ledger: Ledger,
) -> None:
    with_country = await ledger.client.post(
        "/v1/objectives", json={**REGIONAL, "country": "GTM"}, headers=SECRETARIAT
    )
    assert with_country.status_code == 422
    assert "country" in with_country.text
    national = {**REGIONAL, "scope": "national"}
    without_country = await ledger.client.post("/v1/objectives", json=national, headers=SECRETARIAT)
    assert without_country.status_code == 422
    assert "country" in without_country.text
    focal = auth_headers("country_focal_point", countries=("GTM",))
    refused = await ledger.client.post("/v1/objectives", json=REGIONAL, headers=focal)
    assert refused.status_code == 403
    assert (await ledger.client.get("/v1/objectives")).json()["items"] == []
