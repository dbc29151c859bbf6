"""CSV the ledger emits opens safely in a spreadsheet, says what an amount is worth in USD,
and still imports back."""

from __future__ import annotations

import csv
import io
import uuid

from tests.pledges.conftest import SECRETARIAT, Ledger, imported

FORMULA = '=HYPERLINK("http://evil.example","click")'
CSV_HEADERS = {**SECRETARIAT, "Content-Type": "text/csv"}


async def test_formula_text_is_neutralised_and_imports_back_unchanged(ledger: Ledger) -> None:
    org = await ledger.organisation()
    await ledger.pledge(org["id"], title={"en": FORMULA, "es": "@SUM(A1:A9)"})
    exported = (await ledger.client.get("/v1/exports/pledges", headers=SECRETARIAT)).text
    row = next(csv.DictReader(io.StringIO(exported)))
    assert row["title_en"] == "'" + FORMULA
    assert row["title_es"] == "'@SUM(A1:A9)"
    fresh = exported.replace(row["id"], str(uuid.uuid4()))
    job = await imported(ledger, fresh, CSV_HEADERS)
    assert (job["state"], job["rows_written"]) == ("succeeded", 1), job
    pledges = (await ledger.client.get("/v1/pledges", headers=SECRETARIAT)).json()["items"]
    assert {p["title"]["en"] for p in pledges} == {FORMULA}  # the ' is not imported


async def test_synthesis_csv_neutralises_a_contributor_name(ledger: Ledger) -> None:
    org = await ledger.organisation(name="-1+cmd|' /C calc'!A0")
    await ledger.pledge(org["id"], announced_on="2023-03-01")
    response = await ledger.client.get(
        "/v1/reports/synthesis", params={"period": "2023-H1"}, headers={"Accept": "text/csv"}
    )
    assert response.status_code == 200, response.text
    names = [row[5] for row in csv.reader(io.StringIO(response.text)) if row[0] == "new_partner"]
    assert names == ["'-1+cmd|' /C calc'!A0"]


async def test_the_pledge_export_has_usd_and_rate_columns(ledger: Ledger) -> None:
    await ledger.rate("EUR", "2022-01-01", "1.05")
    org = await ledger.organisation()
    await ledger.pledge(org["id"], amount={"amount": "1000", "currency": "EUR"})
    exported = (await ledger.client.get("/v1/exports/pledges", headers=SECRETARIAT)).text
    row = next(csv.DictReader(io.StringIO(exported)))
    assert (row["currency"], row["rate_to_usd"]) == ("EUR", "1.0500000000")
    assert row["amount_usd"].startswith("1050.")


async def test_bom_is_optional(ledger: Ledger) -> None:
    plain = await ledger.client.get("/v1/exports/pledges", headers=SECRETARIAT)
    with_bom = await ledger.client.get("/v1/exports/pledges?bom=true", headers=SECRETARIAT)
    assert not plain.content.startswith(b"\xef\xbb\xbf")
    assert with_bom.content.startswith(b"\xef\xbb\xbf")
    assert with_bom.content[3:] == plain.content
