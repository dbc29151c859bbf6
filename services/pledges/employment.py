"""Employment pledges: who hires, where, how many, and how (Activity 2.1, Outcome 2.1.3).

An employment pledge's terms are a hiring practice, the MIRPS countries where its
companies hire with the jobs targeted in each, and the companies (organisations of kind
private_sector). The report counts the companies whose hiring commitments name two or
more MIRPS countries, over public, announced, not withdrawn pledges only, so the published
figure is the same whoever asks.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.errors import Unprocessable
from services.pledges.exceptions import InvalidReference
from services.pledges.models import (
    EmploymentTerms,
    HiringCompany,
    HiringCountry,
    Organisation,
    OrganisationKind,
    Pledge,
    PledgeKind,
    Visibility,
    announced_pledge,
)
from services.pledges.schemas import (
    EmploymentCompany,
    EmploymentCountry,
    EmploymentReport,
    EmploymentTermsIn,
    EmploymentTermsRead,
    HiringCountryRead,
)


async def check_terms(session: AsyncSession, kind: str, terms: EmploymentTermsIn | None) -> None:
    """Terms belong to employment pledges, and name companies of kind private_sector."""
    if terms is None:
        return
    if kind != PledgeKind.EMPLOYMENT.value:
        raise Unprocessable(
            f"employment: only an employment pledge has hiring terms (this one is {kind})",
            field="employment",
        )
    found = await session.scalars(
        select(Organisation).where(Organisation.id.in_(terms.company_ids))
    )
    kinds = {organisation.id: organisation.kind for organisation in found}
    unknown = [str(i) for i in terms.company_ids if i not in kinds]
    if unknown:
        raise InvalidReference(
            f"employment.company_ids: unknown organisations: {', '.join(unknown)}",
            field="employment.company_ids",
            company_ids=unknown,
        )
    not_companies = [
        str(i) for i in terms.company_ids if kinds[i] != OrganisationKind.PRIVATE_SECTOR.value
    ]
    if not_companies:
        raise InvalidReference(
            "employment.company_ids: a hiring company is an organisation of kind "
            f"private_sector: {', '.join(not_companies)}",
            field="employment.company_ids",
            company_ids=not_companies,
        )


async def replace_terms(
    session: AsyncSession, pledge_id: uuid.UUID, terms: EmploymentTermsIn | None
) -> None:
    """Set (or with None, remove) a pledge's terms; checked by `check_terms` first."""
    for table in (EmploymentTerms, HiringCountry, HiringCompany):
        await session.execute(delete(table).where(table.pledge_id == pledge_id))
    if terms is None:
        return
    session.add(EmploymentTerms(pledge_id=pledge_id, hiring_practice=terms.hiring_practice.value))
    session.add_all(
        HiringCountry(pledge_id=pledge_id, country=line.country, jobs_targeted=line.jobs_targeted)
        for line in terms.hiring_countries
    )
    session.add_all(
        HiringCompany(pledge_id=pledge_id, organisation_id=company) for company in terms.company_ids
    )
    await session.flush()


def terms_read(terms: EmploymentTermsIn) -> EmploymentTermsRead:
    lines = [
        HiringCountryRead(country=line.country, jobs_targeted=line.jobs_targeted)
        for line in terms.hiring_countries
    ]
    return EmploymentTermsRead(
        hiring_practice=terms.hiring_practice,
        hiring_countries=lines,
        company_ids=sorted(terms.company_ids),
        jobs_targeted=sum(line.jobs_targeted for line in lines),
    )


def employment_ids(pledges: Sequence[Pledge]) -> list[uuid.UUID]:
    """The ids of the employment pledges among these (only they have hiring terms)."""
    return [pledge.id for pledge in pledges if pledge.kind == PledgeKind.EMPLOYMENT.value]


async def terms_of(
    session: AsyncSession, pledge_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, EmploymentTermsRead]:
    """The terms of those pledges that have some: three queries for any number."""
    if not pledge_ids:
        return {}
    ids = list(pledge_ids)
    rows = await session.execute(
        select(EmploymentTerms.pledge_id, EmploymentTerms.hiring_practice).where(
            EmploymentTerms.pledge_id.in_(ids)
        )
    )
    practices: dict[uuid.UUID, str] = dict(rows.all())
    if not practices:
        return {}
    countries: dict[uuid.UUID, list[HiringCountryRead]] = defaultdict(list)
    for row in await session.scalars(
        select(HiringCountry)
        .where(HiringCountry.pledge_id.in_(practices))
        .order_by(HiringCountry.country)
    ):
        countries[row.pledge_id].append(
            HiringCountryRead(country=row.country, jobs_targeted=row.jobs_targeted)
        )
    companies: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for company in await session.scalars(
        select(HiringCompany).where(HiringCompany.pledge_id.in_(practices))
    ):
        companies[company.pledge_id].append(company.organisation_id)
    return {
        pledge_id: EmploymentTermsRead(
            hiring_practice=practice,
            hiring_countries=countries[pledge_id],
            company_ids=sorted(companies[pledge_id]),
            jobs_targeted=sum(line.jobs_targeted for line in countries[pledge_id]),
        )
        for pledge_id, practice in practices.items()
    }


def snapshot(terms: EmploymentTermsRead | None) -> dict[str, Any] | None:
    """The terms as a pledge's history keeps them."""
    return None if terms is None else terms.model_dump(mode="json")


# ---------------------------------------------------------------- report


@dataclass(frozen=True)
class EmploymentFilters:
    announced_from: date | None = None
    announced_to: date | None = None


def _counted(filters: EmploymentFilters) -> ColumnElement[bool]:
    """The pledges the published figures count: public, announced, not withdrawn."""
    clauses = [
        Pledge.kind == PledgeKind.EMPLOYMENT.value,
        Pledge.visibility == Visibility.PUBLIC.value,
        announced_pledge(),
        Pledge.withdrawn_at.is_(None),
    ]
    if filters.announced_from is not None:
        clauses.append(Pledge.announced_on >= filters.announced_from)
    if filters.announced_to is not None:
        clauses.append(Pledge.announced_on <= filters.announced_to)
    return and_(*clauses)


def company_countries(filters: EmploymentFilters) -> Any:
    """Distinct (company, country, pledge) rows of the counted pledges."""
    return (
        select(HiringCompany.organisation_id, HiringCountry.country, Pledge.id.label("pledge_id"))
        .join(HiringCountry, HiringCountry.pledge_id == HiringCompany.pledge_id)
        .join(Pledge, Pledge.id == HiringCompany.pledge_id)
        .where(_counted(filters))
    ).subquery()


async def companies_in_two_or_more_countries(
    session: AsyncSession, filters: EmploymentFilters
) -> int:
    """Outcome 2.1.3's number, counted in the database."""
    rows = company_countries(filters)
    spread = (
        select(rows.c.organisation_id)
        .group_by(rows.c.organisation_id)
        .having(func.count(distinct(rows.c.country)) >= 2)
    ).subquery()
    return int(await session.scalar(select(func.count()).select_from(spread)) or 0)


async def report(session: AsyncSession, filters: EmploymentFilters) -> EmploymentReport:
    """The count, each company with its countries, and jobs targeted per country."""
    rows = company_countries(filters)
    pairs = (
        await session.execute(
            select(rows.c.organisation_id, Organisation.name, rows.c.country, rows.c.pledge_id)
            .join(Organisation, Organisation.id == rows.c.organisation_id)
            .order_by(Organisation.name, rows.c.organisation_id, rows.c.country)
        )
    ).all()
    companies: dict[uuid.UUID, EmploymentCompany] = {}
    for organisation_id, name, country, pledge_id in pairs:
        company = companies.setdefault(
            organisation_id,
            EmploymentCompany(
                organisation_id=organisation_id, name=name, countries=[], pledge_ids=[]
            ),
        )
        if country not in company.countries:
            company.countries.append(country)
        if pledge_id not in company.pledge_ids:
            company.pledge_ids.append(pledge_id)
    countries = await _per_country(session, filters, rows)
    return EmploymentReport(
        companies_in_two_or_more_countries=await companies_in_two_or_more_countries(
            session, filters
        ),
        jobs_targeted=sum(line.jobs_targeted for line in countries),
        companies=list(companies.values()),
        countries=countries,
    )


async def _per_country(
    session: AsyncSession, filters: EmploymentFilters, rows: Any
) -> list[EmploymentCountry]:
    jobs = (
        select(
            HiringCountry.country,
            func.sum(HiringCountry.jobs_targeted).label("jobs"),
            func.count(distinct(HiringCountry.pledge_id)).label("pledges"),
        )
        .join(Pledge, Pledge.id == HiringCountry.pledge_id)
        .where(_counted(filters))
        .group_by(HiringCountry.country)
    ).subquery()
    companies = (
        select(
            rows.c.country, func.count(distinct(rows.c.organisation_id)).label("companies")
        ).group_by(rows.c.country)
    ).subquery()
    result = await session.execute(
        select(jobs.c.country, jobs.c.jobs, jobs.c.pledges, companies.c.companies)
        .join(companies, companies.c.country == jobs.c.country, isouter=True)
        .order_by(jobs.c.country)
    )
    return [
        EmploymentCountry(
            country=country, jobs_targeted=int(total), companies=int(hiring or 0), pledges=pledges
        )
        for country, total, pledges, hiring in result.all()
    ]
