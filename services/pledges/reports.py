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

import csv
import io
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
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
from sqlalchemy.sql.elements import ColumnElement

from services.common.auth import Principal
from services.common.errors import Unprocessable
from services.common.schemas import LocalizedText
from services.pledges.models import (
    MONEY,
    AllocationLine,
    EntryType,
    ExchangeRate,
    LedgerEntry,
    Objective,
    Organisation,
    Pledge,
    PledgeChange,
    Visibility,
)
from services.pledges.repository import visible_pledges
from services.pledges.schemas import (
    CountryGap,
    Dimension,
    GapRow,
    GapsReport,
    NewPartner,
    NewPledge,
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


def _contributor(viewer: Principal | None) -> Any:
    """The contributor a flow is shown under: null (undisclosed) for a restricted pledge
    the viewer may not see, so its amount counts without naming who gave it."""
    if viewer is not None and viewer.is_secretariat:
        return Pledge.contributor_id
    return case((visible_pledges(viewer), Pledge.contributor_id), else_=null())


def _flows(
    date_from: date | None,
    date_to: date | None,
    country: str | None,
    kind: str | None,
    viewer: Principal | None = None,
) -> Any:
    """Every flow with its date, USD measures and dimensions (see the module docstring)."""
    contributor = _contributor(viewer)
    withdrawn = Pledge.withdrawn_on.is_not(None)

    def dims(when: Any) -> list[Any]:
        return [
            AllocationLine.country.label("country"),
            AllocationLine.objective_id.label("objective_id"),
            contributor.label("contributor"),
            Organisation.kind.label("contributor_kind"),
            Pledge.kind.label("pledge_kind"),
            Pledge.funding_mechanism.label("funding_mechanism"),
            Pledge.id.label("pledge_id"),
            Pledge.contributor_id.label("contributor_id"),
            when.label("flow_date"),
        ]

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
        .where(~withdrawn)
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
        .where(LedgerEntry.effect != EntryType.EXPENDITURE.value)
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
        filtered.append(part)
    return union_all(*filtered).subquery("flows")


def _dimension_column(flows: Any, dimension: Dimension) -> tuple[ColumnElement[Any], Any]:
    """The SQL expression of a dimension, and the join it needs (objective, pillar)."""
    if dimension == Dimension.YEAR:
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


def _measures(flows: Any) -> list[ColumnElement[Any]]:
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
    """The grouped sums; also what the benchmark compares against raw SQL."""
    flows = _flows(
        filters.date_from, filters.date_to, filters.country, filters.kind, filters.viewer
    )
    columns = []
    needs_objective = False
    for dimension in group_by:
        column, join = _dimension_column(flows, dimension)
        columns.append(column)
        needs_objective = needs_objective or join is not None
    statement = select(*columns, *_measures(flows), *_counts(flows)).select_from(flows)
    if needs_objective:
        statement = statement.outerjoin(Objective, Objective.id == flows.c.objective_id)
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


async def summary(
    session: AsyncSession, group_by: Sequence[Dimension], filters: ReportFilters
) -> SummaryReport:
    """Pledged, committed and disbursed USD grouped by one or two dimensions.

    One aggregate query; the totals add up its group rows (every flow is in exactly one
    group), so the database scans the ledger once per request.
    """
    check_group_by(group_by)
    rows = (await session.execute(summary_statement(group_by, filters))).all()
    names = [dimension.value for dimension in group_by]
    return SummaryReport(
        group_by=list(group_by),
        rows=[
            SummaryRow(
                group={name: _group_value(row[i]) for i, name in enumerate(names)},
                pledged_usd=usd(row.pledged),
                committed_usd=usd(row.committed),
                disbursed_usd=usd(row.disbursed),
                pledges=row.pledges,
                contributors=row.contributors,
            )
            for row in rows
        ],
        totals=Totals(
            pledged_usd=usd(sum((_exact(row.pledged) for row in rows), Decimal(0))),
            committed_usd=usd(sum((_exact(row.committed) for row in rows), Decimal(0))),
            disbursed_usd=usd(sum((_exact(row.disbursed) for row in rows), Decimal(0))),
        ),
    )


def _exact(value: Any) -> Decimal:
    return Decimal(0) if value is None else Decimal(str(value))


def _totals(row: Any) -> Totals:
    return Totals(
        pledged_usd=usd(row.pledged),
        committed_usd=usd(row.committed),
        disbursed_usd=usd(row.disbursed),
    )


# ---------------------------------------------------------------- gaps


@dataclass(frozen=True)
class GapFilters:
    country: str | None = None
    pillar: str | None = None
    theme: str | None = None
    ids: Sequence[uuid.UUID] | None = None
    date_to: date | None = None


def gaps_statement(filters: GapFilters) -> Any:
    """Per objective: requirement and the flows attributed to it, as of `date_to`."""
    flows = _flows(None, filters.date_to, None, None)
    per_objective = (
        select(flows.c.objective_id.label("objective_id"), *_measures(flows))
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


def gaps_report_statement(filters: GapFilters) -> Any:
    """The gaps report's one query: objectives with their sums, largest gap first."""
    statement = gaps_statement(filters)
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
    per_country: dict[str, list[GapRow]] = {}
    for row in objectives:
        per_country.setdefault(row.country, []).append(row)
    countries = []
    for country in sorted(per_country):
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
        (await session.execute(summary_statement([], ReportFilters(date_to=ends_on)))).one()
    )
    before = _totals(
        (await session.execute(summary_statement([], ReportFilters(date_to=previous_end)))).one()
    )
    in_period = and_(Pledge.announced_on >= starts_on, Pledge.announced_on <= ends_on)
    new_count = int(
        await session.scalar(select(func.count()).select_from(Pledge).where(in_period)) or 0
    )
    new_pledges = (
        await session.scalars(
            select(Pledge)
            .where(in_period, Pledge.visibility == Visibility.PUBLIC.value)
            .order_by(Pledge.announced_on, Pledge.id)
        )
    ).all()
    # A new partner made its first pledge (of any visibility) in the period; the public
    # synthesis names it only if it has a public pledge by the period's end, and gives the
    # date of its first public pledge, so nothing restricted is disclosed.
    public = Pledge.visibility == Visibility.PUBLIC.value
    first_pledges = (
        select(
            Pledge.contributor_id.label("contributor_id"),
            func.min(Pledge.announced_on).label("first_on"),
            func.min(case((public, Pledge.announced_on), else_=null())).label("first_public_on"),
        )
        .group_by(Pledge.contributor_id)
        .subquery("first_pledges")
    )
    partners = (
        await session.execute(
            select(Organisation, first_pledges.c.first_public_on)
            .join(first_pledges, first_pledges.c.contributor_id == Organisation.id)
            .where(
                first_pledges.c.first_on >= starts_on,
                first_pledges.c.first_on <= ends_on,
                first_pledges.c.first_public_on <= ends_on,
            )
            .order_by(Organisation.name, Organisation.id)
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
        new_pledges=[
            NewPledge(
                id=p.id,
                contributor_id=p.contributor_id,
                kind=p.kind,
                title=LocalizedText(es=p.title_es, en=p.title_en),
                announced_on=p.announced_on,
                amount_usd=None if p.amount_usd is None else usd(p.amount_usd),
            )
            for p in new_pledges
        ],
        new_partners=[
            NewPartner(id=o.id, name=o.name, kind=o.kind, first_pledge_on=first_on)
            for o, first_on in partners
        ],
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
    writer = csv.writer(out, lineterminator="\n")
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
