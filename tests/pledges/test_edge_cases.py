"""Edge cases of the ledger: withdrawals, reversals, limits, disclosure of restricted pledges."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

import pytest

from services.pledges import service
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
    response = await ledger.reversal(pledge["id"], commitment["id"])
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


# ---------------------------------------------------------------- withdrawals in reports


async def _gap_figures(ledger: Ledger) -> dict[str, tuple[str, str, str]]:
    report = (await ledger.client.get("/v1/reports/gaps")).json()
    return {
        row["objective_id"]: (row["pledged_usd"], row["committed_usd"], row["disbursed_usd"])
        for row in report["objectives"]
    }


async def test_a_withdrawal_restates_each_line_as_what_it_disbursed(
    ledger: Ledger,
) -> None:
    """1000 USD over objectives A and B (GTM); 100 committed to A, 40 disbursed to A.

    Withdrawn: on each allocation line pledged and committed drop to what the line
    disbursed (A 40, B 0), so no objective shows more committed than pledged.
    """
    org = await ledger.organisation()
    a = await ledger.objective()
    b = await ledger.objective()
    pledge = await ledger.pledge(org["id"], objective_ids=[a["id"], b["id"]])
    committed = await ledger.entry(pledge["id"], "commitment", "100", objective_id=a["id"])
    assert committed.status_code == 201
    disbursed = await ledger.entry(pledge["id"], "disbursement", "40", objective_id=a["id"])
    assert disbursed.status_code == 201
    assert await _gap_figures(ledger) == {
        a["id"]: ("500.00", "100.00", "40.00"),
        b["id"]: ("500.00", "0.00", "0.00"),
    }
    await _withdraw(ledger, pledge)
    assert await _gap_figures(ledger) == {
        a["id"]: ("40.00", "40.00", "40.00"),
        b["id"]: ("0.00", "0.00", "0.00"),
    }


async def test_a_withdrawal_takes_commitments_off_in_the_entries_countries(
    ledger: Ledger,
) -> None:
    """1000 USD to GTM + HND (500 each); 100 committed and 40 disbursed in GTM; withdrawn."""
    org = await ledger.organisation()
    pledge = await ledger.pledge(org["id"], recipient_countries=["GTM", "HND"])
    assert (await ledger.entry(pledge["id"], "commitment", "100")).status_code == 201
    assert (await ledger.entry(pledge["id"], "disbursement", "40")).status_code == 201
    await _withdraw(ledger, pledge)
    report = (await ledger.client.get("/v1/reports/summary?group_by=country")).json()
    rows = {
        row["group"]["country"]: (row["pledged_usd"], row["committed_usd"], row["disbursed_usd"])
        for row in report["rows"]
    }
    # HND's line disbursed nothing: withdrawn, it has no figure left.
    assert rows == {"GTM": ("40.00", "40.00", "40.00")}
    assert report["totals"] == {
        "pledged_usd": "40.00",
        "committed_usd": "40.00",
        "disbursed_usd": "40.00",
    }


async def test_a_later_reversal_restates_the_period_of_the_entry_it_reverses(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """1000 USD to GTM: 100 committed, 80 disbursed on 2023-02-01, withdrawn 2023-06-01,
    and the disbursement reversed with value date 2023-09-01.

    The reversal counts on 2023-02-01, the day of the disbursement it cancels: every report
    from then on no longer shows the 80 (those periods are restated), and no period shows a
    negative figure. Withdrawn with nothing disbursed, the pledge counts for nothing.
    """
    org = await ledger.organisation()
    pledge = await ledger.pledge(org["id"])
    assert (await ledger.entry(pledge["id"], "commitment", "100")).status_code == 201
    disbursement = await ledger.entry(pledge["id"], "disbursement", "80", value_date="2023-02-01")
    assert disbursement.status_code == 201
    monkeypatch.setattr(service, "utc_now", lambda: datetime(2023, 6, 1, 12, tzinfo=UTC))
    await _withdraw(ledger, pledge)
    monkeypatch.undo()
    reversal = await ledger.reversal(pledge["id"], disbursement.json()["id"], "2023-09-01")
    assert reversal.status_code == 201, reversal.text

    async def totals(date_to: str) -> dict[str, str]:
        report = await ledger.client.get(f"/v1/reports/summary?group_by=country&date_to={date_to}")
        result: dict[str, str] = report.json()["totals"]
        return result

    for date_to in ("2022-12-31", "2023-05-31", "2023-07-01"):
        assert await totals(date_to) == {
            "pledged_usd": "0.00",
            "committed_usd": "0.00",
            "disbursed_usd": "0.00",
        }
    by_year = await ledger.client.get("/v1/reports/summary?group_by=year")
    for row in by_year.json()["rows"]:
        assert all(not row[f].startswith("-") for f in ("pledged_usd", "committed_usd"))
        assert not row["disbursed_usd"].startswith("-")
    assert await totals("2023-12-31") == {
        "pledged_usd": "0.00",
        "committed_usd": "0.00",
        "disbursed_usd": "0.00",
    }


# ---------------------------------------------------------------- matching in one currency


async def test_matching_counts_unallocated_money_in_the_pledges_currency(ledger: Ledger) -> None:
    """EUR at 1.05 on announcement (2022-09-28), 0.95 from 2023-01-01.

    Fully committed: 1000 EUR committed at 0.95 = 950 USD, less than the 1050 USD pledged
    at 1.05 — yet nothing is unallocated, so it is never suggested. Partly committed:
    600 of 1000 EUR, 400 EUR unallocated = 420.00 USD at the announcement rate (the old
    mixed-rate figure was 1050 - 570 = 480).
    """
    await ledger.rate("EUR", "2022-01-01", "1.05")
    await ledger.rate("EUR", "2023-01-01", "0.95")
    objective = await ledger.objective()
    org = await ledger.organisation()
    euros = {"amount": "1000", "currency": "EUR"}
    full = await ledger.pledge(org["id"], amount=euros)
    partial = await ledger.pledge(org["id"], amount=euros)
    assert (await ledger.entry(full["id"], "commitment", "1000", "EUR")).status_code == 201
    assert (await ledger.entry(partial["id"], "commitment", "600", "EUR")).status_code == 201

    response = await ledger.client.get(
        f"/v1/matching/suggestions?objective_id={objective['id']}", headers=SECRETARIAT
    )
    items = response.json()["items"]
    assert [item["pledge_id"] for item in items] == [partial["id"]]
    assert items[0]["unallocated_usd"] == "420.00"
    assert "420.00 USD unallocated against a gap of 1000000.00 USD" in items[0]["reasons"]


# ---------------------------------------------------------------- restricted pledges in reports


async def test_a_lone_restricted_pledge_is_undisclosed_in_the_summary_for_outsiders(
    ledger: Ledger,
) -> None:
    """Public 1000 USD from A, restricted 300 USD from B (its only pledge)."""
    a = await ledger.organisation()
    b = await ledger.organisation()
    await ledger.pledge(a["id"])
    await ledger.pledge(
        b["id"], amount={"amount": "300", "currency": "USD"}, visibility="restricted"
    )
    path = "/v1/reports/summary?group_by=contributor"

    def rows(body: dict[str, Any]) -> dict[Any, str]:
        return {row["group"]["contributor"]: row["pledged_usd"] for row in body["rows"]}

    anonymous = (await ledger.client.get(path)).json()
    assert rows(anonymous) == {a["id"]: "1000.00", None: "300.00"}
    assert anonymous["totals"]["pledged_usd"] == "1300.00"
    assert b["id"] not in str(anonymous)
    stranger = auth_headers("member", org_id=a["id"])
    assert rows((await ledger.client.get(path, headers=stranger)).json()) == {
        a["id"]: "1000.00",
        None: "300.00",
    }
    own = auth_headers("partner", org_id=b["id"])
    expected = {a["id"]: "1000.00", b["id"]: "300.00"}
    assert rows((await ledger.client.get(path, headers=own)).json()) == expected
    assert rows((await ledger.client.get(path, headers=SECRETARIAT)).json()) == expected


async def test_the_synthesis_names_only_partners_with_a_public_pledge(ledger: Ledger) -> None:
    """In 2023-H1: C pledges restricted only; D restricted on 02-01 then public on 03-01."""
    hidden = await ledger.organisation(name="Hidden Donor")
    later = await ledger.organisation(name="Later Public")
    await ledger.pledge(hidden["id"], announced_on="2023-02-01", visibility="restricted")
    await ledger.pledge(later["id"], announced_on="2023-02-01", visibility="restricted")
    await ledger.pledge(later["id"], announced_on="2023-03-01")
    for headers in ({}, SECRETARIAT):
        report = await ledger.client.get("/v1/reports/synthesis?period=2023-H1", headers=headers)
        body = report.json()
        assert [(p["name"], p["first_pledge_on"]) for p in body["new_partners"]] == [
            ("Later Public", "2023-03-01")
        ]
        assert "Hidden Donor" not in report.text
        assert body["totals"]["pledged_usd"] == "3000.00"
        assert body["new_pledges_count"] == 3


async def test_matching_record_reasons_ignore_restricted_pledges_for_outsiders(
    ledger: Ledger,
) -> None:
    """The contributor's only other GTM pledge on the theme is restricted."""
    objective = await ledger.objective()
    sibling = await ledger.objective()
    org = await ledger.organisation()
    await ledger.pledge(org["id"], objective_ids=[sibling["id"]], visibility="restricted")
    regional = await ledger.pledge(org["id"], recipient_countries=[], regional=True)
    path = f"/v1/matching/suggestions?objective_id={objective['id']}"

    def reasons(body: dict[str, Any]) -> list[str]:
        return next(i["reasons"] for i in body["items"] if i["pledge_id"] == regional["id"])

    anonymous = reasons((await ledger.client.get(path)).json())
    assert "the contributor has pledged to this theme before" not in anonymous
    assert "the contributor has pledged to this country before" not in anonymous
    secretariat = reasons((await ledger.client.get(path, headers=SECRETARIAT)).json())
    assert "the contributor has pledged to this theme before" in secretariat
    assert "the contributor has pledged to this country before" in secretariat


# ---------------------------------------------------------------- large numbers

LARGEST_AMOUNT = "99999999999999"  # the largest whole amount Money accepts (< 10^14)


async def test_an_exchange_rate_above_ten_thousand_usd_per_unit_is_422_naming_it(
    ledger: Ledger,
) -> None:
    for rate in ("100000000000000", "10000.0000000001"):
        response = await ledger.client.post(
            "/v1/exchange-rates",
            json={"currency": "EUR", "rate_date": "2023-01-01", "rate_to_usd": rate, "source": "x"},
            headers=SECRETARIAT,
        )
        assert response.status_code == 422, response.text
        assert "rate_to_usd" in response.text
    await ledger.rate("XAU", "2023-01-01", "10000")
    listed = await ledger.client.get("/v1/exchange-rates", headers=SECRETARIAT)
    assert [rate["currency"] for rate in listed.json()["items"]] == ["XAU"]


async def test_a_pledge_whose_usd_value_cannot_be_stored_is_422_naming_amount(
    ledger: Ledger,
) -> None:
    """99,999,999,999,999 XAU at 2,000 USD = 2.0E+17 USD, beyond NUMERIC(20, 4)."""
    await ledger.rate("XAU", "2022-01-01", "2000")
    org = await ledger.organisation()
    response = await ledger.client.post(
        "/v1/pledges",
        json={
            "contributor_id": org["id"],
            "kind": "financial",
            "title": {"en": "Gold"},
            "amount": {"amount": LARGEST_AMOUNT, "currency": "XAU"},
            "recipient_countries": ["GTM"],
            "announced_on": "2022-09-28",
        },
        headers=SECRETARIAT,
    )
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "amount"
    assert "2.0000E+17" in response.json()["detail"]
    assert (await ledger.client.get("/v1/pledges", headers=SECRETARIAT)).json()["items"] == []


async def test_an_entry_whose_converted_value_cannot_be_stored_is_422_naming_amount(
    ledger: Ledger,
) -> None:
    """A USD pledge of 99,999,999,999,999; entries in XAU (2,000 USD) and against a pledge
    in a currency worth 10^-10 USD would convert beyond the money columns."""
    await ledger.rate("XAU", "2022-01-01", "2000")
    await ledger.rate("VES", "2022-01-01", "0.0000000001")
    org = await ledger.organisation()
    big = await ledger.pledge(org["id"], amount={"amount": LARGEST_AMOUNT, "currency": "USD"})
    in_gold = await ledger.entry(big["id"], "commitment", LARGEST_AMOUNT, "XAU")
    assert in_gold.status_code == 422, in_gold.text
    assert in_gold.json()["field"] == "amount"
    tiny = await ledger.pledge(org["id"], amount={"amount": "1000", "currency": "VES"})
    in_dollars = await ledger.entry(tiny["id"], "commitment", "1000000000", "USD")
    assert in_dollars.status_code == 422, in_dollars.text
    assert in_dollars.json()["field"] == "amount"
    assert "pledge's currency (VES)" in in_dollars.json()["detail"]
    for pledge in (big, tiny):
        entries = await ledger.client.get(
            f"/v1/pledges/{pledge['id']}/entries", headers=SECRETARIAT
        )
        assert entries.json()["items"] == []


async def test_an_objective_whose_usd_requirement_cannot_be_stored_is_422(ledger: Ledger) -> None:
    await ledger.rate("XAU", "2022-01-01", "2000")
    response = await ledger.client.post(
        "/v1/objectives",
        json={
            "country": "GTM",
            "pillar": "durable_solutions",
            "theme": "employment_livelihoods",
            "title": {"en": "Gold"},
            "requirement": {"amount": LARGEST_AMOUNT, "currency": "XAU"},
            "start_year": 2023,
            "end_year": 2025,
        },
        headers=SECRETARIAT,
    )
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "requirement"
