"""Entries are consistent in time: nothing before the announcement, no disbursement before
enough commitment by its own value date, and a reversal counts in the period of the entry
it reverses — so no period of the summary goes negative, and the synthesis says when a
published period was restated."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.pledges import reports
from tests.pledges.conftest import SECRETARIAT, Ledger


async def test_an_entry_before_the_announcement_is_422(ledger: Ledger) -> None:
    org = await ledger.organisation()
    pledge = await ledger.pledge(org["id"], announced_on="2023-03-01")
    early = await ledger.entry(pledge["id"], "commitment", "100", value_date="2023-02-28")
    assert early.status_code == 422
    assert "value_date" in early.text
    assert "2023-03-01" in early.text
    assert (
        await ledger.entry(pledge["id"], "commitment", "100", value_date="2023-03-01")
    ).status_code == 201


async def test_a_disbursement_needs_commitment_dated_on_or_before_it(ledger: Ledger) -> None:
    """Committed 100 on 2023-05-01: a disbursement of 2023-04-01 has nothing committed by
    then, although the total committed would cover it."""
    org = await ledger.organisation()
    pledge = await ledger.pledge(org["id"])
    assert (
        await ledger.entry(pledge["id"], "commitment", "100", value_date="2023-05-01")
    ).status_code == 201
    early = await ledger.entry(pledge["id"], "disbursement", "60", value_date="2023-04-01")
    assert early.status_code == 409, early.text
    problem = early.json()
    assert problem["as_of"] == "2023-04-01"
    assert problem["committed"] == "0.0000"
    assert problem["disbursed"] == "60.0000"
    assert (
        await ledger.entry(pledge["id"], "disbursement", "60", value_date="2023-05-01")
    ).status_code == 201
    # Spending before the money arrived is refused the same way.
    spent = await ledger.entry(pledge["id"], "expenditure", "10", value_date="2023-04-30")
    assert spent.status_code == 409
    assert spent.json()["as_of"] == "2023-04-30"


async def test_a_later_commitment_cannot_cover_an_earlier_disbursement_it_replaces(
    ledger: Ledger,
) -> None:
    """Reversing the 2023-01 commitment takes it out of January: the January disbursement
    would then stand on nothing, even with a new commitment in March."""
    org = await ledger.organisation()
    pledge = await ledger.pledge(org["id"])
    first = await ledger.entry(pledge["id"], "commitment", "100", value_date="2023-01-10")
    assert (
        await ledger.entry(pledge["id"], "disbursement", "50", value_date="2023-01-20")
    ).status_code == 201
    assert (
        await ledger.entry(pledge["id"], "commitment", "100", value_date="2023-03-01")
    ).status_code == 201
    reversal = await ledger.reversal(pledge["id"], first.json()["id"], "2023-04-01")
    assert reversal.status_code == 409, reversal.text
    assert reversal.json()["as_of"] == "2023-01-20"


async def test_a_reversal_in_a_later_year_counts_in_the_year_it_reverses(ledger: Ledger) -> None:
    """The issue's case: a 7,500 disbursement of 2023 reversed in 2024 made 2024 show
    "-7500.00" disbursed. It now takes the 7,500 out of 2023, and 2024 shows nothing."""
    org = await ledger.organisation()
    pledge = await ledger.pledge(org["id"], amount={"amount": "10000", "currency": "USD"})
    assert (
        await ledger.entry(pledge["id"], "commitment", "10000", value_date="2023-01-10")
    ).status_code == 201
    paid = await ledger.entry(pledge["id"], "disbursement", "7500", value_date="2023-06-01")
    assert (await ledger.reversal(pledge["id"], paid.json()["id"], "2024-02-01")).status_code == 201
    late = await ledger.reversal(pledge["id"], paid.json()["id"], "2023-05-01")
    assert late.status_code in (409, 422)
    rows = (await ledger.client.get("/v1/reports/summary?group_by=year")).json()["rows"]
    figures = {
        row["group"]["year"]: (row["pledged_usd"], row["committed_usd"], row["disbursed_usd"])
        for row in rows
    }
    assert figures == {
        2022: ("10000.00", "0.00", "0.00"),
        2023: ("0.00", "10000.00", "0.00"),
    }


async def test_a_reversal_is_not_dated_before_the_entry_it_reverses(ledger: Ledger) -> None:
    org = await ledger.organisation()
    pledge = await ledger.pledge(org["id"])
    entry = await ledger.entry(pledge["id"], "commitment", "100", value_date="2023-03-01")
    early = await ledger.reversal(pledge["id"], entry.json()["id"], "2023-02-01")
    assert early.status_code == 422
    assert "value_date" in early.text


async def test_the_announcement_cannot_move_after_the_first_entry(ledger: Ledger) -> None:
    org = await ledger.organisation()
    pledge = await ledger.pledge(org["id"], announced_on="2023-01-01")
    assert (
        await ledger.entry(pledge["id"], "commitment", "100", value_date="2023-02-01")
    ).status_code == 201
    moved = await ledger.client.patch(
        f"/v1/pledges/{pledge['id']}",
        json={"announced_on": "2023-03-01"},
        headers={**SECRETARIAT, "If-Match": '"1"'},
    )
    assert moved.status_code == 422
    assert "announced_on" in moved.text


async def test_the_synthesis_says_when_a_published_half_was_restated(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    org = await ledger.organisation()
    pledge = await ledger.pledge(org["id"], announced_on="2023-01-05")
    paid_on = "2023-02-01"
    assert (
        await ledger.entry(pledge["id"], "commitment", "100", value_date=paid_on)
    ).status_code == 201
    first = await ledger.client.get("/v1/reports/synthesis?period=2023-H1")
    assert first.json()["restated"] is True  # recorded today, dated in 2023: late
    # A half whose entries were all recorded in time is not restated.
    monkeypatch.setattr(reports, "datetime", _Frozen)
    current = await ledger.client.get("/v1/reports/synthesis?period=2199-H2")
    assert current.json()["restated"] is False
    assert current.json()["as_of"].startswith("2026-12-01")


class _Frozen(datetime):
    @classmethod
    def now(cls, tz: object = None) -> datetime:  # type: ignore[override]
        return datetime(2026, 12, 1, 12, tzinfo=UTC)
