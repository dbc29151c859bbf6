"""The rules of the ledger: who may write what, conversions, and the balance invariants.

Ledger invariants, per pledge, in the pledge's currency: committed ≤ pledged,
disbursed ≤ committed, expenditure ≤ disbursed. Every entry is checked against the sums
of the entries already recorded while the pledge row is locked (SELECT … FOR UPDATE on
PostgreSQL; SQLite transactions hold the write lock from BEGIN IMMEDIATE), so concurrent
disbursements are serialised per pledge and can never overdraw it.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Principal, Role
from services.common.csvsafe import restore
from services.common.errors import Conflict, DomainError, Forbidden, Unprocessable
from services.common.etag import check_if_match
from services.common.filters import MAX_IDS
from services.common.pagination import Page, keyset_page
from services.common.schemas import LocalizedText, Money
from services.common.vocabulary import MIRPS_COUNTRIES, countries
from services.pledges import allocation, changes, employment, reports, repository, rollups, shares
from services.pledges.exceptions import (
    AlreadyReversed,
    DuplicateExchangeRate,
    EntryNotFound,
    InvalidFile,
    InvalidReference,
    LedgerRuleViolated,
    MissingExchangeRate,
    NotYourCountry,
    NotYourOrganisation,
    ObjectiveNotFound,
    OrganisationNotFound,
    OverCommitment,
    OverDisbursement,
    OverExpenditure,
    PledgeAlreadyAnnounced,
    PledgeHasNoAmount,
    PledgeNotAnnounced,
    PledgeNotFound,
    PledgeWithdrawn,
)
from services.pledges.models import (
    AllocationLine,
    EntryType,
    ExchangeRate,
    ImplementationStatus,
    LedgerEntry,
    Objective,
    ObjectiveScope,
    Organisation,
    OrganisationKind,
    Pledge,
    PledgeChange,
    PledgeKind,
    PledgeStage,
    ProgressUpdate,
    Visibility,
)
from services.pledges.references import announcement_references, of_pledge, references
from services.pledges.repository import Balances, PledgeFilters
from services.pledges.schemas import (
    AllocationLineIn,
    AllocationLineRead,
    AllocationUpdate,
    Announcement,
    BulkResult,
    ContributorShare,
    CountryRead,
    EmploymentTermsRead,
    EntryCreate,
    EntryRead,
    ExchangeRateCreate,
    ExchangeRateRead,
    FinancialStatus,
    ObjectiveCreate,
    ObjectiveRead,
    ObjectiveUpdate,
    OrganisationCreate,
    OrganisationRead,
    OrganisationUpdate,
    PledgeChangeRead,
    PledgeCreate,
    PledgeInclude,
    PledgeListItem,
    PledgeRead,
    PledgeTotals,
    PledgeUpdate,
    ProgressUpdateCreate,
    ProgressUpdateRead,
    RowError,
    Withdrawal,
)

CENT = Decimal("0.0001")
RATE_QUANTUM = Decimal("0.0000000001")
ZERO = Decimal("0.0000")


def utc_now() -> datetime:
    return datetime.now(UTC)


def to_money(value: Decimal) -> Decimal:
    """Money is kept to 4 decimals, rounded half-even (banker's rounding)."""
    return value.quantize(CENT, rounding=ROUND_HALF_EVEN)


# Money columns are NUMERIC(20, 4) on PostgreSQL and, on SQLite, 64-bit integers of
# 10^-4 units (below 2^63 / 10^4 = 922,337,203,685,477.5807): one bound for both backends.
MONEY_LIMIT = 9 * Decimal(10) ** 14


def converted_money(value: Decimal, field: str, what: str) -> Decimal:
    """A converted amount as money, or a 422 naming the input field if it cannot be stored.

    Input amounts (below 10^14) and rates (at most 10,000 USD per unit) are bounded, but
    a conversion can still multiply one by the other, or divide by a tiny rate.
    """
    if abs(value) >= MONEY_LIMIT:
        raise Unprocessable(
            f"{field}: {what} would be {value:.4E}, above the largest amount the ledger "
            f"stores ({MONEY_LIMIT - CENT}); check the amount and the exchange rates",
            field=field,
        )
    return to_money(value)


async def _page(
    session: AsyncSession,
    statement: Select[Any],
    order_by: Sequence[Any],
    cursor: str | None,
    limit: int,
    ids: list[uuid.UUID] | None,
) -> tuple[list[Any], str | None]:
    """A keyset page; a batch read by ids returns every match at once."""
    names = [column.key for column in order_by]

    def sort_key(item: Any) -> list[Any]:
        return [getattr(item, name) for name in names]

    return await keyset_page(
        session,
        statement,
        order_by=order_by,
        sort_key=sort_key,
        cursor=None if ids is not None else cursor,
        limit=MAX_IDS if ids is not None else limit,
    )


def _text(es: str | None, en: str | None) -> LocalizedText | None:
    if es is None and en is None:
        return None
    return LocalizedText(es=es, en=en)


# ---------------------------------------------------------------- exchange rates


async def rate_for(session: AsyncSession, currency: str, on: date) -> Decimal:
    """USD per unit of `currency` on `on` (latest rate on or before), or a 422 naming both."""
    found = await repository.rate_on(session, currency, on)
    if found is None:
        raise MissingExchangeRate(
            f"no exchange rate for {currency} on or before {on.isoformat()}; "
            "upload one at /v1/exchange-rates",
            currency=currency,
            date=on.isoformat(),
        )
    return found[0]


def require_secretariat(principal: Principal) -> None:
    if not principal.is_secretariat:
        raise Forbidden("only the secretariat may do this")


def _rate_read(rate: ExchangeRate) -> ExchangeRateRead:
    return ExchangeRateRead.model_validate(rate)


async def add_exchange_rate(
    session: AsyncSession, principal: Principal, body: ExchangeRateCreate
) -> ExchangeRateRead:
    """Record one exchange rate (secretariat)."""
    require_secretariat(principal)
    _refuse_usd(body.currency)
    if await repository.existing_rate_keys(session, [(body.currency, body.rate_date)]):
        raise DuplicateExchangeRate(
            f"a {body.currency} rate for {body.rate_date.isoformat()} already exists",
            currency=body.currency,
            date=body.rate_date.isoformat(),
        )
    rate = ExchangeRate(
        id=uuid.uuid4(),
        currency=body.currency,
        rate_date=body.rate_date,
        rate_to_usd=body.rate_to_usd.quantize(RATE_QUANTUM),
        source=body.source,
        recorded_by=principal.sub,
        recorded_at=utc_now(),
    )
    session.add(rate)
    await session.flush()
    await changes.exchange_rates_recorded(session, [rate.currency])
    return _rate_read(rate)


def _refuse_usd(currency: str) -> None:
    if currency == "USD":
        raise Unprocessable("USD is the reporting currency: its rate is always 1")


RATE_COLUMNS = ("currency", "rate_date", "rate_to_usd", "source")


async def upload_exchange_rates(
    session: AsyncSession, principal: Principal, content: bytes, *, dry_run: bool
) -> BulkResult:
    """Bulk CSV upload (currency, rate_date, rate_to_usd, source); any bad row writes nothing."""
    require_secretariat(principal)
    rows = read_csv(content, RATE_COLUMNS)
    parsed: list[tuple[int, ExchangeRateCreate]] = []
    errors: list[RowError] = []
    seen: set[tuple[str, date]] = set()
    for number, row in rows:
        try:
            rate = ExchangeRateCreate.model_validate(row)
            _refuse_usd(rate.currency)
        except ValidationError as exc:
            errors.append(RowError(row=number, errors=validation_messages(exc)))
            continue
        except Unprocessable as exc:
            errors.append(RowError(row=number, errors=[exc.detail]))
            continue
        key = (rate.currency, rate.rate_date)
        if key in seen:
            errors.append(RowError(row=number, errors=["repeats an earlier row of this file"]))
            continue
        seen.add(key)
        parsed.append((number, rate))
    existing = await repository.existing_rate_keys(
        session, [(rate.currency, rate.rate_date) for _, rate in parsed]
    )
    for number, rate in parsed:
        if (rate.currency, rate.rate_date) in existing:
            errors.append(
                RowError(
                    row=number,
                    errors=[f"a {rate.currency} rate for {rate.rate_date} already exists"],
                )
            )
    errors.sort(key=lambda error: error.row)
    if errors and not dry_run:
        raise InvalidFile(
            f"{len(errors)} of {len(rows)} rows have errors; nothing was written",
            errors=[error.model_dump() for error in errors],
        )
    written = 0
    if not dry_run:
        now = utc_now()
        session.add_all(
            ExchangeRate(
                id=uuid.uuid4(),
                currency=rate.currency,
                rate_date=rate.rate_date,
                rate_to_usd=rate.rate_to_usd,
                source=rate.source,
                recorded_by=principal.sub,
                recorded_at=now,
            )
            for _, rate in parsed
        )
        await session.flush()
        written = len(parsed)
        if written:
            await changes.exchange_rates_recorded(session, [rate.currency for _, rate in parsed])
    return BulkResult(dry_run=dry_run, rows=len(rows), written=written, errors=errors)


def validation_messages(exc: ValidationError) -> list[str]:
    return [
        f"{'.'.join(str(part) for part in error['loc']) or 'row'}: {error['msg']}"
        for error in exc.errors()
    ]


def read_csv(content: bytes, required: Sequence[str]) -> list[tuple[int, dict[str, str]]]:
    """Rows of a UTF-8 CSV with a header naming at least `required`; empty cells are absent."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidFile("the file must be UTF-8 encoded CSV") from exc
    reader = csv.DictReader(io.StringIO(text))
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        header = reader.fieldnames or []
        missing = [column for column in required if column not in header]
        if missing:
            raise InvalidFile(f"the CSV header lacks the columns: {', '.join(missing)}")
        for number, row in enumerate(reader, start=1):
            rows.append(
                (
                    number,
                    {
                        key: restore(value)
                        for key, value in row.items()
                        if key and value not in ("", None)
                    },
                )
            )
    except csv.Error as exc:
        # e.g. a cell above the csv module's field size limit (128 KiB)
        raise InvalidFile(
            f"the file is not readable CSV (line {reader.line_num}): {exc}",
            line=reader.line_num,
        ) from exc
    return rows


async def list_exchange_rates(
    session: AsyncSession, currency: str | None, cursor: str | None, limit: int
) -> Page[ExchangeRateRead]:
    """Exchange rates by currency, then date."""
    items, next_cursor = await _page(
        session,
        repository.exchange_rates_query(currency),
        [ExchangeRate.currency, ExchangeRate.rate_date],
        cursor,
        limit,
        None,
    )
    return Page(items=[_rate_read(rate) for rate in items], next_cursor=next_cursor)


# ---------------------------------------------------------------- countries


def list_countries() -> list[CountryRead]:
    """The seven MIRPS countries with their names in Spanish and English."""
    return [
        CountryRead(code=code, name=LocalizedText(es=countries[code].es, en=countries[code].en))
        for code in MIRPS_COUNTRIES
    ]


# ---------------------------------------------------------------- organisations


def organisation_read(organisation: Organisation) -> OrganisationRead:
    return OrganisationRead.model_validate(
        {
            **{c: getattr(organisation, c) for c in _ORG_COLUMNS},
            "is_sp_member": organisation.sp_member_since is not None,
        }
    )


_ORG_COLUMNS = (
    "id",
    "name",
    "acronym",
    "kind",
    "country",
    "sp_member_since",
    "website",
    "created_at",
    "updated_at",
    "version",
)


async def create_organisation(
    session: AsyncSession,
    principal: Principal,
    body: OrganisationCreate,
    *,
    organisation_id: uuid.UUID | None = None,
) -> OrganisationRead:
    """Register an organisation (secretariat).

    `organisation_id` is for the demo loader only, whose records other services refer to.
    """
    require_secretariat(principal)
    now = utc_now()
    values = body.model_dump(mode="json")
    values["sp_member_since"] = body.sp_member_since
    organisation = Organisation(
        id=organisation_id or uuid.uuid4(), created_at=now, updated_at=now, **values
    )
    session.add(organisation)
    await session.flush()
    await changes.organisation_changed(session, organisation, "created")
    return organisation_read(organisation)


async def get_organisation(session: AsyncSession, organisation_id: uuid.UUID) -> Organisation:
    organisation = await session.get(Organisation, organisation_id)
    if organisation is None:
        raise OrganisationNotFound(f"organisation {organisation_id} does not exist")
    return organisation


async def update_organisation(
    session: AsyncSession,
    principal: Principal,
    organisation_id: uuid.UUID,
    body: OrganisationUpdate,
    if_match: str | None,
) -> OrganisationRead:
    """Change an organisation (secretariat), guarded by If-Match."""
    require_secretariat(principal)
    organisation = await get_organisation(session, organisation_id)
    check_if_match(if_match, organisation.version)
    # Its kind is a report dimension of all its pledges.
    pledge_ids = await repository.pledge_ids_of(session, organisation.id)
    figures = await rollups.figures_of(session, pledge_ids)
    updates = body.model_dump(mode="json", exclude_unset=True)
    if "sp_member_since" in updates:
        updates["sp_member_since"] = body.sp_member_since
    for field, value in updates.items():
        setattr(organisation, field, value)
    organisation.updated_at = utc_now()
    await rollups.apply_change(session, pledge_ids, figures)
    await changes.organisation_changed(session, organisation, "updated")
    return organisation_read(organisation)


async def list_organisations(
    session: AsyncSession,
    *,
    kind: str | None,
    sp_member: bool | None,
    ids: list[uuid.UUID] | None,
    cursor: str | None,
    limit: int,
) -> Page[OrganisationRead]:
    """Organisations by name."""
    statement = repository.organisations_query(kind=kind, sp_member=sp_member, ids=ids)
    items, next_cursor = await _page(
        session, statement, [Organisation.name, Organisation.id], cursor, limit, ids
    )
    return Page(items=[organisation_read(o) for o in items], next_cursor=next_cursor)


# ---------------------------------------------------------------- objectives


def objective_read(objective: Objective) -> ObjectiveRead:
    title = _text(objective.title_es, objective.title_en)
    assert title is not None
    return ObjectiveRead(
        id=objective.id,
        scope=ObjectiveScope.NATIONAL if objective.country else ObjectiveScope.REGIONAL,
        country=objective.country,
        pillar=objective.pillar,
        theme=objective.theme,
        title=title,
        description=_text(objective.description_es, objective.description_en),
        requirement=Money(
            amount=objective.requirement_amount, currency=objective.requirement_currency
        ),
        requirement_usd=objective.requirement_usd,
        requirement_rate_date=objective.requirement_rate_date,
        start_year=objective.start_year,
        end_year=objective.end_year,
        created_at=objective.created_at,
        updated_at=objective.updated_at,
        version=objective.version,
    )


def _authorise_country(principal: Principal, country: str | None) -> None:
    """The secretariat, or a focal point of the objective's country (regional objectives:
    the secretariat only)."""
    if principal.is_secretariat or (country is not None and principal.is_focal_point_for(country)):
        return
    if country is None:
        raise Forbidden("only the secretariat may write regional objectives")
    raise NotYourCountry(
        f"only the secretariat or a focal point of {country} may write its objectives"
    )


async def _cost(session: AsyncSession, objective: Objective, requirement: Money) -> None:
    """Convert the requirement to USD at today's rate (the latest known when it is costed)."""
    today = utc_now().date()
    rate = await rate_for(session, requirement.currency, today)
    objective.requirement_amount = to_money(requirement.amount)
    objective.requirement_currency = requirement.currency
    objective.requirement_rate_to_usd = rate
    objective.requirement_usd = converted_money(
        requirement.amount * rate, "requirement", "the requirement in USD"
    )
    objective.requirement_rate_date = today


async def create_objective(
    session: AsyncSession, principal: Principal, body: ObjectiveCreate
) -> ObjectiveRead:
    """Record a costed objective (secretariat, or a focal point of its country)."""
    _authorise_country(principal, body.country)
    now = utc_now()
    objective = Objective(
        id=uuid.uuid4(),
        country=body.country,
        pillar=body.pillar,
        theme=body.theme,
        title_es=body.title.es,
        title_en=body.title.en,
        description_es=body.description.es if body.description else None,
        description_en=body.description.en if body.description else None,
        start_year=body.start_year,
        end_year=body.end_year,
        created_at=now,
        updated_at=now,
    )
    await _cost(session, objective, body.requirement)
    session.add(objective)
    await session.flush()
    await changes.objective_changed(session, objective, "created")
    return objective_read(objective)


async def get_objective(session: AsyncSession, objective_id: uuid.UUID) -> Objective:
    objective = await session.get(Objective, objective_id)
    if objective is None:
        raise ObjectiveNotFound(f"objective {objective_id} does not exist")
    return objective


async def update_objective(
    session: AsyncSession,
    principal: Principal,
    objective_id: uuid.UUID,
    body: ObjectiveUpdate,
    if_match: str | None,
) -> ObjectiveRead:
    """Change an objective (secretariat, or a focal point of its country and the new one)."""
    objective = await get_objective(session, objective_id)
    _authorise_country(principal, objective.country)
    if body.country is not None:
        _authorise_country(principal, body.country)
    check_if_match(if_match, objective.version)
    start = body.start_year if body.start_year is not None else objective.start_year
    end = body.end_year if body.end_year is not None else objective.end_year
    if start > end:
        raise Unprocessable("start_year must not be after end_year")
    for field in ("country", "pillar", "theme", "start_year", "end_year"):
        value = getattr(body, field)
        if value is not None:
            setattr(objective, field, value)
    if body.title is not None:
        objective.title_es, objective.title_en = body.title.es, body.title.en
    if body.description is not None:
        objective.description_es = body.description.es
        objective.description_en = body.description.en
    if body.requirement is not None:
        await _cost(session, objective, body.requirement)
    objective.updated_at = utc_now()
    await session.flush()
    await changes.objective_changed(session, objective, "updated")
    return objective_read(objective)


async def list_objectives(
    session: AsyncSession,
    *,
    country: str | None,
    pillar: str | None,
    theme: str | None,
    ids: list[uuid.UUID] | None,
    cursor: str | None,
    limit: int,
) -> Page[ObjectiveRead]:
    """Objectives in the order they were recorded."""
    statement = repository.objectives_query(country=country, pillar=pillar, theme=theme, ids=ids)
    items, next_cursor = await _page(
        session, statement, [Objective.created_at, Objective.id], cursor, limit, ids
    )
    return Page(items=[objective_read(o) for o in items], next_cursor=next_cursor)


# ---------------------------------------------------------------- pledges


def financial_status(pledge: Pledge, balances: Balances) -> FinancialStatus:
    """Derived from the ledger, never stored: announced → committed → disbursed; withdrawn."""
    if pledge.withdrawn_at is not None:
        return FinancialStatus.WITHDRAWN
    amount = pledge.amount
    if amount is None or amount <= 0:
        return FinancialStatus.ANNOUNCED
    if balances.disbursed > 0:
        if balances.disbursed >= amount:
            return FinancialStatus.FULLY_DISBURSED
        return FinancialStatus.PARTIALLY_DISBURSED
    if balances.committed > 0:
        if balances.committed >= amount:
            return FinancialStatus.FULLY_COMMITTED
        return FinancialStatus.PARTIALLY_COMMITTED
    return FinancialStatus.ANNOUNCED


def _pledge_read(
    pledge: Pledge,
    countries_: list[str],
    objective_ids: list[uuid.UUID],
    balances: Balances,
    lines: Sequence[tuple[AllocationLine, Balances]],
    contributors: list[ContributorShare],
    terms: EmploymentTermsRead | None = None,
) -> PledgeRead:
    title = _text(pledge.title_es, pledge.title_en)
    assert title is not None
    cultivating = pledge.stage == PledgeStage.CULTIVATING.value
    return PledgeRead(
        id=pledge.id,
        contributor_id=pledge.contributor_id,
        contributors=contributors,
        kind=pledge.kind,
        title=title,
        description=_text(pledge.description_es, pledge.description_en),
        amount=Money(amount=pledge.amount, currency=pledge.currency)
        if pledge.amount is not None and pledge.currency is not None
        else None,
        amount_usd=pledge.amount_usd,
        rate_to_usd=pledge.rate_to_usd,
        recipient_countries=countries_,
        regional=pledge.regional,
        objective_ids=objective_ids,
        announced_on=pledge.announced_on,
        announced_at=pledge.announced_at,
        funding_mechanism=pledge.funding_mechanism,
        implementation_status=None if cultivating else pledge.implementation_status,
        stage=PledgeStage(pledge.stage),
        visibility=pledge.visibility,
        withdrawn=pledge.withdrawn_at is not None,
        withdrawn_at=pledge.withdrawn_at,
        withdrawal_reason=pledge.withdrawal_reason,
        financial_status=financial_status(pledge, balances),
        totals=PledgeTotals(**balances.__dict__),
        allocation=[
            AllocationLineRead(**allocation.line_read_values(line, line_balance))
            for line, line_balance in lines
        ],
        allocation_stated=pledge.allocation_stated,
        employment=terms,
        illustrative=pledge.illustrative,
        created_at=pledge.created_at,
        updated_at=pledge.updated_at,
        version=pledge.version,
    )


async def pledge_reads(session: AsyncSession, pledges: Sequence[Pledge]) -> list[PledgeRead]:
    """Pledges with links, balances and allocation: five queries for any number."""
    ids = [pledge.id for pledge in pledges]
    countries_, objectives = await repository.pledge_links(session, ids)
    return await _reads(session, pledges, countries_, objectives)


async def _reads(
    session: AsyncSession,
    pledges: Sequence[Pledge],
    countries_: dict[uuid.UUID, list[str]],
    objectives: dict[uuid.UUID, list[uuid.UUID]],
) -> list[PledgeRead]:
    ids = [pledge.id for pledge in pledges]
    sums = await repository.balances(session, ids)
    lines = await repository.allocation_lines(session, ids)
    line_sums = await repository.line_balances(
        session, [line.id for pledge_lines in lines.values() for line in pledge_lines]
    )
    # Only employment pledges have hiring terms: no query for a batch without one.
    terms = await employment.terms_of(session, employment.employment_ids(pledges))
    contributors = await shares.contributors_of(session, ids)
    flags = await references.stale_many(session, {p.id: of_pledge(p) for p in pledges})
    return [
        _pledge_read(
            p,
            countries_[p.id],
            objectives[p.id],
            sums.get(p.id, Balances()),
            [(line, line_sums.get(line.id, Balances())) for line in lines[p.id]],
            contributors[p.id],
            terms.get(p.id),
        ).model_copy(update={"stale_references": flags[p.id]})
        for p in pledges
    ]


async def _read_one(
    session: AsyncSession, pledge: Pledge, countries_: list[str], objective_ids: list[uuid.UUID]
) -> PledgeRead:
    """One pledge whose links are already read."""
    reads = await _reads(session, [pledge], {pledge.id: countries_}, {pledge.id: objective_ids})
    return reads[0]


def can_see_pledge(principal: Principal | None, pledge: Pledge, countries_: Sequence[str]) -> bool:
    """As repository.visible_pledges: announced public pledges, else only their parties."""
    if is_public(pledge):
        return True
    return is_party_to(principal, pledge, countries_)


def is_public(pledge: Pledge) -> bool:
    """Seen by anyone: public and announced (a cultivating pledge is never public)."""
    return (
        pledge.visibility == Visibility.PUBLIC.value and pledge.stage == PledgeStage.ANNOUNCED.value
    )


def is_party_to(principal: Principal | None, pledge: Pledge, countries_: Sequence[str]) -> bool:
    """Secretariat, the contributor's own people, or a focal point of a recipient country."""
    if principal is None:
        return False
    return (
        principal.is_secretariat
        or principal.speaks_for_org(str(pledge.contributor_id))
        or any(principal.is_focal_point_for(country) for country in countries_)
    )


async def visible_pledge(
    session: AsyncSession, principal: Principal | None, pledge_id: uuid.UUID, *, lock: bool = False
) -> tuple[Pledge, list[str], list[uuid.UUID]]:
    """The pledge if the caller may read it (404 otherwise, so its existence does not leak)."""
    if not lock:
        found = await repository.pledge_with_links(session, pledge_id)
        if found is not None and (
            can_see_pledge(principal, found[0], found[1])
            or await shares.co_contributes(session, principal, pledge_id)
        ):
            return found
        raise PledgeNotFound(f"pledge {pledge_id} does not exist")
    pledge = await repository.pledge_for_update(session, pledge_id)
    if pledge is not None:
        countries_, objectives = await repository.pledge_links(session, [pledge.id])
        if (
            can_see_pledge(principal, pledge, countries_[pledge.id])
            or (
                principal is not None
                and await speaks_for(session, principal, pledge.contributor_id)
            )
            or await shares.co_contributes(session, principal, pledge.id)
        ):
            return pledge, countries_[pledge.id], objectives[pledge.id]
    raise PledgeNotFound(f"pledge {pledge_id} does not exist")


def speaks_for_government(principal: Principal, organisation: Organisation | None) -> bool:
    """A country focal point speaks for its own country's government (MIRPS states pledge
    too): an organisation of kind state with that country."""
    return (
        organisation is not None
        and organisation.kind == OrganisationKind.STATE.value
        and organisation.country is not None
        and principal.is_focal_point_for(organisation.country)
    )


async def speaks_for(
    session: AsyncSession, principal: Principal, contributor_id: uuid.UUID
) -> bool:
    """The secretariat, the contributor's member/partner, or the focal point of the
    contributing government's country."""
    if principal.is_secretariat or principal.speaks_for_org(str(contributor_id)):
        return True
    if Role.COUNTRY_FOCAL_POINT not in principal.roles:
        return False
    return speaks_for_government(principal, await session.get(Organisation, contributor_id))


async def authorise_pledge_write(
    session: AsyncSession, principal: Principal, contributor_id: uuid.UUID
) -> None:
    """The secretariat writes any pledge; a member or partner only its organisation's; a
    country focal point only its own government's."""
    if await speaks_for(session, principal, contributor_id):
        return
    if Role.COUNTRY_FOCAL_POINT in principal.roles:
        raise NotYourCountry(
            "contributor_id: a country focal point may write only the pledges of its own "
            "country's government (an organisation of kind state with that country)",
            field="contributor_id",
        )
    raise NotYourOrganisation(
        "only the secretariat or a member/partner of the contributing organisation "
        "may write this pledge"
    )


async def _check_links(
    session: AsyncSession,
    objective_ids: Sequence[uuid.UUID],
    recipient_countries: Sequence[str],
    regional: bool,
) -> dict[uuid.UUID, Objective]:
    found = await repository.objectives_by_id(session, objective_ids)
    unknown = [str(i) for i in objective_ids if i not in found]
    if unknown:
        raise InvalidReference(
            f"unknown objective ids: {', '.join(unknown)}", objective_ids=unknown
        )
    if regional:
        return found
    outside = [
        str(o.id)
        for o in found.values()
        if o.country is not None and o.country not in recipient_countries
    ]
    if outside:
        raise InvalidReference(
            "linked objectives must belong to a recipient country (or the pledge is regional): "
            + ", ".join(outside),
            objective_ids=outside,
        )
    return found


async def _price(session: AsyncSession, pledge: Pledge, amount: Money | None) -> None:
    """Store the pledged amount with its USD value at the rate of the announcement date."""
    if amount is None:
        pledge.amount = pledge.currency = pledge.rate_to_usd = pledge.amount_usd = None
        return
    rate = await rate_for(session, amount.currency, pledge.announced_on)
    pledge.amount = to_money(amount.amount)
    pledge.currency = amount.currency
    pledge.rate_to_usd = rate
    pledge.amount_usd = converted_money(amount.amount * rate, "amount", "the amount in USD")


def _snapshot(
    pledge: Pledge,
    countries_: Sequence[str],
    objectives: Sequence[uuid.UUID],
    lines: Sequence[AllocationLine],
) -> dict[str, Any]:
    return {
        "allocation": [
            {
                "country": line.country,
                "objective_id": None if line.objective_id is None else str(line.objective_id),
                "amount": format(line.amount, "f"),
            }
            for line in lines
        ],
        "kind": pledge.kind,
        "title": {"es": pledge.title_es, "en": pledge.title_en},
        "description": {"es": pledge.description_es, "en": pledge.description_en},
        "amount": None if pledge.amount is None else format(pledge.amount, "f"),
        "currency": pledge.currency,
        "recipient_countries": list(countries_),
        "regional": pledge.regional,
        "objective_ids": sorted(str(o) for o in objectives),
        "announced_on": pledge.announced_on.isoformat(),
        "announced_at": pledge.announced_at,
        "funding_mechanism": pledge.funding_mechanism,
        "implementation_status": pledge.implementation_status,
        "stage": pledge.stage,
        "visibility": pledge.visibility,
        "illustrative": pledge.illustrative,
    }


async def _record_change(
    session: AsyncSession,
    pledge: Pledge,
    principal: Principal,
    action: str,
    before: dict[str, Any],
    after: dict[str, Any],
    countries_: Sequence[str],
) -> None:
    """Keep the change in the pledge's history and emit it on the change feed."""
    changed = {
        field: [before.get(field), value]
        for field, value in after.items()
        if before.get(field) != value
    }
    session.add(
        PledgeChange(
            id=uuid.uuid4(),
            pledge_id=pledge.id,
            action=action,
            changed_by=principal.sub,
            changed_at=utc_now(),
            changes=changed,
        )
    )
    await changes.pledge_changed(session, pledge, action, changed, countries_)


async def create_pledge(
    session: AsyncSession,
    principal: Principal,
    body: PledgeCreate,
    *,
    pledge_id: uuid.UUID | None = None,
    defer_rollups: bool = False,
) -> PledgeRead:
    """Announce a pledge (secretariat, or a member/partner for its own organisation).

    `pledge_id` is for imports that carry ids over from another system or instance;
    `defer_rollups` too: an import moves the rollups once for all the pledges it created
    (`rollups.apply_change(session, ids, {})`, before anything else touches them).
    """
    await authorise_pledge_write(session, principal, body.contributor_id)
    if pledge_id is not None and await session.get(Pledge, pledge_id) is not None:
        raise InvalidReference(f"pledge {pledge_id} already exists")
    if await session.get(Organisation, body.contributor_id) is None:
        raise InvalidReference(
            f"contributor {body.contributor_id} is not a known organisation",
            contributor_id=str(body.contributor_id),
        )
    linked = await _check_links(
        session, body.objective_ids, body.recipient_countries, body.regional
    )
    await references.check(session, announcement_references(body.announced_at))
    if body.allocation and body.amount is None:
        raise Unprocessable("allocation: a pledge without an amount has nothing to allocate")
    await employment.check_terms(session, body.kind.value, body.employment)
    now = utc_now()
    pledge = Pledge(
        id=pledge_id or uuid.uuid4(),
        contributor_id=body.contributor_id,
        kind=body.kind.value,
        title_es=body.title.es,
        title_en=body.title.en,
        description_es=body.description.es if body.description else None,
        description_en=body.description.en if body.description else None,
        regional=body.regional,
        announced_on=body.announced_on,
        announced_at=body.announced_at,
        funding_mechanism=body.funding_mechanism.value if body.funding_mechanism else None,
        implementation_status=(
            PledgeStage.CULTIVATING.value
            if body.stage == PledgeStage.CULTIVATING
            else body.implementation_status.value
        ),
        visibility=body.visibility.value,
        allocation_stated=bool(body.allocation),
        illustrative=body.illustrative,
        created_by=principal.sub,
        created_at=now,
        updated_at=now,
    )
    await _price(session, pledge, body.amount)
    session.add(pledge)
    await session.flush()
    repository.add_links(session, pledge.id, body.recipient_countries, body.objective_ids)
    lines = await _allocate(session, pledge, body.allocation, body.recipient_countries, linked)
    await employment.replace_terms(session, pledge.id, body.employment)
    terms = employment.terms_read(body.employment) if body.employment else None
    shares.add_lead(session, pledge)
    after = _snapshot(pledge, body.recipient_countries, body.objective_ids, lines)
    after["employment"] = employment.snapshot(terms)
    await _record_change(session, pledge, principal, "created", {}, after, body.recipient_countries)
    if not defer_rollups:
        await rollups.apply_change(session, [pledge.id], {})
    # A new pledge has no ledger yet: no need to read its balances back.
    return _pledge_read(
        pledge,
        body.recipient_countries,
        sorted(body.objective_ids),
        Balances(),
        [(line, Balances()) for line in lines],
        [
            ContributorShare(
                organisation_id=pledge.contributor_id,
                lead=True,
                share_percent=shares.HUNDRED,
                share_amount=None,
            )
        ],
        terms,
    ).model_copy(update={"stale_references": await references.stale(session, of_pledge(pledge))})


async def _allocate(
    session: AsyncSession,
    pledge: Pledge,
    stated: Sequence[AllocationLineIn] | None,
    countries_: Sequence[str],
    linked: dict[uuid.UUID, Objective],
) -> list[AllocationLine]:
    """Set the pledge's allocation lines: `stated`, or the equal split (see allocation).

    A pledge without an amount has lines of 0 where it goes, so it counts in reports."""
    if pledge.amount is None:
        targets = allocation.default_targets(countries_, linked)
        return await allocation.apply(
            session, pledge, allocation.Allocation([(t, Decimal(0)) for t in targets])
        )
    return await allocation.apply(
        session, pledge, allocation.plan(pledge, stated, countries_, linked)
    )


async def get_pledge(
    session: AsyncSession, principal: Principal | None, pledge_id: uuid.UUID
) -> PledgeRead:
    """One pledge the caller may see."""
    pledge, countries_, objective_ids = await visible_pledge(session, principal, pledge_id)
    return await _read_one(session, pledge, countries_, objective_ids)


async def list_pledges(
    session: AsyncSession,
    principal: Principal | None,
    filters: PledgeFilters,
    cursor: str | None,
    limit: int,
    include: Collection[PledgeInclude] = (),
) -> Page[PledgeListItem]:
    """Pledges the caller may see, oldest recorded first.

    `include` embeds each pledge's contributor and/or objectives (both public records),
    read in one query each for the whole page.
    """
    statement = repository.pledges_query(principal, filters)
    ids = list(filters.ids) if filters.ids is not None else None
    items, next_cursor = await _page(
        session, statement, [Pledge.created_at, Pledge.id], cursor, limit, ids
    )
    reads = await pledge_reads(session, items)
    organisations: dict[uuid.UUID, OrganisationRead] = {}
    objectives: dict[uuid.UUID, ObjectiveRead] = {}
    # Each embedded record is built once per page, however many pledges share it.
    if "contributor" in include:
        found = await repository.organisations_by_id(session, {r.contributor_id for r in reads})
        organisations = {key: organisation_read(value) for key, value in found.items()}
    if "objectives" in include:
        linked = await repository.objectives_by_id(
            session, {oid for read in reads for oid in read.objective_ids}
        )
        objectives = {key: objective_read(value) for key, value in linked.items()}
    listed = [
        PledgeListItem(
            **read.__dict__,
            contributor=organisations.get(read.contributor_id),
            objectives=[objectives[o] for o in read.objective_ids if o in objectives]
            if "objectives" in include
            else None,
        )
        for read in reads
    ]
    return Page(items=listed, next_cursor=next_cursor)


async def update_pledge(
    session: AsyncSession,
    principal: Principal,
    pledge_id: uuid.UUID,
    body: PledgeUpdate,
    if_match: str | None,
) -> PledgeRead:
    """Change a pledge (If-Match); the change is kept in its history."""
    pledge, countries_, objectives = await visible_pledge(session, principal, pledge_id, lock=True)
    await authorise_pledge_write(session, principal, pledge.contributor_id)
    check_if_match(if_match, pledge.version)
    figures = await rollups.figures_of(session, [pledge.id])
    old_lines = (await repository.allocation_lines(session, [pledge.id]))[pledge.id]
    before = _snapshot(pledge, countries_, objectives, old_lines)
    old_terms = (await employment.terms_of(session, [pledge.id])).get(pledge.id)
    before["employment"] = employment.snapshot(old_terms)
    fields = body.model_fields_set
    new_countries = (
        sorted(set(body.recipient_countries))
        if body.recipient_countries is not None
        else countries_
    )
    new_objectives = (
        list(dict.fromkeys(body.objective_ids)) if body.objective_ids is not None else objectives
    )
    regional = body.regional if body.regional is not None else pledge.regional
    kind = body.kind.value if body.kind is not None else pledge.kind
    if not new_countries and not regional:
        raise Unprocessable("name one or more recipient_countries, or set regional to true")
    linked = await _check_links(session, new_objectives, new_countries, regional)
    await employment.check_terms(session, kind, body.employment)
    if "announced_at" in fields:
        await references.check(session, announcement_references(body.announced_at))
        pledge.announced_at = body.announced_at
    if body.implementation_status is not None and pledge.stage == PledgeStage.CULTIVATING.value:
        raise PledgeNotAnnounced(
            f"implementation_status: pledge {pledge_id} is still being cultivated; announce "
            "it first (POST /v1/pledges/{id}/announce)",
            field="implementation_status",
        )
    for field in ("funding_mechanism", "implementation_status", "visibility"):
        value = getattr(body, field)
        if value is not None:
            setattr(pledge, field, value.value)
    pledge.kind = kind
    pledge.regional = regional
    if body.illustrative is not None:
        pledge.illustrative = body.illustrative
    if body.title is not None:
        pledge.title_es, pledge.title_en = body.title.es, body.title.en
    if body.description is not None:
        pledge.description_es, pledge.description_en = body.description.es, body.description.en
    if body.announced_on is not None:
        await _check_announcement_precedes_entries(session, pledge.id, body.announced_on)
        pledge.announced_on = body.announced_on
    amount = (
        body.amount
        if "amount" in fields
        else (
            Money(amount=pledge.amount, currency=pledge.currency)
            if pledge.amount is not None and pledge.currency is not None
            else None
        )
    )
    if kind in (PledgeKind.FINANCIAL.value, PledgeKind.MATERIAL.value) and amount is None:
        raise Unprocessable(f"a {kind} pledge needs an amount")
    # A pledge with any ledger row has balances, even when they net to zero.
    by_pledge = await repository.balances(session, [pledge.id])
    has_entries = pledge.id in by_pledge
    sums = by_pledge.get(pledge.id, Balances())
    if has_entries and (amount is None or amount.currency != pledge.currency):
        raise Unprocessable(
            "the currency of a pledge with ledger entries cannot change (its entries are "
            "converted to it); reverse the entries first"
        )
    if amount is not None and amount.amount < sums.committed:
        raise OverCommitment(
            f"the pledge would be {amount.amount} {amount.currency} but {sums.committed} "
            "is already committed",
            pledged=format(amount.amount, "f"),
            committed=format(sums.committed, "f"),
            currency=amount.currency,
        )
    await _price(session, pledge, amount)
    pledge.updated_at = utc_now()
    await session.flush()
    await repository.replace_links(
        session,
        pledge.id,
        countries=new_countries if body.recipient_countries is not None else None,
        objective_ids=new_objectives if body.objective_ids is not None else None,
    )
    stated = _stated_lines(pledge, body, old_lines)
    pledge.allocation_stated = bool(stated)
    lines = await _allocate(session, pledge, stated, new_countries, linked)
    after = _snapshot(pledge, new_countries, new_objectives, lines)
    after["employment"] = await _update_terms(session, pledge, body, old_terms)
    await _record_change(session, pledge, principal, "updated", before, after, new_countries)
    await rollups.apply_change(session, [pledge.id], figures)
    return (await pledge_reads(session, [pledge]))[0]


async def _update_terms(
    session: AsyncSession,
    pledge: Pledge,
    body: PledgeUpdate,
    old_terms: EmploymentTermsRead | None,
) -> dict[str, Any] | None:
    """New terms when given; none once the pledge is no longer an employment pledge."""
    if body.employment is not None:
        await employment.replace_terms(session, pledge.id, body.employment)
        return employment.snapshot(employment.terms_read(body.employment))
    if pledge.kind != PledgeKind.EMPLOYMENT.value and old_terms is not None:
        await employment.replace_terms(session, pledge.id, None)
        return None
    return employment.snapshot(old_terms)


def _stated_lines(
    pledge: Pledge, body: PledgeUpdate, old_lines: Sequence[AllocationLine]
) -> list[AllocationLineIn] | None:
    """The allocation an update asks for: the new lines, or the stated ones kept (which
    must still fit the pledge), or None for the equal split."""
    if "allocation" in body.model_fields_set:
        return body.allocation or None
    if not pledge.allocation_stated:
        return None
    return [
        AllocationLineIn(country=line.country, objective_id=line.objective_id, amount=line.amount)
        for line in old_lines
        if line.amount > 0
    ]


async def reallocate(
    session: AsyncSession,
    principal: Principal,
    pledge_id: uuid.UUID,
    body: AllocationUpdate,
    if_match: str | None,
) -> PledgeRead:
    """State a pledge's allocation lines (or return to the equal split); kept in history.

    A line may not drop below what is already committed on it (409 naming the line)."""
    pledge, countries_, objectives = await visible_pledge(session, principal, pledge_id, lock=True)
    await authorise_pledge_write(session, principal, pledge.contributor_id)
    check_if_match(if_match, pledge.version)
    if pledge.amount is None:
        raise PledgeHasNoAmount(f"pledge {pledge_id} has no amount, so nothing to allocate")
    figures = await rollups.figures_of(session, [pledge.id])
    old_lines = (await repository.allocation_lines(session, [pledge.id]))[pledge.id]
    before = _snapshot(pledge, countries_, objectives, old_lines)
    linked = await repository.objectives_by_id(session, objectives)
    lines = await _allocate(session, pledge, body.lines, countries_, linked)
    pledge.allocation_stated = bool(body.lines)
    pledge.updated_at = utc_now()
    after = _snapshot(pledge, countries_, objectives, lines)
    await _record_change(session, pledge, principal, "reallocated", before, after, countries_)
    await rollups.apply_change(session, [pledge.id], figures)
    return await _read_one(session, pledge, countries_, objectives)


async def _check_announcement_precedes_entries(
    session: AsyncSession, pledge_id: uuid.UUID, announced_on: date
) -> None:
    first = await repository.first_value_date(session, pledge_id)
    if first is not None and announced_on > first:
        raise Unprocessable(
            f"announced_on: the pledge has entries from {first.isoformat()}; it cannot be "
            "announced after them",
            field="announced_on",
        )


async def withdraw_pledge(
    session: AsyncSession,
    principal: Principal,
    pledge_id: uuid.UUID,
    body: Withdrawal,
    if_match: str | None,
) -> PledgeRead:
    """Withdraw a pledge: its undisbursed remainder stops counting."""
    pledge, countries_, objective_ids = await visible_pledge(
        session, principal, pledge_id, lock=True
    )
    await authorise_pledge_write(session, principal, pledge.contributor_id)
    check_if_match(if_match, pledge.version)
    if pledge.withdrawn_at is not None:
        raise PledgeWithdrawn(f"pledge {pledge_id} is already withdrawn")
    figures = await rollups.figures_of(session, [pledge.id])
    pledge.withdrawn_at = utc_now()
    pledge.withdrawn_on = pledge.withdrawn_at.date()
    pledge.withdrawal_reason = body.reason
    pledge.updated_at = pledge.withdrawn_at
    await _record_change(
        session,
        pledge,
        principal,
        "withdrawn",
        {"withdrawn": False, "withdrawal_reason": None},
        {"withdrawn": True, "withdrawal_reason": body.reason},
        countries_,
    )
    await rollups.apply_change(session, [pledge.id], figures)
    return await _read_one(session, pledge, countries_, objective_ids)


async def announce_pledge(
    session: AsyncSession,
    principal: Principal,
    pledge_id: uuid.UUID,
    body: Announcement,
    if_match: str | None,
) -> PledgeRead:
    """Announce a cultivating pledge at an event: it is priced at the announcement date's
    rate and from then on counts in reports like any announced pledge."""
    pledge, countries_, objectives = await visible_pledge(session, principal, pledge_id, lock=True)
    await authorise_pledge_write(session, principal, pledge.contributor_id)
    check_if_match(if_match, pledge.version)
    if pledge.withdrawn_at is not None:
        raise PledgeWithdrawn(f"pledge {pledge_id} is withdrawn; it cannot be announced")
    if pledge.stage != PledgeStage.CULTIVATING.value:
        raise PledgeAlreadyAnnounced(
            f"pledge {pledge_id} was announced on {pledge.announced_on.isoformat()}"
        )
    figures = await rollups.figures_of(session, [pledge.id])
    old_lines = (await repository.allocation_lines(session, [pledge.id]))[pledge.id]
    before = _snapshot(pledge, countries_, objectives, old_lines)
    await references.check(session, announcement_references(body.announced_at))
    pledge.implementation_status = ImplementationStatus.PLANNING.value
    pledge.announced_on = body.announced_on
    pledge.announced_at = body.announced_at
    amount = (
        Money(amount=pledge.amount, currency=pledge.currency)
        if pledge.amount is not None and pledge.currency is not None
        else None
    )
    await _price(session, pledge, amount)
    pledge.updated_at = utc_now()
    linked = await repository.objectives_by_id(session, objectives)
    stated = _stated_lines(pledge, PledgeUpdate(), old_lines)
    lines = await _allocate(session, pledge, stated, countries_, linked)
    after = _snapshot(pledge, countries_, objectives, lines)
    await _record_change(session, pledge, principal, "announced", before, after, countries_)
    await rollups.apply_change(session, [pledge.id], figures)
    return await _read_one(session, pledge, countries_, objectives)


async def add_progress_update(
    session: AsyncSession, principal: Principal, pledge_id: uuid.UUID, body: ProgressUpdateCreate
) -> ProgressUpdateRead:
    """Record a dated narrative update on an announced pledge (whoever may write it); it
    is also an entry of the pledge's history."""
    pledge, countries, _ = await visible_pledge(session, principal, pledge_id, lock=True)
    await authorise_pledge_write(session, principal, pledge.contributor_id)
    if pledge.stage == PledgeStage.CULTIVATING.value:
        raise PledgeNotAnnounced(
            f"pledge {pledge_id} is still being cultivated; announce it before reporting progress"
        )
    if body.reported_on < pledge.announced_on:
        raise Unprocessable(
            f"reported_on: the pledge was announced on {pledge.announced_on.isoformat()}",
            field="reported_on",
        )
    update = ProgressUpdate(
        id=uuid.uuid4(),
        pledge_id=pledge.id,
        reported_on=body.reported_on,
        narrative_es=body.narrative.es,
        narrative_en=body.narrative.en,
        implementation_status=pledge.implementation_status,
        figures={label: format(value, "f") for label, value in body.figures.items()},
        recorded_by=principal.sub,
        recorded_at=utc_now(),
    )
    session.add(update)
    read = reports.progress_update_read(update)
    await _record_change(
        session,
        pledge,
        principal,
        "progress_update",
        {},
        {"progress_update": read.model_dump(mode="json", exclude={"pledge_id"})},
        countries,
    )
    await session.flush()
    return read


async def list_progress_updates(
    session: AsyncSession, principal: Principal | None, pledge_id: uuid.UUID
) -> list[ProgressUpdateRead]:
    """A pledge's progress updates, latest first (anyone who may see the pledge)."""
    pledge, _, _ = await visible_pledge(session, principal, pledge_id)
    return [
        reports.progress_update_read(update)
        for update in await repository.progress_updates(session, pledge.id)
    ]


async def pledge_history(
    session: AsyncSession, principal: Principal, pledge_id: uuid.UUID
) -> list[PledgeChangeRead]:
    """Who changed what and when (secretariat and the contributor's own people)."""
    pledge, _, _ = await visible_pledge(session, principal, pledge_id)
    await authorise_pledge_write(session, principal, pledge.contributor_id)
    return [
        PledgeChangeRead.model_validate(change)
        for change in await repository.history(session, pledge.id)
    ]


async def pledge_history_of(
    session: AsyncSession,
    principal: Principal,
    pledge_ids: Sequence[uuid.UUID],
    cursor: str | None,
    limit: int,
) -> Page[PledgeChangeRead]:
    """The histories of several pledges, in change order, for the pledges whose history
    the caller may read (as `pledge_history`: the secretariat and the contributor's own
    people); the others are absent.
    """
    pledges = await session.scalars(
        repository.pledges_query(principal, PledgeFilters(ids=pledge_ids))
    )
    listed = list(pledges)
    governments = await repository.organisations_by_id(
        session, {pledge.contributor_id for pledge in listed}
    )
    readable = [
        pledge.id
        for pledge in listed
        if principal.is_secretariat
        or principal.speaks_for_org(str(pledge.contributor_id))
        or speaks_for_government(principal, governments.get(pledge.contributor_id))
    ]
    items, next_cursor = await _page(
        session,
        repository.history_of_query(readable),
        [PledgeChange.changed_at, PledgeChange.id],
        cursor,
        limit,
        None,
    )
    return Page(
        items=[PledgeChangeRead.model_validate(change) for change in items],
        next_cursor=next_cursor,
    )


# ---------------------------------------------------------------- ledger entries


def entry_read(entry: LedgerEntry, *, show_private: bool) -> EntryRead:
    return EntryRead(
        id=entry.id,
        pledge_id=entry.pledge_id,
        entry_type=entry.entry_type,
        effect=entry.effect,
        amount=Money(amount=entry.amount, currency=entry.currency),
        value_date=entry.value_date,
        rate_to_usd=entry.rate_to_usd,
        amount_usd=entry.amount_usd,
        pledge_amount=entry.pledge_amount,
        recipient_country=entry.recipient_country,
        objective_id=entry.objective_id,
        allocation_line_id=entry.allocation_line_id,
        reverses_entry_id=entry.reverses_entry_id,
        external_reference=entry.external_reference,
        note=entry.note if show_private else None,
        recorded_by=entry.recorded_by if show_private else None,
        recorded_at=entry.recorded_at,
    )


@dataclass(frozen=True)
class Movement:
    """What a new entry adds to one balance, in the pledge's currency."""

    effect: str
    pledge_amount: Decimal


def check_ledger_rules(pledged: Decimal, currency: str, sums: Balances, move: Movement) -> None:
    """Committed ≤ pledged, disbursed ≤ committed, expenditure ≤ disbursed after `move`."""
    committed, disbursed, expended = sums.committed, sums.disbursed, sums.expended
    if move.effect == EntryType.COMMITMENT.value:
        committed += move.pledge_amount
    elif move.effect == EntryType.DISBURSEMENT.value:
        disbursed += move.pledge_amount
    else:
        expended += move.pledge_amount
    numbers: dict[str, Any] = {
        "currency": currency,
        "pledged": format(pledged, "f"),
        "committed": format(sums.committed, "f"),
        "disbursed": format(sums.disbursed, "f"),
        "expended": format(sums.expended, "f"),
        "requested": format(move.pledge_amount, "f"),
    }
    if move.pledge_amount < 0:
        _check_reversal(currency, sums, move, numbers)
    if committed > pledged:
        raise OverCommitment(
            f"commitments would reach {committed} {currency}, above the pledged {pledged} "
            f"(already committed {sums.committed}, headroom {pledged - sums.committed})",
            **numbers,
            headroom=format(max(pledged - sums.committed, ZERO), "f"),
        )
    if disbursed > committed:
        raise OverDisbursement(
            f"disbursements would reach {disbursed} {currency}, above the committed "
            f"{committed} (already disbursed {sums.disbursed}, headroom "
            f"{committed - sums.disbursed})",
            **numbers,
            headroom=format(max(committed - sums.disbursed, ZERO), "f"),
        )
    if expended > disbursed:
        raise OverExpenditure(
            f"expenditure would reach {expended} {currency}, above the disbursed "
            f"{disbursed} (already expended {sums.expended}, headroom "
            f"{disbursed - sums.expended})",
            **numbers,
            headroom=format(max(disbursed - sums.expended, ZERO), "f"),
        )


def check_timeline(
    currency: str,
    timeline: Sequence[tuple[date, str, Decimal]],
    on: date,
    move: Movement,
) -> None:
    """Disbursed ≤ committed and expenditure ≤ disbursed hold on every day, cumulatively in
    value-date order (a reversal counts on the day of the entry it reverses), after `move`
    counts on `on`. Totals are checked by `check_ledger_rules`."""
    deltas: dict[date, dict[str, Decimal]] = {}
    for day, effect, amount in [*timeline, (on, move.effect, move.pledge_amount)]:
        per_effect = deltas.setdefault(day, {})
        per_effect[effect] = per_effect.get(effect, ZERO) + amount
    running = {effect.value: ZERO for effect in _BALANCE_ORDER}
    for day in sorted(deltas):
        for effect, amount in deltas[day].items():
            running[effect] += amount
        if day < on:
            continue
        for balance, source in zip(_BALANCE_ORDER[1:], _BALANCE_ORDER, strict=False):
            if running[balance.value] > running[source.value]:
                figures: dict[str, Any] = {
                    _FIGURE[balance]: format(running[balance.value], "f"),
                    _FIGURE[source]: format(running[source.value], "f"),
                }
                raise _TIMELINE_ERRORS[balance](
                    f"as of {day.isoformat()} the {balance.value}s would reach "
                    f"{running[balance.value]} {currency}, above the {running[source.value]} "
                    f"of {source.value}s dated on or before that day; record the "
                    f"{source.value} first, or date this entry later",
                    currency=currency,
                    as_of=day.isoformat(),
                    **figures,
                    requested=format(move.pledge_amount, "f"),
                )


_BALANCE_ORDER = (EntryType.COMMITMENT, EntryType.DISBURSEMENT, EntryType.EXPENDITURE)
_FIGURE = {
    EntryType.COMMITMENT: "committed",
    EntryType.DISBURSEMENT: "disbursed",
    EntryType.EXPENDITURE: "expended",
}
_TIMELINE_ERRORS: dict[EntryType, type[Conflict]] = {
    EntryType.DISBURSEMENT: OverDisbursement,
    EntryType.EXPENDITURE: OverExpenditure,
}


def _check_reversal(currency: str, sums: Balances, move: Movement, numbers: dict[str, Any]) -> None:
    """A reversal may not leave what depends on the reversed balance above it.

    Reversing a commitment that is partly disbursed (or a disbursement partly spent) asks
    for the dependent entries to be reversed first, and says how much could be reversed.
    """
    cancelled = -move.pledge_amount
    error: type[Conflict]
    if move.effect == EntryType.COMMITMENT.value:
        balance, dependent, error, names = (
            sums.committed,
            sums.disbursed,
            OverDisbursement,
            ("commitment", "disbursements", "disbursed", "committed"),
        )
    elif move.effect == EntryType.DISBURSEMENT.value:
        balance, dependent, error, names = (
            sums.disbursed,
            sums.expended,
            OverExpenditure,
            ("disbursement", "expenditure", "expended", "disbursed"),
        )
    else:
        return
    if balance - cancelled >= dependent:
        return
    reversible = max(balance - dependent, ZERO)
    entry, dependents, dependent_verb, balance_verb = names
    raise error(
        f"cannot reverse this {entry} of {cancelled} {currency}: reverse the {dependents} "
        f"first: {dependent} {dependent_verb} against {balance} {balance_verb}",
        **{**numbers, "requested": format(move.pledge_amount, "f")},
        headroom=format(reversible, "f"),
    )


async def record_entry(
    session: AsyncSession,
    principal: Principal,
    pledge_id: uuid.UUID,
    body: EntryCreate,
    *,
    entry_id: uuid.UUID | None = None,
) -> EntryRead:
    """Append an entry to a pledge's ledger, enforcing the balance rules under a row lock."""
    if entry_id is not None and await repository.entry(session, entry_id) is not None:
        raise InvalidReference(f"entry {entry_id} already exists")
    pledge, countries_, objectives = await visible_pledge(session, principal, pledge_id, lock=True)
    await authorise_pledge_write(session, principal, pledge.contributor_id)
    if pledge.amount is None or pledge.currency is None:
        raise PledgeHasNoAmount(f"pledge {pledge_id} has no amount, so it has no financial ledger")
    if pledge.stage == PledgeStage.CULTIVATING.value:
        raise PledgeNotAnnounced(
            f"pledge {pledge_id} is still being cultivated; announce it before recording "
            "commitments or disbursements"
        )
    figures = await rollups.figures_of(session, [pledge.id])
    lines = (await repository.allocation_lines(session, [pledge.id]))[pledge.id]
    if body.entry_type == EntryType.REVERSAL:
        entry = await _reversal(session, principal, pledge, body)
    else:
        entry = await _movement(session, principal, pledge, countries_, objectives, body)
        assert body.recipient_country is not None
        line = allocation.line_for_entry(lines, body.recipient_country, body.objective_id)
        entry.allocation_line_id = line.id
    if entry_id is not None:
        entry.id = entry_id
    line = next(line for line in lines if line.id == entry.allocation_line_id)
    sums = (await repository.line_balances(session, [line.id])).get(line.id, Balances())
    move = Movement(entry.effect, entry.signed_pledge_amount)
    try:
        check_ledger_rules(line.amount, pledge.currency, sums, move)
        timeline = await repository.timeline(session, line.id)
        check_timeline(pledge.currency, timeline, entry.period_date, move)
    except LedgerRuleViolated as exc:
        raise _on_line(exc, line) from exc
    entry.report_usd = Decimal(0)  # set with the others' by revalue_entries
    session.add(entry)
    await allocation.revalue_entries(session, pledge)
    await rollups.apply_change(session, [pledge.id], figures)
    await changes.entry_recorded(session, pledge, entry, countries_)
    return entry_read(entry, show_private=True)


def _on_line(exc: LedgerRuleViolated, line: AllocationLine) -> LedgerRuleViolated:
    """The same breach, naming the allocation line it happens on."""
    target = (line.country, line.objective_id)
    return type(exc)(
        f"{allocation.describe(target)}: {exc.detail}",
        **{
            **exc.extra,
            "allocation_line_id": str(line.id),
            "line_country": line.country,
            "line_objective_id": None if line.objective_id is None else str(line.objective_id),
            "allocated": format(line.amount, "f"),
        },
    )


async def _reversal(
    session: AsyncSession,
    principal: Principal,
    pledge: Pledge,
    body: EntryCreate,
    unsaved: LedgerEntry | None = None,
) -> LedgerEntry:
    """A reversal of the stored entry `body` names (or of `unsaved`, one of a batch)."""
    assert body.reverses_entry_id is not None
    original = unsaved or await repository.entry(session, body.reverses_entry_id)
    if original is None or original.pledge_id != pledge.id:
        raise InvalidReference(
            f"entry {body.reverses_entry_id} is not an entry of pledge {pledge.id}",
            reverses_entry_id=str(body.reverses_entry_id),
        )
    if original.entry_type == EntryType.REVERSAL.value:
        raise Unprocessable("a reversal cannot be reversed; record the entry again instead")
    if body.amount is not None and (
        body.amount.amount != original.amount or body.amount.currency != original.currency
    ):
        raise Unprocessable(
            f"a reversal cancels the whole entry: {original.amount} {original.currency}"
        )
    if body.value_date < original.value_date:
        raise Unprocessable(
            f"value_date: a reversal is dated on or after the entry it reverses "
            f"({original.value_date.isoformat()})",
            field="value_date",
        )
    already = await repository.reversal_of(session, original.id)
    if already is not None:
        raise AlreadyReversed(
            f"entry {original.id} was already reversed by entry {already}",
            reversed_by_entry_id=str(already),
        )
    return LedgerEntry(
        id=uuid.uuid4(),
        pledge_id=pledge.id,
        entry_type=EntryType.REVERSAL.value,
        effect=original.effect,
        amount=original.amount,
        currency=original.currency,
        value_date=body.value_date,
        period_date=original.period_date,
        rate_to_usd=original.rate_to_usd,
        amount_usd=original.amount_usd,
        pledge_amount=original.pledge_amount,
        signed_usd=-original.signed_usd,
        signed_pledge_amount=-original.signed_pledge_amount,
        recipient_country=original.recipient_country,
        objective_id=original.objective_id,
        allocation_line_id=original.allocation_line_id,
        reverses_entry_id=original.id,
        external_reference=body.external_reference,
        note=body.note,
        recorded_by=principal.sub,
        recorded_at=utc_now(),
    )


async def _movement(
    session: AsyncSession,
    principal: Principal,
    pledge: Pledge,
    countries_: Sequence[str],
    objectives: Sequence[uuid.UUID],
    body: EntryCreate,
    rates: RateCache | None = None,
) -> LedgerEntry:
    assert body.amount is not None
    assert body.recipient_country is not None
    assert pledge.currency is not None
    if pledge.withdrawn_at is not None and body.entry_type in (
        EntryType.COMMITMENT,
        EntryType.DISBURSEMENT,
    ):
        raise PledgeWithdrawn(
            f"pledge {pledge.id} is withdrawn: it takes no new commitments or disbursements"
        )
    if not pledge.regional and body.recipient_country not in countries_:
        raise InvalidReference(
            f"{body.recipient_country} is not a recipient country of this pledge "
            f"({', '.join(countries_)})"
        )
    if body.objective_id is not None and body.objective_id not in objectives:
        raise InvalidReference(
            f"objective {body.objective_id} is not linked to this pledge",
            objective_id=str(body.objective_id),
        )
    if body.value_date < pledge.announced_on:
        raise Unprocessable(
            f"value_date: an entry is dated on or after the pledge's announcement "
            f"({pledge.announced_on.isoformat()})",
            field="value_date",
        )
    rates = rates or RateCache(session)
    rate = await rates.on(body.amount.currency, body.value_date)
    amount_usd = converted_money(body.amount.amount * rate, "amount", "the amount in USD")
    if body.amount.currency == pledge.currency:
        pledge_amount = to_money(body.amount.amount)
    else:
        pledge_rate = await rates.on(pledge.currency, body.value_date)
        pledge_amount = converted_money(
            body.amount.amount * rate / pledge_rate,
            "amount",
            f"the amount in the pledge's currency ({pledge.currency})",
        )
    return LedgerEntry(
        id=uuid.uuid4(),
        pledge_id=pledge.id,
        entry_type=body.entry_type.value,
        effect=body.entry_type.value,
        amount=to_money(body.amount.amount),
        currency=body.amount.currency,
        value_date=body.value_date,
        period_date=body.value_date,
        rate_to_usd=rate,
        amount_usd=amount_usd,
        pledge_amount=pledge_amount,
        signed_usd=amount_usd,
        signed_pledge_amount=pledge_amount,
        recipient_country=body.recipient_country,
        objective_id=body.objective_id,
        reverses_entry_id=None,
        external_reference=body.external_reference,
        note=body.note,
        recorded_by=principal.sub,
        recorded_at=utc_now(),
    )


class RateCache:
    """`rate_for`, remembered per currency and day (a bulk import asks the same many times)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.known: dict[tuple[str, date], Decimal] = {}

    async def on(self, currency: str, day: date) -> Decimal:
        key = (currency, day)
        if key not in self.known:
            self.known[key] = await rate_for(self.session, currency, day)
        return self.known[key]


@dataclass
class _LineState:
    """One allocation line while a batch is checked: its balances and its timeline."""

    line: AllocationLine
    sums: Balances
    timeline: list[tuple[date, str, Decimal]]

    def add(self, move: Movement, on: date) -> None:
        field = {"commitment": "committed", "disbursement": "disbursed"}.get(
            move.effect, "expended"
        )
        self.sums = replace(self.sums, **{field: getattr(self.sums, field) + move.pledge_amount})
        self.timeline.append((on, move.effect, move.pledge_amount))


@dataclass
class EntryBatch:
    """What `record_entries` made of the rows: the entries, the rows refused, and the
    pledges the entries belong to."""

    entries: list[LedgerEntry] = dataclasses.field(default_factory=list)
    errors: dict[int, list[str]] = dataclasses.field(default_factory=dict)
    pledges: list[Pledge] = dataclasses.field(default_factory=list)
    countries: dict[uuid.UUID, list[str]] = dataclasses.field(default_factory=dict)


EntryRows = Sequence[tuple[int, EntryCreate, uuid.UUID | None]]
BATCH_PLEDGES = 500


async def record_entries(
    session: AsyncSession,
    principal: Principal,
    rows_by_pledge: Mapping[uuid.UUID, EntryRows],
    rates: RateCache,
) -> EntryBatch:
    """Check many new entries of many pledges, set-based: per few hundred pledges, one
    statement locks them (in id order, so concurrent imports cannot deadlock) and one
    each reads their links, lines, balances and timelines; then each pledge's rows are
    checked in order, in memory.

    The same rules as `record_entry` (per allocation line, in time); a refused row counts
    for nothing in the checks of the rows after it, and every refused row is reported.
    Nothing is written: the caller inserts `entries` in bulk (`insert_entries`), so the
    whole file can be refused at once.
    """
    batch = EntryBatch()
    pledge_ids = sorted(rows_by_pledge)
    for start in range(0, len(pledge_ids), BATCH_PLEDGES):
        chunk = pledge_ids[start : start + BATCH_PLEDGES]
        pledges = await repository.pledges_for_update(session, chunk)
        countries_, objectives = await repository.pledge_links(session, chunk)
        lines = await repository.allocation_lines(session, chunk)
        line_ids = [line.id for found in lines.values() for line in found]
        sums = await repository.line_balances(session, line_ids)
        timelines = await repository.timelines_of(session, chunk)
        for pledge_id in chunk:
            rows = rows_by_pledge[pledge_id]
            pledge = pledges.get(pledge_id)
            try:
                if pledge is None or not (
                    can_see_pledge(principal, pledge, countries_[pledge_id])
                    or await speaks_for(session, principal, pledge.contributor_id)
                ):
                    raise PledgeNotFound(f"pledge {pledge_id} does not exist")
                await authorise_pledge_write(session, principal, pledge.contributor_id)
            except DomainError as exc:
                batch.errors.update({number: [exc.detail] for number, _, _ in rows})
                continue
            links = (countries_[pledge_id], objectives[pledge_id])
            state = {
                line.id: _LineState(line, sums.get(line.id, Balances()), timelines[line.id])
                for line in lines[pledge_id]
            }
            await _check_rows(session, principal, pledge, links, state, rows, rates, batch)
            batch.countries[pledge_id] = countries_[pledge_id]
    return batch


async def _check_rows(
    session: AsyncSession,
    principal: Principal,
    pledge: Pledge,
    links: tuple[Sequence[str], Sequence[uuid.UUID]],
    state: dict[uuid.UUID, _LineState],
    rows: EntryRows,
    rates: RateCache,
    batch: EntryBatch,
) -> None:
    """One pledge's rows checked in order against its lines (see `record_entries`)."""
    if pledge.amount is None or pledge.currency is None:
        message = f"pledge {pledge.id} has no amount, so it has no financial ledger"
        batch.errors.update({number: [message] for number, _, _ in rows})
        return
    lines = [line_state.line for line_state in state.values()]
    made: dict[uuid.UUID, LedgerEntry] = {}
    for number, body, entry_id in rows:
        try:
            entry = await _batch_entry(session, principal, pledge, links, body, made, rates)
            if entry.allocation_line_id is None:
                assert body.recipient_country is not None
                line = allocation.line_for_entry(lines, body.recipient_country, body.objective_id)
                entry.allocation_line_id = line.id
            _check_on_line(pledge.currency, state[entry.allocation_line_id], entry)
        except DomainError as exc:
            batch.errors[number] = [exc.detail]
            continue
        entry.id = entry_id or entry.id
        entry.report_usd = Decimal(0)  # set by value_new_entries once all are in
        made[entry.id] = entry
        batch.entries.append(entry)
    if made:
        batch.pledges.append(pledge)


async def _batch_entry(
    session: AsyncSession,
    principal: Principal,
    pledge: Pledge,
    links: tuple[Sequence[str], Sequence[uuid.UUID]],
    body: EntryCreate,
    made: dict[uuid.UUID, LedgerEntry],
    rates: RateCache,
) -> LedgerEntry:
    if body.entry_type != EntryType.REVERSAL:
        return await _movement(session, principal, pledge, *links, body, rates)
    assert body.reverses_entry_id is not None
    if any(e.reverses_entry_id == body.reverses_entry_id for e in made.values()):
        raise AlreadyReversed(f"entry {body.reverses_entry_id} is reversed twice in this file")
    return await _reversal(session, principal, pledge, body, made.get(body.reverses_entry_id))


def _check_on_line(currency: str, line: _LineState, entry: LedgerEntry) -> None:
    move = Movement(entry.effect, entry.signed_pledge_amount)
    try:
        check_ledger_rules(line.line.amount, currency, line.sums, move)
        check_timeline(currency, line.timeline, entry.period_date, move)
    except LedgerRuleViolated as exc:
        raise _on_line(exc, line.line) from exc
    line.add(move, entry.period_date)


async def insert_entries(
    session: AsyncSession, pledges: Sequence[Pledge], entries: Sequence[LedgerEntry]
) -> None:
    """Insert checked entries in bulk, then revalue each pledge's entries and move the
    rollups once for them all."""
    pledge_ids = [pledge.id for pledge in pledges]
    figures = await rollups.figures_of(session, pledge_ids)
    await allocation.value_new_entries(session, pledges, entries)
    await repository.insert_entries(session, entries)
    await rollups.apply_change(session, pledge_ids, figures)


async def list_entries(
    session: AsyncSession,
    principal: Principal | None,
    pledge_id: uuid.UUID,
    cursor: str | None,
    limit: int,
) -> Page[EntryRead]:
    """A pledge's ledger in the order it was recorded; notes only for parties to it."""
    pledge, countries_, _ = await visible_pledge(session, principal, pledge_id)
    show_private = is_party_to(principal, pledge, countries_)
    items, next_cursor = await _page(
        session,
        repository.entries_query(pledge.id),
        [LedgerEntry.recorded_at, LedgerEntry.id],
        cursor,
        limit,
        None,
    )
    return Page(
        items=[entry_read(e, show_private=show_private) for e in items], next_cursor=next_cursor
    )


async def list_entries_of(
    session: AsyncSession,
    principal: Principal | None,
    pledge_ids: Sequence[uuid.UUID],
    cursor: str | None,
    limit: int,
) -> Page[EntryRead]:
    """The ledgers of several pledges (those the caller may see), in recording order.

    Notes are shown only on the entries of pledges the caller is a party to, as in
    `list_entries`.
    """
    pledges = list(
        await session.scalars(repository.pledges_query(principal, PledgeFilters(ids=pledge_ids)))
    )
    countries_, _ = await repository.pledge_links(session, [pledge.id for pledge in pledges])
    private = {
        pledge.id for pledge in pledges if is_party_to(principal, pledge, countries_[pledge.id])
    }
    statement = repository.entries_of_query([pledge.id for pledge in pledges])
    items, next_cursor = await _page(
        session, statement, [LedgerEntry.recorded_at, LedgerEntry.id], cursor, limit, None
    )
    return Page(
        items=[entry_read(e, show_private=e.pledge_id in private) for e in items],
        next_cursor=next_cursor,
    )


async def get_entry(
    session: AsyncSession, principal: Principal | None, pledge_id: uuid.UUID, entry_id: uuid.UUID
) -> EntryRead:
    """One ledger entry of a visible pledge."""
    pledge, countries_, _ = await visible_pledge(session, principal, pledge_id)
    entry = await repository.entry(session, entry_id)
    if entry is None or entry.pledge_id != pledge.id:
        raise EntryNotFound(f"entry {entry_id} is not an entry of pledge {pledge_id}")
    return entry_read(entry, show_private=is_party_to(principal, pledge, countries_))
