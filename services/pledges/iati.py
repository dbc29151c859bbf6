"""IATI Standard 2.03 export: each pledge an `iati-activity`, each ledger entry a `transaction`.

The reporting organisation is the pledge's contributor. Its IATI identifier is
`<prefix>-<organisation id>` (prefix: PLEDGES_IATI_ORG_PREFIX); an activity's identifier is
`<organisation identifier>-<pledge id>`. Recipient countries (ISO 3166-1 alpha-2) carry the
share of the pledge's allocation lines in each country; regional lines are the recipient
region 389 (North & Central America, regional). Transactions report the entry's own amount
and currency; `value-date` is the entry's value date — the day its exchange rate was taken
for (the latest rate on or before it). A reversal is a transaction of the reversed type
with the negative value, dated on its own value date.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal

import pycountry
from lxml import etree
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Principal
from services.pledges import repository
from services.pledges.exceptions import NothingToExport
from services.pledges.models import (
    AllocationLine,
    EntryType,
    ImplementationStatus,
    LedgerEntry,
    Objective,
    Organisation,
    OrganisationKind,
    Pledge,
    PledgeContributor,
    PledgeObjective,
    announced_pledge,
)
from services.pledges.repository import PledgeFilters

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
IATI_VERSION = "2.03"
# IATI OrganisationType codelist.
ORGANISATION_TYPE = {
    OrganisationKind.STATE: "10",  # Government
    OrganisationKind.MULTILATERAL_DEVELOPMENT_BANK: "40",  # Multilateral
    OrganisationKind.UN_AGENCY: "40",
    OrganisationKind.REGIONAL_ORGANISATION: "40",
    OrganisationKind.PRIVATE_SECTOR: "70",  # Private Sector
    OrganisationKind.CIVIL_SOCIETY: "21",  # International NGO
    OrganisationKind.ACADEMIA: "80",  # Academic, Training and Research
    OrganisationKind.OTHER: "90",  # Other
}
# IATI ActivityStatus codelist; a withdrawn pledge is 5 (Cancelled).
ACTIVITY_STATUS = {
    ImplementationStatus.PLANNING: "1",  # Pipeline/identification
    ImplementationStatus.IN_PROGRESS: "2",  # Implementation
    ImplementationStatus.FULFILLED: "3",  # Finalisation
}
CANCELLED = "5"
# IATI TransactionType codelist.
TRANSACTION_TYPE = {
    EntryType.COMMITMENT.value: "2",
    EntryType.DISBURSEMENT.value: "3",
    EntryType.EXPENDITURE.value: "4",
}
REGION_VOCABULARY, CENTRAL_AMERICA_REGION = "1", "389"  # OECD DAC: North & Central America
# OECD DAC 5-digit purpose code: 72010 Material relief assistance and services (humanitarian
# pillars), 15190 Facilitation of orderly, safe, regular and responsible migration.
HUMANITARIAN_PILLARS = {"reception_admission", "immediate_needs"}
SECTOR_VOCABULARY = "1"
HUMANITARIAN_SECTOR, DEVELOPMENT_SECTOR = "72010", "15190"
HUNDRED = Decimal(100)


def organisation_ref(prefix: str, organisation_id: uuid.UUID) -> str:
    return f"{prefix}-{organisation_id}"


def _narratives(parent: etree._Element, texts: dict[str, str | None]) -> None:
    for lang, text in texts.items():
        if text:
            etree.SubElement(parent, "narrative", {XML_LANG: lang}).text = text


def _alpha_2(alpha_3: str) -> str:
    country = pycountry.countries.get(alpha_3=alpha_3)
    assert country is not None, alpha_3
    code: str = country.alpha_2
    return code


def percentages(lines: Sequence[AllocationLine]) -> dict[str | None, Decimal]:
    """Each country's (None: regional) share of the allocation, in percent, summing to 100."""
    amounts: dict[str | None, Decimal] = defaultdict(Decimal)
    for line in lines:
        amounts[line.country] += line.amount
    total = sum(amounts.values(), Decimal(0))
    if not amounts:
        return {}
    if total == 0:  # a pledge without an amount: its lines weigh alike
        amounts = {key: Decimal(1) for key in amounts}
        total = Decimal(len(amounts))
    shares = {
        key: (value * HUNDRED / total).quantize(Decimal("0.01"), ROUND_HALF_EVEN)
        for key, value in amounts.items()
    }
    largest = max(shares, key=lambda key: (shares[key], str(key)))
    shares[largest] += HUNDRED - sum(shares.values(), Decimal(0))
    return shares


class ActivityWriter:
    """Builds `iati-activity` elements for pledges; one query per kind of record."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def activity(
        self,
        pledge: Pledge,
        contributor: Organisation,
        lines: Sequence[AllocationLine],
        entries: Sequence[LedgerEntry],
        humanitarian: bool,
        co_funders: Sequence[Organisation] = (),
    ) -> etree._Element:
        """One pledge as an activity; a joint pledge's co-contributors are funding
        participating organisations beside its lead (the reporting organisation)."""
        org_ref = organisation_ref(self.prefix, contributor.id)
        attributes = {
            XML_LANG: "en",
            "humanitarian": "1" if humanitarian else "0",
            "last-updated-datetime": pledge.updated_at.isoformat(timespec="seconds"),
        }
        if pledge.currency:
            attributes["default-currency"] = pledge.currency
        activity = etree.Element("iati-activity", attributes)
        etree.SubElement(activity, "iati-identifier").text = f"{org_ref}-{pledge.id}"
        org_type = ORGANISATION_TYPE[OrganisationKind(contributor.kind)]
        reporting = etree.SubElement(activity, "reporting-org", ref=org_ref, type=org_type)
        _narratives(reporting, {"en": contributor.name})
        title = {"es": pledge.title_es, "en": pledge.title_en}
        _narratives(etree.SubElement(activity, "title"), title)
        description = {"es": pledge.description_es, "en": pledge.description_en}
        if not any(description.values()):
            description = title
        _narratives(etree.SubElement(activity, "description", type="1"), description)
        funding = etree.SubElement(
            activity, "participating-org", ref=org_ref, type=org_type, role="1"
        )
        _narratives(funding, {"en": contributor.name})
        for co_funder in co_funders:
            co_funding = etree.SubElement(
                activity,
                "participating-org",
                ref=organisation_ref(self.prefix, co_funder.id),
                type=ORGANISATION_TYPE[OrganisationKind(co_funder.kind)],
                role="1",
            )
            _narratives(co_funding, {"en": co_funder.name})
        status = (
            CANCELLED
            if pledge.withdrawn_at is not None
            else ACTIVITY_STATUS[ImplementationStatus(pledge.implementation_status)]
        )
        etree.SubElement(activity, "activity-status", code=status)
        announced = pledge.announced_on.isoformat()
        etree.SubElement(activity, "activity-date", {"type": "1", "iso-date": announced})
        self._places(activity, lines)
        sector = HUMANITARIAN_SECTOR if humanitarian else DEVELOPMENT_SECTOR
        etree.SubElement(
            activity, "sector", vocabulary=SECTOR_VOCABULARY, code=sector, percentage="100"
        )
        for entry in entries:
            activity.append(self.transaction(entry, humanitarian))
        return activity

    def _places(self, activity: etree._Element, lines: Sequence[AllocationLine]) -> None:
        shares = percentages(lines)
        for country, share in sorted(shares.items(), key=lambda item: str(item[0])):
            if country is not None:
                etree.SubElement(
                    activity, "recipient-country", code=_alpha_2(country), percentage=str(share)
                )
        if None in shares:
            etree.SubElement(
                activity,
                "recipient-region",
                code=CENTRAL_AMERICA_REGION,
                vocabulary=REGION_VOCABULARY,
                percentage=str(shares[None]),
            )

    def transaction(self, entry: LedgerEntry, humanitarian: bool) -> etree._Element:
        transaction = etree.Element(
            "transaction", ref=str(entry.id), humanitarian="1" if humanitarian else "0"
        )
        etree.SubElement(transaction, "transaction-type", code=TRANSACTION_TYPE[entry.effect])
        day = entry.value_date.isoformat()
        etree.SubElement(transaction, "transaction-date", {"iso-date": day})
        value = etree.SubElement(
            transaction, "value", {"currency": entry.currency, "value-date": day}
        )
        signed = entry.amount if entry.entry_type != EntryType.REVERSAL.value else -entry.amount
        value.text = format(signed, "f")
        if entry.reverses_entry_id is not None:
            note = f"Reverses transaction {entry.reverses_entry_id}"
            _narratives(etree.SubElement(transaction, "description"), {"en": note})
        return transaction


async def export_activities(
    session: AsyncSession,
    principal: Principal | None,
    reporting_org: uuid.UUID | None,
    prefix: str,
) -> bytes:
    """The pledges the caller may see (of one contributor, if given) as an IATI 2.03
    `iati-activities` document. None selected is a 404: the schema requires at least one
    `iati-activity` in a document, so there is no valid empty one."""
    filters = PledgeFilters(contributor_id=[reporting_org] if reporting_org else None)
    pledges = list(
        await session.scalars(
            repository.pledges_query(principal, filters)
            .where(announced_pledge())
            .order_by(Pledge.created_at, Pledge.id)
        )
    )
    if not pledges:
        raise NothingToExport(
            "no pledge to export for this caller and filter (an IATI activities document "
            "holds at least one activity)"
        )
    generated = datetime.now().astimezone().isoformat(timespec="seconds")
    root = etree.Element(
        "iati-activities", {"version": IATI_VERSION, "generated-datetime": generated}
    )
    writer = ActivityWriter(prefix)
    for start in range(0, len(pledges), 500):
        chunk = pledges[start : start + 500]
        for element in await _activities(session, writer, chunk):
            root.append(element)
    document: bytes = etree.tostring(
        root, xml_declaration=True, encoding="UTF-8", pretty_print=True
    )
    return document


async def _activities(
    session: AsyncSession, writer: ActivityWriter, pledges: Sequence[Pledge]
) -> list[etree._Element]:
    ids = [pledge.id for pledge in pledges]
    co_funders: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for pledge_id, organisation_id in await session.execute(
        select(PledgeContributor.pledge_id, PledgeContributor.organisation_id)
        .where(PledgeContributor.pledge_id.in_(ids), PledgeContributor.lead.is_(False))
        .order_by(PledgeContributor.pledge_id, PledgeContributor.share_percent.desc())
    ):
        co_funders[pledge_id].append(organisation_id)
    organisations = await repository.organisations_by_id(
        session,
        {pledge.contributor_id for pledge in pledges}
        | {o for found in co_funders.values() for o in found},
    )
    lines = await repository.allocation_lines(session, ids)
    entries: dict[uuid.UUID, list[LedgerEntry]] = defaultdict(list)
    for entry in await session.scalars(
        select(LedgerEntry)
        .where(LedgerEntry.pledge_id.in_(ids))
        .order_by(LedgerEntry.value_date, LedgerEntry.recorded_at, LedgerEntry.id)
    ):
        entries[entry.pledge_id].append(entry)
    humanitarian = set(
        await session.scalars(
            select(PledgeObjective.pledge_id)
            .join(Objective, Objective.id == PledgeObjective.objective_id)
            .where(PledgeObjective.pledge_id.in_(ids), Objective.pillar.in_(HUMANITARIAN_PILLARS))
        )
    )
    return [
        writer.activity(
            pledge,
            organisations[pledge.contributor_id],
            lines[pledge.id],
            entries[pledge.id],
            pledge.id in humanitarian,
            [organisations[o] for o in co_funders[pledge.id]],
        )
        for pledge in pledges
    ]
