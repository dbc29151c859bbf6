"""Reports in USD, aggregated by the database: summary, gaps, the semi-annual synthesis.

Everything is a sum over one set of *flows*, each with a date, USD measures and the
dimensions a report can group by (country and objective are those of an allocation line):

* an **announcement** per allocation line of a pledge not withdrawn (date: announced_on):
  pledged = the line's USD amount at the pledge's announcement rate;
* an **entry** per commitment or disbursement (date: the day it counts on — its value
  date, or for a reversal the value date of the entry it reverses): committed / disbursed
  = its `report_usd`, its part of its line's figure at the pledge's announcement rate;
* a **withdrawn** pledge is restated as what was disbursed: it has no announcement, its
  commitments count for nothing, and each disbursement is also pledged and committed on
  its own day, on its own line.

So the invariants that hold per allocation line (committed ≤ allocated, disbursed ≤
committed) hold in every group that is a union of lines — any country, objective,
contributor, kind or mechanism — and no period is ever negative. A period's figures are
what is known now: a late entry, a reversal or a withdrawal restates earlier periods
(the synthesis says so with `restated`).

Restricted pledges: aggregates count every pledge, restricted ones included — totals stay
honest — but nothing identifies a restricted pledge to a caller who may not see it. In
the summary, such a pledge's flows count under contributor `null` ("undisclosed"). The
synthesis is the public document, the same for every caller: its new pledges are public
ones, and its new partners are contributors whose first pledge falls in the period and
who have a public pledge by its end (first_pledge_on: their first public pledge).
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from sqlalchemy import (
    Integer,
    Select,
    and_,
    case,
    cast,
    exists,
    extract,
    func,
    literal,
    null,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from services.common.auth import Principal, Role
from services.common.csvsafe import SafeWriter
from services.common.errors import Unprocessable
from services.common.schemas import LocalizedText
from services.pledges.models import (
    MONEY,
    AllocationLine,
    CountRollup,
    CountryPeriodRollup,
    CountryRollup,
    EntryType,
    ExchangeRate,
    LedgerEntry,
    Objective,
    ObjectivePeriodRollup,
    ObjectiveRollup,
    Organisation,
    Pledge,
    PledgeChange,
    PledgeStage,
    ProgressUpdate,
    ReportRollup,
    Visibility,
    announced_pledge,
)
from services.pledges.schemas import (
    CountryGap,
    Dimension,
    GapRow,
    GapsReport,
    NewPartner,
    NewPledge,
    ProgressUpdateRead,
    SummaryReport,
    SummaryRow,
    SynthesisReport,
    Totals,
)

CENTS = Decimal("0.01")
ZERO = Decimal("0.00")


def usd(value: Any) -> Decimal:
    """A report amount: USD rounded to cents (half-even)."""
    if value is None:
        return ZERO
    return Decimal(str(value)).quantize(CENTS, rounding=ROUND_HALF_EVEN)


def shown_contributor(
    viewer: Principal | None, visibility: Any, contributor_id: Any, country: Any
) -> Any:
    """The contributor a flow is shown under: null (undisclosed) for a restricted pledge
    the viewer is no party to — neither the secretariat, the contributor's own people, nor
    a focal point of the allocation line's country — so its amount counts without naming
    who gave it. The same rule on flows, rollups and counts, so every path agrees."""
    if viewer is not None and viewer.is_secretariat:
        return contributor_id
    clauses: list[Any] = [visibility == Visibility.PUBLIC.value]
    organisation = _acting_organisation(viewer)
    if organisation is not None:
        clauses.append(contributor_id == organisation)
    if viewer is not None and Role.COUNTRY_FOCAL_POINT in viewer.roles and viewer.countries:
        clauses.append(country.in_(sorted(viewer.countries)))
    return case((or_(*clauses), contributor_id), else_=null())


def _acting_organisation(viewer: Principal | None) -> uuid.UUID | None:
    """The organisation a member/partner token acts for (a malformed id acts for none)."""
    if viewer is None or viewer.acting_org_id is None:
        return None
    try:
        return uuid.UUID(viewer.acting_org_id)
    except ValueError:
        return None


def line_dimensions(viewer: Principal | None, when: Any) -> list[Any]:
    """The dimensions of a flow of an allocation line (joined with its pledge and
    contributor), dated `when`."""
    return [
        AllocationLine.country.label("country"),
        AllocationLine.objective_id.label("objective_id"),
        shown_contributor(
            viewer, Pledge.visibility, Pledge.contributor_id, AllocationLine.country
        ).label("contributor"),
        Organisation.kind.label("contributor_kind"),
        Pledge.kind.label("pledge_kind"),
        Pledge.funding_mechanism.label("funding_mechanism"),
        Pledge.visibility.label("visibility"),
        Pledge.id.label("pledge_id"),
        Pledge.contributor_id.label("contributor_id"),
        when.label("flow_date"),
    ]


def all_flows(
    date_from: date | None,
    date_to: date | None,
    country: str | None,
    kind: str | None,
    viewer: Principal | None = None,
    pledge_ids: Sequence[uuid.UUID] | None = None,
) -> Any:
    """Every flow with its date, USD measures and dimensions (see the module docstring)."""
    withdrawn = Pledge.withdrawn_on.is_not(None)
    # A cultivating pledge counts nowhere until it is announced.
    announced = announced_pledge()

    def dims(when: Any) -> list[Any]:
        return line_dimensions(viewer, when)

    announcements = (
        select(
            *dims(Pledge.announced_on),
            AllocationLine.amount_usd.label("pledged"),
            literal(0).label("committed"),
            literal(0).label("disbursed"),
            literal(1).label("announced"),
        )
        .select_from(AllocationLine)
        .join(Pledge, Pledge.id == AllocationLine.pledge_id)
        .join(Organisation, Organisation.id == Pledge.contributor_id)
        .where(~withdrawn, announced)
    )
    is_commitment = LedgerEntry.effect == EntryType.COMMITMENT.value
    is_disbursement = LedgerEntry.effect == EntryType.DISBURSEMENT.value
    # Withdrawn, a pledge is restated as what was disbursed: each disbursement is also
    # pledged and committed, on its own day; its commitments count for nothing.
    entries = (
        select(
            *dims(LedgerEntry.period_date),
            case((and_(withdrawn, is_disbursement), LedgerEntry.report_usd), else_=0).label(
                "pledged"
            ),
            case(
                (and_(~withdrawn, is_commitment), LedgerEntry.report_usd),
                (and_(withdrawn, is_disbursement), LedgerEntry.report_usd),
                else_=0,
            ).label("committed"),
            case((is_disbursement, LedgerEntry.report_usd), else_=0).label("disbursed"),
            literal(0).label("announced"),
        )
        .select_from(LedgerEntry)
        .join(AllocationLine, AllocationLine.id == LedgerEntry.allocation_line_id)
        .join(Pledge, Pledge.id == LedgerEntry.pledge_id)
        .join(Organisation, Organisation.id == Pledge.contributor_id)
        .where(LedgerEntry.effect != EntryType.EXPENDITURE.value, announced)
    )
    filtered = []
    for part in (announcements, entries):
        flow_date = part.selected_columns.flow_date
        if date_from is not None:
            part = part.where(flow_date >= date_from)
        if date_to is not None:
            part = part.where(flow_date <= date_to)
        if country is not None:
            part = part.where(AllocationLine.country == country)
        if kind is not None:
            part = part.where(Pledge.kind == kind)
        if pledge_ids is not None:
            part = part.where(Pledge.id.in_(pledge_ids))
        filtered.append(part)
    return union_all(*filtered).subquery("flows")


def _dimension_column(flows: Any, dimension: Dimension) -> tuple[ColumnElement[Any], Any]:
    """The SQL expression of a dimension, and the join it needs (objective, pillar)."""
    if dimension == Dimension.YEAR:
        if "year" in flows.c:
            return flows.c.year.label("year"), None
        return cast(extract("year", flows.c.flow_date), Integer).label("year"), None
    if dimension == Dimension.PILLAR:
        return Objective.pillar.label("pillar"), Objective
    if dimension == Dimension.OBJECTIVE:
        return flows.c.objective_id.label("objective"), None
    return flows.c[dimension.value].label(dimension.value), None


@dataclass(frozen=True)
class ReportFilters:
    date_from: date | None = None
    date_to: date | None = None
    country: str | None = None
    kind: str | None = None
    # Who asks: restricted pledges it may not see count under an undisclosed contributor.
    viewer: Principal | None = None


def summed_measures(flows: Any) -> list[ColumnElement[Any]]:
    """Pledged, committed and disbursed summed over `flows`, as exact money."""
    return [
        type_coerce(func.coalesce(func.sum(flows.c.pledged), 0), MONEY).label("pledged"),
        type_coerce(func.coalesce(func.sum(flows.c.committed), 0), MONEY).label("committed"),
        type_coerce(func.coalesce(func.sum(flows.c.disbursed), 0), MONEY).label("disbursed"),
    ]


def _counts(flows: Any) -> list[ColumnElement[Any]]:
    """Pledges (not withdrawn) announced in the group, and their distinct contributors."""
    announced = flows.c.announced == 1
    return [
        func.count(func.distinct(case((announced, flows.c.pledge_id), else_=null()))).label(
            "pledges"
        ),
        func.count(func.distinct(case((announced, flows.c.contributor_id), else_=null()))).label(
            "contributors"
        ),
    ]


def summary_statement(group_by: Sequence[Dimension], filters: ReportFilters) -> Select[Any]:
    """The grouped sums over the full ledger (every flow); also the benchmark's floor."""
    flows = all_flows(
        filters.date_from, filters.date_to, filters.country, filters.kind, filters.viewer
    )
    return _grouped(flows, group_by, _counts(flows))


def rollup_summary_statement(group_by: Sequence[Dimension], filters: ReportFilters) -> Select[Any]:
    """The same grouped sums read from the rollups (for groupings by objective, pillar or
    contributor: dates on half-year bounds only)."""
    return _grouped(_rollup_source(filters, group_by), group_by, [])


def _in_halves(filters: ReportFilters | GapFilters) -> bool:
    """Whether the rollups (by half-year) can answer for these dates."""
    date_from = getattr(filters, "date_from", None)
    starts = date_from is None or (date_from.month, date_from.day) in ((1, 1), (7, 1))
    ends = filters.date_to is None or (filters.date_to.month, filters.date_to.day) in (
        (6, 30),
        (12, 31),
    )
    return starts and ends


def half_of(day: date) -> int:
    return day.year * 10 + (1 if day.month <= 6 else 2)


_COARSE = {
    Dimension.COUNTRY,
    Dimension.CONTRIBUTOR_KIND,
    Dimension.PLEDGE_KIND,
    Dimension.FUNDING_MECHANISM,
    Dimension.YEAR,
}


def _rollup_source(filters: ReportFilters, group_by: Sequence[Dimension] = ()) -> Any:
    """The rollups under the flows' column names, filtered (see `_in_halves`): the per
    country table when the grouping needs no objective or contributor (a few rows per
    half-year), else the finest one."""
    if set(group_by) <= _COARSE:
        return _country_source(filters)
    r = ReportRollup
    statement = select(
        r.country.label("country"),
        r.objective_id.label("objective_id"),
        shown_contributor(filters.viewer, r.visibility, r.contributor_id, r.country).label(
            "contributor"
        ),
        r.contributor_kind.label("contributor_kind"),
        r.pledge_kind.label("pledge_kind"),
        r.funding_mechanism.label("funding_mechanism"),
        (r.half // 10).label("year"),
        r.pledged.label("pledged"),
        r.committed.label("committed"),
        r.disbursed.label("disbursed"),
    )
    return _within(statement, r, filters).subquery("rollups")


@dataclass(frozen=True)
class DatePieces:
    """A date range cut into what the rollups keep: whole half-years (a range of
    year x 10 + half; None: no bound), then whole months (yyyymm) and days (yyyymmdd) at
    the edges. `halves` is None when no whole half-year lies in the range."""

    halves: tuple[int | None, int | None] | None
    months: list[tuple[int, int]]
    days: list[tuple[int, int]]


def _half_start(half: int) -> date:
    return date(half // 10, 1 if half % 10 == 1 else 7, 1)


def _half_end(half: int) -> date:
    return date(half // 10, 6, 30) if half % 10 == 1 else date(half // 10, 12, 31)


def _month_end(day: date) -> date:
    following = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return following - timedelta(days=1)


def _as_month(day: date) -> int:
    return day.year * 100 + day.month


def _as_day(day: date) -> int:
    return day.year * 10000 + day.month * 100 + day.day


def date_pieces(date_from: date | None, date_to: date | None) -> DatePieces:
    """`date_from`..`date_to` (inclusive, either open) as whole half-years, months and
    days, so that every day of the range is in exactly one piece."""
    first = None if date_from is None else half_of(date_from)
    if date_from is not None and _half_start(half_of(date_from)) != date_from:
        first = half_of(_half_end(half_of(date_from)) + timedelta(days=1))
    last = None if date_to is None else half_of(date_to)
    if date_to is not None and _half_end(half_of(date_to)) != date_to:
        last = half_of(_half_start(half_of(date_to)) - timedelta(days=1))
    if first is not None and last is not None and first > last:
        assert date_from is not None
        assert date_to is not None
        edges = [(date_from, date_to)] if date_from <= date_to else []
        pieces = DatePieces(None, [], [])
    else:
        edges = []
        if date_from is not None and first is not None and _half_start(first) > date_from:
            edges.append((date_from, _half_start(first) - timedelta(days=1)))
        if date_to is not None and last is not None and _half_end(last) < date_to:
            edges.append((_half_end(last) + timedelta(days=1), date_to))
        pieces = DatePieces((first, last), [], [])
    for start, end in edges:
        whole_from = start if start.day == 1 else _month_end(start) + timedelta(days=1)
        whole_to = end if _month_end(end) == end else end.replace(day=1) - timedelta(days=1)
        if whole_from > whole_to:
            pieces.days.append((_as_day(start), _as_day(end)))
            continue
        pieces.months.append((_as_month(whole_from), _as_month(whole_to)))
        if start < whole_from:
            pieces.days.append((_as_day(start), _as_day(whole_from - timedelta(days=1))))
        if whole_to < end:
            pieces.days.append((_as_day(whole_to + timedelta(days=1)), _as_day(end)))
    return pieces


def _in_pieces(table: Any, pieces: DatePieces) -> Any:
    """SQL: the month and day rows of a period rollup table within `pieces`."""
    clauses = [
        and_(table.span == span, table.period >= low, table.period <= high)
        for span, ranges in (("month", pieces.months), ("day", pieces.days))
        for low, high in ranges
    ]
    return or_(*clauses) if clauses else literal(False)


def _country_source(filters: ReportFilters) -> Any:
    """Per country and kinds, from CountryRollup for the whole half-years of the filters'
    dates and CountryPeriodRollup for the months and days at their edges."""
    pieces = date_pieces(filters.date_from, filters.date_to)
    undated = replace(filters, date_from=None, date_to=None)
    kinds = ("country", "contributor_kind", "pledge_kind", "funding_mechanism")
    measures = ("pledged", "committed", "disbursed")
    parts = []
    if pieces.halves is not None:
        c = CountryRollup
        statement = select(
            *(getattr(c, n).label(n) for n in kinds),
            (c.half // 10).label("year"),
            *(getattr(c, n).label(n) for n in measures),
        )
        low, high = pieces.halves
        if low is not None:
            statement = statement.where(c.half >= low)
        if high is not None:
            statement = statement.where(c.half <= high)
        parts.append(_within(statement, c, undated))
    p = CountryPeriodRollup
    edges = select(
        *(getattr(p, n).label(n) for n in kinds),
        p.year.label("year"),
        *(getattr(p, n).label(n) for n in measures),
    ).where(_in_pieces(p, pieces))
    parts.append(_within(edges, p, undated))
    return union_all(*parts).subquery("rollups")


def _within(statement: Any, table: Any, filters: ReportFilters) -> Any:
    """Only the rows of the filters' half-years (a table with `half`), country and pledge
    kind."""
    if filters.date_from is not None:
        statement = statement.where(table.half >= half_of(filters.date_from))
    if filters.date_to is not None:
        statement = statement.where(table.half <= half_of(filters.date_to))
    if filters.country is not None:
        statement = statement.where(table.country == filters.country)
    if filters.kind is not None:
        statement = statement.where(table.pledge_kind == filters.kind)
    return statement


def _objective_rollups(date_to: date | None) -> Any:
    """Per objective, up to `date_to`: ObjectiveRollup for the whole half-years,
    ObjectivePeriodRollup for the months and days after the last of them."""
    pieces = date_pieces(None, date_to)
    o = ObjectiveRollup
    halves = select(
        o.objective_id.label("objective_id"),
        o.pledged.label("pledged"),
        o.committed.label("committed"),
        o.disbursed.label("disbursed"),
    )
    if pieces.halves is not None and pieces.halves[1] is not None:
        halves = halves.where(o.half <= pieces.halves[1])
    p = ObjectivePeriodRollup
    edges = select(
        p.objective_id.label("objective_id"),
        p.pledged.label("pledged"),
        p.committed.label("committed"),
        p.disbursed.label("disbursed"),
    ).where(_in_pieces(p, pieces))
    return union_all(halves, edges).subquery("objective_rollups")


def counts_statement(group_by: Sequence[Dimension], filters: ReportFilters) -> Select[Any]:
    """Pledges (not withdrawn) announced in each group, and their distinct contributors,
    from the allocation lines (no ledger scan)."""
    lines = (
        select(*line_dimensions(filters.viewer, Pledge.announced_on))
        .join(Pledge, Pledge.id == AllocationLine.pledge_id)
        .join(Organisation, Organisation.id == Pledge.contributor_id)
        .where(Pledge.withdrawn_on.is_(None), announced_pledge())
    )
    if filters.date_from is not None:
        lines = lines.where(Pledge.announced_on >= filters.date_from)
    if filters.date_to is not None:
        lines = lines.where(Pledge.announced_on <= filters.date_to)
    if filters.country is not None:
        lines = lines.where(AllocationLine.country == filters.country)
    if filters.kind is not None:
        lines = lines.where(Pledge.kind == filters.kind)
    source = lines.subquery("announced")
    counted = [
        func.count(func.distinct(source.c.pledge_id)).label("pledges"),
        func.count(func.distinct(source.c.contributor_id)).label("contributors"),
    ]
    return _grouped(source, group_by, counted, measures=False)


def rollup_counts_statement(group_by: Sequence[Dimension], filters: ReportFilters) -> Select[Any]:
    """`counts_statement` for groupings by country, kinds, mechanism and year, read from
    the count rollups (dates on half-year bounds only): a sum of pledges and a distinct
    count of contributors over a few rows per contributor and half-year."""
    c = CountRollup
    per_country = Dimension.COUNTRY in group_by or filters.country is not None
    statement = select(
        c.country.label("country"),
        c.contributor_kind.label("contributor_kind"),
        c.pledge_kind.label("pledge_kind"),
        c.funding_mechanism.label("funding_mechanism"),
        (c.half // 10).label("year"),
        c.contributor_id.label("contributor_id"),
        c.pledges.label("pledges"),
    ).where(c.per_country == per_country, c.pledges > 0)
    source = _within(statement, c, filters).subquery("counted")
    # Per contributor first, then per group: two hash aggregates, cheaper than a
    # count(distinct), which sorts.
    columns = [_dimension_column(source, dimension)[0] for dimension in group_by]
    per_contributor = (
        select(*columns, func.sum(source.c.pledges).label("pledges"))
        .group_by(*columns, source.c.contributor_id)
        .subquery("per_contributor")
    )
    grouped = [per_contributor.c[dimension.value] for dimension in group_by]
    counted: Select[Any] = select(
        *grouped,
        func.sum(per_contributor.c.pledges).label("pledges"),
        func.count().label("contributors"),
    )
    if grouped:
        counted = counted.group_by(*grouped).order_by(*grouped)
    return counted


def _grouped(
    source: Any,
    group_by: Sequence[Dimension],
    extra: Sequence[ColumnElement[Any]],
    *,
    measures: bool = True,
) -> Select[Any]:
    columns = []
    needs_objective = False
    for dimension in group_by:
        column, join = _dimension_column(source, dimension)
        columns.append(column)
        needs_objective = needs_objective or join is not None
    sums = summed_measures(source) if measures else []
    statement = select(*columns, *sums, *extra).select_from(source)
    if needs_objective:
        statement = statement.outerjoin(Objective, Objective.id == source.c.objective_id)
    if columns:
        statement = statement.group_by(*columns).order_by(*columns)
    return statement


def _group_value(value: Any) -> str | int | None:
    if value is None or isinstance(value, int):
        return value
    return str(value)


def check_group_by(group_by: Sequence[Dimension]) -> None:
    if not 1 <= len(group_by) <= 2:
        raise Unprocessable("group_by takes one or two dimensions")
    if len(set(group_by)) != len(group_by):
        raise Unprocessable("group_by names a dimension twice")


@dataclass(frozen=True)
class GroupFigures:
    group: tuple[Any, ...]
    pledged: Decimal
    committed: Decimal
    disbursed: Decimal
    pledges: int
    contributors: int


async def grouped_figures(
    session: AsyncSession,
    group_by: Sequence[Dimension],
    filters: ReportFilters,
    *,
    counts: bool = True,
    full_scan: bool = False,
) -> list[GroupFigures]:
    """The figures per group: from the rollups for groupings by country, kinds,
    mechanism and year over any dates (whole half-years, then months and days at the
    edges: see `date_pieces`), and for the other groupings when the dates fall on
    half-year bounds; else — or with `full_scan`, which the equivalence tests use — from a
    full scan of the flows. Counts come from the count rollups on half-year bounds, else
    from the allocation lines (one row per pledge and line, never the ledger). Groups
    with no figure and no pledge are left out, so both paths give the same groups."""
    width = len(group_by)
    coarse = set(group_by) <= _COARSE
    if full_scan or not (coarse or _in_halves(filters)):
        rows = (await session.execute(summary_statement(group_by, filters))).all()
        counted = {tuple(row[:width]): (row.pledges, row.contributors) for row in rows}
    else:
        rows = (await session.execute(rollup_summary_statement(group_by, filters))).all()
        in_halves = coarse and _in_halves(filters)
        counter = rollup_counts_statement if in_halves else counts_statement
        counted = (
            {
                tuple(row[:width]): (row.pledges, row.contributors)
                for row in (await session.execute(counter(group_by, filters))).all()
            }
            if counts
            else {}
        )
    found = [
        GroupFigures(
            tuple(row[:width]),
            _exact(row.pledged),
            _exact(row.committed),
            _exact(row.disbursed),
            *counted.pop(tuple(row[:width]), (0, 0)),
        )
        for row in rows
    ]
    zero = Decimal(0)
    found += [GroupFigures(key, zero, zero, zero, *n) for key, n in counted.items()]
    return [g for g in found if g.pledges or g.pledged or g.committed or g.disbursed]


async def summary(
    session: AsyncSession,
    group_by: Sequence[Dimension],
    filters: ReportFilters,
    *,
    full_scan: bool = False,
) -> SummaryReport:
    """Pledged, committed and disbursed USD, and pledges and contributors, grouped by one
    or two dimensions; the totals add up the groups (every flow is in exactly one)."""
    check_group_by(group_by)
    groups = await grouped_figures(session, group_by, filters, full_scan=full_scan)
    names = [dimension.value for dimension in group_by]
    return SummaryReport(
        group_by=list(group_by),
        rows=[
            SummaryRow(
                group={name: _group_value(g.group[i]) for i, name in enumerate(names)},
                pledged_usd=usd(g.pledged),
                committed_usd=usd(g.committed),
                disbursed_usd=usd(g.disbursed),
                pledges=g.pledges,
                contributors=g.contributors,
            )
            for g in groups
        ],
        totals=Totals(
            pledged_usd=usd(sum((g.pledged for g in groups), Decimal(0))),
            committed_usd=usd(sum((g.committed for g in groups), Decimal(0))),
            disbursed_usd=usd(sum((g.disbursed for g in groups), Decimal(0))),
        ),
    )


def _exact(value: Any) -> Decimal:
    return Decimal(0) if value is None else Decimal(str(value))


def _totals(groups: Sequence[GroupFigures]) -> Totals:
    return Totals(
        pledged_usd=usd(sum((g.pledged for g in groups), Decimal(0))),
        committed_usd=usd(sum((g.committed for g in groups), Decimal(0))),
        disbursed_usd=usd(sum((g.disbursed for g in groups), Decimal(0))),
    )


# ---------------------------------------------------------------- gaps


@dataclass(frozen=True)
class GapFilters:
    country: str | None = None
    pillar: str | None = None
    theme: str | None = None
    ids: Sequence[uuid.UUID] | None = None
    date_to: date | None = None


def gaps_statement(filters: GapFilters, *, full_scan: bool = False) -> Any:
    """Per objective: requirement and the flows attributed to it, as of `date_to`: from
    the rollups (whole half-years, then months and days), or with `full_scan` (the
    equivalence tests, the benchmark's floor) from a full scan of the flows."""
    if full_scan:
        flows = all_flows(None, filters.date_to, None, None)
    else:
        flows = _objective_rollups(filters.date_to)
    per_objective = (
        select(flows.c.objective_id.label("objective_id"), *summed_measures(flows))
        .where(flows.c.objective_id.is_not(None))
        .group_by(flows.c.objective_id)
        .subquery("per_objective")
    )
    committed = func.coalesce(per_objective.c.committed, 0)
    gap = case(
        (Objective.requirement_usd > committed, Objective.requirement_usd - committed), else_=0
    )
    statement: Any = select(
        Objective,
        type_coerce(func.coalesce(per_objective.c.pledged, 0), MONEY).label("pledged"),
        type_coerce(committed, MONEY).label("committed"),
        type_coerce(func.coalesce(per_objective.c.disbursed, 0), MONEY).label("disbursed"),
        type_coerce(gap, MONEY).label("gap"),
    ).outerjoin(per_objective, per_objective.c.objective_id == Objective.id)
    if filters.country is not None:
        statement = statement.where(Objective.country == filters.country)
    if filters.pillar is not None:
        statement = statement.where(Objective.pillar == filters.pillar)
    if filters.theme is not None:
        statement = statement.where(Objective.theme == filters.theme)
    if filters.ids is not None:
        statement = statement.where(Objective.id.in_(filters.ids))
    return statement


def gaps_report_statement(filters: GapFilters, *, full_scan: bool = False) -> Any:
    """The gaps report's one query: objectives with their sums, largest gap first."""
    statement = gaps_statement(filters, full_scan=full_scan)
    gap = statement.selected_columns.gap
    return statement.order_by(gap.desc(), Objective.id)


def _coverage(committed: Decimal, requirement: Decimal) -> Decimal:
    if requirement <= 0:
        return ZERO
    return usd(committed * 100 / requirement)


async def gaps(session: AsyncSession, filters: GapFilters, limit: int | None = None) -> GapsReport:
    """Requirement, committed, disbursed, gap and coverage per objective; totals per country.

    One aggregate query per objective; the country totals add up those objective rows
    (one per objective, already aggregated), so the ledger is scanned once per request.
    """
    objective_rows = (await session.execute(gaps_report_statement(filters))).all()
    objectives = [_gap_row(row) for row in objective_rows]
    per_country: dict[str | None, list[GapRow]] = {}
    for row in objectives:
        per_country.setdefault(row.country, []).append(row)
    countries = []
    # The countries in order, then the regional row (the Regional Action Plan's objectives).
    for country in sorted(per_country, key=lambda c: (c is None, c or "")):
        rows = per_country[country]
        requirement = sum((r.requirement_usd for r in rows), ZERO)
        committed = sum((r.committed_usd for r in rows), ZERO)
        countries.append(
            CountryGap(
                country=country,
                requirement_usd=requirement,
                committed_usd=committed,
                disbursed_usd=sum((r.disbursed_usd for r in rows), ZERO),
                gap_usd=sum((r.gap_usd for r in rows), ZERO),
                coverage_percent=_coverage(committed, requirement),
            )
        )
    return GapsReport(objectives=objectives[:limit], countries=countries)


def _gap_row(row: Any) -> GapRow:
    objective: Objective = row[0]
    requirement = usd(objective.requirement_usd)
    committed = usd(row.committed)
    return GapRow(
        objective_id=objective.id,
        country=objective.country,
        pillar=objective.pillar,
        theme=objective.theme,
        title=LocalizedText(es=objective.title_es, en=objective.title_en),
        requirement_usd=requirement,
        pledged_usd=usd(row.pledged),
        committed_usd=committed,
        disbursed_usd=usd(row.disbursed),
        gap_usd=usd(row.gap),
        coverage_percent=_coverage(committed, requirement),
    )


# ---------------------------------------------------------------- synthesis


def half_year(period: str) -> tuple[date, date]:
    """'2023-H1' → (2023-01-01, 2023-06-30); '2023-H2' → (2023-07-01, 2023-12-31)."""
    try:
        year_text, half = period.split("-")
        year = int(year_text)
    except ValueError as exc:
        raise Unprocessable(f"period must look like 2023-H1 or 2023-H2, got '{period}'") from exc
    if half == "H1" and 1900 < year < 2200:
        return date(year, 1, 1), date(year, 6, 30)
    if half == "H2" and 1900 < year < 2200:
        return date(year, 7, 1), date(year, 12, 31)
    raise Unprocessable(f"period must look like 2023-H1 or 2023-H2, got '{period}'")


def previous_half(period: str) -> str:
    year_text, half = period.split("-")
    return f"{year_text}-H1" if half == "H2" else f"{int(year_text) - 1}-H2"


async def synthesis(session: AsyncSession, period: str) -> SynthesisReport:
    """The public semi-annual synthesis of support mobilised (the same for every caller)."""
    starts_on, ends_on = half_year(period)
    _, previous_end = half_year(previous_half(period))
    now_totals = _totals(
        await grouped_figures(session, [], ReportFilters(date_to=ends_on), counts=False)
    )
    before = _totals(
        await grouped_figures(session, [], ReportFilters(date_to=previous_end), counts=False)
    )
    announced = announced_pledge()
    in_period = and_(Pledge.announced_on >= starts_on, Pledge.announced_on <= ends_on, announced)
    new_count = int(
        await session.scalar(select(func.count()).select_from(Pledge).where(in_period)) or 0
    )
    # Only the columns listed (no ORM entities): a half-year can hold thousands of pledges.
    new_pledges = (
        await session.execute(
            select(
                Pledge.id,
                Pledge.contributor_id,
                Pledge.kind,
                Pledge.title_es,
                Pledge.title_en,
                Pledge.announced_on,
                Pledge.amount_usd,
            )
            .where(in_period, Pledge.visibility == Visibility.PUBLIC.value)
            .order_by(Pledge.announced_on, Pledge.id)
        )
    ).all()
    # A new partner made its first pledge (of any visibility) in the period; the public
    # synthesis names it only if it has a public pledge by the period's end, and gives the
    # date of its first public pledge, so nothing restricted is disclosed.
    # Read per contributor of the period's pledges (by the index on contributor and
    # announcement date), not grouped over every pledge.
    partners = (
        await session.execute(
            select(Organisation, _first_public_on())
            .where(
                Organisation.id.in_(select(Pledge.contributor_id).where(in_period)),
                ~_pledged_before(starts_on),
                _first_public_on() <= ends_on,
            )
            .order_by(Organisation.name, Organisation.id)
        )
    ).all()
    updates = (
        await session.scalars(
            select(ProgressUpdate)
            .join(Pledge, Pledge.id == ProgressUpdate.pledge_id)
            .where(
                ProgressUpdate.reported_on >= starts_on,
                ProgressUpdate.reported_on <= ends_on,
                Pledge.visibility == Visibility.PUBLIC.value,
                announced,
            )
            .order_by(ProgressUpdate.reported_on.desc(), ProgressUpdate.id)
            .limit(20)
        )
    ).all()
    by_country = await summary(session, [Dimension.COUNTRY], ReportFilters(date_to=ends_on))
    by_kind = await summary(session, [Dimension.CONTRIBUTOR_KIND], ReportFilters(date_to=ends_on))
    largest = await gaps(session, GapFilters(date_to=ends_on), limit=5)
    rates_as_of = await session.scalar(
        select(func.max(ExchangeRate.rate_date)).where(ExchangeRate.rate_date <= ends_on)
    )
    return SynthesisReport(
        period=period,
        starts_on=starts_on,
        ends_on=ends_on,
        totals=now_totals,
        previous_totals=before,
        change=Totals(
            pledged_usd=now_totals.pledged_usd - before.pledged_usd,
            committed_usd=now_totals.committed_usd - before.committed_usd,
            disbursed_usd=now_totals.disbursed_usd - before.disbursed_usd,
        ),
        new_pledges_count=new_count,
        # Built without re-validation: stored titles were validated when written, and a
        # half-year can hold thousands of new pledges.
        new_pledges=[
            NewPledge.model_construct(
                id=p.id,
                contributor_id=p.contributor_id,
                kind=p.kind,
                title=LocalizedText.model_construct(es=p.title_es, en=p.title_en),
                announced_on=p.announced_on,
                amount_usd=None if p.amount_usd is None else usd(p.amount_usd),
            )
            for p in new_pledges
        ],
        new_partners=[
            NewPartner(id=o.id, name=o.name, kind=o.kind, first_pledge_on=first_on)
            for o, first_on in partners
        ],
        recent_updates=[progress_update_read(u) for u in updates],
        by_country=by_country.rows,
        by_contributor_kind=by_kind.rows,
        largest_gaps=[row for row in largest.objectives if row.gap_usd > 0],
        rates_as_of=rates_as_of,
        as_of=datetime.now(UTC),
        restated=await _restated(session, ends_on),
        conversion=(
            "Each pledge in USD at the rate of its announcement date. Commitments and "
            "disbursements are converted to the pledge's currency at the rates of their "
            "value date (the latest rate on or before it), then to USD at the pledge's "
            "rate, so exchange-rate moves never make committed exceed pledged."
        ),
    )


def _first_public_on() -> Any:
    """The date of the organisation's first public announced pledge (or null)."""
    public = aliased(Pledge)
    return (
        select(func.min(public.announced_on))
        .where(
            public.contributor_id == Organisation.id,
            public.visibility == Visibility.PUBLIC.value,
            public.implementation_status != PledgeStage.CULTIVATING.value,
        )
        .scalar_subquery()
    )


def _pledged_before(day: date) -> Any:
    """SQL: the organisation announced a pledge (of any visibility) before `day`."""
    earlier = aliased(Pledge)
    return exists().where(
        earlier.contributor_id == Organisation.id,
        earlier.announced_on < day,
        earlier.implementation_status != PledgeStage.CULTIVATING.value,
    )


def progress_update_read(update: ProgressUpdate) -> ProgressUpdateRead:
    """A progress update as the API shows it (in a pledge's updates and the synthesis)."""
    return ProgressUpdateRead(
        id=update.id,
        pledge_id=update.pledge_id,
        reported_on=update.reported_on,
        narrative=LocalizedText(es=update.narrative_es, en=update.narrative_en),
        implementation_status=update.implementation_status,
        figures={label: Decimal(value) for label, value in update.figures.items()},
        recorded_at=update.recorded_at,
    )


async def _restated(session: AsyncSession, ends_on: date) -> bool:
    """Whether anything recorded after `ends_on` changed figures dated on or before it."""
    after = datetime.combine(ends_on + timedelta(days=1), time(0), UTC)
    late_entry = exists().where(
        LedgerEntry.recorded_at >= after, LedgerEntry.period_date <= ends_on
    )
    late_pledge = exists().where(
        Pledge.announced_on <= ends_on,
        or_(Pledge.created_at >= after, Pledge.withdrawn_at >= after),
    )
    late_change = exists().where(
        PledgeChange.changed_at >= after,
        PledgeChange.action != "withdrawn",
        PledgeChange.pledge_id == Pledge.id,
        Pledge.announced_on <= ends_on,
    )
    return bool(await session.scalar(select(or_(late_entry, late_pledge, late_change))))


SYNTHESIS_CSV_HEADER = ("section", "key", "pledged_usd", "committed_usd", "disbursed_usd", "value")


def synthesis_csv(report: SynthesisReport) -> str:
    """The synthesis as one flat CSV table: a section column, then key and figures."""
    out = io.StringIO()
    writer = SafeWriter(out, lineterminator="\n")
    writer.writerow(SYNTHESIS_CSV_HEADER)

    def figures(section: str, key: str, totals: Any) -> None:
        writer.writerow(
            [section, key, totals.pledged_usd, totals.committed_usd, totals.disbursed_usd, ""]
        )

    writer.writerow(["period", report.period, "", "", "", f"{report.starts_on}/{report.ends_on}"])
    figures("totals", "end_of_period", report.totals)
    figures("totals", "end_of_previous_period", report.previous_totals)
    figures("totals", "change", report.change)
    writer.writerow(["new_pledges", "count", "", "", "", report.new_pledges_count])
    for pledge in report.new_pledges:
        writer.writerow(
            ["new_pledge", pledge.id, pledge.amount_usd or "", "", "", pledge.title.text("en")]
        )
    for partner in report.new_partners:
        writer.writerow(["new_partner", partner.id, "", "", "", partner.name])
    for row in report.by_country:
        figures("by_country", str(row.group["country"] or "regional"), row)
    for row in report.by_contributor_kind:
        figures("by_contributor_kind", str(row.group["contributor_kind"]), row)
    for gap in report.largest_gaps:
        writer.writerow(
            [
                "largest_gap",
                gap.objective_id,
                gap.pledged_usd,
                gap.committed_usd,
                gap.disbursed_usd,
                gap.gap_usd,
            ]
        )
    writer.writerow(["rates_as_of", report.rates_as_of or "", "", "", "", report.conversion])
    restated = "restated" if report.restated else ""
    writer.writerow(["as_of", report.as_of.isoformat(), "", "", "", restated])
    return out.getvalue()
