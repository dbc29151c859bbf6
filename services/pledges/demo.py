"""Demo data: contributors, costed objectives and the September 2022 solidarity-event pledges.

ILLUSTRATIVE FIGURES. The Support Platform members are the ones the strategy names; the
private-sector and civil-society organisations are invented. Objectives, requirements,
pledge amounts, commitments, disbursements and exchange rates are made up (rates are
rounded approximations of their period) so that the ledger, the reports, the gaps and the
matching have something realistic to show: the pledges announced at the solidarity event
(UNGA 77, New York, 21 September 2022) add up to about USD 210 million. They are not
records of what any organisation pledged or paid. Everything goes through the service
layer, so every ledger rule holds.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Principal
from services.common.demo_ids import demo_id
from services.pledges import demo_matches, service
from services.pledges import outreach_demo as outreach
from services.pledges.models import Organisation
from services.pledges.schemas import (
    EntryCreate,
    ExchangeRateCreate,
    ObjectiveCreate,
    OrganisationCreate,
    PledgeCreate,
)

SECRETARIAT = Principal(sub="demo-secretariat", roles=frozenset({"secretariat"}))
# The 2023 Global Refugee Forum of the events service's demo data (its timeline's 13th).
GRF_2023 = str(demo_id("event", "timeline-12"))


def illustrative_note(contributor: str) -> dict[str, str]:
    """The label every demo pledge carries in its own description: its figures are
    invented, whatever organisation it is attached to."""
    return {
        "es": f"Cifras ilustrativas de demostración: no registran lo que {contributor} "
        "prometió ni pagó.",
        "en": f"Illustrative demo figures: not a record of what {contributor} pledged or paid.",
    }


# Objectives carry invented requirements under real countries' names: said in the data.
ILLUSTRATIVE_REQUIREMENT = {
    "es": "Necesidad ilustrativa de demostración: no es la cifra del plan de acción nacional.",
    "en": "Illustrative demo requirement: not the figure of the national action plan.",
}


# The solidarity event of the events service's demo data (same demo id there).
SOLIDARITY_EVENT_2022 = str(demo_id("event", "solidarity-event-2022"))
ANNOUNCED_ON = date(2022, 9, 21)

RATES = {
    "EUR": ("1.00", "1.07", "1.09", "1.10"),
    "CAD": ("0.75", "0.74", "0.755", "0.755"),
    "CHF": ("1.03", "1.08", "1.12", "1.19"),
    "GTQ": ("0.128", "0.127", "0.128", "0.128"),
    "MXN": ("0.050", "0.051", "0.058", "0.059"),
}
RATE_DATES = (date(2022, 9, 1), date(2023, 1, 1), date(2023, 7, 1), date(2024, 1, 1))

# (name, acronym, kind, country, member since)
ORGANISATIONS: list[tuple[str, str | None, str, str | None, date | None]] = [
    ("Argentina", None, "state", "ARG", date(2019, 6, 1)),
    ("Brazil", None, "state", "BRA", date(2019, 6, 1)),
    ("Canada", None, "state", "CAN", date(2019, 6, 1)),
    ("Colombia", None, "state", "COL", date(2019, 6, 1)),
    ("European Union", "EU", "regional_organisation", None, date(2019, 6, 1)),
    ("France", None, "state", "FRA", date(2019, 6, 1)),
    ("Spain", None, "state", "ESP", date(2019, 6, 1)),
    ("Switzerland", None, "state", "CHE", date(2019, 6, 1)),
    ("Uruguay", None, "state", "URY", date(2019, 6, 1)),
    ("United States of America", "USA", "state", "USA", date(2019, 6, 1)),
    (
        "Economic Commission for Latin America and the Caribbean",
        "ECLAC",
        "un_agency",
        "CHL",
        date(2021, 1, 1),
    ),
    (
        "Inter-American Development Bank",
        "IDB",
        "multilateral_development_bank",
        None,
        date(2019, 6, 1),
    ),
    ("World Bank", "WB", "multilateral_development_bank", None, date(2019, 6, 1)),
    (
        "Central American Bank for Economic Integration",
        "CABEI",
        "multilateral_development_bank",
        "HND",
        date(2021, 7, 1),
    ),
    ("Alianza Empresarial por el Empleo (illustrative)", "AEE", "private_sector", "MEX", None),
    ("Red de Hoteles del Istmo (illustrative)", None, "private_sector", "CRI", None),
    ("Red Regional de Protección Comunitaria (illustrative)", "RRPC", "civil_society", "GTM", None),
    ("Textiles del Norte (illustrative)", None, "private_sector", "GTM", None),
    ("Agroindustrias del Pacífico (illustrative)", None, "private_sector", "HND", None),
]

# National institutions the other services' demo data refers to (event hosts, people's
# organisations, implementing organisations of practices): (slug, name, acronym, kind,
# country). Not SP members.
INSTITUTIONS: list[tuple[str, str, str | None, str, str | None]] = [
    ("mintrab-gtm", "Ministerio de Trabajo y Previsión Social (GTM)", "MINTRAB", "state", "GTM"),
    ("mineduc-gtm", "Ministerio de Educación (GTM)", "MINEDUC", "state", "GTM"),
    ("sedh-hnd", "Secretaría de Derechos Humanos (HND)", "SEDH", "state", "HND"),
    ("ciudad-mujer", "Ciudad Mujer (HND)", None, "state", "HND"),
    ("minsal-slv", "Ministerio de Salud (SLV)", "MINSAL", "state", "SLV"),
    ("minjusticia-slv", "Ministerio de Justicia y Seguridad Pública (SLV)", None, "state", "SLV"),
    ("rree-slv", "Ministerio de Relaciones Exteriores (SLV)", "RREE", "state", "SLV"),
    ("comar", "Comisión Mexicana de Ayuda a Refugiados (MEX)", "COMAR", "state", "MEX"),
    ("ccss", "Caja Costarricense de Seguro Social (CRI)", "CCSS", "state", "CRI"),
    ("mtss-cri", "Ministerio de Trabajo y Seguridad Social (CRI)", "MTSS", "state", "CRI"),
    ("mep-cri", "Ministerio de Educación Pública (CRI)", "MEP", "state", "CRI"),
    (
        "bancos-cri",
        "Asociación Bancaria Costarricense (CRI)",
        "ABC",
        "private_sector",
        "CRI",
    ),
    ("meduca", "Ministerio de Educación (PAN)", "MEDUCA", "state", "PAN"),
    ("onpar-pan", "Oficina Nacional para la Atención de Refugiados (PAN)", "ONPAR", "state", "PAN"),
    ("tribunal-electoral", "Tribunal Electoral (PAN)", None, "state", "PAN"),
    ("refugees-dept-blz", "Refugees Department (BLZ)", None, "state", "BLZ"),
    ("city-council-blz", "Belmopan City Council (BLZ)", None, "state", "BLZ"),
    (
        "mis-esp",
        "Ministerio de Inclusión, Seguridad Social y Migraciones (ESP)",
        None,
        "state",
        "ESP",
    ),
    ("ircc", "Immigration, Refugees and Citizenship Canada", "IRCC", "state", "CAN"),
    ("migracion-col", "Migración Colombia", None, "state", "COL"),
    ("interiorizacao", "Operação Acolhida (BRA)", None, "state", "BRA"),
    ("anep-ury", "Administración Nacional de Educación Pública (URY)", "ANEP", "state", "URY"),
    (
        "unhcr",
        "Office of the United Nations High Commissioner for Refugees",
        "UNHCR",
        "un_agency",
        None,
    ),
]


def organisation_slug(key: str) -> str:
    """The demo slug of an organisation of ORGANISATIONS (by acronym or name): `usa`, `idb`."""
    return key.lower().replace(" ", "-")


def pledge_slug(contributor: str, number: int) -> str:
    """The demo slug of a contributor's `number`-th pledge of PLEDGES: `usa-1`, `idb-1`."""
    return f"{organisation_slug(contributor)}-{number}"


PILLAR_THEMES = {
    "reception_admission": ("access_to_asylum", "Asylum systems", "Sistemas de asilo"),
    "immediate_needs": (
        "health",
        "Health care for displaced people",
        "Salud para personas desplazadas",
    ),
    "host_support": ("local_governance", "Host municipalities", "Municipios de acogida"),
    "durable_solutions": (
        "employment_livelihoods",
        "Jobs and livelihoods",
        "Empleo y medios de vida",
    ),
}
# Requirement (USD millions) per country and pillar, in PILLAR_THEMES order.
REQUIREMENTS = {
    "BLZ": (2, 3, 2, 4),
    "CRI": (12, 10, 9, 25),
    "SLV": (6, 9, 8, 14),
    "GTM": (10, 18, 12, 30),
    "HND": (9, 20, 11, 28),
    "MEX": (25, 22, 15, 40),
    "PAN": (7, 6, 5, 12),
}

# contributor, kind, amount, currency, countries, pillar, mechanism, title (en)
PLEDGES: list[tuple[str, str, str | None, str | None, list[str], str, str | None, str]] = [
    (
        "USA",
        "financial",
        "70000000",
        "USD",
        ["GTM", "HND", "SLV", "MEX"],
        "durable_solutions",
        "grant",
        "Livelihoods and integration in Northern Central America and Mexico",
    ),
    (
        "Canada",
        "financial",
        "40000000",
        "CAD",
        ["GTM", "HND", "SLV", "CRI"],
        "immediate_needs",
        "grant",
        "Protection and health for displaced people",
    ),
    (
        "EU",
        "financial",
        "25000000",
        "EUR",
        ["CRI", "PAN", "MEX"],
        "host_support",
        "grant",
        "Support to host communities",
    ),
    (
        "Spain",
        "financial",
        "8000000",
        "EUR",
        ["GTM", "HND", "SLV"],
        "durable_solutions",
        "grant",
        "Employment for refugees and displaced people",
    ),
    (
        "France",
        "financial",
        "5000000",
        "EUR",
        ["MEX", "CRI"],
        "reception_admission",
        "grant",
        "Strengthening asylum systems",
    ),
    (
        "Switzerland",
        "financial",
        "6000000",
        "CHF",
        ["HND", "SLV"],
        "immediate_needs",
        "trust_fund",
        "Humanitarian response to internal displacement",
    ),
    (
        "IDB",
        "financial",
        "30000000",
        "USD",
        ["CRI", "PAN"],
        "host_support",
        "loan",
        "Inclusive services in host municipalities",
    ),
    (
        "WB",
        "financial",
        "20000000",
        "USD",
        ["CRI", "BLZ"],
        "host_support",
        "loan",
        "Concessional financing for host countries",
    ),
    (
        "CABEI",
        "financial",
        "10000000",
        "USD",
        ["GTM", "HND", "SLV"],
        "durable_solutions",
        "loan",
        "Credit for refugee-owned small businesses",
    ),
    (
        "Brazil",
        "technical",
        None,
        None,
        ["GTM"],
        "reception_admission",
        None,
        "South-south cooperation on refugee status determination",
    ),
    (
        "Argentina",
        "technical",
        None,
        None,
        ["SLV"],
        "reception_admission",
        None,
        "Training of eligibility officers",
    ),
    (
        "Colombia",
        "policy",
        None,
        None,
        ["PAN"],
        "durable_solutions",
        None,
        "Sharing the temporary protection statute experience",
    ),
    (
        "Uruguay",
        "technical",
        None,
        None,
        ["BLZ"],
        "reception_admission",
        None,
        "Resettlement and reception know-how",
    ),
    (
        "ECLAC",
        "technical",
        None,
        None,
        [],
        "host_support",
        None,
        "Regional statistics on forced displacement",
    ),
    (
        "AEE",
        "employment",
        None,
        None,
        ["MEX"],
        "durable_solutions",
        None,
        "2,000 jobs for refugees in Mexican companies",
    ),
    (
        "AEE",
        "material",
        "1500000",
        "USD",
        ["MEX"],
        "durable_solutions",
        "in_kind",
        "Vocational training equipment",
    ),
    (
        "RRPC",
        "material",
        "800000",
        "USD",
        ["GTM"],
        "immediate_needs",
        "in_kind",
        "Shelter kits and hygiene supplies",
    ),
    (
        "Red de Hoteles del Istmo (illustrative)",
        "financial",
        "3520000",
        "USD",
        ["CRI"],
        "durable_solutions",
        "grant",
        "Hospitality apprenticeships",
    ),
]

# Hiring terms of the employment pledges, by contributor: practice, jobs per country,
# companies (all invented, like the companies themselves).
EMPLOYMENT: dict[str, tuple[str, dict[str, int], list[str]]] = {
    "AEE": ("targeted_recruitment", {"MEX": 2000}, ["AEE"]),
    "Textiles del Norte (illustrative)": (
        "quota",
        {"GTM": 300, "HND": 150},
        ["Textiles del Norte (illustrative)"],
    ),
    "Agroindustrias del Pacífico (illustrative)": (
        "refugee_friendly_policy",
        {"HND": 200, "SLV": 100},
        ["Agroindustrias del Pacífico (illustrative)"],
    ),
}
# Employment pledges announced at the first learning event of 2023, on employment and
# financial inclusion (the events demo's 6th): two companies that hire in two MIRPS
# countries each (Outcome 2.1.3).
FIRST_LEARNING_EVENT_2023 = str(demo_id("event", "timeline-5"))
FIRST_LEARNING_EVENT_DAY = date(2023, 5, 9)
LATER_PLEDGES: list[tuple[str, str]] = [
    ("Textiles del Norte (illustrative)", "Refugee hiring quota in textile plants"),
    ("Agroindustrias del Pacífico (illustrative)", "Refugee-friendly hiring in agro-industry"),
]

# Stated allocations (country → share, on the pledge's objective there) of the pledges
# whose entries favour some countries; the others keep the equal split.
ALLOCATIONS: dict[str, dict[str, str]] = {
    "USA": {"GTM": "0.6", "HND": "0.2", "SLV": "0.1", "MEX": "0.1"},
    "Canada": {"GTM": "0.5", "HND": "0.2", "SLV": "0.2", "CRI": "0.1"},
    "EU": {"CRI": "0.6", "PAN": "0.2", "MEX": "0.2"},
    "Spain": {"GTM": "0.75", "HND": "0.125", "SLV": "0.125"},
    "IDB": {"CRI": "1"},
    "WB": {"CRI": "0.75", "BLZ": "0.25"},
    "CABEI": {"HND": "0.4", "GTM": "0.3", "SLV": "0.3"},
}

# contributor, type, amount, currency, value date, country
ENTRIES: list[tuple[str, str, str, str, date, str]] = [
    ("USA", "commitment", "40000000", "USD", date(2023, 1, 20), "GTM"),
    ("USA", "disbursement", "15000000", "USD", date(2023, 3, 15), "GTM"),
    ("USA", "commitment", "10000000", "USD", date(2023, 6, 1), "HND"),
    ("USA", "disbursement", "5000000", "USD", date(2023, 9, 1), "HND"),
    ("Canada", "commitment", "20000000", "CAD", date(2023, 2, 10), "GTM"),
    ("Canada", "disbursement", "8000000", "CAD", date(2023, 5, 5), "GTM"),
    ("Canada", "disbursement", "3000000", "CAD", date(2024, 2, 1), "GTM"),
    ("EU", "commitment", "12000000", "EUR", date(2023, 2, 1), "CRI"),
    ("EU", "disbursement", "6000000", "EUR", date(2023, 8, 1), "CRI"),
    ("Spain", "commitment", "5000000", "EUR", date(2023, 1, 15), "GTM"),
    ("Spain", "disbursement", "20000000", "GTQ", date(2023, 6, 15), "GTM"),
    ("France", "commitment", "2000000", "EUR", date(2023, 3, 1), "MEX"),
    ("France", "disbursement", "20000000", "MXN", date(2023, 9, 1), "MEX"),
    ("Switzerland", "commitment", "3000000", "CHF", date(2023, 4, 1), "HND"),
    ("Switzerland", "disbursement", "1500000", "CHF", date(2023, 10, 1), "HND"),
    ("IDB", "commitment", "30000000", "USD", date(2023, 4, 20), "CRI"),
    ("IDB", "disbursement", "10000000", "USD", date(2023, 10, 20), "CRI"),
    ("WB", "commitment", "15000000", "USD", date(2023, 5, 1), "CRI"),
    ("WB", "commitment", "5000000", "USD", date(2023, 5, 1), "BLZ"),
    ("WB", "disbursement", "5000000", "USD", date(2023, 11, 1), "CRI"),
    ("CABEI", "commitment", "4000000", "USD", date(2023, 7, 10), "HND"),
    ("RRPC", "commitment", "800000", "USD", date(2022, 11, 1), "GTM"),
    ("RRPC", "disbursement", "800000", "USD", date(2022, 12, 1), "GTM"),
]


async def _cultivating_pledge(session: AsyncSession) -> None:
    """The Honduran government's policy pledge being cultivated for the 2023 GRF: seen
    only by the secretariat and Honduras' focal points, counted nowhere until announced."""
    await service.create_pledge(
        session,
        SECRETARIAT,
        PledgeCreate.model_validate(
            {
                "contributor_id": demo_id("organisation", "sedh-hnd"),
                "kind": "policy",
                "stage": "cultivating",
                "title": {
                    "es": "Acceso de personas refugiadas al servicio nacional de empleo",
                    "en": "Refugees' access to the national employment service",
                },
                "description": illustrative_note("the Government of Honduras"),
                "recipient_countries": ["HND"],
                "announced_on": date(2023, 12, 13),
                "announced_at": GRF_2023,
                "visibility": "restricted",
                "illustrative": True,
            }
        ),
        pledge_id=demo_id("pledge", "sedh-hnd-grf-2023"),
    )


def _employment(contributor: str, organisations: dict[str, uuid.UUID]) -> dict[str, Any]:
    practice, jobs, companies = EMPLOYMENT[contributor]
    return {
        "hiring_practice": practice,
        "hiring_countries": [{"country": c, "jobs_targeted": n} for c, n in jobs.items()],
        "company_ids": [organisations[company] for company in companies],
    }


async def _later_employment_pledges(
    session: AsyncSession,
    organisations: dict[str, uuid.UUID],
    objectives: dict[tuple[str, str], uuid.UUID],
) -> dict[str, uuid.UUID]:
    """The two companies' employment pledges of May 2023."""
    created: dict[str, uuid.UUID] = {}
    for contributor, title in LATER_PLEDGES:
        countries = sorted(EMPLOYMENT[contributor][1])
        pledge = await service.create_pledge(
            session,
            SECRETARIAT,
            PledgeCreate.model_validate(
                {
                    "contributor_id": organisations[contributor],
                    "kind": "employment",
                    "title": {"en": title},
                    "description": illustrative_note(contributor),
                    "recipient_countries": countries,
                    "objective_ids": [objectives[(c, "durable_solutions")] for c in countries],
                    "announced_on": FIRST_LEARNING_EVENT_DAY,
                    "announced_at": FIRST_LEARNING_EVENT_2023,
                    "implementation_status": "in_progress",
                    "employment": _employment(contributor, organisations),
                    "illustrative": True,
                }
            ),
            pledge_id=demo_id("pledge", pledge_slug(contributor, 1)),
        )
        created[contributor] = pledge.id
    return created


async def _is_loaded(session: AsyncSession) -> bool:
    return bool(await session.scalar(select(func.count()).select_from(Organisation)))


async def load_demo(session: AsyncSession) -> bool:
    """Load the illustrative data set when the ledger is empty; True when it loaded."""
    if await _is_loaded(session):
        return False
    for currency, values in RATES.items():
        for rate_date, value in zip(RATE_DATES, values, strict=True):
            await service.add_exchange_rate(
                session,
                SECRETARIAT,
                ExchangeRateCreate(
                    currency=currency,
                    rate_date=rate_date,
                    rate_to_usd=Decimal(value),
                    source="Illustrative demo rate",
                ),
            )
    organisations: dict[str, uuid.UUID] = {}
    for name, acronym, kind, home_country, member_since in ORGANISATIONS:
        created = await service.create_organisation(
            session,
            SECRETARIAT,
            OrganisationCreate.model_validate(
                {
                    "name": name,
                    "acronym": acronym,
                    "kind": kind,
                    "country": home_country,
                    "sp_member_since": member_since,
                }
            ),
            organisation_id=demo_id("organisation", organisation_slug(acronym or name)),
        )
        organisations[acronym or name] = created.id
    for slug, name, acronym, kind, home_country in INSTITUTIONS:
        await service.create_organisation(
            session,
            SECRETARIAT,
            OrganisationCreate.model_validate(
                {"name": name, "acronym": acronym, "kind": kind, "country": home_country}
            ),
            organisation_id=demo_id("organisation", slug),
        )
    objectives: dict[tuple[str, str], uuid.UUID] = {}
    for country, amounts in REQUIREMENTS.items():
        for (pillar, (theme, title_en, title_es)), millions in zip(
            PILLAR_THEMES.items(), amounts, strict=True
        ):
            objective = await service.create_objective(
                session,
                SECRETARIAT,
                ObjectiveCreate.model_validate(
                    {
                        "country": country,
                        "pillar": pillar,
                        "theme": theme,
                        "title": {"es": f"{title_es} ({country})", "en": f"{title_en} ({country})"},
                        "description": ILLUSTRATIVE_REQUIREMENT,
                        "requirement": {"amount": str(millions * 1_000_000), "currency": "USD"},
                        "start_year": 2023,
                        "end_year": 2025,
                    }
                ),
            )
            objectives[(country, pillar)] = objective.id
    pledges: dict[str, uuid.UUID] = {}
    numbers: dict[str, int] = {}
    for contributor, kind, amount, pledge_currency, countries, pillar, mechanism, title in PLEDGES:
        numbers[contributor] = numbers.get(contributor, 0) + 1
        body: dict[str, Any] = {
            "contributor_id": organisations[contributor],
            "kind": kind,
            "title": {"en": title},
            "description": illustrative_note(contributor),
            "recipient_countries": countries,
            "regional": not countries,
            "objective_ids": [objectives[(recipient, pillar)] for recipient in countries],
            "announced_on": ANNOUNCED_ON,
            "announced_at": SOLIDARITY_EVENT_2022,
            "funding_mechanism": mechanism,
            "implementation_status": "in_progress" if amount else "planning",
            "illustrative": True,
        }
        if kind == "employment":
            body["employment"] = _employment(contributor, organisations)
        if amount is not None:
            body["amount"] = {"amount": amount, "currency": pledge_currency}
        if contributor in ALLOCATIONS and contributor not in pledges:
            body["allocation"] = [
                {"objective_id": str(objectives[(recipient, pillar)]), "share": share}
                for recipient, share in ALLOCATIONS[contributor].items()
            ]
        created_pledge = await service.create_pledge(
            session,
            SECRETARIAT,
            PledgeCreate.model_validate(body),
            pledge_id=demo_id("pledge", pledge_slug(contributor, numbers[contributor])),
        )
        pledges.setdefault(contributor, created_pledge.id)
    await _cultivating_pledge(session)
    later = await _later_employment_pledges(session, organisations, objectives)
    await outreach.load_pipeline(session, organisations, later)
    await demo_matches.load(
        session,
        SECRETARIAT,
        objectives,
        GRF_2023,
        illustrative_note("IDB and CABEI, whose 75 % / 25 % shares are invented too"),
    )
    for contributor, entry_type, amount, currency, value_date, country in ENTRIES:
        await service.record_entry(
            session,
            SECRETARIAT,
            pledges[contributor],
            EntryCreate.model_validate(
                {
                    "entry_type": entry_type,
                    "amount": {"amount": amount, "currency": currency},
                    "value_date": value_date,
                    "recipient_country": country,
                    "external_reference": f"DEMO-{contributor}-{value_date.isoformat()}",
                }
            ),
        )
    return True
