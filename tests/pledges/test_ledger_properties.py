"""Random ledgers keep every report right in every group (hypothesis).

Pledges over several countries and objectives, with and without stated allocations, in
EUR/CAD/USD at changing rates; commitments, disbursements and expenditure, reversals in
later periods, withdrawals and reallocations. After every step, in every group of every
report: committed ≤ pledged, disbursed ≤ committed, nothing negative, the groups add up to
the totals to the cent; per year, cumulatively, the same; the gap is max(requirement -
committed, 0) and agrees with coverage; the rollups equal a full recomputation, and a
report answered from the rollups equals the same report answered by a full scan.

The database of a test is shared by its examples: each adds to the ledger, and the
invariants must hold for everything recorded so far.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.common.db import make_engine, make_sessionmaker
from services.pledges import reports, rollups
from services.pledges.schemas import Dimension
from tests.pledges.conftest import SECRETARIAT, Ledger

DATES = ["2022-03-01", "2022-11-15", "2023-02-01", "2023-06-30", "2023-09-10", "2024-05-05"]
RATES = [
    ("EUR", "2021-01-01", "1.05"),
    ("EUR", "2023-01-01", "1.10"),
    ("EUR", "2023-07-01", "1.2345"),
    ("CAD", "2021-01-01", "0.75"),
    ("CAD", "2023-06-01", "0.7033"),
]
GROUPINGS = ["country", "objective", "contributor_kind,funding_mechanism", "pledge_kind,pillar"]

pledge_op = st.tuples(
    st.just("pledge"),
    st.sampled_from(["USD", "EUR", "CAD"]),
    st.integers(100, 5000),
    st.sampled_from([["GTM"], ["HND"], ["GTM", "HND"]]),
    st.booleans(),  # link the objectives of those countries
    st.sampled_from([None, "0.25", "0.5", "0.8"]),  # stated: the first line's share
    st.sampled_from(["public", "restricted", "cultivating"]),
    st.sampled_from(["grant", "loan", None]),
    st.sampled_from(DATES[:3]),
)
entry_op = st.tuples(
    st.just("entry"),
    st.integers(0, 20),
    st.sampled_from(["commitment", "commitment", "disbursement", "expenditure"]),
    st.integers(1, 3000),
    st.sampled_from(["USD", "EUR", "CAD"]),
    st.sampled_from(DATES),
    st.sampled_from(["GTM", "HND"]),
    st.integers(0, 3),  # which objective to name (3: none)
)
reverse_op = st.tuples(st.just("reverse"), st.integers(0, 20), st.integers(0, 20))
withdraw_op = st.tuples(st.just("withdraw"), st.integers(0, 20))
announce_op = st.tuples(st.just("announce"), st.integers(0, 20), st.sampled_from(DATES[2:5]))
reallocate_op = st.tuples(
    st.just("reallocate"), st.integers(0, 20), st.sampled_from([None, "0.3", "0.6", "0.9"])
)
operations = st.lists(
    st.one_of(
        pledge_op,
        entry_op,
        entry_op,
        entry_op,
        reverse_op,
        withdraw_op,
        reallocate_op,
        announce_op,
    ),
    min_size=4,
    max_size=10,
)


class World:
    """What an example has recorded so far (its pledges and entries)."""

    def __init__(self, ledger: Ledger, org: str, objectives: dict[str, list[str]]) -> None:
        self.ledger = ledger
        self.org = org
        self.objectives = objectives
        self.pledges: list[dict[str, Any]] = []
        self.entries: list[tuple[str, str, str]] = []  # pledge id, entry id, value date

    async def run(self, op: tuple[Any, ...]) -> None:
        status = await getattr(self, op[0])(*op[1:])
        assert status < 500, op

    async def pledge(
        self,
        currency: str,
        amount: int,
        countries: list[str],
        linked: bool,
        first_share: str | None,
        visibility: str,
        mechanism: str | None,
        announced_on: str,
    ) -> int:
        objective_ids = [o for c in countries for o in self.objectives[c]] if linked else []
        body: dict[str, Any] = {
            "contributor_id": self.org,
            "kind": "financial",
            "title": {"en": "Random"},
            "amount": {"amount": str(amount), "currency": currency},
            "recipient_countries": countries,
            "objective_ids": objective_ids,
            "announced_on": announced_on,
            "visibility": "public" if visibility == "cultivating" else visibility,
            "stage": "cultivating" if visibility == "cultivating" else "announced",
            "funding_mechanism": mechanism,
        }
        if first_share is not None and len(countries) == 2:
            rest = str(1 - Decimal(first_share))
            body["allocation"] = [
                {"country": countries[0], "share": first_share},
                {"country": countries[1], "share": rest},
            ]
            body["objective_ids"] = []
        response = await self.ledger.client.post("/v1/pledges", json=body, headers=SECRETARIAT)
        if response.status_code == 201:
            self.pledges.append(response.json())
        return response.status_code

    async def entry(
        self,
        index: int,
        effect: str,
        amount: int,
        currency: str,
        value_date: str,
        country: str,
        objective: int,
    ) -> int:
        if not self.pledges:
            return 0
        pledge = self.pledges[index % len(self.pledges)]
        named = self.objectives[country]
        objective_id = named[objective] if objective < len(named) else None
        response = await self.ledger.entry(
            pledge["id"],
            effect,
            str(amount),
            currency,
            value_date=value_date,
            recipient_country=country,
            objective_id=objective_id,
        )
        if response.status_code == 201:
            self.entries.append((pledge["id"], response.json()["id"], value_date))
        return response.status_code

    async def reverse(self, index: int, later: int) -> int:
        if not self.entries:
            return 0
        pledge_id, entry_id, value_date = self.entries[index % len(self.entries)]
        on = max([value_date, *DATES[later % len(DATES) :]][:2])
        return (await self.ledger.reversal(pledge_id, entry_id, on)).status_code

    async def withdraw(self, index: int) -> int:
        if not self.pledges:
            return 0
        pledge = await self._current(index)
        response = await self.ledger.client.post(
            f"/v1/pledges/{pledge['id']}/withdrawal",
            json={"reason": "Random withdrawal"},
            headers={**SECRETARIAT, "If-Match": f'"{pledge["version"]}"'},
        )
        return response.status_code

    async def announce(self, index: int, announced_on: str) -> int:
        if not self.pledges:
            return 0
        pledge = await self._current(index)
        response = await self.ledger.client.post(
            f"/v1/pledges/{pledge['id']}/announce",
            json={"announced_on": announced_on, "announced_at": "grf-2023"},
            headers={**SECRETARIAT, "If-Match": f'"{pledge["version"]}"'},
        )
        return response.status_code

    async def reallocate(self, index: int, first_share: str | None) -> int:
        if not self.pledges:
            return 0
        pledge = await self._current(index)
        countries = pledge["recipient_countries"]
        lines = None
        if first_share is not None and len(countries) == 2:
            lines = [
                {"country": countries[0], "share": first_share},
                {"country": countries[1], "share": str(1 - Decimal(first_share))},
            ]
        response = await self.ledger.client.put(
            f"/v1/pledges/{pledge['id']}/allocation",
            json={"lines": lines},
            headers={**SECRETARIAT, "If-Match": f'"{pledge["version"]}"'},
        )
        return response.status_code

    async def _current(self, index: int) -> dict[str, Any]:
        pledge_id = self.pledges[index % len(self.pledges)]["id"]
        current: dict[str, Any] = (
            await self.ledger.client.get(f"/v1/pledges/{pledge_id}", headers=SECRETARIAT)
        ).json()
        return current


def _figures(row: dict[str, Any]) -> tuple[Decimal, Decimal, Decimal]:
    return (
        Decimal(row["pledged_usd"]),
        Decimal(row["committed_usd"]),
        Decimal(row["disbursed_usd"]),
    )


async def _check_summaries(ledger: Ledger) -> None:
    for group_by in GROUPINGS:
        report = (await ledger.client.get(f"/v1/reports/summary?group_by={group_by}")).json()
        sums = [Decimal(0)] * 3
        for row in report["rows"]:
            pledged, committed, disbursed = _figures(row)
            assert Decimal(0) <= disbursed <= committed <= pledged, (group_by, row)
            sums = [a + b for a, b in zip(sums, (pledged, committed, disbursed), strict=True)]
        assert tuple(sums) == _figures(report["totals"]), group_by
        # The same report by a full scan (a date off the half-year bounds) agrees.
        scanned = await ledger.client.get(
            f"/v1/reports/summary?group_by={group_by}&date_to=2099-12-30"
        )
        assert scanned.json() == report, group_by


async def _check_years(ledger: Ledger) -> None:
    report = (await ledger.client.get("/v1/reports/summary?group_by=year")).json()
    running = [Decimal(0)] * 3
    for row in sorted(report["rows"], key=lambda r: r["group"]["year"]):
        flows = _figures(row)
        assert min(flows) >= 0, row
        running = [a + b for a, b in zip(running, flows, strict=True)]
        pledged, committed, disbursed = running
        assert disbursed <= committed <= pledged, (row, running)


async def _check_gaps(ledger: Ledger) -> None:
    report = (await ledger.client.get("/v1/reports/gaps")).json()
    for row in report["objectives"]:
        requirement = Decimal(row["requirement_usd"])
        pledged, committed, disbursed = _figures(row)
        assert Decimal(0) <= disbursed <= committed <= pledged, row
        assert Decimal(row["gap_usd"]) == max(requirement - committed, Decimal(0)), row
        coverage = (committed * 100 / requirement).quantize(Decimal("0.01"))
        assert Decimal(row["coverage_percent"]) == coverage, row


async def _check_cultivating_pledges_count_nowhere(ledger: Ledger) -> None:
    """The total pledged is what the announced pledges pledge (a withdrawn one: what it
    disbursed); cultivating pledges add nothing, to anyone."""
    pledges = (await ledger.client.get("/v1/pledges?limit=200", headers=SECRETARIAT)).json()
    expected = sum(
        (
            Decimal(p["totals"]["disbursed_usd"]) if p["withdrawn"] else Decimal(p["amount_usd"])
            for p in pledges["items"]
            if p["stage"] == "announced"
        ),
        Decimal(0),
    )
    for headers in ({}, SECRETARIAT):
        report = await ledger.client.get("/v1/reports/summary?group_by=country", headers=headers)
        total = Decimal(report.json()["totals"]["pledged_usd"])
        assert abs(total - expected) <= Decimal("0.01") * len(pledges["items"]), (total, expected)


# Filters answered from the rollups, each compared with a full scan: on half-year bounds,
# and off them (whole half-years, then months and days at the edges; the dates of the
# ledger's flows fall on and around the edges).
ROLLUP_FILTERS = [
    reports.ReportFilters(),
    reports.ReportFilters(date_to=date(2023, 6, 30)),
    reports.ReportFilters(date_from=date(2023, 1, 1), date_to=date(2023, 12, 31)),
    reports.ReportFilters(country="GTM", date_from=date(2022, 7, 1)),
    reports.ReportFilters(date_to=date(2023, 6, 29)),
    reports.ReportFilters(date_from=date(2022, 11, 15), date_to=date(2023, 9, 10)),
    reports.ReportFilters(date_from=date(2023, 2, 2), kind="financial"),
]
GAP_DATES = [None, date(2023, 6, 30), date(2023, 2, 1), date(2023, 9, 9)]
SCANNED_GROUPINGS = [
    [Dimension.COUNTRY],
    [Dimension.CONTRIBUTOR_KIND, Dimension.YEAR],
    [Dimension.FUNDING_MECHANISM, Dimension.PLEDGE_KIND],
    [Dimension.OBJECTIVE],
]


async def _check_rollups(ledger: Ledger) -> None:
    """The rollups (figures and counts) equal a recomputation, and every report they
    answer — figures, pledges and contributors — equals the full scan's."""
    engine = make_engine(ledger.database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            assert await rollups.check(session) == []
            for filters in ROLLUP_FILTERS:
                for group_by in SCANNED_GROUPINGS:
                    served = await reports.summary(session, group_by, filters)
                    scanned = await reports.summary(session, group_by, filters, full_scan=True)
                    assert served == scanned, (group_by, filters)
            for date_to in GAP_DATES:
                gap_filters = reports.GapFilters(date_to=date_to)
                rolled = await session.execute(reports.gaps_report_statement(gap_filters))
                full = await session.execute(
                    reports.gaps_report_statement(gap_filters, full_scan=True)
                )
                assert [tuple(r[1:]) for r in rolled] == [tuple(r[1:]) for r in full], date_to
    finally:
        await engine.dispose()


async def _setup(ledger: Ledger) -> World:
    for currency, on, rate in RATES:
        response = await ledger.client.post(
            "/v1/exchange-rates",
            json={"currency": currency, "rate_date": on, "rate_to_usd": rate, "source": "t"},
            headers=SECRETARIAT,
        )
        assert response.status_code in (201, 409)
    org = await ledger.organisation(kind="private_sector")
    objectives = {
        "GTM": [(await ledger.objective())["id"], (await ledger.objective())["id"]],
        "HND": [(await ledger.objective(country="HND"))["id"]],
    }
    return World(ledger, org["id"], objectives)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=operations)
async def test_every_report_is_right_in_every_group_after_every_step(
    ledger: Ledger, steps: list[tuple[Any, ...]]
) -> None:
    world = await _setup(ledger)
    for step in steps:
        await world.run(step)
        await _check_summaries(ledger)
        await _check_years(ledger)
        await _check_gaps(ledger)
        await _check_rollups(ledger)
        await _check_cultivating_pledges_count_nowhere(ledger)
