"""The report rollups stay equal to a full recomputation after every kind of write, the
reports read from them give the full scan's figures, and `mirps rollups rebuild --check`
finds (exit 1) and `mirps rollups rebuild` repairs any difference."""

from __future__ import annotations

import asyncio
from datetime import date

import sqlalchemy as sa
from typer.testing import CliRunner

from services.cli import app
from services.common.db import make_engine, make_sessionmaker
from services.pledges import reports, rollups
from services.pledges.schemas import Dimension
from tests.conftest import auth_headers
from tests.pledges.conftest import SECRETARIAT, Ledger

runner = CliRunner()


async def _differences(url: str) -> list[str]:
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as session:
            return await rollups.check(session)
    finally:
        await engine.dispose()


async def _both_paths(url: str, group_by: list[Dimension]) -> tuple[object, object]:
    engine = make_engine(url)
    filters = reports.ReportFilters(viewer=None)
    try:
        async with make_sessionmaker(engine)() as session:
            full = (await session.execute(reports.summary_statement(group_by, filters))).all()
            rolled = (
                await session.execute(reports.rollup_summary_statement(group_by, filters))
            ).all()
    finally:
        await engine.dispose()

    def figures(rows: list[sa.Row[object]]) -> dict[object, tuple[object, ...]]:
        width = len(group_by)
        return {
            tuple(row[:width]): (row.pledged, row.committed, row.disbursed)
            for row in rows
            if row.pledged or row.committed or row.disbursed
        }

    return figures(list(full)), figures(list(rolled))


async def _mixed_ledger(ledger: Ledger) -> None:
    await ledger.rate("EUR", "2022-01-01", "1.05")
    await ledger.rate("EUR", "2023-07-01", "1.20")
    org = await ledger.organisation(kind="private_sector")
    objective = await ledger.objective()
    eur = await ledger.pledge(
        org["id"],
        amount={"amount": "1000", "currency": "EUR"},
        recipient_countries=["GTM", "HND"],
        objective_ids=[objective["id"]],
        funding_mechanism="grant",
    )
    restricted = await ledger.pledge(org["id"], visibility="restricted", announced_on="2023-03-03")
    first = await ledger.entry(eur["id"], "commitment", "300", "EUR", objective_id=objective["id"])
    assert first.status_code == 201, first.text
    paid = await ledger.entry(eur["id"], "disbursement", "100", "USD", value_date="2023-08-01")
    assert paid.status_code == 201, paid.text
    assert (await ledger.reversal(eur["id"], paid.json()["id"], "2024-01-10")).status_code == 201
    assert (
        await ledger.entry(restricted["id"], "commitment", "500", value_date="2023-04-01")
    ).status_code == 201
    moved = await ledger.client.put(
        f"/v1/pledges/{eur['id']}/allocation",
        json={"lines": [{"objective_id": objective["id"], "share": "1"}]},
        headers={**SECRETARIAT, "If-Match": '"1"'},
    )
    assert moved.status_code == 200, moved.text
    withdrawn = await ledger.client.post(
        f"/v1/pledges/{restricted['id']}/withdrawal",
        json={"reason": "No longer possible"},
        headers={**SECRETARIAT, "If-Match": '"1"'},
    )
    assert withdrawn.status_code == 200, withdrawn.text
    renamed = await ledger.client.patch(
        f"/v1/organisations/{org['id']}",
        json={"kind": "civil_society"},
        headers={**SECRETARIAT, "If-Match": '"1"'},
    )
    assert renamed.status_code == 200, renamed.text


async def test_rollups_equal_a_full_recomputation_after_every_kind_of_write(
    ledger: Ledger,
) -> None:
    await _mixed_ledger(ledger)
    assert await _differences(ledger.database_url) == []
    for group_by in (
        [Dimension.COUNTRY],
        [Dimension.CONTRIBUTOR_KIND, Dimension.YEAR],
        [Dimension.OBJECTIVE],
        [Dimension.FUNDING_MECHANISM, Dimension.PLEDGE_KIND],
    ):
        full, rolled = await _both_paths(ledger.database_url, group_by)
        assert full == rolled, group_by


async def test_a_report_off_half_year_bounds_gives_the_same_figures(ledger: Ledger) -> None:
    """date_to=2023-12-30 is answered by a full scan, 2023-12-31 by the rollups: with
    nothing dated on the 31st, both give the same figures."""
    await _mixed_ledger(ledger)
    anonymous = {}
    for date_to in ("2023-12-30", "2023-12-31"):
        report = await ledger.client.get(
            f"/v1/reports/summary?group_by=country,contributor&date_to={date_to}"
        )
        anonymous[date_to] = report.json()
    assert anonymous["2023-12-30"] == anonymous["2023-12-31"]
    member = auth_headers("country_focal_point", countries=["GTM"])
    focal = [
        (
            await ledger.client.get(
                f"/v1/reports/summary?group_by=contributor&date_to={date_to}", headers=member
            )
        ).json()
        for date_to in ("2023-12-30", "2023-12-31")
    ]
    assert focal[0] == focal[1]


async def test_rollups_rebuild_check_finds_and_rebuild_repairs_a_difference(
    ledger: Ledger,
) -> None:
    await _mixed_ledger(ledger)
    env = {"PLEDGES_DATABASE_URL": ledger.database_url}

    def run(*args: str) -> tuple[int, str]:
        result = runner.invoke(app, ["rollups", "rebuild", *args], env=env)
        return result.exit_code, result.output

    assert await asyncio.to_thread(run, "--check") == (0, "pledges: rollups match the ledger\n")
    engine = make_engine(ledger.database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(sa.text("UPDATE report_rollups SET pledged = pledged + 10000"))
    finally:
        await engine.dispose()
    code, output = await asyncio.to_thread(run, "--check")
    assert code == 1
    assert "recomputed" in output
    assert await asyncio.to_thread(run) == (0, "pledges: rollups rebuilt\n")
    assert await _differences(ledger.database_url) == []


async def _both_counts(
    url: str, group_by: list[Dimension], filters: reports.ReportFilters
) -> tuple[dict[object, object], dict[object, object]]:
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as session:
            found = []
            for statement in (reports.counts_statement, reports.rollup_counts_statement):
                rows = (await session.execute(statement(group_by, filters))).all()
                found.append(
                    {tuple(row[: len(group_by)]): (row.pledges, row.contributors) for row in rows}
                )
            scanned, rolled = found
    finally:
        await engine.dispose()
    return scanned, rolled


async def test_pledge_and_contributor_counts_from_the_count_rollups_equal_the_scan(
    ledger: Ledger,
) -> None:
    await _mixed_ledger(ledger)
    second = await ledger.organisation(kind="state")
    await ledger.pledge(second["id"], recipient_countries=["GTM", "CRI"], announced_on="2022-05-05")
    await ledger.pledge(second["id"], recipient_countries=["GTM"], announced_on="2023-11-05")
    date_to = date(2023, 6, 30)
    for group_by, filters in (
        ([Dimension.COUNTRY], reports.ReportFilters()),
        ([Dimension.CONTRIBUTOR_KIND], reports.ReportFilters(date_to=date_to)),
        ([Dimension.CONTRIBUTOR_KIND, Dimension.YEAR], reports.ReportFilters()),
        ([Dimension.FUNDING_MECHANISM, Dimension.PLEDGE_KIND], reports.ReportFilters()),
        ([Dimension.YEAR], reports.ReportFilters(country="GTM")),
        ([Dimension.COUNTRY], reports.ReportFilters(date_from=date(2023, 1, 1))),
    ):
        scanned, rolled = await _both_counts(ledger.database_url, group_by, filters)
        assert scanned == rolled, (group_by, filters)
        assert scanned, group_by
    # A pledge over two countries counts once in each, and once in all.
    by_country, _ = await _both_counts(
        ledger.database_url, [Dimension.COUNTRY], reports.ReportFilters()
    )
    by_kind, _ = await _both_counts(
        ledger.database_url, [Dimension.CONTRIBUTOR_KIND], reports.ReportFilters()
    )
    assert by_kind[("state",)] == (2, 1)
    assert by_country[("CRI",)] == (1, 1)


async def test_reports_over_any_dates_from_the_rollups_equal_the_full_scan(
    ledger: Ledger,
) -> None:
    """Dates off the half-year bounds: the rollups answer (whole half-years, then months
    and days at the edges) with the full scan's figures, pledges and contributors."""
    await _mixed_ledger(ledger)
    ranges = [
        (None, date(2023, 8, 1)),
        (None, date(2023, 7, 31)),
        (date(2023, 3, 3), None),
        (date(2023, 3, 2), date(2023, 4, 1)),
        (date(2022, 12, 15), date(2024, 1, 9)),
        (date(2023, 4, 1), date(2023, 4, 1)),
        (date(2022, 9, 28), date(2023, 1, 15)),
        (date(2022, 9, 29), date(2023, 1, 14)),
        (date(2022, 8, 1), date(2023, 8, 1)),
    ]
    engine = make_engine(ledger.database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            for date_from, date_to in ranges:
                for group_by in (
                    [Dimension.COUNTRY],
                    [Dimension.CONTRIBUTOR_KIND, Dimension.YEAR],
                    [Dimension.FUNDING_MECHANISM, Dimension.PLEDGE_KIND],
                ):
                    filters = reports.ReportFilters(date_from=date_from, date_to=date_to)
                    served = await reports.summary(session, group_by, filters)
                    scanned = await reports.summary(session, group_by, filters, full_scan=True)
                    assert served == scanned, (group_by, date_from, date_to)
                gap_filters = reports.GapFilters(date_to=date_to)
                rolled = (await session.execute(reports.gaps_report_statement(gap_filters))).all()
                full = (
                    await session.execute(
                        reports.gaps_report_statement(gap_filters, full_scan=True)
                    )
                ).all()
                assert [tuple(row[1:]) for row in rolled] == [tuple(row[1:]) for row in full]
            # Something is dated in the ranges: the comparisons are not of empty reports.
            filters = reports.ReportFilters(date_from=date(2022, 9, 28), date_to=date(2023, 1, 15))
            some = await reports.summary(session, [Dimension.COUNTRY], filters)
            assert some.totals.pledged_usd > 0
            assert some.totals.committed_usd > 0
    finally:
        await engine.dispose()
