"""Reports against hand-computed figures, currency conversion and a withdrawal included.

Reports value a pledge's money at its announcement rate (entries are converted to the
pledge's currency at their value date's rates, then to USD at the pledge's rate), so an
exchange-rate move never makes committed exceed pledged.

The scenario (rates: EUR 1.05 from 2022-01-01, EUR 1.10 from 2023-01-01, CAD 0.75):

* O1 GTM requirement 1,000,000 USD; O2 HND 500,000 USD; O3 GTM 200,000 EUR (= 220,000 USD
  at today's rate, the latest: 1.10).
* P1 Spain (state), 100,000 EUR announced 2022-09-28 (x1.05 = 105,000 USD), GTM, O1:
  commitment 60,000 EUR on 2023-01-15 naming O1 (reported x1.05 = 63,000 USD),
  disbursement 44,000 CAD on 2023-02-01 (x0.75 = 33,000 USD = 30,000 EUR at 1.10,
  reported 31,500 USD; drawn on O1's line, its only one).
* P2 ACME (private sector), 50,000 USD announced 2023-03-01, GTM + HND, no objective,
  allocated 35,000 to GTM and 15,000 to HND: commitment 30,000 on 2023-04-01 in GTM;
  disbursement 10,000 on 2023-08-01 in GTM.
* P3 Spain, material, 20,000 USD announced 2022-10-01, HND, O2: commitment 15,000 on
  2022-11-01 naming O2, disbursement 5,000 on 2022-12-01 naming O2; then withdrawn
  today, which restates it: pledged and committed are the 5,000 disbursed, in 2022.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from tests.pledges.conftest import SECRETARIAT, Ledger


@pytest.fixture
async def scenario(ledger: Ledger) -> dict[str, Any]:
    await ledger.rate("EUR", "2022-01-01", "1.05")
    await ledger.rate("EUR", "2023-01-01", "1.10")
    await ledger.rate("CAD", "2023-01-01", "0.75")
    spain = await ledger.organisation(name="Spain", kind="state")
    acme = await ledger.organisation(name="ACME", kind="private_sector")
    o1 = await ledger.objective(requirement={"amount": "1000000", "currency": "USD"})
    o2 = await ledger.objective(
        country="HND",
        pillar="reception_admission",
        theme="access_to_asylum",
        requirement={"amount": "500000", "currency": "USD"},
    )
    o3 = await ledger.objective(
        pillar="immediate_needs",
        theme="health",
        requirement={"amount": "200000", "currency": "EUR"},
    )
    assert o3["requirement_usd"] == "220000.0000"
    p1 = await ledger.pledge(
        spain["id"], amount={"amount": "100000", "currency": "EUR"}, objective_ids=[o1["id"]]
    )
    p2 = await ledger.pledge(
        acme["id"],
        amount={"amount": "50000", "currency": "USD"},
        recipient_countries=["GTM", "HND"],
        announced_on="2023-03-01",
        allocation=[{"country": "GTM", "share": "0.7"}, {"country": "HND", "share": "0.3"}],
    )
    p3 = await ledger.pledge(
        spain["id"],
        kind="material",
        amount={"amount": "20000", "currency": "USD"},
        recipient_countries=["HND"],
        objective_ids=[o2["id"]],
        announced_on="2022-10-01",
        visibility="restricted",
    )
    entries = [
        (p1, "commitment", "60000", "EUR", "2023-01-15", "GTM", o1["id"]),
        (p1, "disbursement", "44000", "CAD", "2023-02-01", "GTM", None),
        (p2, "commitment", "30000", "USD", "2023-04-01", "GTM", None),
        (p2, "disbursement", "10000", "USD", "2023-08-01", "GTM", None),
        (p3, "commitment", "15000", "USD", "2022-11-01", "HND", o2["id"]),
        (p3, "disbursement", "5000", "USD", "2022-12-01", "HND", o2["id"]),
    ]
    for pledge, kind, amount, currency, on, country, objective in entries:
        response = await ledger.entry(
            pledge["id"],
            kind,
            amount,
            currency,
            value_date=on,
            recipient_country=country,
            objective_id=objective,
        )
        assert response.status_code == 201, response.text
    withdrawn = await ledger.client.post(
        f"/v1/pledges/{p3['id']}/withdrawal",
        json={"reason": "Stock no longer available"},
        headers={**SECRETARIAT, "If-Match": '"1"'},
    )
    assert withdrawn.status_code == 200
    return {
        "o1": o1,
        "o2": o2,
        "o3": o3,
        "p1": p1,
        "p2": p2,
        "p3": p3,
        "spain": spain,
        "acme": acme,
    }


def _rows(report: dict[str, Any]) -> dict[tuple[Any, ...], tuple[str, str, str]]:
    return {
        tuple(row["group"].values()): (
            row["pledged_usd"],
            row["committed_usd"],
            row["disbursed_usd"],
        )
        for row in report["rows"]
    }


async def test_summary_by_country_in_usd(ledger: Ledger, scenario: dict[str, Any]) -> None:
    response = await ledger.client.get("/v1/reports/summary?group_by=country")
    assert response.status_code == 200, response.text
    report = response.json()
    assert _rows(report) == {
        ("GTM",): ("140000.00", "93000.00", "41500.00"),
        ("HND",): ("20000.00", "5000.00", "5000.00"),
    }
    assert report["totals"] == {
        "pledged_usd": "160000.00",
        "committed_usd": "98000.00",
        "disbursed_usd": "46500.00",
    }


async def test_summary_by_contributor_kind_and_year(
    ledger: Ledger, scenario: dict[str, Any]
) -> None:
    response = await ledger.client.get("/v1/reports/summary?group_by=contributor_kind,year")
    # P3's withdrawal restates it as the 5,000 disbursed in 2022: no year goes negative.
    assert _rows(response.json()) == {
        ("private_sector", 2023): ("50000.00", "30000.00", "10000.00"),
        ("state", 2022): ("110000.00", "5000.00", "5000.00"),
        ("state", 2023): ("0.00", "63000.00", "31500.00"),
    }


async def test_summary_filters_by_date_country_and_kind(
    ledger: Ledger, scenario: dict[str, Any]
) -> None:
    in_2023 = await ledger.client.get(
        "/v1/reports/summary?group_by=year&date_from=2023-01-01&date_to=2023-12-31"
    )
    assert _rows(in_2023.json()) == {(2023,): ("50000.00", "93000.00", "41500.00")}
    honduras = await ledger.client.get("/v1/reports/summary?group_by=pledge_kind&country=HND")
    assert _rows(honduras.json()) == {
        ("financial",): ("15000.00", "0.00", "0.00"),
        ("material",): ("5000.00", "5000.00", "5000.00"),
    }
    material = await ledger.client.get(
        "/v1/reports/summary?group_by=contributor&kind=material", headers=SECRETARIAT
    )
    assert _rows(material.json()) == {(scenario["spain"]["id"],): ("5000.00", "5000.00", "5000.00")}
    # P3 is restricted: anonymous callers see its figures under an undisclosed contributor.
    anonymous = await ledger.client.get("/v1/reports/summary?group_by=contributor&kind=material")
    assert _rows(anonymous.json()) == {(None,): ("5000.00", "5000.00", "5000.00")}


async def test_summary_by_objective_and_pillar(ledger: Ledger, scenario: dict[str, Any]) -> None:
    by_objective = await ledger.client.get("/v1/reports/summary?group_by=objective")
    assert _rows(by_objective.json()) == {
        (scenario["o1"]["id"],): ("105000.00", "63000.00", "31500.00"),
        (scenario["o2"]["id"],): ("5000.00", "5000.00", "5000.00"),
        (None,): ("50000.00", "30000.00", "10000.00"),
    }
    by_pillar = await ledger.client.get("/v1/reports/summary?group_by=pillar")
    rows = _rows(by_pillar.json())
    assert rows[("durable_solutions",)] == ("105000.00", "63000.00", "31500.00")
    assert rows[("reception_admission",)] == ("5000.00", "5000.00", "5000.00")


async def test_summary_rejects_bad_group_by(ledger: Ledger) -> None:
    assert (await ledger.client.get("/v1/reports/summary?group_by=planet")).status_code == 422
    three = "country,year,pillar"
    assert (await ledger.client.get(f"/v1/reports/summary?group_by={three}")).status_code == 422


async def test_gaps_per_objective_and_country(ledger: Ledger, scenario: dict[str, Any]) -> None:
    response = await ledger.client.get("/v1/reports/gaps")
    assert response.status_code == 200, response.text
    report = response.json()
    figures = [
        (
            row["objective_id"],
            row["requirement_usd"],
            row["committed_usd"],
            row["disbursed_usd"],
            row["gap_usd"],
            row["coverage_percent"],
        )
        for row in report["objectives"]
    ]
    assert figures == [
        (scenario["o1"]["id"], "1000000.00", "63000.00", "31500.00", "937000.00", "6.30"),
        (scenario["o2"]["id"], "500000.00", "5000.00", "5000.00", "495000.00", "1.00"),
        (scenario["o3"]["id"], "220000.00", "0.00", "0.00", "220000.00", "0.00"),
    ]
    assert report["countries"] == [
        {
            "country": "GTM",
            "requirement_usd": "1220000.00",
            "committed_usd": "63000.00",
            "disbursed_usd": "31500.00",
            "gap_usd": "1157000.00",
            "coverage_percent": "5.16",
        },
        {
            "country": "HND",
            "requirement_usd": "500000.00",
            "committed_usd": "5000.00",
            "disbursed_usd": "5000.00",
            "gap_usd": "495000.00",
            "coverage_percent": "1.00",
        },
    ]
    honduras = await ledger.client.get("/v1/reports/gaps?country=HND")
    assert [r["objective_id"] for r in honduras.json()["objectives"]] == [scenario["o2"]["id"]]
    health = await ledger.client.get("/v1/reports/gaps?theme=health")
    assert [r["objective_id"] for r in health.json()["objectives"]] == [scenario["o3"]["id"]]


async def test_synthesis_of_a_half_year(ledger: Ledger, scenario: dict[str, Any]) -> None:
    response = await ledger.client.get("/v1/reports/synthesis?period=2023-H1")
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["starts_on"], report["ends_on"]) == ("2023-01-01", "2023-06-30")
    # P3, withdrawn since, is restated as its 5,000 disbursed in 2022 in both halves.
    assert report["totals"] == {
        "pledged_usd": "160000.00",
        "committed_usd": "98000.00",
        "disbursed_usd": "36500.00",
    }
    assert report["previous_totals"] == {
        "pledged_usd": "110000.00",
        "committed_usd": "5000.00",
        "disbursed_usd": "5000.00",
    }
    assert report["change"] == {
        "pledged_usd": "50000.00",
        "committed_usd": "93000.00",
        "disbursed_usd": "31500.00",
    }
    assert report["new_pledges_count"] == 1
    assert [p["id"] for p in report["new_pledges"]] == [scenario["p2"]["id"]]
    assert [p["name"] for p in report["new_partners"]] == ["ACME"]
    assert [(g["objective_id"], g["gap_usd"]) for g in report["largest_gaps"]] == [
        (scenario["o1"]["id"], "937000.00"),
        (scenario["o2"]["id"], "495000.00"),
        (scenario["o3"]["id"], "220000.00"),
    ]
    assert report["rates_as_of"] == "2023-01-01"
    kinds = {
        r["group"]["contributor_kind"]: r["pledged_usd"] for r in report["by_contributor_kind"]
    }
    assert kinds == {"private_sector": "50000.00", "state": "110000.00"}


async def test_synthesis_as_csv(ledger: Ledger, scenario: dict[str, Any]) -> None:
    response = await ledger.client.get(
        "/v1/reports/synthesis?period=2023-H1", headers={"Accept": "text/csv"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    end = next(r for r in rows if r["section"] == "totals" and r["key"] == "end_of_period")
    assert (end["pledged_usd"], end["committed_usd"], end["disbursed_usd"]) == (
        "160000.00",
        "98000.00",
        "36500.00",
    )
    assert {r["key"] for r in rows if r["section"] == "by_country"} == {"GTM", "HND"}


async def test_synthesis_rejects_a_malformed_period(ledger: Ledger) -> None:
    response = await ledger.client.get("/v1/reports/synthesis?period=2023-Q1")
    assert response.status_code == 422


async def test_an_entry_without_objective_counts_for_the_objectives_of_its_country(
    ledger: Ledger,
) -> None:
    org = await ledger.organisation()
    guatemala = await ledger.objective(country="GTM")
    honduras = await ledger.objective(country="HND")
    pledge = await ledger.pledge(
        org["id"],
        recipient_countries=["GTM", "HND"],
        objective_ids=[guatemala["id"], honduras["id"]],
    )
    assert (await ledger.entry(pledge["id"], "commitment", "300")).status_code == 201
    report = (await ledger.client.get("/v1/reports/gaps")).json()
    committed = {row["objective_id"]: row["committed_usd"] for row in report["objectives"]}
    assert committed == {guatemala["id"]: "300.00", honduras["id"]: "0.00"}
    pledged = {row["objective_id"]: row["pledged_usd"] for row in report["objectives"]}
    assert pledged == {guatemala["id"]: "500.00", honduras["id"]: "500.00"}
