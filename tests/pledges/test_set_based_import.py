"""The set-based import: many pledges' entries checked together keep every rule, report
every bad row across pledges, move the rollups exactly, emit one change-feed event per
pledge, and re-importing the export writes nothing."""

from __future__ import annotations

import uuid
from typing import Any

from services.common.db import make_engine, make_sessionmaker
from services.pledges import reports, rollups
from services.pledges.schemas import Dimension
from tests.pledges.conftest import SECRETARIAT, Ledger, imported
from tests.pledges.test_changes import feed, head

HEADER = (
    "record_type,id,pledge_id,contributor_id,kind,title_en,amount,currency,"
    "recipient_countries,announced_on,entry_type,value_date,recipient_country"
)


def _pledge_rows(contributor_id: str, pledge_id: uuid.UUID, entries: list[str]) -> list[str]:
    rows = [
        f"pledge,{pledge_id},,{contributor_id},financial,Imported,1000,USD,GTM;HND,2023-01-01,,,"
    ]
    for entry in entries:
        rows.append(f"entry,,{pledge_id},,,,{entry}")
    return rows


async def _check_and_scan(url: str) -> tuple[list[str], Any, Any]:
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as session:
            differences = await rollups.check(session)
            filters = reports.ReportFilters()
            group_by = [Dimension.COUNTRY]
            scanned = (await session.execute(reports.summary_statement(group_by, filters))).all()
            rolled = (
                await session.execute(reports.rollup_summary_statement(group_by, filters))
            ).all()
    finally:
        await engine.dispose()
    return (
        differences,
        {row.country: (row.pledged, row.committed, row.disbursed) for row in scanned},
        {row.country: (row.pledged, row.committed, row.disbursed) for row in rolled},
    )


async def test_an_import_of_many_pledges_moves_rollups_and_emits_one_event_per_pledge(
    ledger: Ledger,
) -> None:
    org = await ledger.organisation()
    existing = await ledger.pledge(org["id"], recipient_countries=["GTM"])
    first, second = uuid.uuid4(), uuid.uuid4()
    rows = [HEADER]
    rows += _pledge_rows(
        org["id"],
        first,
        [
            "300,USD,,,commitment,2023-02-01,GTM",
            "200,USD,,,commitment,2023-02-01,HND",
            "100,USD,,,disbursement,2023-08-01,GTM",
        ],
    )
    rows += _pledge_rows(org["id"], second, ["400,USD,,,commitment,2023-03-01,HND"])
    rows.append(f"entry,,{existing['id']},,,,50,USD,,,commitment,2023-04-01,GTM")
    before = await head(ledger)
    job = await imported(ledger, "\n".join(rows) + "\n")
    assert job["state"] == "succeeded", (job["detail"], job["errors"])
    assert job["rows_written"] == 7
    differences, scanned, rolled = await _check_and_scan(ledger.database_url)
    assert differences == []
    assert scanned == rolled
    items = (await feed(ledger, before, limit=100))["items"]
    imported_events = {
        item["data"]["pledge_id"]: item["data"]
        for item in items
        if item["type"] == "org.mirps.pledge.entries_imported"
    }
    assert imported_events == {
        str(first): {
            "pledge_id": str(first),
            "entries": 3,
            "entry_types": {"commitment": 2, "disbursement": 1},
        },
        str(second): {"pledge_id": str(second), "entries": 1, "entry_types": {"commitment": 1}},
        existing["id"]: {
            "pledge_id": existing["id"],
            "entries": 1,
            "entry_types": {"commitment": 1},
        },
    }
    assert not [i for i in items if i["type"] == "org.mirps.pledge.entry_recorded"]
    # The export of what was imported imports back as a no-op.
    pledges_csv = (await ledger.client.get("/v1/exports/pledges", headers=SECRETARIAT)).text
    entries_csv = (await ledger.client.get("/v1/exports/entries", headers=SECRETARIAT)).text
    again = await imported(ledger, pledges_csv + entries_csv.split("\n", 1)[1])
    assert (again["state"], again["rows_written"], again["errors"]) == ("succeeded", 0, [])
    assert again["rows_unchanged"] == again["rows_total"] == 3 + 5


async def test_every_bad_row_of_every_pledge_is_reported_and_nothing_is_written(
    ledger: Ledger,
) -> None:
    org = await ledger.organisation()
    first, second = uuid.uuid4(), uuid.uuid4()
    rows = [HEADER]
    # Data row 2 commits beyond the GTM line (500), row 3 disburses before any
    # commitment, row 5 names a country the pledge does not go to, row 6 a pledge that
    # does not exist.
    rows += _pledge_rows(
        org["id"],
        first,
        ["600,USD,,,commitment,2023-02-01,GTM", "10,USD,,,disbursement,2023-02-01,HND"],
    )
    rows += _pledge_rows(org["id"], second, ["10,USD,,,commitment,2023-02-01,CRI"])
    rows.append(f"entry,,{uuid.uuid4()},,,,10,USD,,,commitment,2023-02-01,GTM")
    before = await head(ledger)
    job = await imported(ledger, "\n".join(rows) + "\n")
    assert job["state"] == "failed"
    assert [error["row"] for error in job["errors"]] == [2, 3, 5, 6]
    assert "does not exist" in job["errors"][-1]["errors"][0]
    listed = (await ledger.client.get("/v1/pledges", headers=SECRETARIAT)).json()["items"]
    assert listed == []
    assert (await feed(ledger, before))["items"] == []
    differences, _, _ = await _check_and_scan(ledger.database_url)
    assert differences == []


async def test_a_dry_run_writes_no_entry_though_they_were_bulk_inserted(ledger: Ledger) -> None:
    """The entries of a dry run go in (COPY on PostgreSQL) inside the import's savepoint,
    and come out again with it."""
    org = await ledger.organisation()
    existing = await ledger.pledge(org["id"], recipient_countries=["GTM"])
    rows = [HEADER, f"entry,,{existing['id']},,,,50,USD,,,commitment,2023-04-01,GTM"]
    rows += _pledge_rows(org["id"], uuid.uuid4(), ["300,USD,,,commitment,2023-02-01,GTM"])
    job = await imported(ledger, "\n".join(rows) + "\n", dry_run=True)
    assert (job["state"], job["errors"], job["rows_written"]) == ("succeeded", [], 0)
    entries = await ledger.client.get(f"/v1/pledges/{existing['id']}/entries", headers=SECRETARIAT)
    assert entries.json()["items"] == []
    listed = (await ledger.client.get("/v1/pledges", headers=SECRETARIAT)).json()["items"]
    assert [p["id"] for p in listed] == [existing["id"]]
    differences, _, _ = await _check_and_scan(ledger.database_url)
    assert differences == []
