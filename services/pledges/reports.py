"""Reports in USD, aggregated by the database: summary, gaps, the semi-annual synthesis.

Everything is a sum over one set of *flows*, each with a date, USD measures and the
dimensions a report can group by:

* an **announcement** per pledge (date: announced_on): pledged = the pledge's USD amount
  at the rate of its announcement date;
* a **withdrawal** per withdrawn pledge: the undisbursed remainder stops counting —
  pledged and committed both drop to what was disbursed. Pledged drops in the shares the
  announcement was attributed in; committed drops where each entry was attributed (its
  country and objective), by that entry's undisbursed part, so no country or objective
  goes negative. An entry dated after the withdrawal (a reversal) acts on its own date;
  a report as of a date counts only what happened by then;
* an **entry** per ledger entry (date: value_date): committed / disbursed = its signed
  USD amount at the rate of its value date (a reversal is negative).

Attribution: an entry belongs to its recipient country and to the objective it names.
A pledge's amount is split in equal shares over the pledge's linked objectives (an
objective's country is the share's country); an entry that names no objective is split
over the pledge's objectives in the entry's country (none there: no objective); a pledge
without objectives is split over its recipient countries; a regional pledge with
neither has no country (null, "regional"). A share is rounded to 0.0001 (half away from
zero) before it is summed, the same on both backends; on SQLite, where amounts are scaled
integers, every report sum is then exact integer arithmetic.

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
    EntryType,
    ExchangeRate,
    LedgerEntry,
    Objective,
    Organisation,
    Pledge,
    PledgeChange,
    PledgeCountry,
    PledgeObjective,
    Visibility,
    share_of,
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


def _parts_over(partition: Any) -> ColumnElement[Any]:
    return func.count().over(partition_by=partition)


def _pledge_allocations() -> Any:
    """(pledge_id, country, objective_id, parts): a pledge's amount is attributed in
    `parts` equal shares (see `share_of`)."""
    has_objectives = exists().where(PledgeObjective.pledge_id == Pledge.id)
    has_countries = exists().where(PledgeCountry.pledge_id == Pledge.id)
    to_objectives = select(
        PledgeObjective.pledge_id.label("pledge_id"),
        Objective.country.label("country"),
        PledgeObjective.objective_id.label("objective_id"),
    ).join(Objective, Objective.id == PledgeObjective.objective_id)
    to_countries = (
        select(
            PledgeCountry.pledge_id.label("pledge_id"),
            PledgeCountry.country.label("country"),
            type_coerce(null(), PledgeObjective.objective_id.type).label("objective_id"),
        )
        .join(Pledge, Pledge.id == PledgeCountry.pledge_id)
        .where(~has_objectives)
    )
    regional = select(
        Pledge.id.label("pledge_id"),
        type_coerce(null(), PledgeCountry.country.type).label("country"),
        type_coerce(null(), PledgeObjective.objective_id.type).label("objective_id"),
    ).where(~has_objectives, ~has_countries)
    targets = union_all(to_objectives, to_countries, regional).subquery("targets")
    return select(
        targets.c.pledge_id,
        targets.c.country,
        targets.c.objective_id,
        _parts_over(targets.c.pledge_id).label("parts"),
    ).subquery("allocations")


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
    allocations = _pledge_allocations()
    zero = literal(0)
    amount_usd = func.coalesce(Pledge.amount_usd, 0)
    contributor = _contributor(viewer)

    def dims(country_col: Any, objective_col: Any, when: Any) -> list[Any]:
        return [
            country_col.label("country"),
            objective_col.label("objective_id"),
            contributor.label("contributor"),
            Organisation.kind.label("contributor_kind"),
            Pledge.kind.label("pledge_kind"),
            when.label("flow_date"),
        ]

    announcements = (
        select(
            *dims(allocations.c.country, allocations.c.objective_id, Pledge.announced_on),
            share_of(amount_usd, allocations.c.parts).label("pledged"),
            zero.label("committed"),
            zero.label("disbursed"),
        )
        .select_from(allocations)
        .join(Pledge, Pledge.id == allocations.c.pledge_id)
        .join(Organisation, Organisation.id == Pledge.contributor_id)
        .where(Pledge.withdrawn_on.is_(None))
    )
    # A withdrawal restates the pledge: it counts as if it had only ever been what was
    # disbursed, each disbursement (signed: reversals count) pledged on its own day in the
    # announcement's shares; the undisbursed part of each commitment is taken off on the
    # commitment's day. So no period goes negative.
    withdrawn_disbursed = (
        select(
            *dims(allocations.c.country, allocations.c.objective_id, LedgerEntry.period_date),
            share_of(LedgerEntry.signed_usd, allocations.c.parts).label("pledged"),
            zero.label("committed"),
            zero.label("disbursed"),
        )
        .select_from(allocations)
        .join(Pledge, Pledge.id == allocations.c.pledge_id)
        .join(LedgerEntry, LedgerEntry.pledge_id == Pledge.id)
        .join(Organisation, Organisation.id == Pledge.contributor_id)
        .where(
            Pledge.withdrawn_on.is_not(None),
            LedgerEntry.effect == EntryType.DISBURSEMENT.value,
        )
    )
    committed = case(
        (LedgerEntry.effect == EntryType.COMMITMENT.value, LedgerEntry.signed_usd), else_=0
    )
    disbursed_entry = case(
        (LedgerEntry.effect == EntryType.DISBURSEMENT.value, LedgerEntry.signed_usd), else_=0
    )
    # Withdrawn, the committed amount drops to what was disbursed where the entries were
    # attributed: each entry's undisbursed part (disbursed - committed) is taken off where
    # the entry counted, so no country or objective goes below its disbursements.
    undisbursed_removed = disbursed_entry - committed
    named = (
        select(
            *dims(LedgerEntry.recipient_country, LedgerEntry.objective_id, LedgerEntry.period_date),
            zero.label("pledged"),
            committed.label("committed"),
            disbursed_entry.label("disbursed"),
        )
        .join(Pledge, Pledge.id == LedgerEntry.pledge_id)
        .join(Organisation, Organisation.id == Pledge.contributor_id)
        .where(LedgerEntry.objective_id.is_not(None))
    )
    named_withdrawn = (
        select(
            *dims(LedgerEntry.recipient_country, LedgerEntry.objective_id, LedgerEntry.period_date),
            zero.label("pledged"),
            undisbursed_removed.label("committed"),
            zero.label("disbursed"),
        )
        .join(Pledge, Pledge.id == LedgerEntry.pledge_id)
        .join(Organisation, Organisation.id == Pledge.contributor_id)
        .where(LedgerEntry.objective_id.is_not(None), Pledge.withdrawn_on.is_not(None))
    )
    # An entry without an objective is shared over its pledge's objectives in the entry's
    # country (or none).
    links = (
        select(
            PledgeObjective.pledge_id,
            PledgeObjective.objective_id,
            Objective.country,
            func.count()
            .over(partition_by=(PledgeObjective.pledge_id, Objective.country))
            .label("objectives"),
        )
        .join(Objective, Objective.id == PledgeObjective.objective_id)
        .subquery("links")
    )
    shared_in = func.coalesce(links.c.objectives, 1)

    def unnamed_part(when: Any, pledged: Any, committed_: Any, disbursed_: Any) -> Any:
        return (
            select(
                *dims(LedgerEntry.recipient_country, links.c.objective_id, when),
                pledged.label("pledged"),
                committed_.label("committed"),
                disbursed_.label("disbursed"),
            )
            .join(Pledge, Pledge.id == LedgerEntry.pledge_id)
            .join(Organisation, Organisation.id == Pledge.contributor_id)
            .outerjoin(
                links,
                and_(
                    links.c.pledge_id == LedgerEntry.pledge_id,
                    links.c.country == LedgerEntry.recipient_country,
                ),
            )
            .where(LedgerEntry.objective_id.is_(None))
        )

    unnamed = unnamed_part(
        LedgerEntry.period_date,
        zero,
        share_of(committed, shared_in),
        share_of(disbursed_entry, shared_in),
    )
    unnamed_withdrawn = unnamed_part(
        LedgerEntry.period_date, zero, share_of(undisbursed_removed, shared_in), zero
    ).where(Pledge.withdrawn_on.is_not(None))
    parts = [
        announcements,
        withdrawn_disbursed,
        named,
        named_withdrawn,
        unnamed,
        unnamed_withdrawn,
    ]
    filtered = []
    for part in parts:
        flow_date = part.selected_columns.flow_date
        if date_from is not None:
            part = part.where(flow_date >= date_from)
        if date_to is not None:
            part = part.where(flow_date <= date_to)
        if country is not None:
            part = part.where(part.selected_columns.country == country)
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
    statement = select(*columns, *_measures(flows)).select_from(flows)
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
            "Pledged amounts in USD at the rate of their announcement date; commitments and "
            "disbursements at the rate of each entry's value date (the latest rate on or "
            "before it), stored with the entry."
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
