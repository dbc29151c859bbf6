"""Report rollups: the flows of reports.py summed per grain, kept in step with every write.

The grain is country x objective x contributor x visibility x contributor kind x pledge
kind x funding mechanism x half-year. A write that changes a pledge's figures
(announcement, change, allocation, entry, reversal, withdrawal, the contributor's kind)
reads the pledge's flows per grain before and after, and upserts the difference — in
the same transaction, so the rollups are never out of step with the ledger. Deltas
commute, so concurrent writers only serialise on the rows they both touch (taken in
grain order, so they cannot deadlock).

The count rollup (`count_rollups`) keeps, per contributor x country x contributor kind x
pledge kind x funding mechanism x half-year of announcement, how many announced pledges
(not withdrawn) there are — once per country the pledge has a line in, and once over all
countries — so the reports' `pledges` is a sum and `contributors` a distinct count over
those few rows, not over every allocation line. It moves with the same writes, by the
same before/after difference.

The period rollups (`country_period_rollups`, `objective_period_rollups`) keep the
per-country and per-objective figures by month and by day, for report dates off the
half-year bounds: a range is read as its whole half-years, then whole months and days at
its edges (reports.date_pieces), a few hundred rows instead of the ledger. They move by
the same deltas, from the pledges' flows summed per day.

`rebuild` recomputes everything from the ledger; `differences` is what `mirps rollups
rebuild --check` reports.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Integer, Select, case, cast, delete, extract, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.db import make_engine, make_sessionmaker
from services.pledges.models import (
    MONEY,
    AllocationLine,
    CountRollup,
    CountryPeriodRollup,
    CountryRollup,
    ObjectivePeriodRollup,
    ObjectiveRollup,
    Organisation,
    Pledge,
    ReportRollup,
    announced_pledge,
)
from services.pledges.reports import all_flows, half_of

DIMENSIONS = (
    "country",
    "objective_id",
    "contributor_id",
    "visibility",
    "contributor_kind",
    "pledge_kind",
    "funding_mechanism",
    "half",
)
MEASURES = ("pledged", "committed", "disbursed")
Figures = dict[str, dict[str, Any]]
"""grain key → the row (dimensions and measures)."""


@dataclass(frozen=True)
class RollupTable:
    """A rollup table and the dimensions it keeps (a subset of the finest grain)."""

    model: type[ReportRollup] | type[CountryRollup] | type[ObjectiveRollup]
    dimensions: tuple[str, ...]

    def figures(self, fine: Figures) -> Figures:
        """The finest-grain figures summed to this table's grain."""
        summed: Figures = {}
        for row in fine.values():
            key = "|".join("" if row[n] is None else str(row[n]) for n in self.dimensions)
            into = summed.setdefault(
                key, {**{n: row[n] for n in self.dimensions}, **dict.fromkeys(MEASURES, ZERO)}
            )
            for name in MEASURES:
                into[name] += row[name]
        return summed

    def rows(self, fine: Figures) -> list[dict[str, Any]]:
        return [{"grain": key, **row} for key, row in self.figures(fine).items()]


ZERO = Decimal(0)
TABLES = (
    RollupTable(ReportRollup, DIMENSIONS),
    RollupTable(
        CountryRollup, ("country", "contributor_kind", "pledge_kind", "funding_mechanism", "half")
    ),
    RollupTable(ObjectiveRollup, ("objective_id", "half")),
)


def rollup_statement(pledge_ids: Sequence[uuid.UUID] | None = None) -> Select[Any]:
    """The flows summed per grain (of some pledges, or all)."""
    flows = all_flows(None, None, None, None, pledge_ids=pledge_ids)
    half = cast(extract("year", flows.c.flow_date), Integer) * 10 + case(
        (cast(extract("month", flows.c.flow_date), Integer) <= 6, 1), else_=2
    )
    columns = [
        flows.c.country,
        flows.c.objective_id,
        flows.c.contributor_id,
        flows.c.visibility,
        flows.c.contributor_kind,
        flows.c.pledge_kind,
        flows.c.funding_mechanism,
        half.label("half"),
    ]
    sums = [func.coalesce(func.sum(flows.c[name]), 0).cast(MONEY).label(name) for name in MEASURES]
    return select(*columns, *sums).group_by(*columns)


@dataclass(frozen=True)
class PeriodTable:
    """A rollup table by month and by day (see PeriodFigures): each flow counts in its
    month and in its day."""

    model: type[CountryPeriodRollup] | type[ObjectivePeriodRollup]
    dimensions: tuple[str, ...]

    def figures(self, dated: Sequence[dict[str, Any]]) -> Figures:
        """Flows summed per day (with at least this table's dimensions) summed to this
        table's grain, once per month and once per day."""
        summed: Figures = {}
        for row in dated:
            day: date = row["day"]
            for span, period in (
                ("month", day.year * 100 + day.month),
                ("day", day.year * 10000 + day.month * 100 + day.day),
            ):
                values = {n: row[n] for n in self.dimensions}
                values |= {"span": span, "period": period, "year": day.year}
                key = "|".join("" if v is None else str(v) for v in values.values())
                into = summed.setdefault(key, {**values, **dict.fromkeys(MEASURES, ZERO)})
                for name in MEASURES:
                    into[name] += row[name]
        return summed

    @property
    def columns(self) -> tuple[str, ...]:
        return (*self.dimensions, "span", "period", "year")


KINDS = ("contributor_kind", "pledge_kind", "funding_mechanism")
PERIOD_TABLES = (
    PeriodTable(CountryPeriodRollup, ("country", *KINDS)),
    PeriodTable(ObjectivePeriodRollup, ("objective_id",)),
)
DATED_DIMENSIONS = ("country", "objective_id", *KINDS)


def dated_statement(
    dimensions: Sequence[str] = DATED_DIMENSIONS, pledge_ids: Sequence[uuid.UUID] | None = None
) -> Any:
    """The flows summed per day and `dimensions` (of some pledges, or all)."""
    flows = all_flows(None, None, None, None, pledge_ids=pledge_ids)
    columns = [flows.c[name] for name in dimensions] + [flows.c.flow_date.label("day")]
    sums = [func.coalesce(func.sum(flows.c[name]), 0).cast(MONEY).label(name) for name in MEASURES]
    return select(*columns, *sums).group_by(*columns)


async def dated_rows(session: AsyncSession, statement: Any) -> list[dict[str, Any]]:
    return [dict(row._mapping) for row in (await session.execute(statement)).all()]


def grain_key(row: dict[str, Any]) -> str:
    return "|".join("" if row[name] is None else str(row[name]) for name in DIMENSIONS)


def as_figures(rows: Sequence[Any]) -> Figures:
    figures: Figures = {}
    for row in rows:
        values = dict(row._mapping)
        figures[grain_key(values)] = values
    return figures


@dataclass(frozen=True)
class Snapshot:
    """Some pledges' contribution to the rollups at one moment: flows and counts."""

    flows: Figures
    counts: Counts
    dated: list[dict[str, Any]]


Counts = dict[str, dict[str, Any]]
"""count grain key → the count_rollups row (dimensions and `pledges`)."""
COUNT_DIMENSIONS = (
    "per_country",
    "country",
    "contributor_id",
    "contributor_kind",
    "pledge_kind",
    "funding_mechanism",
    "half",
)


def members_statement(pledge_ids: Sequence[uuid.UUID] | None = None) -> Any:
    """(pledge, line country) of every announced pledge not withdrawn (of some, or all)."""
    statement: Any = (
        select(
            Pledge.id.label("pledge_id"),
            AllocationLine.country.label("country"),
            Pledge.contributor_id.label("contributor_id"),
            Organisation.kind.label("contributor_kind"),
            Pledge.kind.label("pledge_kind"),
            Pledge.funding_mechanism.label("funding_mechanism"),
            Pledge.announced_on.label("announced_on"),
        )
        .distinct()
        .select_from(AllocationLine)
        .join(Pledge, Pledge.id == AllocationLine.pledge_id)
        .join(Organisation, Organisation.id == Pledge.contributor_id)
        .where(Pledge.withdrawn_on.is_(None), announced_pledge())
    )
    if pledge_ids is not None:
        statement = statement.where(Pledge.id.in_(pledge_ids))
    return statement


def as_counts(members: Sequence[Any]) -> Counts:
    """Each pledge counted once per country it has a line in, and once over all."""
    counts: Counts = {}
    seen: set[tuple[Any, ...]] = set()
    for member in members:
        values = dict(member._mapping)
        for per_country in (True, False):
            country = values["country"] if per_country else None
            if (values["pledge_id"], per_country, country) in seen:
                continue
            seen.add((values["pledge_id"], per_country, country))
            row = {
                "per_country": per_country,
                "country": country,
                "contributor_id": values["contributor_id"],
                "contributor_kind": values["contributor_kind"],
                "pledge_kind": values["pledge_kind"],
                "funding_mechanism": values["funding_mechanism"],
                "half": half_of(values["announced_on"]),
            }
            key = "|".join("" if row[n] is None else str(row[n]) for n in COUNT_DIMENSIONS)
            counts.setdefault(key, {**row, "pledges": 0})["pledges"] += 1
    return counts


async def figures_of(session: AsyncSession, pledge_ids: Sequence[uuid.UUID]) -> Snapshot:
    """The pledges' current contribution to the rollups (pending writes flushed first)."""
    await session.flush()
    if not pledge_ids:
        return Snapshot({}, {}, [])
    flows = as_figures((await session.execute(rollup_statement(pledge_ids))).all())
    members = (await session.execute(members_statement(pledge_ids))).all()
    dated = await dated_rows(session, dated_statement(pledge_ids=pledge_ids))
    return Snapshot(flows, as_counts(members), dated)


async def apply_change(
    session: AsyncSession, pledge_ids: Sequence[uuid.UUID], before: Snapshot | Figures
) -> None:
    """Upsert into every rollup table what the pledges' writes changed since `before`
    (an empty mapping: they had no contribution before, e.g. a new pledge)."""
    if not isinstance(before, Snapshot):
        before = Snapshot(before, {}, [])
    after = await figures_of(session, pledge_ids)
    tables: list[tuple[Any, Figures, Figures]] = [
        (table.model, table.figures(before.flows), table.figures(after.flows)) for table in TABLES
    ]
    tables += [
        (table.model, table.figures(before.dated), table.figures(after.dated))
        for table in PERIOD_TABLES
    ]
    for model, old, new in tables:
        deltas = []
        for key in sorted({*old, *new}):
            row = dict(new.get(key) or old[key])
            for name in MEASURES:
                row[name] = (new.get(key) or {}).get(name, ZERO) - (old.get(key) or {}).get(
                    name, ZERO
                )
            if any(row[name] for name in MEASURES):
                deltas.append({"grain": key, **row})
        if deltas:
            await _upsert(session, model, deltas, MEASURES)
    counted = []
    for key in sorted({*before.counts, *after.counts}):
        row = dict(after.counts.get(key) or before.counts[key])
        row["pledges"] = (after.counts.get(key) or {}).get("pledges", 0) - (
            before.counts.get(key) or {}
        ).get("pledges", 0)
        if row["pledges"]:
            counted.append({"grain": key, **row})
    if counted:
        await _upsert(session, CountRollup, counted, ("pledges",))


async def _upsert(
    session: AsyncSession, model: Any, rows: list[dict[str, Any]], measures: Sequence[str]
) -> None:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(model)
    statement = statement.on_conflict_do_update(
        index_elements=[model.grain],
        set_={name: getattr(model, name) + statement.excluded[name] for name in measures},
    )
    await session.execute(statement, rows)


async def recomputed(session: AsyncSession) -> Figures:
    """Every finest grain's figures recomputed from the ledger."""
    return as_figures((await session.execute(rollup_statement())).all())


async def stored(session: AsyncSession, table: RollupTable | PeriodTable = TABLES[0]) -> Figures:
    rows: Sequence[Any] = (await session.execute(select(table.model))).scalars().all()
    columns = table.columns if isinstance(table, PeriodTable) else table.dimensions
    return {row.grain: {name: getattr(row, name) for name in (*columns, *MEASURES)} for row in rows}


def differences(expected: Figures, actual: Figures) -> list[str]:
    """Grains whose stored figures differ from the recomputation (zero rows are absent)."""
    lines = []
    for key in sorted({*expected, *actual}):
        want = {name: (expected.get(key) or {}).get(name, ZERO) for name in MEASURES}
        have = {name: (actual.get(key) or {}).get(name, ZERO) for name in MEASURES}
        if want != have:
            lines.append(f"{key}: stored {have}, recomputed {want}")
    return lines


async def check(session: AsyncSession) -> list[str]:
    """Every rollup table against the recomputation: the differences, table by table."""
    fine = await recomputed(session)
    found = []
    for table in TABLES:
        for line in differences(table.figures(fine), await stored(session, table)):
            found.append(f"{table.model.__tablename__} {line}")
    for period_table in PERIOD_TABLES:
        statement = dated_statement(period_table.dimensions)
        expected = period_table.figures(await dated_rows(session, statement))
        for line in differences(expected, await stored(session, period_table)):
            found.append(f"{period_table.model.__tablename__} {line}")
    counts = as_counts((await session.execute(members_statement())).all())
    have = {
        row.grain: row.pledges
        for row in (await session.execute(select(CountRollup))).scalars()
        if row.pledges
    }
    for key in sorted({*counts, *have}):
        want = counts.get(key, {}).get("pledges", 0)
        if want != have.get(key, 0):
            found.append(f"count_rollups {key}: stored {have.get(key, 0)}, recomputed {want}")
    return found


async def rebuild(session: AsyncSession) -> int:
    """Replace every rollup table with the recomputation; the finest table's row count."""
    fine = await recomputed(session)
    for table in TABLES:
        await session.execute(delete(table.model))
        rows = table.rows(fine)
        if rows:
            await session.execute(insert(table.model), rows)
    for period_table in PERIOD_TABLES:
        await session.execute(delete(period_table.model))
        statement = dated_statement(period_table.dimensions)
        summed = period_table.figures(await dated_rows(session, statement))
        period_rows = [{"grain": key, **row} for key, row in summed.items()]
        for start in range(0, len(period_rows), 10_000):
            await session.execute(insert(period_table.model), period_rows[start : start + 10_000])
    counts = as_counts((await session.execute(members_statement())).all())
    await session.execute(delete(CountRollup))
    if counts:
        await session.execute(
            insert(CountRollup), [{"grain": key, **row} for key, row in counts.items()]
        )
    return len(fine)


async def rebuild_or_check(database_url: str, only_check: bool) -> list[str]:
    """`mirps rollups rebuild [--check]`: the differences found (after --check), or the
    rebuild done (nothing to report)."""
    engine = make_engine(database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            if only_check:
                return await check(session)
            await rebuild(session)
            await session.commit()
            return []
    finally:
        await engine.dispose()
