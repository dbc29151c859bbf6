"""The pledges service's remaining writes through the gateway, end to end against the real
services: allocation lines, exchange rates from CSV, and import jobs polled to the end."""

from __future__ import annotations

import asyncio
from typing import Any

from strawberry import relay

from tests.gateway.conftest import SECRETARIAT, Stack

ALLOCATE = """mutation($input: AllocatePledgeInput!) {
  allocatePledge(input: $input) {
    pledge { allocationStated allocation { country { code } amount { amount } } } } }"""


async def test_allocate_pledge_states_lines_the_service_keeps(stack: Stack) -> None:
    organisation = await stack.organisation()
    pledge = await stack.pledge(organisation["id"], recipient_countries=["GTM", "HND"])
    lines = [{"country": "GTM", "share": "0.75"}, {"country": "HND", "share": "0.25"}]

    data = await stack.data(
        ALLOCATE, {"input": {"pledgeId": pledge["id"], "lines": lines}}, SECRETARIAT
    )

    answered = data["allocatePledge"]["pledge"]
    assert answered["allocationStated"] is True
    assert {line["country"]["code"] for line in answered["allocation"]} == {"GTM", "HND"}
    stored = await stack.rest("pledges", "GET", f"/v1/pledges/{pledge['id']}")
    assert {line["country"]: line["amount"] for line in stored["allocation"]} == {
        "GTM": "75000.0000",
        "HND": "25000.0000",
    }


async def test_allocation_back_to_the_equal_split_with_null_lines(stack: Stack) -> None:
    organisation = await stack.organisation()
    pledge = await stack.pledge(organisation["id"], recipient_countries=["GTM", "HND"])
    global_id = str(relay.GlobalID("Pledge", pledge["id"]))
    await stack.data(
        ALLOCATE,
        {"input": {"pledgeId": global_id, "lines": [{"country": "GTM", "share": "1"}]}},
        SECRETARIAT,
    )

    data = await stack.data(
        ALLOCATE, {"input": {"pledgeId": global_id, "lines": None}}, SECRETARIAT
    )

    assert data["allocatePledge"]["pledge"]["allocationStated"] is False
    assert len(data["allocatePledge"]["pledge"]["allocation"]) == 2


async def test_allocation_errors_name_the_input_path(stack: Stack) -> None:
    organisation = await stack.organisation()
    pledge = await stack.pledge(organisation["id"])

    body = await stack.query(
        ALLOCATE,
        {"input": {"pledgeId": pledge["id"], "lines": [{"country": "XXX", "share": "1"}]}},
        SECRETARIAT,
    )

    error = body["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert [item["field"] for item in error["extensions"]["errors"]] == ["input.lines.0.country"]


async def test_allocation_without_a_token_is_unauthenticated(stack: Stack) -> None:
    organisation = await stack.organisation()
    pledge = await stack.pledge(organisation["id"])

    body = await stack.query(ALLOCATE, {"input": {"pledgeId": pledge["id"], "lines": None}})

    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


UPLOAD = """mutation($input: UploadExchangeRatesInput!) {
  uploadExchangeRates(input: $input) {
    result { dryRun rows written errors { row errors } } } }"""


async def test_upload_exchange_rates_writes_every_row(stack: Stack) -> None:
    csv = (
        "currency,rate_date,rate_to_usd,source\n"
        "EUR,2031-01-01,1.1000,ECB\n"
        "EUR,2031-02-01,1.2000,ECB\n"
    )

    data = await stack.data(UPLOAD, {"input": {"csv": csv}}, SECRETARIAT)

    assert data["uploadExchangeRates"]["result"] == {
        "dryRun": False,
        "rows": 2,
        "written": 2,
        "errors": [],
    }
    rates = await stack.rest("pledges", "GET", "/v1/exchange-rates?currency=EUR&limit=200")
    assert {"2031-01-01", "2031-02-01"} <= {rate["rate_date"] for rate in rates["items"]}


async def test_upload_exchange_rates_with_a_bad_row_writes_nothing(stack: Stack) -> None:
    csv = "currency,rate_date,rate_to_usd,source\nEUR,2032-01-01,1.1,ECB\nEUR,2032-02-01,-3,ECB\n"

    body = await stack.query(UPLOAD, {"input": {"csv": csv}}, SECRETARIAT)

    error = body["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["message"] == "1 of 2 rows have errors; nothing was written"
    rates = await stack.rest("pledges", "GET", "/v1/exchange-rates?currency=EUR&limit=200")
    assert "2032-01-01" not in {rate["rate_date"] for rate in rates["items"]}


START = """mutation($input: StartPledgeImportInput!) {
  startPledgeImport(input: $input) { job { restId state dryRun rowsTotal } } }"""
POLL = """query($id: String!) {
  pledgeImport(id: $id) { state rowsWritten progress errors { row } detail } }"""
ENTRY_HEADER = "record_type,id,pledge_id,entry_type,amount,currency,value_date,recipient_country"


async def _finished(stack: Stack, job_id: str) -> dict[str, Any]:
    for _ in range(500):
        data = await stack.data(POLL, {"id": job_id}, SECRETARIAT)
        job: dict[str, Any] = data["pledgeImport"]
        if job["state"] in {"SUCCEEDED", "FAILED"}:
            return job
        await asyncio.sleep(0.01)
    raise AssertionError(f"the import {job_id} did not finish")


async def test_start_pledge_import_and_poll_it_to_the_end(stack: Stack) -> None:
    organisation = await stack.organisation()
    pledge = await stack.pledge(organisation["id"])
    rows = [f"entry,,{pledge['id']},commitment,10,USD,2023-01-0{n},GTM" for n in (1, 2, 3)]
    csv = "\n".join([ENTRY_HEADER, *rows]) + "\n"

    started = await stack.data(START, {"input": {"csv": csv}}, SECRETARIAT)

    job = started["startPledgeImport"]["job"]
    assert (job["dryRun"], job["state"]) == (False, "QUEUED")
    finished = await _finished(stack, job["restId"])
    assert (finished["state"], finished["rowsWritten"], finished["progress"]) == (
        "SUCCEEDED",
        3,
        1.0,
    )
    stored = await stack.rest("pledges", "GET", f"/v1/pledges/{pledge['id']}")
    assert stored["totals"]["committed"] == "30.0000"


async def test_a_failed_import_lists_the_bad_rows(stack: Stack) -> None:
    csv = f"{ENTRY_HEADER}\nentry,,not-a-pledge,commitment,10,USD,2023-01-01,GTM\n"

    started = await stack.data(START, {"input": {"csv": csv}}, SECRETARIAT)

    finished = await _finished(stack, started["startPledgeImport"]["job"]["restId"])
    assert finished["state"] == "FAILED"
    assert [error["row"] for error in finished["errors"]] == [1]


async def test_an_unknown_import_is_null(stack: Stack) -> None:
    data = await stack.data(POLL, {"id": "0b7d0c1e-6f0a-4c55-9d0c-3c1f1d7a2b10"}, SECRETARIAT)

    assert data["pledgeImport"] is None
