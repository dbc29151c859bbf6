"""Allocation lines: a pledge states where its money goes, every entry draws on one line,
and the ledger invariants hold per line — so reports by country and objective do too."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.conftest import auth_headers
from tests.pledges.conftest import SECRETARIAT, Ledger, load_demo_data

SPLIT = [{"country": "GTM", "amount": "700"}, {"country": "HND", "amount": "300"}]


async def _split_pledge(ledger: Ledger, **fields: Any) -> dict[str, Any]:
    org = await ledger.organisation()
    return await ledger.pledge(
        org["id"], recipient_countries=["GTM", "HND"], allocation=SPLIT, **fields
    )


async def test_a_line_cannot_be_overdrawn_and_the_409_names_it(ledger: Ledger) -> None:
    pledge = await _split_pledge(ledger)
    lines = {line["country"]: line for line in pledge["allocation"]}
    assert (lines["GTM"]["amount"], lines["HND"]["amount"]) == ("700.0000", "300.0000")
    assert pledge["allocation_stated"] is True
    over = await ledger.entry(pledge["id"], "commitment", "400", recipient_country="HND")
    assert over.status_code == 409, over.text
    problem = over.json()
    assert "HND" in problem["detail"]
    assert problem["allocation_line_id"] == lines["HND"]["id"]
    assert problem["allocated"] == "300.0000"
    assert problem["headroom"] == "300.0000"
    fits = await ledger.entry(pledge["id"], "commitment", "300", recipient_country="HND")
    assert fits.status_code == 201
    assert fits.json()["allocation_line_id"] == lines["HND"]["id"]
    # Committed on GTM's line does not pay out in HND.
    assert (await ledger.entry(pledge["id"], "commitment", "100")).status_code == 201
    paid = await ledger.entry(pledge["id"], "disbursement", "150")
    assert paid.status_code == 409
    assert paid.json()["line_country"] == "GTM"
    read = (await ledger.client.get(f"/v1/pledges/{pledge['id']}")).json()
    committed = {line["country"]: line["committed"] for line in read["allocation"]}
    assert committed == {"GTM": "100.0000", "HND": "300.0000"}


async def test_stated_lines_must_fit_the_pledge(ledger: Ledger) -> None:
    org = await ledger.organisation()
    objective = await ledger.objective(country="GTM")
    base = {
        "contributor_id": org["id"],
        "kind": "financial",
        "title": {"en": "Split"},
        "amount": {"amount": "1000", "currency": "USD"},
        "recipient_countries": ["GTM", "HND"],
        "objective_ids": [objective["id"]],
        "announced_on": "2023-01-01",
    }
    cases = [
        [{"country": "GTM", "amount": "600"}, {"country": "HND", "amount": "300"}],
        [{"country": "GTM", "share": "0.5"}, {"country": "HND", "share": "0.4"}],
        [{"country": "GTM", "share": "0.5"}, {"country": "HND", "amount": "500"}],
        [{"country": "SLV", "amount": "1000"}],
        [{"objective_id": objective["id"], "country": "HND", "amount": "1000"}],
        [{"country": "GTM", "amount": "500"}, {"country": "GTM", "amount": "500"}],
    ]
    for allocation in cases:
        response = await ledger.client.post(
            "/v1/pledges", json={**base, "allocation": allocation}, headers=SECRETARIAT
        )
        assert response.status_code == 422, (allocation, response.text)
    thirds = await ledger.client.post(
        "/v1/pledges",
        json={
            **base,
            "allocation": [
                {"objective_id": objective["id"], "share": "0.333333"},
                {"country": "GTM", "share": "0.333333"},
                {"country": "HND", "share": "0.333334"},
            ],
        },
        headers=SECRETARIAT,
    )
    assert thirds.status_code == 201, thirds.text
    amounts = [line["amount"] for line in thirds.json()["allocation"]]
    assert amounts == ["333.3330", "333.3330", "333.3340"]


async def test_reallocation_is_kept_in_history_and_never_below_commitments(
    ledger: Ledger,
) -> None:
    pledge = await _split_pledge(ledger)
    url = f"/v1/pledges/{pledge['id']}/allocation"
    assert (
        await ledger.entry(pledge["id"], "commitment", "250", recipient_country="HND")
    ).status_code == 201
    below = await ledger.client.put(
        url,
        json={"lines": [{"country": "GTM", "amount": "800"}, {"country": "HND", "amount": "200"}]},
        headers={**SECRETARIAT, "If-Match": '"1"'},
    )
    assert below.status_code == 409, below.text
    assert below.json()["committed"] == "250.0000"
    assert below.json()["allocated"] == "200.0000"
    assert "HND" in below.json()["detail"]
    stranger = auth_headers("member", org_id="00000000-0000-0000-0000-000000000001")
    forbidden = await ledger.client.put(
        url, json={"lines": None}, headers={**stranger, "If-Match": '"1"'}
    )
    assert forbidden.status_code in (403, 404)
    moved = await ledger.client.put(
        url,
        json={"lines": [{"country": "GTM", "share": "0.75"}, {"country": "HND", "share": "0.25"}]},
        headers={**SECRETARIAT, "If-Match": '"1"'},
    )
    assert moved.status_code == 200, moved.text
    assert [line["amount"] for line in moved.json()["allocation"]] == ["750.0000", "250.0000"]
    equal = await ledger.client.put(
        url, json={"lines": None}, headers={**SECRETARIAT, "If-Match": moved.headers["ETag"]}
    )
    assert equal.status_code == 200
    assert equal.json()["allocation_stated"] is False
    assert [line["amount"] for line in equal.json()["allocation"]] == ["500.0000", "500.0000"]
    history = (
        await ledger.client.get(f"/v1/pledges/{pledge['id']}/history", headers=SECRETARIAT)
    ).json()
    assert [change["action"] for change in history] == ["created", "reallocated", "reallocated"]
    assert history[1]["changes"]["allocation"][1][0]["amount"] == "750.0000"


async def test_reports_by_country_follow_the_lines(ledger: Ledger) -> None:
    """700 to GTM, 300 to HND: the summary by country shows the stated split, and an
    entry counts on its own line."""
    pledge = await _split_pledge(ledger, funding_mechanism="loan")
    assert (await ledger.entry(pledge["id"], "commitment", "600")).status_code == 201
    report = (await ledger.client.get("/v1/reports/summary?group_by=country")).json()
    rows = {
        row["group"]["country"]: (row["pledged_usd"], row["committed_usd"], row["pledges"])
        for row in report["rows"]
    }
    assert rows == {"GTM": ("700.00", "600.00", 1), "HND": ("300.00", "0.00", 1)}
    by_mechanism = (
        await ledger.client.get("/v1/reports/summary?group_by=funding_mechanism")
    ).json()
    assert [
        (row["group"]["funding_mechanism"], row["pledges"], row["contributors"])
        for row in by_mechanism["rows"]
    ] == [("loan", 1, 1)]


async def test_the_demo_gaps_are_coherent_in_every_country(ledger: Ledger) -> None:
    """The issue's GTM case: pledged 31.8M but committed 60.95M. Now in every country
    and objective committed ≤ pledged and disbursed ≤ committed."""
    await load_demo_data(ledger.database_url)
    for dimension in ("country", "objective", "pillar", "contributor_kind"):
        report = (await ledger.client.get(f"/v1/reports/summary?group_by={dimension}")).json()
        for row in report["rows"]:
            pledged, committed, disbursed = (
                Decimal(row[f"{name}_usd"]) for name in ("pledged", "committed", "disbursed")
            )
            assert committed <= pledged, (dimension, row)
            assert disbursed <= committed, (dimension, row)
    gaps = (await ledger.client.get("/v1/reports/gaps?country=GTM")).json()
    for row in gaps["objectives"]:
        assert Decimal(row["committed_usd"]) <= Decimal(row["pledged_usd"])
    (guatemala,) = gaps["countries"]
    assert Decimal(guatemala["committed_usd"]) <= Decimal(guatemala["requirement_usd"])
