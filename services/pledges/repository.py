"""All SQL of the pledges service except the reports (see reports.py)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, false, func, insert, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from services.common.auth import Principal, Role
from services.pledges.models import (
    AllocationLine,
    EntryType,
    ExchangeRate,
    LedgerEntry,
    Objective,
    Organisation,
    OrganisationKind,
    Pledge,
    PledgeChange,
    PledgeContributor,
    PledgeCountry,
    PledgeObjective,
    PledgeStage,
    ProgressUpdate,
    Visibility,
    announced_pledge,
)

ZERO = Decimal("0.0000")


# ---------------------------------------------------------------- organisations


def organisations_query(
    *, kind: str | None, sp_member: bool | None, ids: Sequence[uuid.UUID] | None
) -> Select[Any]:
    statement = select(Organisation)
    if kind is not None:
        statement = statement.where(Organisation.kind == kind)
    if sp_member is not None:
        statement = statement.where(
            Organisation.sp_member_since.is_not(None)
            if sp_member
            else Organisation.sp_member_since.is_(None)
        )
    if ids is not None:
        statement = statement.where(Organisation.id.in_(ids))
    return statement


# ---------------------------------------------------------------- objectives


def objectives_query(
    *,
    country: str | None,
    pillar: str | None,
    theme: str | None,
    ids: Sequence[uuid.UUID] | None,
) -> Select[Any]:
    statement = select(Objective)
    if country is not None:
        statement = statement.where(Objective.country == country)
    if pillar is not None:
        statement = statement.where(Objective.pillar == pillar)
    if theme is not None:
        statement = statement.where(Objective.theme == theme)
    if ids is not None:
        statement = statement.where(Objective.id.in_(ids))
    return statement


async def organisations_by_id(
    session: AsyncSession, ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, Organisation]:
    wanted = list(ids)
    if not wanted:
        return {}
    result = await session.scalars(select(Organisation).where(Organisation.id.in_(wanted)))
    return {organisation.id: organisation for organisation in result}


async def objectives_by_id(
    session: AsyncSession, ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, Objective]:
    wanted = list(ids)
    if not wanted:
        return {}
    result = await session.scalars(select(Objective).where(Objective.id.in_(wanted)))
    return {objective.id: objective for objective in result}


# ---------------------------------------------------------------- exchange rates


async def rate_on(session: AsyncSession, currency: str, on: date) -> tuple[Decimal, date] | None:
    """The latest rate of `currency` on or before `on`, with its date."""
    if currency == "USD":
        return Decimal(1), on
    row = (
        await session.execute(
            select(ExchangeRate.rate_to_usd, ExchangeRate.rate_date)
            .where(ExchangeRate.currency == currency, ExchangeRate.rate_date <= on)
            .order_by(ExchangeRate.rate_date.desc())
            .limit(1)
        )
    ).first()
    return None if row is None else (row.rate_to_usd, row.rate_date)


async def existing_rate_keys(
    session: AsyncSession, keys: Iterable[tuple[str, date]]
) -> set[tuple[str, date]]:
    wanted = list(keys)
    if not wanted:
        return set()
    currencies = {currency for currency, _ in wanted}
    rows = await session.execute(
        select(ExchangeRate.currency, ExchangeRate.rate_date).where(
            ExchangeRate.currency.in_(currencies)
        )
    )
    present = {(row.currency, row.rate_date) for row in rows}
    return present & set(wanted)


def exchange_rates_query(currency: str | None) -> Select[Any]:
    statement = select(ExchangeRate)
    if currency is not None:
        statement = statement.where(ExchangeRate.currency == currency)
    return statement


# ---------------------------------------------------------------- pledges


def visible_pledges(principal: Principal | None) -> ColumnElement[bool]:
    """Which pledges the caller may read: announced public ones, plus restricted or
    cultivating ones it is party to."""
    public = and_(Pledge.visibility == Visibility.PUBLIC.value, announced_pledge())
    if principal is None:
        return public
    if principal.is_secretariat:
        return true()
    clauses: list[ColumnElement[bool]] = [public]
    if principal.acting_org_id is not None:
        try:
            organisation = uuid.UUID(principal.acting_org_id)
        except ValueError:
            clauses.append(false())
        else:
            # The lead's people and every co-contributor's (see shares).
            clauses.append(Pledge.contributor_id == organisation)
            # Aliased: a caller's query may itself read pledge_contributors.
            share = aliased(PledgeContributor)
            clauses.append(
                exists().where(share.pledge_id == Pledge.id, share.organisation_id == organisation)
            )
    if Role.COUNTRY_FOCAL_POINT in principal.roles and principal.countries:
        clauses.append(
            exists().where(
                PledgeCountry.pledge_id == Pledge.id,
                PledgeCountry.country.in_(sorted(principal.countries)),
            )
        )
        # Its own country's government's pledges (see service.speaks_for_government).
        clauses.append(
            exists().where(
                Organisation.id == Pledge.contributor_id,
                Organisation.kind == OrganisationKind.STATE.value,
                Organisation.country.in_(sorted(principal.countries)),
            )
        )
    return or_(*clauses)


@dataclass(frozen=True)
class PledgeFilters:
    contributor_id: Sequence[uuid.UUID] | None = None
    country: str | None = None
    objective_id: Sequence[uuid.UUID] | None = None
    announced_at: Sequence[str] | None = None
    kind: str | None = None
    visibility: str | None = None
    stage: str | None = None
    include_withdrawn: bool = True
    ids: Sequence[uuid.UUID] | None = None
    updated_since: datetime | None = None


def pledges_query(principal: Principal | None, filters: PledgeFilters) -> Select[Any]:
    statement = select(Pledge).where(visible_pledges(principal))
    if filters.contributor_id is not None:
        statement = statement.where(Pledge.contributor_id.in_(filters.contributor_id))
    if filters.country is not None:
        statement = statement.where(
            exists().where(
                PledgeCountry.pledge_id == Pledge.id, PledgeCountry.country == filters.country
            )
        )
    if filters.objective_id is not None:
        statement = statement.where(
            exists().where(
                PledgeObjective.pledge_id == Pledge.id,
                PledgeObjective.objective_id.in_(filters.objective_id),
            )
        )
    if filters.announced_at is not None:
        statement = statement.where(Pledge.announced_at.in_(filters.announced_at))
    if filters.kind is not None:
        statement = statement.where(Pledge.kind == filters.kind)
    if filters.updated_since is not None:
        statement = statement.where(Pledge.updated_at >= filters.updated_since)
    if filters.visibility is not None:
        statement = statement.where(Pledge.visibility == filters.visibility)
    if filters.stage is not None:
        announced = announced_pledge()
        cultivating = filters.stage == PledgeStage.CULTIVATING.value
        statement = statement.where(~announced if cultivating else announced)
    if not filters.include_withdrawn:
        statement = statement.where(Pledge.withdrawn_at.is_(None))
    if filters.ids is not None:
        statement = statement.where(Pledge.id.in_(filters.ids))
    return statement


async def pledge_ids_of(session: AsyncSession, contributor_id: uuid.UUID) -> list[uuid.UUID]:
    return list(
        await session.scalars(select(Pledge.id).where(Pledge.contributor_id == contributor_id))
    )


async def pledge_for_update(session: AsyncSession, pledge_id: uuid.UUID) -> Pledge | None:
    """The pledge row, locked until the transaction ends (PostgreSQL: SELECT … FOR UPDATE).

    On SQLite the transaction already holds the database's write lock (BEGIN IMMEDIATE).
    """
    statement = (
        select(Pledge)
        .where(Pledge.id == pledge_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.scalars(statement)).one_or_none()


async def pledges_for_update(
    session: AsyncSession, pledge_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Pledge]:
    """`pledge_for_update` of many pledges in one statement, locked in id order (so two
    transactions locking overlapping sets cannot deadlock)."""
    statement = (
        select(Pledge)
        .where(Pledge.id.in_(pledge_ids))
        .order_by(Pledge.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {pledge.id: pledge for pledge in await session.scalars(statement)}


async def pledge_links(
    session: AsyncSession, pledge_ids: Sequence[uuid.UUID]
) -> tuple[dict[uuid.UUID, list[str]], dict[uuid.UUID, list[uuid.UUID]]]:
    """Recipient countries and linked objectives of each pledge, in two queries."""
    countries: dict[uuid.UUID, list[str]] = defaultdict(list)
    objectives: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    if not pledge_ids:
        return countries, objectives
    for row in await session.execute(
        select(PledgeCountry.pledge_id, PledgeCountry.country)
        .where(PledgeCountry.pledge_id.in_(pledge_ids))
        .order_by(PledgeCountry.country)
    ):
        countries[row.pledge_id].append(row.country)
    for link in await session.execute(
        select(PledgeObjective.pledge_id, PledgeObjective.objective_id)
        .where(PledgeObjective.pledge_id.in_(pledge_ids))
        .order_by(PledgeObjective.objective_id)
    ):
        objectives[link.pledge_id].append(link.objective_id)
    return countries, objectives


async def pledge_with_links(
    session: AsyncSession, pledge_id: uuid.UUID
) -> tuple[Pledge, list[str], list[uuid.UUID]] | None:
    """A pledge with its recipient countries and linked objectives, in one query.

    One row per (country, objective) pair: a pledge has a handful of each, so the product
    stays small and the visibility check costs one round trip instead of three.
    """
    rows = (
        await session.execute(
            select(Pledge, PledgeCountry.country, PledgeObjective.objective_id)
            .outerjoin(PledgeCountry, PledgeCountry.pledge_id == Pledge.id)
            .outerjoin(PledgeObjective, PledgeObjective.pledge_id == Pledge.id)
            .where(Pledge.id == pledge_id)
        )
    ).all()
    if not rows:
        return None
    countries = sorted({row.country for row in rows if row.country is not None})
    objectives = sorted({row.objective_id for row in rows if row.objective_id is not None})
    return rows[0][0], countries, objectives


@dataclass(frozen=True)
class Balances:
    """Sums of a pledge's entries per effect, in the pledge's currency and in USD."""

    committed: Decimal = ZERO
    disbursed: Decimal = ZERO
    expended: Decimal = ZERO
    committed_usd: Decimal = ZERO
    disbursed_usd: Decimal = ZERO
    expended_usd: Decimal = ZERO


_EFFECT_FIELD = {
    EntryType.COMMITMENT.value: "committed",
    EntryType.DISBURSEMENT.value: "disbursed",
    EntryType.EXPENDITURE.value: "expended",
}


async def balances(
    session: AsyncSession, pledge_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Balances]:
    """Each pledge's balances, summed by the database in one grouped query."""
    return await _balances_by(session, LedgerEntry.pledge_id, LedgerEntry.signed_usd, pledge_ids)


async def line_balances(
    session: AsyncSession, line_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Balances]:
    """Each allocation line's balances, USD at the pledge's rate (lines without entries
    are absent)."""
    return await _balances_by(
        session, LedgerEntry.allocation_line_id, LedgerEntry.report_usd, line_ids
    )


async def _balances_by(
    session: AsyncSession, key: Any, usd: Any, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Balances]:
    if not ids:
        return {}
    rows = await session.execute(
        select(
            key.label("key"),
            LedgerEntry.effect,
            func.sum(LedgerEntry.signed_pledge_amount).label("amount"),
            func.sum(usd).label("usd"),
        )
        .where(key.in_(ids))
        .group_by(key, LedgerEntry.effect)
    )
    values: dict[uuid.UUID, dict[str, Decimal]] = defaultdict(dict)
    for row in rows:
        field = _EFFECT_FIELD[row.effect]
        values[row.key][field] = ZERO if row.amount is None else row.amount
        values[row.key][f"{field}_usd"] = ZERO if row.usd is None else row.usd
    return {key_id: Balances(**fields) for key_id, fields in values.items()}


async def allocation_lines(
    session: AsyncSession, pledge_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[AllocationLine]]:
    """Each pledge's allocation lines, in their order."""
    lines: dict[uuid.UUID, list[AllocationLine]] = defaultdict(list)
    if not pledge_ids:
        return lines
    for line in await session.scalars(
        select(AllocationLine)
        .where(AllocationLine.pledge_id.in_(pledge_ids))
        .order_by(AllocationLine.pledge_id, AllocationLine.position)
    ):
        lines[line.pledge_id].append(line)
    return lines


def add_links(
    session: AsyncSession,
    pledge_id: uuid.UUID,
    countries: Sequence[str],
    objective_ids: Sequence[uuid.UUID],
) -> None:
    """Links of a new pledge (nothing to replace)."""
    session.add_all(PledgeCountry(pledge_id=pledge_id, country=c) for c in countries)
    session.add_all(PledgeObjective(pledge_id=pledge_id, objective_id=o) for o in objective_ids)


async def replace_links(
    session: AsyncSession,
    pledge_id: uuid.UUID,
    *,
    countries: Sequence[str] | None,
    objective_ids: Sequence[uuid.UUID] | None,
) -> None:
    if countries is not None:
        existing = await session.scalars(
            select(PledgeCountry).where(PledgeCountry.pledge_id == pledge_id)
        )
        for row in existing:
            await session.delete(row)
        await session.flush()
        session.add_all(PledgeCountry(pledge_id=pledge_id, country=c) for c in countries)
    if objective_ids is not None:
        existing_objectives = await session.scalars(
            select(PledgeObjective).where(PledgeObjective.pledge_id == pledge_id)
        )
        for link in existing_objectives:
            await session.delete(link)
        await session.flush()
        session.add_all(PledgeObjective(pledge_id=pledge_id, objective_id=o) for o in objective_ids)
    await session.flush()


async def history(session: AsyncSession, pledge_id: uuid.UUID) -> list[PledgeChange]:
    result = await session.scalars(
        select(PledgeChange)
        .where(PledgeChange.pledge_id == pledge_id)
        .order_by(PledgeChange.changed_at, PledgeChange.id)
    )
    return list(result)


async def progress_updates(session: AsyncSession, pledge_id: uuid.UUID) -> list[ProgressUpdate]:
    result = await session.scalars(
        select(ProgressUpdate)
        .where(ProgressUpdate.pledge_id == pledge_id)
        .order_by(ProgressUpdate.reported_on.desc(), ProgressUpdate.recorded_at.desc())
    )
    return list(result)


def history_of_query(pledge_ids: Sequence[uuid.UUID]) -> Select[Any]:
    """The changes of several pledges."""
    return select(PledgeChange).where(PledgeChange.pledge_id.in_(pledge_ids))


# ---------------------------------------------------------------- ledger entries


def entries_of_query(pledge_ids: Sequence[uuid.UUID]) -> Select[Any]:
    """The entries of several pledges."""
    return select(LedgerEntry).where(LedgerEntry.pledge_id.in_(pledge_ids))


def entries_query(pledge_id: uuid.UUID | None = None) -> Select[Any]:
    statement = select(LedgerEntry)
    if pledge_id is not None:
        statement = statement.where(LedgerEntry.pledge_id == pledge_id)
    return statement


async def entry(session: AsyncSession, entry_id: uuid.UUID) -> LedgerEntry | None:
    return await session.get(LedgerEntry, entry_id)


async def timeline(session: AsyncSession, line_id: uuid.UUID) -> list[tuple[date, str, Decimal]]:
    """A line's entries summed per day they count on and effect, in the pledge's currency."""
    rows = await session.execute(
        select(
            LedgerEntry.period_date,
            LedgerEntry.effect,
            func.sum(LedgerEntry.signed_pledge_amount).label("amount"),
        )
        .where(LedgerEntry.allocation_line_id == line_id)
        .group_by(LedgerEntry.period_date, LedgerEntry.effect)
    )
    return [(row.period_date, row.effect, row.amount or ZERO) for row in rows]


async def first_value_date(session: AsyncSession, pledge_id: uuid.UUID) -> date | None:
    first: date | None = await session.scalar(
        select(func.min(LedgerEntry.value_date)).where(LedgerEntry.pledge_id == pledge_id)
    )
    return first


async def reversal_of(session: AsyncSession, entry_id: uuid.UUID) -> uuid.UUID | None:
    found: uuid.UUID | None = await session.scalar(
        select(LedgerEntry.id).where(LedgerEntry.reverses_entry_id == entry_id)
    )
    return found


async def timelines_of(
    session: AsyncSession, pledge_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[tuple[date, str, Decimal]]]:
    """`timeline` of every allocation line of some pledges, in one query (lines without
    entries: an empty list)."""
    found: dict[uuid.UUID, list[tuple[date, str, Decimal]]] = defaultdict(list)
    if not pledge_ids:
        return found
    rows = await session.execute(
        select(
            LedgerEntry.allocation_line_id,
            LedgerEntry.period_date,
            LedgerEntry.effect,
            func.sum(LedgerEntry.signed_pledge_amount).label("amount"),
        )
        .where(LedgerEntry.pledge_id.in_(pledge_ids))
        .group_by(LedgerEntry.allocation_line_id, LedgerEntry.period_date, LedgerEntry.effect)
    )
    for row in rows:
        found[row.allocation_line_id].append((row.period_date, row.effect, row.amount or ZERO))
    return found


_ENTRY_COLUMNS = [column.key for column in LedgerEntry.__table__.columns]


async def insert_entries(session: AsyncSession, entries: Sequence[LedgerEntry]) -> None:
    """Checked entries in bulk, no ORM unit of work: COPY on PostgreSQL (asyncpg's
    binary COPY, in the session's transaction), else one multi-row INSERT per thousand."""
    connection = await session.connection()
    dialect = connection.dialect
    if dialect.name != "postgresql":
        rows = [{key: getattr(entry, key) for key in _ENTRY_COLUMNS} for entry in entries]
        for start in range(0, len(rows), 1000):
            await session.execute(insert(LedgerEntry), rows[start : start + 1000])
        return
    # The values as an INSERT would bind them (the column types' own bind processing).
    columns = LedgerEntry.__table__.columns
    processors = [column.type.bind_processor(dialect) for column in columns]
    records = [
        tuple(
            value if process is None or value is None else process(value)
            for value, process in zip(
                (getattr(entry, column.key) for column in columns), processors, strict=True
            )
        )
        for entry in entries
    ]
    raw = await connection.get_raw_connection()
    driver: Any = raw.driver_connection
    await driver.copy_records_to_table(
        LedgerEntry.__tablename__, columns=[column.name for column in columns], records=records
    )
