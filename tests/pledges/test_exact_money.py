"""Money is exact on both backends: storage, ledger balances and report sums.

On SQLite an amount is stored as value x 10^4 in a 64-bit INTEGER (rates x 10^10), so
sums are integer arithmetic. The figures below are chosen so that float storage or float
sums would be visibly wrong: 99999999999999.9999 has 18 significant digits (a double has
15-17), and near 8 x 10^13 a double steps by 1/64, so summing 8 x 10^13 and 20 rounds of
0.1, 0.1, 0.3 as doubles (what SQLite's SUM did with REAL values) gives
80000000000009.69 instead of 80000000000010.00.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from alembic import command
from sqlalchemy import text

from services.common.db import make_engine
from services.common.migrations import alembic_config, upgrade_to_head
from tests.pledges.conftest import SECRETARIAT, Ledger, make_app

LARGE = "99999999999999.9999"
WHOLE = "99999999999999"  # exact as a double too: only the sums can go wrong
SMALL_AMOUNTS = ("0.1", "0.1", "0.3")


async def test_an_amount_with_four_decimals_round_trips_exactly(ledger: Ledger) -> None:
    org = await ledger.organisation()
    pledge = await ledger.pledge(org["id"], amount={"amount": LARGE, "currency": "USD"})
    assert pledge["amount"] == {"amount": LARGE, "currency": "USD"}
    assert pledge["amount_usd"] == LARGE
    commitment = await ledger.entry(pledge["id"], "commitment", "12345678901234.5678")
    assert commitment.status_code == 201, commitment.text
    read = (await ledger.client.get(f"/v1/pledges/{pledge['id']}")).json()
    assert read["amount"]["amount"] == LARGE
    assert read["totals"]["committed"] == "12345678901234.5678"
    assert read["totals"]["committed_usd"] == "12345678901234.5678"
    await ledger.rate("EUR", "2022-01-01", "1.0823456789")
    rates = (await ledger.client.get("/v1/exchange-rates", headers=SECRETARIAT)).json()
    assert rates["items"][0]["rate_to_usd"] == "1.0823456789"


async def test_many_small_disbursements_add_up_exactly_in_balances_and_reports(
    ledger: Ledger,
) -> None:
    """8 x 10^13 disbursed, then 60 entries of 0.1, 0.1 and 0.3 (every other one naming
    the objective, the others shared to it as its country's only objective): 10.00 more."""
    objective = await ledger.objective(requirement={"amount": WHOLE, "currency": "USD"})
    org = await ledger.organisation()
    pledge = await ledger.pledge(
        org["id"], amount={"amount": WHOLE, "currency": "USD"}, objective_ids=[objective["id"]]
    )
    named = {"objective_id": objective["id"]}
    for kind, amount in (("commitment", "90000000000000"), ("disbursement", "80000000000000")):
        response = await ledger.entry(pledge["id"], kind, amount, **named)
        assert response.status_code == 201, response.text
    for number in range(60):
        amount = SMALL_AMOUNTS[number % 3]
        response = await ledger.entry(
            pledge["id"], "disbursement", amount, **(named if number % 2 else {})
        )
        assert response.status_code == 201, response.text

    totals = (await ledger.client.get(f"/v1/pledges/{pledge['id']}")).json()["totals"]
    assert totals["disbursed"] == "80000000000010.0000"
    assert totals["disbursed_usd"] == "80000000000010.0000"

    summary = (await ledger.client.get("/v1/reports/summary?group_by=objective")).json()
    assert [(row["group"]["objective"], row["disbursed_usd"]) for row in summary["rows"]] == [
        (objective["id"], "80000000000010.00")
    ]
    assert summary["totals"] == {
        "pledged_usd": "99999999999999.00",
        "committed_usd": "90000000000000.00",
        "disbursed_usd": "80000000000010.00",
    }
    gaps = (await ledger.client.get("/v1/reports/gaps")).json()
    row = gaps["objectives"][0]
    assert (row["committed_usd"], row["disbursed_usd"], row["gap_usd"]) == (
        "90000000000000.00",
        "80000000000010.00",
        "9999999999999.00",
    )
    synthesis = (await ledger.client.get("/v1/reports/synthesis?period=2023-H1")).json()
    assert synthesis["totals"]["disbursed_usd"] == "80000000000010.00"


async def test_a_pledge_split_in_three_lines_adds_up_to_the_cent(
    ledger: Ledger,
) -> None:
    """100 USD over three objectives: lines of 33.3334, 33.3333 and 33.3333, whose USD
    figures are whole cents that add up to the pledge exactly: 33.33 + 33.34 + 33.33."""
    objectives = [await ledger.objective() for _ in range(3)]
    org = await ledger.organisation()
    await ledger.pledge(
        org["id"],
        amount={"amount": "100", "currency": "USD"},
        objective_ids=[objective["id"] for objective in objectives],
    )
    summary = (await ledger.client.get("/v1/reports/summary?group_by=objective")).json()
    assert sorted(row["pledged_usd"] for row in summary["rows"]) == ["33.33", "33.33", "33.34"]
    assert summary["totals"]["pledged_usd"] == "100.00"
    by_country = (await ledger.client.get("/v1/reports/summary?group_by=country")).json()
    assert by_country["rows"][0]["pledged_usd"] == "100.00"


async def _raw(database_url: str, sql: str) -> list[Any]:
    engine = make_engine(database_url)
    try:
        async with engine.connect() as connection:
            return list((await connection.execute(text(sql))).all())
    finally:
        await engine.dispose()


async def test_sqlite_stores_money_and_rates_as_scaled_integers(ledger: Ledger) -> None:
    if not ledger.database_url.startswith("sqlite"):
        pytest.skip("SQLite's storage: PostgreSQL stores NUMERIC")
    org = await ledger.organisation()
    await ledger.rate("EUR", "2022-01-01", "1.0823456789")
    await ledger.pledge(org["id"], amount={"amount": "1250000.50", "currency": "EUR"})
    rows = await _raw(
        ledger.database_url,
        "SELECT typeof(amount), amount, typeof(rate_to_usd), rate_to_usd FROM pledges",
    )
    assert rows == [("integer", 12500005000, "integer", 10823456789)]


def _insert_float_rows(database_url: str) -> None:
    """Rows as the previous revision wrote them on SQLite: floats, whole numbers as ints."""

    async def run() -> None:
        engine = make_engine(database_url)
        try:
            async with engine.begin() as connection:
                await connection.execute(
                    text(
                        "INSERT INTO exchange_rates (id, currency, rate_date, rate_to_usd, "
                        "source, recorded_by, recorded_at) VALUES ('00000000000000000000000000"
                        "000001', 'EUR', '2022-01-01', 1.0823456789, 'old', 'me', "
                        "'2022-01-01 00:00:00.000000')"
                    )
                )
                await connection.execute(
                    text(
                        "INSERT INTO objectives (id, country, pillar, theme, "
                        "title_en, requirement_amount, requirement_currency, "
                        "requirement_rate_to_usd, "
                        "requirement_usd, requirement_rate_date, start_year, end_year, "
                        "created_at, updated_at, version) VALUES ('000000000000000000000000000"
                        "00002', 'GTM', 'durable_solutions', 'employment_livelihoods', "
                        "'Jobs', 1250000.5, 'EUR', 1.0823456789, 1352932.0395, '2022-01-01', "
                        "2023, "
                        "2025, '2022-01-01 00:00:00.000000', '2022-01-01 00:00:00.000000', 1)"
                    )
                )
        finally:
            await engine.dispose()

    asyncio.run(run())


async def test_migrating_an_old_sqlite_database_turns_its_floats_into_exact_amounts(
    ledger: Ledger, databases: Any, run_app: Any
) -> None:
    if not ledger.database_url.startswith("sqlite"):
        pytest.skip("SQLite's storage: PostgreSQL stores NUMERIC")
    url = databases.create("pledges_floats")
    await asyncio.to_thread(command.upgrade, alembic_config("pledges", url), "pledges_0002")
    await asyncio.to_thread(_insert_float_rows, url)
    before = await _raw(url, "SELECT typeof(requirement_amount) FROM objectives")
    assert before == [("real",)]
    await asyncio.to_thread(upgrade_to_head, "pledges", url)

    client = await run_app(make_app(url))
    objective = (await client.get("/v1/objectives")).json()["items"][0]
    assert objective["requirement"] == {"amount": "1250000.5000", "currency": "EUR"}
    assert objective["requirement_usd"] == "1352932.0395"
    rate = (await client.get("/v1/exchange-rates", headers=SECRETARIAT)).json()["items"][0]
    assert rate["rate_to_usd"] == "1.0823456789"


async def test_a_usd_value_that_would_not_fit_a_64_bit_amount_is_422_and_one_below_is_exact(
    ledger: Ledger,
) -> None:
    """At 10 USD per unit, 99,999,999,999,999 units are 9.99 x 10^14 USD: x 10^4 it would
    pass 2^63 on SQLite, so it is refused on both backends; at 9 USD it is stored exactly."""
    await ledger.rate("XAU", "2022-01-01", "10")
    await ledger.rate("XAG", "2022-01-01", "9")
    org = await ledger.organisation()
    body = {
        "contributor_id": org["id"],
        "kind": "financial",
        "title": {"en": "Metal"},
        "recipient_countries": ["GTM"],
        "announced_on": "2022-09-28",
    }
    refused = await ledger.client.post(
        "/v1/pledges",
        json={**body, "amount": {"amount": "99999999999999", "currency": "XAU"}},
        headers=SECRETARIAT,
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == "amount"
    accepted = await ledger.pledge(
        org["id"], amount={"amount": "99999999999999.9999", "currency": "XAG"}
    )
    assert accepted["amount_usd"] == "899999999999999.9991"
    read = (await ledger.client.get(f"/v1/pledges/{accepted['id']}")).json()
    assert read["amount_usd"] == "899999999999999.9991"
