"""Import jobs: 202 and a job to poll, idempotent re-import of the export, updates of
changed pledges, errors with row numbers, progress, restarts, who sees a job, own body limit."""

from __future__ import annotations

import asyncio
import csv
import io
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from fastapi import FastAPI

from services.common.db import make_engine, make_sessionmaker
from services.common.settings import CommonSettings
from services.pledges import jobs, rollups
from services.pledges.app import create_app
from services.pledges.config import Settings
from tests.conftest import TEST_COMMON_SETTINGS, auth_headers
from tests.pledges.conftest import SECRETARIAT, Ledger, imported, make_app

RunApp = Callable[[FastAPI], Awaitable[httpx.AsyncClient]]


async def _export(ledger: Ledger, headers: dict[str, str] = SECRETARIAT) -> str:
    pledges = (await ledger.client.get("/v1/exports/pledges", headers=headers)).text
    entries = (await ledger.client.get("/v1/exports/entries", headers=headers)).text
    return pledges + entries.split("\n", 1)[1]


async def _ledger_with_entries(ledger: Ledger) -> dict[str, Any]:
    org = await ledger.organisation()
    pledge = await ledger.pledge(
        org["id"],
        amount={"amount": "1000", "currency": "USD"},
        recipient_countries=["GTM", "HND"],
    )
    first = (await ledger.entry(pledge["id"], "commitment", "300", note="private")).json()
    await ledger.reversal(pledge["id"], first["id"], "2023-03-01")
    await ledger.entry(pledge["id"], "commitment", "400", recipient_country="HND")
    await ledger.entry(pledge["id"], "disbursement", "150", recipient_country="HND")
    return pledge


async def _pledge(ledger: Ledger, pledge_id: str) -> dict[str, Any]:
    response = await ledger.client.get(f"/v1/pledges/{pledge_id}", headers=SECRETARIAT)
    result: dict[str, Any] = response.json()
    return result


async def test_reimporting_the_export_is_a_no_op(ledger: Ledger) -> None:
    pledge = await _ledger_with_entries(ledger)
    before = await _pledge(ledger, pledge["id"])
    exported = await _export(ledger)
    job = await imported(ledger, exported)
    assert job["state"] == "succeeded", job
    assert (job["rows_total"], job["rows_written"], job["rows_unchanged"]) == (5, 0, 5)
    assert job["errors"] == []
    assert await _pledge(ledger, pledge["id"]) == before
    assert await _export(ledger) == exported
    # Exported by a caller who does not see the notes: still unchanged.
    public = await _export(ledger, {})
    assert (await imported(ledger, public))["rows_unchanged"] == 5


async def test_reimporting_a_changed_pledge_updates_it_and_a_changed_entry_is_refused(
    ledger: Ledger,
) -> None:
    pledge = await _ledger_with_entries(ledger)
    rows = list(csv.DictReader(io.StringIO(await _export(ledger))))
    rows[0]["title_en"] = "Livelihoods, renamed"
    rows[0]["implementation_status"] = "in_progress"
    job = await imported(ledger, _csv(rows))
    assert job["state"] == "succeeded", job
    assert (job["rows_written"], job["rows_unchanged"]) == (1, 4)
    changed = await _pledge(ledger, pledge["id"])
    assert changed["title"]["en"] == "Livelihoods, renamed"
    assert changed["implementation_status"] == "in_progress"
    rows[3]["amount"] = "399.0000"
    refused = await imported(ledger, _csv(rows))
    assert refused["state"] == "failed"
    assert [error["row"] for error in refused["errors"]] == [4]
    assert "ledger entries do not change" in refused["errors"][0]["errors"][0]


def _csv(rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def _entries(pledge_id: str, count: int, entry_type: str = "commitment") -> list[str]:
    return [
        f"entry,,{pledge_id},{entry_type},1,USD,2023-01-{1 + n % 28:02d},GTM" for n in range(count)
    ]


ENTRY_HEADER = "record_type,id,pledge_id,entry_type,amount,currency,value_date,recipient_country"


async def test_a_job_goes_queued_running_succeeded_and_reports_progress(ledger: Ledger) -> None:
    org = await ledger.organisation()
    pledge = await ledger.pledge(org["id"], amount={"amount": "500", "currency": "USD"})
    content = "\n".join([ENTRY_HEADER, *_entries(pledge["id"], 300)]) + "\n"
    job = await imported(ledger, content)
    assert job["state"] == "succeeded"
    assert job["rows_total"] == job["rows_validated"] == job["rows_written"] == 300
    assert job["progress"] == 1.0
    assert job["started_at"] >= job["created_at"]
    assert job["finished_at"] >= job["started_at"]
    assert (await _pledge(ledger, pledge["id"]))["totals"]["committed"] == "300.0000"
    assert await rollups.rebuild_or_check(ledger.database_url, only_check=True) == []


async def test_every_bad_row_is_reported_by_number_and_nothing_is_written(
    ledger: Ledger,
) -> None:
    org = await ledger.organisation()
    small = await ledger.pledge(org["id"], amount={"amount": "100", "currency": "USD"})
    other = await ledger.pledge(org["id"])
    rows = [
        *_entries(small["id"], 99),  # rows 1-99, fine
        f"entry,,{small['id']},commitment,5,USD,2023-02-01,GTM",  # 100: over the pledged
        f"entry,,{small['id']},commitment,1,USD,2023-02-01,SLV",  # 101: not a recipient
        f"entry,,{other['id']},commitment,1,XXZ,2023-02-01,GTM",  # 102: bad currency
        f"entry,,{uuid.uuid4()},commitment,1,USD,2023-02-01,GTM",  # 103: no such pledge
        f"entry,,{other['id']},disbursement,1,USD,2023-02-01,GTM",  # 104: nothing committed
        f"entry,,{other['id']},commitment,1,USD,2023-02-01,GTM",  # 105: fine
    ]
    job = await imported(ledger, "\n".join([ENTRY_HEADER, *rows]) + "\n")
    assert job["state"] == "failed"
    assert job["detail"] == "5 of 105 rows have errors; nothing was written"
    assert [error["row"] for error in job["errors"]] == [100, 101, 102, 103, 104]
    assert "commitments would reach 104" in job["errors"][0]["errors"][0]
    assert job["rows_written"] == 0
    for pledge in (small, other):
        assert (await _pledge(ledger, pledge["id"]))["totals"]["committed"] == "0.0000"


async def test_a_member_imports_only_for_its_own_organisation(ledger: Ledger) -> None:
    mine = await ledger.organisation()
    theirs = await ledger.organisation()
    my_pledge = await ledger.pledge(mine["id"])
    their_pledge = await ledger.pledge(theirs["id"])
    member = {**auth_headers("member", org_id=mine["id"], sub="m-1"), "Content-Type": "text/csv"}
    rows = [*_entries(my_pledge["id"], 2), *_entries(their_pledge["id"], 2)]
    job = await imported(ledger, "\n".join([ENTRY_HEADER, *rows]) + "\n", member)
    assert job["state"] == "failed"
    assert [error["row"] for error in job["errors"]] == [3, 4]
    ok = await imported(ledger, "\n".join([ENTRY_HEADER, *rows[:2]]) + "\n", member)
    assert (ok["state"], ok["rows_written"]) == ("succeeded", 2)
    # The job is the submitter's (and the secretariat's) to see.
    stranger = auth_headers("member", org_id=mine["id"], sub="m-2")
    assert (await ledger.client.get(f"/v1/imports/{ok['id']}", headers=stranger)).status_code == (
        404
    )
    seen = await ledger.client.get(f"/v1/imports/{ok['id']}", headers=SECRETARIAT)
    assert seen.status_code == 200
    assert (await ledger.client.get(f"/v1/imports/{ok['id']}")).status_code == 401


async def test_a_restart_fails_running_jobs_and_runs_queued_ones(
    ledger: Ledger, run_app: RunApp
) -> None:
    org = await ledger.organisation()
    pledge = await ledger.pledge(org["id"])
    content = ("\n".join([ENTRY_HEADER, *_entries(pledge["id"], 3)]) + "\n").encode()
    running, queued = uuid.uuid4(), uuid.uuid4()
    engine = make_engine(ledger.database_url)
    async with make_sessionmaker(engine)() as session:
        for job_id, state in ((running, "running"), (queued, "queued")):
            job = await jobs.submit(
                session, jobs._principal(_SECRETARIAT_VALUES), content, dry_run=False
            )
            job.id, job.state = job_id, state
        await session.commit()
    await engine.dispose()
    client = await run_app(make_app(ledger.database_url))  # the "restarted" process
    for _ in range(500):
        failed = (await client.get(f"/v1/imports/{running}", headers=SECRETARIAT)).json()
        if failed["state"] != "running":
            break
        await asyncio.sleep(0.01)
    assert (failed["state"], failed["detail"]) == ("failed", jobs.INTERRUPTED)
    for _ in range(500):
        resumed = (await client.get(f"/v1/imports/{queued}", headers=SECRETARIAT)).json()
        if resumed["state"] == "succeeded":
            break
        await asyncio.sleep(0.01)
    assert (resumed["state"], resumed["rows_written"]) == ("succeeded", 3)
    assert (await _pledge(ledger, pledge["id"]))["totals"]["committed"] == "3.0000"


_SECRETARIAT_VALUES: dict[str, Any] = {
    "sub": "secretariat-1",
    "roles": ["secretariat"],
    "org_id": None,
    "countries": [],
}


async def test_imports_have_their_own_streamed_body_limit(
    database_url_for: Callable[[str], Awaitable[str]], run_app: RunApp
) -> None:
    common = CommonSettings(**{**TEST_COMMON_SETTINGS.model_dump(), "max_body_bytes": 2048})
    settings = Settings(
        database_url=await database_url_for("pledges"), mirps=common, max_import_bytes=8192
    )
    client = await run_app(create_app(settings))
    headers = {**SECRETARIAT, "Content-Type": "text/csv"}
    org = (
        await client.post(
            "/v1/organisations", json={"name": "O", "kind": "state"}, headers=SECRETARIAT
        )
    ).json()
    pledge = await client.post(
        "/v1/pledges",
        json={
            "contributor_id": org["id"],
            "kind": "financial",
            "title": {"en": "Big file"},
            "amount": {"amount": "1000", "currency": "USD"},
            "recipient_countries": ["GTM"],
            "announced_on": "2022-09-28",
        },
        headers=SECRETARIAT,
    )
    rows = _entries(pledge.json()["id"], 80)  # ~5 kB: above the general limit
    content = "\n".join([ENTRY_HEADER, *rows]) + "\n"
    assert 2048 < len(content) < 8192
    accepted = await client.post("/v1/imports", content=content, headers=headers)
    assert accepted.status_code == 202, accepted.text
    for _ in range(1000):
        job = (await client.get(f"/v1/imports/{accepted.json()['id']}", headers=headers)).json()
        if job["state"] == "succeeded":
            break
        await asyncio.sleep(0.01)
    assert job["rows_written"] == 80
    too_big = content + "\n".join(rows) * 2

    async def chunks() -> Any:  # no Content-Length: counted as it streams
        for start in range(0, len(too_big), 1000):
            yield too_big[start : start + 1000].encode()

    refused = await client.post("/v1/imports", content=chunks(), headers=headers)
    assert refused.status_code == 413
    assert "8192 bytes" in refused.json()["detail"]
    declared = await client.post("/v1/imports", content=too_big, headers=headers)
    assert declared.status_code == 413
    listed = await client.post("/v1/organisations", content="x" * 3000, headers=headers)
    assert listed.status_code == 413  # the general limit still holds elsewhere


async def test_a_retried_submission_with_its_idempotency_key_makes_one_job(
    ledger: Ledger,
) -> None:
    org = await ledger.organisation()
    pledge = await ledger.pledge(org["id"])
    content = "\n".join([ENTRY_HEADER, *_entries(pledge["id"], 2)]) + "\n"
    headers = {**SECRETARIAT, "Content-Type": "text/csv", "Idempotency-Key": str(uuid.uuid4())}
    first = await ledger.client.post("/v1/imports", content=content, headers=headers)
    again = await ledger.client.post("/v1/imports", content=content, headers=headers)
    assert first.status_code == again.status_code == 202
    assert first.json()["id"] == again.json()["id"]
    job = await imported(ledger, content, dry_run=True)  # a later job, to wait on
    assert job["state"] == "succeeded"
    for _ in range(500):
        done = (
            await ledger.client.get(f"/v1/imports/{first.json()['id']}", headers=SECRETARIAT)
        ).json()
        if done["state"] == "succeeded":
            break
        await asyncio.sleep(0.01)
    assert (await _pledge(ledger, pledge["id"]))["totals"]["committed"] == "2.0000"
