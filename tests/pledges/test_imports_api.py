"""CSV export and import: the export round-trips; any bad row means nothing is written."""

from __future__ import annotations

import csv
import io
import uuid

from tests.conftest import auth_headers
from tests.pledges.conftest import SECRETARIAT, Ledger, imported

CSV_HEADERS = {**SECRETARIAT, "Content-Type": "text/csv"}


async def _count_pledges(ledger: Ledger) -> int:
    return len((await ledger.client.get("/v1/pledges", headers=SECRETARIAT)).json()["items"])


async def test_export_imports_back_with_the_same_ledger(ledger: Ledger) -> None:
    await ledger.rate("EUR", "2022-01-01", "1.05")
    org = await ledger.organisation()
    objective = await ledger.objective()
    pledge = await ledger.pledge(
        org["id"], amount={"amount": "1000", "currency": "EUR"}, objective_ids=[objective["id"]]
    )
    first = (await ledger.entry(pledge["id"], "commitment", "600", "EUR", note="n1")).json()
    await ledger.reversal(pledge["id"], first["id"], "2023-03-01")
    await ledger.entry(pledge["id"], "commitment", "500", "EUR")
    assert (await ledger.entry(pledge["id"], "disbursement", "105", "USD")).status_code == 201
    pledges_csv = (await ledger.client.get("/v1/exports/pledges", headers=SECRETARIAT)).text
    entries_csv = (await ledger.client.get("/v1/exports/entries", headers=SECRETARIAT)).text
    assert len(list(csv.DictReader(io.StringIO(entries_csv)))) == 4
    # Import the same records as new ones: fresh ids for the pledge and its entries.
    combined = pledges_csv + entries_csv.split("\n", 1)[1]
    for old in {row["id"] for row in csv.DictReader(io.StringIO(combined))}:
        combined = combined.replace(old, str(uuid.uuid4()))
    job = await imported(ledger, combined)
    assert job["state"] == "succeeded", (job["detail"], job["errors"])
    assert (job["rows_total"], job["rows_written"], job["errors"]) == (5, 5, [])
    pledges = (await ledger.client.get("/v1/pledges", headers=SECRETARIAT)).json()["items"]
    assert len(pledges) == 2
    assert pledges[0]["totals"] == pledges[1]["totals"]
    assert pledges[1]["totals"]["committed"] == "500.0000"
    assert pledges[1]["objective_ids"] == [objective["id"]]


async def test_a_file_with_a_bad_row_writes_nothing_and_dry_run_lists_each_error(
    ledger: Ledger,
) -> None:
    org = await ledger.organisation()
    good = f"pledge,,{org['id']},financial,Good,100,USD,GTM,2023-01-01"
    bad_currency = f"pledge,,{org['id']},financial,Bad,100,XXZ,GTM,2023-01-01"
    other_org = f"pledge,,{uuid.uuid4()},financial,Nobody,100,USD,GTM,2023-01-01"
    header = (
        "record_type,id,contributor_id,kind,title_en,amount,currency,recipient_countries,"
        "announced_on"
    )
    content = "\n".join([header, good, bad_currency, other_org]) + "\n"
    report = await imported(ledger, content, dry_run=True)
    assert report["state"] == "succeeded"
    assert report["rows_written"] == 0
    assert [error["row"] for error in report["errors"]] == [2, 3]
    assert "XXZ" in report["errors"][0]["errors"][0]
    assert await _count_pledges(ledger) == 0
    real = await imported(ledger, content)
    assert real["state"] == "failed"
    assert real["detail"] == "2 of 3 rows have errors; nothing was written"
    assert [error["row"] for error in real["errors"]] == [2, 3]
    assert await _count_pledges(ledger) == 0
    clean = "\n".join([header, good]) + "\n"
    checked = await imported(ledger, clean, dry_run=True)
    assert (checked["state"], checked["rows_written"], checked["errors"]) == ("succeeded", 0, [])
    assert await _count_pledges(ledger) == 0


async def test_import_rows_are_authorised_like_the_api(ledger: Ledger) -> None:
    mine = await ledger.organisation()
    theirs = await ledger.organisation()
    header = (
        "record_type,contributor_id,kind,title_en,amount,currency,recipient_countries,announced_on"
    )
    content = "\n".join(
        [
            header,
            f"pledge,{mine['id']},financial,Mine,100,USD,GTM,2023-01-01",
            f"pledge,{theirs['id']},financial,Theirs,100,USD,GTM,2023-01-01",
        ]
    )
    member = {**auth_headers("member", org_id=mine["id"]), "Content-Type": "text/csv"}
    job = await imported(ledger, content, headers=member)
    assert job["state"] == "failed"
    assert [error["row"] for error in job["errors"]] == [2]
    assert "contributing organisation" in job["errors"][0]["errors"][0]
    assert await _count_pledges(ledger) == 0


async def test_import_breaking_a_ledger_rule_is_reported_per_row(ledger: Ledger) -> None:
    org = await ledger.organisation()
    pledge = await ledger.pledge(org["id"])
    header = "record_type,pledge_id,entry_type,amount,currency,value_date,recipient_country"
    content = "\n".join(
        [
            header,
            f"entry,{pledge['id']},commitment,1000,USD,2023-01-01,GTM",
            f"entry,{pledge['id']},disbursement,1200,USD,2023-01-02,GTM",
        ]
    )
    job = await imported(ledger, content)
    assert job["state"] == "failed"
    errors = job["errors"]
    assert errors[0]["row"] == 2
    assert "disbursements would reach 1200" in errors[0]["errors"][0]
    entries = await ledger.client.get(f"/v1/pledges/{pledge['id']}/entries")
    assert entries.json()["items"] == []


async def test_exchange_rates_bulk_upload_is_all_or_nothing(ledger: Ledger) -> None:
    content = (
        "currency,rate_date,rate_to_usd,source\n"
        "EUR,2023-01-01,1.07,ECB\n"
        "GTQ,2023-01-01,-1,Banguat\n"
        "EUR,2023-01-01,1.08,ECB\n"
    )
    headers = {**SECRETARIAT, "Content-Type": "text/csv"}
    bad = await ledger.client.post("/v1/exchange-rates/bulk", content=content, headers=headers)
    assert bad.status_code == 422
    assert [e["row"] for e in bad.json()["errors"]] == [2, 3]
    assert (await ledger.client.get("/v1/exchange-rates")).json()["items"] == []
    good = (
        "currency,rate_date,rate_to_usd,source\nEUR,2023-01-01,1.07,ECB\nEUR,2023-07-01,1.09,ECB\n"
    )
    dry = await ledger.client.post(
        "/v1/exchange-rates/bulk?dry_run=true", content=good, headers=headers
    )
    assert dry.json()["written"] == 0
    assert (await ledger.client.get("/v1/exchange-rates")).json()["items"] == []
    done = await ledger.client.post("/v1/exchange-rates/bulk", content=good, headers=headers)
    assert done.json()["written"] == 2
    rates = (await ledger.client.get("/v1/exchange-rates?currency=EUR")).json()["items"]
    assert [(r["rate_date"], r["rate_to_usd"]) for r in rates] == [
        ("2023-01-01", "1.0700000000"),
        ("2023-07-01", "1.0900000000"),
    ]
