"""Concurrent writers never overdraw a pledge; Idempotency-Key gives exactly one write."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from services.common.db import make_engine, make_sessionmaker
from services.common.idempotency import IdempotentRequest, run_idempotent
from services.pledges import rollups
from services.pledges.models import IdempotencyRecord, Organisation
from tests.conftest import auth_headers
from tests.pledges.conftest import SECRETARIAT, Ledger


async def test_concurrent_disbursements_never_overdraw_the_commitment(ledger: Ledger) -> None:
    org = await ledger.organisation()
    pledge = await ledger.pledge(org["id"])
    assert (await ledger.entry(pledge["id"], "commitment", "1000")).status_code == 201
    responses = await asyncio.gather(
        *(ledger.entry(pledge["id"], "disbursement", "100") for _ in range(16))
    )
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201] * 10 + [409] * 6, [r.text for r in responses if r.status_code >= 500]
    totals = (await ledger.client.get(f"/v1/pledges/{pledge['id']}")).json()["totals"]
    assert totals["disbursed"] == "1000.0000"


async def test_concurrent_entries_on_two_lines_never_overdraw_either(ledger: Ledger) -> None:
    """1000 USD allocated 600 to GTM and 400 to HND; 12 commitments of 100 on each line at
    once: exactly 6 and 4 go through, and the rollups match the ledger."""
    org = await ledger.organisation()
    pledge = await ledger.pledge(
        org["id"],
        recipient_countries=["GTM", "HND"],
        allocation=[{"country": "GTM", "amount": "600"}, {"country": "HND", "amount": "400"}],
    )
    responses = await asyncio.gather(
        *(
            ledger.entry(pledge["id"], "commitment", "100", recipient_country=country)
            for _ in range(12)
            for country in ("GTM", "HND")
        )
    )
    assert not [r.text for r in responses if r.status_code >= 500]
    assert sorted(r.status_code for r in responses) == [201] * 10 + [409] * 14
    read = (await ledger.client.get(f"/v1/pledges/{pledge['id']}")).json()
    committed = {line["country"]: line["committed"] for line in read["allocation"]}
    assert committed == {"GTM": "600.0000", "HND": "400.0000"}
    engine = make_engine(ledger.database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            assert await rollups.check(session) == []
    finally:
        await engine.dispose()


async def test_concurrent_reversals_of_one_entry_write_one(ledger: Ledger) -> None:
    org = await ledger.organisation()
    pledge = await ledger.pledge(org["id"])
    entry = (await ledger.entry(pledge["id"], "commitment", "300")).json()
    body = {"entry_type": "reversal", "reverses_entry_id": entry["id"], "value_date": "2023-02-01"}
    responses = await asyncio.gather(
        *(
            ledger.client.post(
                f"/v1/pledges/{pledge['id']}/entries", json=body, headers=SECRETARIAT
            )
            for _ in range(5)
        )
    )
    assert sorted(r.status_code for r in responses) == [201, 409, 409, 409, 409]
    totals = (await ledger.client.get(f"/v1/pledges/{pledge['id']}")).json()["totals"]
    assert totals["committed"] == "0.0000"


def _org_body(name: str = "Fundación Ejemplo") -> dict[str, Any]:
    return {"name": name, "kind": "civil_society", "country": "GTM"}


async def _organisation_count(ledger: Ledger) -> int:
    engine = make_engine(ledger.database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            return int(await session.scalar(select(func.count()).select_from(Organisation)) or 0)
    finally:
        await engine.dispose()


async def test_retry_with_same_key_returns_the_first_response_without_a_second_write(
    ledger: Ledger,
) -> None:
    headers = {**SECRETARIAT, "Idempotency-Key": "k-1"}
    first = await ledger.client.post("/v1/organisations", json=_org_body(), headers=headers)
    again = await ledger.client.post("/v1/organisations", json=_org_body(), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert await _organisation_count(ledger) == 1


async def test_same_key_with_another_body_is_422(ledger: Ledger) -> None:
    headers = {**SECRETARIAT, "Idempotency-Key": "k-2"}
    await ledger.client.post("/v1/organisations", json=_org_body(), headers=headers)
    other = await ledger.client.post("/v1/organisations", json=_org_body("Other"), headers=headers)
    assert other.status_code == 422
    assert other.json()["type"] == "/problems/idempotency-key-reused"
    assert await _organisation_count(ledger) == 1


async def test_keys_are_scoped_to_the_caller(ledger: Ledger) -> None:
    one = {**auth_headers("secretariat", sub="alice"), "Idempotency-Key": "shared"}
    two = {**auth_headers("secretariat", sub="bob"), "Idempotency-Key": "shared"}
    a = await ledger.client.post("/v1/organisations", json=_org_body(), headers=one)
    b = await ledger.client.post("/v1/organisations", json=_org_body(), headers=two)
    assert a.json()["id"] != b.json()["id"]
    assert await _organisation_count(ledger) == 2


async def test_failed_request_does_not_burn_its_key(ledger: Ledger) -> None:
    org = await ledger.organisation()
    pledge = await ledger.pledge(org["id"])
    headers = {**SECRETARIAT, "Idempotency-Key": "entry-1"}
    body = {
        "entry_type": "commitment",
        "amount": {"amount": "5", "currency": "EUR"},
        "value_date": "2023-01-15",
        "recipient_country": "GTM",
    }
    url = f"/v1/pledges/{pledge['id']}/entries"
    assert (await ledger.client.post(url, json=body, headers=headers)).status_code == 422
    await ledger.rate("EUR", "2023-01-01", "1.1")
    assert (await ledger.client.post(url, json=body, headers=headers)).status_code == 201


async def test_concurrent_retries_with_one_key_write_one_row(ledger: Ledger) -> None:
    org = await ledger.organisation()
    body = {
        "contributor_id": org["id"],
        "kind": "financial",
        "title": {"en": "Retry storm"},
        "amount": {"amount": "10", "currency": "USD"},
        "recipient_countries": ["GTM"],
        "announced_on": "2022-09-28",
    }
    headers = {**SECRETARIAT, "Idempotency-Key": "storm"}
    responses = await asyncio.gather(
        *(ledger.client.post("/v1/pledges", json=body, headers=headers) for _ in range(8))
    )
    assert {r.status_code for r in responses} == {201}, [r.text for r in responses]
    assert len({r.json()["id"] for r in responses}) == 1
    listed = (await ledger.client.get("/v1/pledges", headers=SECRETARIAT)).json()["items"]
    assert len(listed) == 1


async def test_keys_are_kept_24_hours_then_may_be_reused(ledger: Ledger) -> None:
    engine = make_engine(ledger.database_url)
    calls: list[int] = []

    async def action() -> dict[str, int]:
        calls.append(1)
        return {"call": len(calls)}

    request = IdempotentRequest(caller="c", key="k", fingerprint="f")
    start = datetime(2026, 1, 1, tzinfo=UTC)
    try:
        for moment in (start, start + timedelta(hours=23, minutes=59), start + timedelta(hours=24)):
            async with make_sessionmaker(engine)() as session:
                response = await run_idempotent(
                    session, IdempotencyRecord, request, action, now=moment
                )
                await session.commit()
                assert response.status_code == 201
        assert len(calls) == 2  # the second call (inside 24 h) was a replay
    finally:
        await engine.dispose()
