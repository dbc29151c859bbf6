"""Demo data: the 2022-2023 strategy's results framework from the seed, its indicators,
illustrative National Action Plan indicators, the 2023 milestones and the governance.

Loading never calls the other services: computed indicators are measured once the
services run (`POST /v1/measure`, or the scheduled refresh `mirps up` turns on).
Spanish texts are the project's translation of the English strategy.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Principal, Role
from services.results import service
from services.results.models import Strategy
from services.results.schemas import (
    ElementCreate,
    GovernanceRoleCreate,
    IndicatorCreate,
    MeasurementCreate,
    MilestoneCreate,
    StrategyCreate,
)

CODE = "sp-2022-2023"
SECRETARIAT = Principal(sub="demo-secretariat", roles=frozenset({Role.SECRETARIAT}))

# (level, code, parent, en, es)
FRAMEWORK: list[tuple[str, str, str | None, str, str]] = [
    ("objective", "1", None,
     "MIRPS SP governance and accountability mechanisms are reinforced.",
     "Se refuerzan los mecanismos de gobernanza y rendición de cuentas de la PA del MIRPS."),
    ("activity", "1.1", "1",
     "Define a mechanism and an actor for tracking and transparent reporting on financial "
     "and other material contributions and their link to national action plan objectives; "
     "the dashboard also shows progress toward the 2022-2023 strategy objectives.",
     "Definir un mecanismo y un actor para el seguimiento y la presentación transparente de "
     "las contribuciones financieras y materiales y su vínculo con los planes nacionales; "
     "el tablero muestra también el avance hacia los objetivos de la estrategia 2022-2023."),
    ("outcome", "1.1.1", "1.1",
     "Transparency: a public web page gives easy-to-digest updates at least semi-annually.",
     "Transparencia: una página web pública ofrece actualizaciones sencillas al menos "
     "semestralmente."),
    ("outcome", "1.1.2", "1.1",
     "Accountability: timely public reporting on progress against the SP's own workplan "
     "and strategic objectives.",
     "Rendición de cuentas: informes públicos oportunos sobre el avance del plan de trabajo "
     "y los objetivos estratégicos de la PA."),
    ("outcome", "1.1.3", "1.1",
     "Data-informed decision making: countries, members and supporters identify resource gaps.",
     "Decisiones basadas en datos: países, miembros y donantes identifican brechas de recursos."),
    ("activity", "1.2", "1",
     "Consult MIRPS countries on more frequent progress tracking and reporting of their "
     "National Action Plans.",
     "Consultar a los países MIRPS sobre un seguimiento y reporte más frecuente de sus "
     "Planes Nacionales de Acción."),
    ("outcome", "1.2.1", "1.2",
     "Planning: better understanding of the effectiveness of parts of the National Action "
     "Plans informs future planning.",
     "Planificación: una mejor comprensión de la eficacia de los Planes Nacionales de Acción "
     "orienta la planificación."),
    ("outcome", "1.2.2", "1.2",
     "Coordination: more communication and links between the MIRPS and the Support Platform.",
     "Coordinación: más comunicación y vínculos entre el MIRPS y la Plataforma de Apoyo."),
    ("objective", "2", None,
     "Refugees and IDPs in MIRPS countries benefit from private sector, MDB and civil "
     "society collaboration to support successful local solutions.",
     "Las personas refugiadas y desplazadas internas se benefician de la colaboración del "
     "sector privado, los bancos multilaterales y la sociedad civil en soluciones locales."),
    ("activity", "2.1", "2",
     "Targeted outreach to private sector, MDB and civil society partners for country and "
     "sector-specific contributions.",
     "Acercamiento dirigido a socios del sector privado, bancos multilaterales y sociedad "
     "civil para contribuciones por país y sector."),
    ("outcome", "2.1.1", "2.1",
     "Awareness: greater awareness of integration and social cohesion programming.",
     "Conciencia: mayor conocimiento de los programas de integración y cohesión social."),
    ("outcome", "2.1.2", "2.1",
     "Increased support base: more private sector, civil society and MDB members and "
     "collaborators.",
     "Mayor base de apoyo: más miembros y colaboradores del sector privado, la sociedad civil "
     "y los bancos multilaterales."),
    ("outcome", "2.1.3", "2.1",
     "Employment opportunities: additional companies commit to refugee or IDP-friendly "
     "hiring in at least two MIRPS countries.",
     "Oportunidades de empleo: más empresas se comprometen con la contratación de personas "
     "refugiadas o desplazadas en al menos dos países MIRPS."),
    ("outcome", "2.1.4", "2.1",
     "New resources: at least two new commitments from private sector actors.",
     "Nuevos recursos: al menos dos nuevos compromisos de actores del sector privado."),
    ("objective", "3", None,
     "MIRPS countries have increased capacity and resources to facilitate successful local "
     "solutions, including child and adolescent-specific integration needs.",
     "Los países MIRPS tienen más capacidad y recursos para facilitar soluciones locales, "
     "incluidas las necesidades de integración de niñas, niños y adolescentes."),
    ("activity", "3.1", "3",
     "Inventory of services, programmes and gaps related to local integration in MIRPS "
     "countries.",
     "Inventario de servicios, programas y brechas de integración local en los países MIRPS."),
    ("outcome", "3.1.1", "3.1",
     "Updated inventory available to inform what learning-event topics to prioritise.",
     "Inventario actualizado disponible para priorizar los temas de los eventos de aprendizaje."),
    ("outcome", "3.1.2", "3.1",
     "Good practices repository established on the new virtual platform.",
     "Repositorio de buenas prácticas establecido en la nueva plataforma virtual."),
    ("activity", "3.2", "3",
     "Inventory of good practices for local integration from SP members.",
     "Inventario de buenas prácticas de integración local de los miembros de la PA."),
    ("outcome", "3.2.1", "3.2",
     "More good practices identified, from SP countries too, published on the platform.",
     "Más buenas prácticas identificadas, también de países de la PA, publicadas."),
    ("outcome", "3.2.2", "3.2",
     "Deepened engagement between MIRPS and SP countries.",
     "Mayor colaboración entre los países MIRPS y los de la PA."),
    ("activity", "3.3", "3",
     "Between two and four learning events on MIRPS country needs for local integration.",
     "Entre dos y cuatro eventos de aprendizaje sobre las necesidades de integración local."),
    ("outcome", "3.3.1", "3.3",
     "Technical capacity: key takeaways shared at the 2023 SP Solidarity Event.",
     "Capacidad técnica: aprendizajes clave compartidos en el Evento de Solidaridad 2023."),
    ("outcome", "3.3.2", "3.3",
     "Knowledge put into practice: at least one MIRPS country implements a policy or "
     "programme action based on learning from SP events.",
     "Conocimiento aplicado: al menos un país MIRPS implementa una acción de política o "
     "programa basada en los eventos de la PA."),
    ("outcome", "3.3.3", "3.3",
     "Resources mobilised: at least one SP country or stakeholder commits new resources for "
     "good practices shared at learning events.",
     "Recursos movilizados: al menos un país o actor de la PA compromete nuevos recursos "
     "para buenas prácticas compartidas en los eventos."),
    ("activity", "3.4", "3",
     "Pledge cultivation and (pre-)matching in the run-up to the 2023 Global Refugee Forum.",
     "Cultivo y (pre)emparejamiento de compromisos antes del Foro Mundial 2023."),
    ("outcome", "3.4.1", "3.4",
     "New commitments: at least one new policy pledge and one new funding pledge announced "
     "at the 2023 GRF.",
     "Nuevos compromisos: al menos un nuevo compromiso de política y uno de financiación "
     "anunciados en el Foro Mundial 2023."),
    ("activity", "3.5", "3",
     "A culminating Solidarity Event near the end of the U.S. term as Chair.",
     "Un Evento de Solidaridad de cierre hacia el final de la Presidencia de EE. UU."),
    ("outcome", "3.5.1", "3.5",
     "Keep attention on MIRPS.",
     "Mantener la atención sobre el MIRPS."),
]  # fmt: skip

# (code, outcome, query, unit, target, period, en, es)
COMPUTED: list[tuple[str, str, str, str, str | None, str, str, str]] = [
    ("usd-pledged", "1.1.1", "usd_pledged", "usd", None, "2022/2023",
     "USD pledged", "USD prometidos"),
    ("usd-committed", "1.1.1", "usd_committed", "usd", None, "2022/2023",
     "USD committed", "USD comprometidos"),
    ("usd-disbursed", "1.1.1", "usd_disbursed", "usd", None, "2022/2023",
     "USD disbursed", "USD desembolsados"),
    ("new-partners", "2.1.2", "new_partners", "count", None, "2022/2023",
     "New private-sector, civil-society and MDB partners",
     "Nuevos socios del sector privado, la sociedad civil y la banca multilateral"),
    ("employment-companies", "2.1.3", "employment_companies_two_countries", "count", "1",
     "2022/2023", "Companies with hiring commitments in two or more MIRPS countries",
     "Empresas con compromisos de contratación en dos o más países MIRPS"),
    ("private-sector-commitments", "2.1.4", "private_sector_commitments", "count", "2",
     "2022/2023", "New private-sector commitments", "Nuevos compromisos del sector privado"),
    ("countries-with-inventory", "3.1.1", "countries_with_inventory", "count", None, "2023",
     "MIRPS countries in the inventory", "Países MIRPS en el inventario"),
    ("practices-mirps", "3.1.2", "practices_published_mirps", "count", None, "2022/2023",
     "Good practices of MIRPS countries published",
     "Buenas prácticas de países MIRPS publicadas"),
    ("practices-sp-members", "3.2.1", "practices_published_sp_members", "count", None,
     "2022/2023", "Good practices of SP members published",
     "Buenas prácticas de miembros de la PA publicadas"),
    ("learning-events", "3.3.1", "learning_events_held", "count", "2", "2023",
     "Learning events held (target: two to four)",
     "Eventos de aprendizaje realizados (meta: de dos a cuatro)"),
    ("takeaways", "3.3.1", "takeaways_shared", "count", None, "2022/2023",
     "Takeaways recorded from SP events", "Aprendizajes registrados de eventos de la PA"),
    ("policy-actions", "3.3.2", "countries_with_policy_action", "count", "1", "2023",
     "MIRPS countries acting on learning from SP events",
     "Países MIRPS que aplican lo aprendido en eventos de la PA"),
    ("resource-commitments", "3.3.3", "resource_commitments_from_events", "count", "1",
     "2023", "New resources committed after learning events",
     "Nuevos recursos comprometidos tras eventos de aprendizaje"),
    ("grf-policy-pledges", "3.4.1", "grf_policy_pledges", "count", "1", "2023",
     "Policy pledges announced at the 2023 GRF",
     "Compromisos de política anunciados en el Foro Mundial 2023"),
    ("grf-funding-pledges", "3.4.1", "grf_funding_pledges", "count", "1", "2023",
     "Funding pledges announced at the 2023 GRF",
     "Compromisos de financiación anunciados en el Foro Mundial 2023"),
]  # fmt: skip

# How computed values are disaggregated (records counted per value).
DISAGGREGATION = {
    "new-partners": ["contributor_kind"],
    "private-sector-commitments": ["country"],
    "countries-with-inventory": ["country"],
    "practices-mirps": ["country"],
    "practices-sp-members": ["country"],
    "policy-actions": ["country"],
    "resource-commitments": ["country"],
}

# Illustrative National Action Plan indicators: (code, country, target, en, es, values)
# where values are (period, value, evidence reference, validated).
NAP: list[tuple[str, str, str, str, str, list[tuple[str, str, str, bool]]]] = [
    ("nap-gtm-employment", "GTM", "2000",
     "People placed in jobs through the single employment window (illustrative)",
     "Personas colocadas por la ventanilla única de empleo (ilustrativo)",
     [("2023-H1", "650", "MINTRAB, informe semestral 2023-H1 (ilustrativo)", True)]),
    ("nap-hnd-documentation", "HND", "5000",
     "Displaced people with identity documents restored (illustrative)",
     "Personas desplazadas con documentos de identidad restituidos (ilustrativo)",
     [("2023-H1", "1400", "RNP/SEDH, nota técnica 2023-07 (ilustrativo)", True),
      ("2023-H2", "2900", "RNP/SEDH, nota técnica 2024-01 (ilustrativo)", False)]),
    ("nap-pan-asylum", "PAN", "80",
     "Asylum claims decided within six months, percent (illustrative)",
     "Solicitudes de asilo resueltas en seis meses, porcentaje (ilustrativo)",
     [("2023-H1", "55", "ONPAR, estadística semestral (ilustrativo)", True)]),
]  # fmt: skip

# (code, due, done, outcomes, en, es) — the strategy's 2023 timeline, without its events.
MILESTONES: list[tuple[str, date, date | None, list[str], str, str]] = [
    ("strategy-published", date(2023, 2, 28), date(2023, 2, 24), ["1.1.2"],
     "U.S. Chair strategy finalised and published",
     "Estrategia de la Presidencia de EE. UU. finalizada y publicada"),
    ("next-chair-identified", date(2023, 3, 31), date(2023, 3, 28), ["1.2.2"],
     "SP identifies the next Chair for 2023-2024",
     "La PA identifica la próxima Presidencia 2023-2024"),
    ("inventory-preliminary-results", date(2023, 3, 31), date(2023, 4, 12), ["3.1.1", "3.2.1"],
     "Preliminary results of the good-practices inventory available",
     "Resultados preliminares del inventario de buenas prácticas disponibles"),
    ("learning-events-selected", date(2023, 3, 31), date(2023, 3, 30), ["3.3.1"],
     "Selection and scheduling of learning-event options finalised",
     "Selección y calendario de los eventos de aprendizaje finalizados"),
    ("next-chair-joins-troika", date(2023, 5, 31), None, ["1.2.2"],
     "Next Chair joins the SP Troika", "La próxima Presidencia se une a la Troika de la PA"),
]  # fmt: skip

GOVERNANCE: list[tuple[str, str, date, date | None]] = [
    ("chair", "Canada", date(2021, 9, 1), date(2022, 8, 31)),
    ("chair", "United States", date(2022, 9, 1), date(2023, 9, 30)),
    ("troika", "Canada", date(2022, 9, 1), date(2023, 9, 30)),
    ("troika", "United States", date(2022, 9, 1), date(2023, 9, 30)),
    ("pro_tempore_presidency", "Honduras", date(2022, 1, 1), date(2022, 12, 31)),
    ("pro_tempore_presidency", "Panama", date(2023, 1, 1), date(2023, 12, 31)),
    ("technical_secretariat", "UNHCR", date(2019, 12, 17), None),
    ("technical_secretariat", "OAS", date(2019, 12, 17), None),
]


def _text(en: str, es: str) -> dict[str, str]:
    return {"en": en, "es": es}


async def load_demo(session: AsyncSession) -> bool:
    """Load the 2022-2023 framework when there is no strategy yet; True when it loaded."""
    if await session.scalar(select(func.count()).select_from(Strategy)):
        return False
    owner = await service.create_strategy(
        session,
        StrategyCreate.model_validate(
            {
                "code": CODE,
                "title": _text(
                    "MIRPS Support Platform Strategy 2022-2023 (United States Chair)",
                    "Estrategia de la Plataforma de Apoyo del MIRPS 2022-2023 "
                    "(Presidencia de Estados Unidos)",
                ),
                "chair": "United States",
                "starts_on": "2022-09-01",
                "ends_on": "2023-12-31",
            }
        ),
    )
    for level, code, parent, en, es in FRAMEWORK:
        element = {"level": level, "code": code, "parent_code": parent, "title": _text(en, es)}
        await service.add_element(session, owner, ElementCreate.model_validate(element))
    for code, outcome, query, unit, target, period, en, es in COMPUTED:
        await _indicator(
            session,
            owner,
            code=code,
            outcome_code=outcome,
            unit=unit,
            target=target,
            period=period,
            name=_text(en, es),
            source="computed",
            query=query,
            disaggregation=DISAGGREGATION.get(code, []),
            responsible_organisations=["UNHCR", "OAS"],
        )
    await _national_action_plans(session, owner)
    for code, due, done, outcomes, en, es in MILESTONES:
        milestone = {"code": code, "title": _text(en, es), "due_on": due, "done_on": done}
        await service.create_milestone(
            session, owner, MilestoneCreate.model_validate({**milestone, "outcome_codes": outcomes})
        )
    for role, holder, starts, ends in GOVERNANCE:
        await service.add_governance_role(
            session,
            GovernanceRoleCreate.model_validate(
                {"role": role, "holder": holder, "starts_on": starts, "ends_on": ends}
            ),
        )
    return True


async def _indicator(session: AsyncSession, owner: Strategy, **fields: Any) -> Any:
    body = {"direction": "increase", "baseline": "0", **fields}
    if body["target"] is None:
        del body["target"]
    return await service.create_indicator(session, owner, IndicatorCreate.model_validate(body))


async def _national_action_plans(session: AsyncSession, owner: Strategy) -> None:
    for code, country, target, en, es, values in NAP:
        record = await _indicator(
            session,
            owner,
            code=code,
            outcome_code="1.2.1",
            unit="percent" if code.endswith("asylum") else "count",
            target=target,
            period="2023",
            name=_text(en, es),
            source="reported",
            country=country,
            disaggregation=["country"],
            responsible_organisations=[country],
            illustrative=True,
        )
        focal_point = Principal(
            sub=f"demo-focal-point-{country.lower()}",
            roles=frozenset({Role.COUNTRY_FOCAL_POINT}),
            countries=frozenset({country}),
        )
        for period, value, reference, validated in values:
            data = MeasurementCreate(
                value=Decimal(value), period=period, evidence_reference=reference
            )
            measurement = await service.report(session, focal_point, record, data)
            if validated:
                await service.validate(session, SECRETARIAT, record, measurement.id)
