"""Demo data of the practices service — ILLUSTRATIVE ONLY.

The practices and inventory entries below are invented for demonstration: they are
plausible for the MIRPS countries and Support Platform members, but the names of
programmes, the figures and the results are illustrative, not real records. They go
through the service layer (the same rules as the API): drafts are written by authors,
submitted, and published by the secretariat, so versions and workflow history exist too.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Principal, Role
from services.common.demo_ids import demo_id
from services.common.documents import DocumentKind, new_document
from services.common.schemas import LocalizedText
from services.practices import schemas, service
from services.practices.models import (
    InventoryItem,
    Practice,
    PracticeDocument,
    PracticeStatus,
)

SECRETARIAT = Principal(sub="demo-secretariat", roles=frozenset({Role.SECRETARIAT}))


@dataclass(frozen=True)
class DemoPractice:
    country: str
    origin: str
    themes: tuple[str, ...]
    populations: tuple[str, ...]
    pillar: str
    evidence: str | None
    organisation: tuple[str, str]
    title: tuple[str | None, str | None]
    summary: tuple[str | None, str | None]
    description: tuple[str | None, str | None]
    started: int
    status: str = "published"
    shared_with: tuple[str, ...] = ()
    # The demo slug other services' demo data refers to (events featuring the practice).
    slug: str | None = None

    @property
    def practice_id(self) -> uuid.UUID:
        """The practice's demo id (by slug, or by title when it has none)."""
        return demo_id("practice", self.slug or self.title[1] or self.title[0] or "")

    @property
    def organisation_id(self) -> str:
        """The implementing organisation's id in the pledges service's demo directory."""
        return str(demo_id("organisation", self.organisation[0].removeprefix("demo-org-")))


PRACTICES: tuple[DemoPractice, ...] = (
    DemoPractice(
        "GTM",
        "mirps_country",
        ("employment_livelihoods",),
        ("refugees", "asylum_seekers"),
        "durable_solutions",
        "good",
        ("demo-org-mintrab-gtm", "Ministerio de Trabajo (GTM)"),
        (
            "Ventanilla de empleo para personas refugiadas en Ciudad de Guatemala",
            "Job desk for refugees in Guatemala City",
        ),
        (
            "Orientación laboral, certificación de competencias y vínculo con empresas locales.",
            "Career guidance, skills certification and matching with local companies.",
        ),
        (
            "Las oficinas municipales de empleo atienden a personas refugiadas y solicitantes de "
            "asilo con un documento provisional que les permite trabajar desde el primer día.",
            "Municipal employment offices serve refugees and asylum seekers holding a provisional "
            "document that lets them work from day one.",
        ),
        2022,
        slug="employment-1",
    ),
    DemoPractice(
        "GTM",
        "mirps_country",
        ("child_adolescent_integration", "education"),
        ("refugees", "returnees_protection_needs"),
        "durable_solutions",
        "promising",
        ("demo-org-mineduc-gtm", "Ministerio de Educación (GTM)"),
        (
            "Aulas de acogida para niñas, niños y adolescentes retornados",
            "Welcome classrooms for returnee children and adolescents",
        ),
        (
            "Nivelación académica y apoyo psicosocial antes de entrar al aula regular.",
            "Catch-up classes and psychosocial support before joining regular classes.",
        ),
        (None, "Schools in Huehuetenango run a three-month bridge programme."),
        2023,
        slug="schools-3",
    ),
    DemoPractice(
        "HND",
        "mirps_country",
        ("internal_displacement", "housing"),
        ("internally_displaced",),
        "immediate_needs",
        "good",
        ("demo-org-sedh-hnd", "Secretaría de Derechos Humanos (HND)"),
        (
            "Registro de viviendas abandonadas por desplazamiento interno",
            "Registry of homes abandoned because of internal displacement",
        ),
        (
            "Protección de tierras y viviendas de personas desplazadas internas.",
            "Protecting the land and homes of internally displaced people.",
        ),
        (
            "El registro impide la venta o ocupación ilegal de bienes abandonados y facilita "
            "la restitución cuando las familias regresan.",
            "The registry blocks the sale or illegal occupation of abandoned property and eases "
            "restitution when families return.",
        ),
        2021,
    ),
    DemoPractice(
        "HND",
        "mirps_country",
        ("gender_based_violence",),
        ("internally_displaced",),
        "immediate_needs",
        "promising",
        ("demo-org-ciudad-mujer", "Ciudad Mujer (HND)"),
        (
            "Rutas de atención para mujeres desplazadas sobrevivientes de violencia",
            "Care pathways for displaced women who survived violence",
        ),
        (
            "Atención integral en un solo lugar: salud, asesoría legal y empleo.",
            "One-stop care: health, legal advice and employment.",
        ),
        (None, None),
        2022,
    ),
    DemoPractice(
        "SLV",
        "mirps_country",
        ("internal_displacement", "documentation_legal_identity"),
        ("internally_displaced",),
        "reception_admission",
        "good",
        ("demo-org-minjusticia-slv", "Ministerio de Justicia y Seguridad Pública (SLV)"),
        (
            "Ley especial de atención a personas desplazadas internas",
            "Special law on assistance to internally displaced people",
        ),
        (
            "Marco legal que reconoce a las personas desplazadas y crea un registro nacional.",
            "A legal framework that recognises displaced people and creates a national registry.",
        ),
        (None, None),
        2020,
    ),
    DemoPractice(
        "SLV",
        "mirps_country",
        ("mental_health_psychosocial",),
        ("returnees_protection_needs",),
        "immediate_needs",
        None,
        ("demo-org-minsal-slv", "Ministerio de Salud (SLV)"),
        (
            "Apoyo psicosocial en centros de recepción de personas retornadas",
            "Psychosocial support at reception centres for returnees",
        ),
        (
            "Primeros auxilios psicológicos y referencia a servicios comunitarios.",
            "Psychological first aid and referral to community services.",
        ),
        (None, None),
        2023,
        "submitted",
    ),
    DemoPractice(
        "MEX",
        "mirps_country",
        ("employment_livelihoods", "social_cohesion"),
        ("refugees", "host_communities"),
        "durable_solutions",
        "best",
        ("demo-org-comar", "Comisión Mexicana de Ayuda a Refugiados (MEX)"),
        (
            "Reubicación de personas refugiadas hacia ciudades con empleo formal",
            "Relocation of refugees to cities with formal jobs",
        ),
        (
            "Traslado voluntario del sur a ciudades industriales con empleo, escuela y vivienda.",
            "Voluntary relocation from the south to industrial cities with jobs, school and "
            "housing.",
        ),
        (
            "Las personas refugiadas reubicadas consiguen empleo formal en pocas semanas y "
            "sus hijas e hijos se inscriben en la escuela local.",
            "Relocated refugees find formal jobs within weeks and their children enrol in the "
            "local school.",
        ),
        2016,
    ),
    DemoPractice(
        "MEX",
        "mirps_country",
        ("access_to_asylum", "documentation_legal_identity"),
        ("asylum_seekers",),
        "reception_admission",
        "good",
        ("demo-org-comar", "Comisión Mexicana de Ayuda a Refugiados (MEX)"),
        ("Registro simplificado de solicitudes de asilo", "Simplified asylum registration"),
        (
            "Citas en línea y constancia inmediata que da acceso a la CURP.",
            "Online appointments and an immediate certificate that gives access to a CURP number.",
        ),
        (None, None),
        2021,
    ),
    DemoPractice(
        "CRI",
        "mirps_country",
        ("health", "social_protection"),
        ("refugees", "asylum_seekers"),
        "immediate_needs",
        "good",
        ("demo-org-ccss", "Caja Costarricense de Seguro Social (CRI)"),
        (
            "Aseguramiento colectivo de salud para personas refugiadas",
            "Collective health insurance for refugees",
        ),
        (
            "Convenio que asegura a personas refugiadas y solicitantes en situación vulnerable.",
            "An agreement that insures vulnerable refugees and asylum seekers.",
        ),
        (None, None),
        2019,
    ),
    DemoPractice(
        "CRI",
        "mirps_country",
        ("financial_inclusion",),
        ("refugees",),
        "durable_solutions",
        "promising",
        ("demo-org-bancos-cri", "Asociación Bancaria Costarricense (CRI)"),
        (
            "Cuentas bancarias con el documento de persona refugiada",
            "Bank accounts opened with the refugee ID",
        ),
        (
            "Los bancos aceptan el documento migratorio para abrir cuentas básicas.",
            "Banks accept the migration document to open basic accounts.",
        ),
        (None, None),
        2022,
        slug="banking-2",
    ),
    DemoPractice(
        "PAN",
        "mirps_country",
        ("documentation_legal_identity",),
        ("stateless",),
        "durable_solutions",
        "good",
        ("demo-org-tribunal-electoral", "Tribunal Electoral (PAN)"),
        (
            "Brigadas de registro civil en comunidades fronterizas",
            "Civil registry brigades in border communities",
        ),
        (
            "Inscripción tardía de nacimientos para prevenir la apatridia.",
            "Late birth registration to prevent statelessness.",
        ),
        (None, None),
        2021,
    ),
    DemoPractice(
        "PAN",
        "mirps_country",
        ("education",),
        ("refugees",),
        "durable_solutions",
        None,
        ("demo-org-meduca", "Ministerio de Educación (PAN)"),
        (
            "Convalidación de estudios para jóvenes refugiados",
            "Recognition of schooling for refugee youth",
        ),
        (
            "Exámenes de ubicación en lugar de documentos escolares del país de origen.",
            "Placement tests instead of school records from the country of origin.",
        ),
        (None, None),
        2024,
        "draft",
    ),
    DemoPractice(
        "BLZ",
        "mirps_country",
        ("access_to_asylum",),
        ("asylum_seekers",),
        "reception_admission",
        "promising",
        ("demo-org-refugees-dept-blz", "Refugees Department (BLZ)"),
        (None, "Mobile asylum registration in rural districts"),
        (None, "Registration teams travel to Cayo and Toledo so people need not go to Belmopan."),
        (None, None),
        2022,
    ),
    DemoPractice(
        "BLZ",
        "mirps_country",
        ("social_cohesion", "local_governance"),
        ("refugees", "host_communities"),
        "host_support",
        None,
        ("demo-org-city-council-blz", "Belmopan City Council (BLZ)"),
        ("Consejos comunitarios mixtos", "Mixed community councils"),
        (None, "Refugees and long-time residents plan small works together."),
        (None, None),
        2023,
    ),
    DemoPractice(
        "ESP",
        "sp_member",
        ("employment_livelihoods",),
        ("refugees", "asylum_seekers"),
        "durable_solutions",
        "best",
        ("demo-org-mis-esp", "Ministerio de Inclusión (ESP)"),
        (
            "Itinerarios de inclusión sociolaboral para personas refugiadas",
            "Social and labour inclusion pathways for refugees",
        ),
        (
            "Acompañamiento individual de 18 meses, del aprendizaje del idioma al empleo.",
            "Eighteen months of individual support, from language learning to employment.",
        ),
        (None, None),
        2015,
        shared_with=("GTM", "HND", "CRI"),
    ),
    DemoPractice(
        "CAN",
        "sp_member",
        ("social_cohesion", "employment_livelihoods"),
        ("refugees",),
        "durable_solutions",
        "best",
        ("demo-org-ircc", "Immigration, Refugees and Citizenship (CAN)"),
        ("Patrocinio comunitario de personas refugiadas", "Community sponsorship of refugees"),
        (
            "Grupos de ciudadanos acompañan durante un año a familias refugiadas.",
            "Groups of citizens support refugee families for a year.",
        ),
        (None, None),
        1979,
        shared_with=("CRI", "PAN", "MEX"),
    ),
    DemoPractice(
        "COL",
        "sp_member",
        ("documentation_legal_identity", "social_protection"),
        ("refugees", "host_communities"),
        "durable_solutions",
        "good",
        ("demo-org-migracion-col", "Migración Colombia (COL)"),
        ("Estatuto temporal de protección", "Temporary protection status"),
        (
            "Regularización masiva con acceso a salud, educación y empleo formal.",
            "Large-scale regularisation with access to health, education and formal work.",
        ),
        (None, None),
        2021,
        shared_with=("PAN", "CRI"),
    ),
    DemoPractice(
        "BRA",
        "sp_member",
        ("employment_livelihoods", "local_governance"),
        ("refugees",),
        "host_support",
        "good",
        ("demo-org-interiorizacao", "Operação Acolhida (BRA)"),
        (
            "Interiorización: traslado voluntario con oferta de empleo",
            "Internalisation: voluntary relocation with a job offer",
        ),
        (
            "Traslado desde la frontera norte a ciudades con oferta de empleo.",
            "Relocation from the northern border to cities with job offers.",
        ),
        (None, None),
        2018,
        shared_with=("MEX",),
    ),
    DemoPractice(
        "URY",
        "sp_member",
        ("child_adolescent_integration", "education"),
        ("refugees",),
        "durable_solutions",
        "promising",
        ("demo-org-anep-ury", "ANEP (URY)"),
        (
            "Escuelas interculturales para niñas y niños refugiados",
            "Intercultural schools for refugee children",
        ),
        (
            "Tutorías entre pares y mediadores culturales en escuelas públicas.",
            "Peer tutoring and cultural mediators in public schools.",
        ),
        (None, None),
        2020,
        shared_with=("SLV", "GTM"),
    ),
)


@dataclass(frozen=True)
class DemoInventory:
    country: str
    theme: str
    kind: str
    severity: str | None
    title: tuple[str, str]
    populations: tuple[str, ...]


INVENTORY: tuple[DemoInventory, ...] = (
    DemoInventory(
        "GTM",
        "education",
        "gap",
        "high",
        ("Escuelas sin cupo para niñez retornada", "No school places for returnee children"),
        ("returnees_protection_needs",),
    ),
    DemoInventory(
        "GTM",
        "employment_livelihoods",
        "programme",
        None,
        ("Programa municipal de empleo", "Municipal employment programme"),
        ("refugees",),
    ),
    DemoInventory(
        "GTM",
        "mental_health_psychosocial",
        "gap",
        "critical",
        (
            "Sin atención psicosocial fuera de la capital",
            "No psychosocial care outside the capital",
        ),
        ("refugees", "asylum_seekers"),
    ),
    DemoInventory(
        "HND",
        "education",
        "gap",
        "critical",
        (
            "Deserción escolar por desplazamiento interno",
            "School drop-out caused by internal displacement",
        ),
        ("internally_displaced",),
    ),
    DemoInventory(
        "HND",
        "housing",
        "gap",
        "high",
        ("Albergues temporales insuficientes", "Too few temporary shelters"),
        ("internally_displaced",),
    ),
    DemoInventory(
        "HND",
        "gender_based_violence",
        "service",
        None,
        ("Línea de atención 114", "Helpline 114"),
        ("internally_displaced",),
    ),
    DemoInventory(
        "SLV",
        "mental_health_psychosocial",
        "gap",
        "high",
        ("Pocas personas especialistas en salud mental", "Few mental-health specialists"),
        ("returnees_protection_needs",),
    ),
    DemoInventory(
        "SLV",
        "documentation_legal_identity",
        "service",
        None,
        ("Registro nacional de personas desplazadas", "National registry of displaced people"),
        ("internally_displaced",),
    ),
    DemoInventory(
        "MEX",
        "education",
        "gap",
        "medium",
        ("Revalidación de estudios lenta", "Slow recognition of schooling"),
        ("refugees",),
    ),
    DemoInventory(
        "MEX",
        "financial_inclusion",
        "gap",
        "medium",
        ("Bancos que no aceptan documentos migratorios", "Banks that refuse migration documents"),
        ("refugees", "asylum_seekers"),
    ),
    DemoInventory(
        "MEX",
        "employment_livelihoods",
        "programme",
        None,
        ("Programa de reubicación laboral", "Labour relocation programme"),
        ("refugees",),
    ),
    DemoInventory(
        "CRI",
        "health",
        "gap",
        "medium",
        ("Costo del seguro para solicitantes de asilo", "Insurance cost for asylum seekers"),
        ("asylum_seekers",),
    ),
    DemoInventory(
        "CRI",
        "mental_health_psychosocial",
        "gap",
        "medium",
        ("Listas de espera en salud mental", "Waiting lists for mental health"),
        ("refugees",),
    ),
    DemoInventory(
        "PAN",
        "documentation_legal_identity",
        "gap",
        "high",
        ("Nacimientos sin registrar en zonas fronterizas", "Unregistered births in border areas"),
        ("stateless",),
    ),
    DemoInventory(
        "PAN",
        "education",
        "gap",
        "high",
        ("Jóvenes sin convalidación de estudios", "Youth without recognised schooling"),
        ("refugees",),
    ),
    DemoInventory(
        "BLZ",
        "access_to_asylum",
        "gap",
        "critical",
        ("Acumulación de solicitudes de asilo", "Backlog of asylum claims"),
        ("asylum_seekers",),
    ),
    DemoInventory(
        "BLZ",
        "employment_livelihoods",
        "gap",
        "medium",
        ("Permisos de trabajo costosos", "Costly work permits"),
        ("asylum_seekers",),
    ),
    DemoInventory(
        "BLZ",
        "social_cohesion",
        "programme",
        None,
        ("Consejos comunitarios mixtos", "Mixed community councils"),
        ("host_communities",),
    ),
)


def _text(pair: tuple[str | None, str | None]) -> dict[str, str | None] | None:
    es, en = pair
    return {"es": es, "en": en} if (es or en) else None


def _author(practice: DemoPractice) -> Principal:
    if practice.origin == "mirps_country":
        return Principal(
            sub=f"demo-focal-{practice.country.lower()}",
            roles=frozenset({Role.COUNTRY_FOCAL_POINT}),
            countries=frozenset({practice.country}),
        )
    return Principal(
        sub=f"demo-member-{practice.country.lower()}",
        roles=frozenset({Role.MEMBER}),
        org_id=practice.organisation_id,
    )


async def load_demo(session: AsyncSession) -> bool:
    """Load the illustrative catalogue and inventory when both tables are empty."""
    practices = await session.scalar(select(func.count()).select_from(Practice))
    items = await session.scalar(select(func.count()).select_from(InventoryItem))
    if practices or items:
        return False
    for demo in PRACTICES:
        await _load_practice(session, demo)
    session.add(_material(PRACTICES[0].practice_id))
    for entry in INVENTORY:
        await service.create_inventory_item(
            session,
            SECRETARIAT,
            schemas.InventoryItemCreate.model_validate(
                {
                    "country": entry.country,
                    "theme": entry.theme,
                    "kind": entry.kind,
                    "severity": entry.severity,
                    "title": _text(entry.title),
                    "populations": list(entry.populations),
                    "source_organisation": {"name": "Inventario MIRPS 2023 (ilustrativo)"},
                    "as_of_date": date(2023, 6, 30),
                }
            ),
        )
    return True


def _material(practice_id: uuid.UUID) -> PracticeDocument:
    """A practice's material: a link (illustrative address) to its presentation."""
    title = LocalizedText(
        es="Presentación de la práctica (material ilustrativo)",
        en="Presentation of the practice (illustrative material)",
    )
    document: PracticeDocument = new_document(
        PracticeDocument,
        practice_id,
        SECRETARIAT.sub,
        DocumentKind.MATERIAL,
        title,
        url="https://example.org/mirps/demo/presentacion-practica.pdf",
    )
    return document


async def _load_practice(session: AsyncSession, demo: DemoPractice) -> None:
    author = _author(demo)
    body: dict[str, Any] = {
        "title": _text(demo.title),
        "summary": _text(demo.summary),
        "description": _text(demo.description),
        "country": demo.country,
        "origin": demo.origin,
        "implementing_organisations": [{"id": demo.organisation_id, "name": demo.organisation[1]}],
        "themes": list(demo.themes),
        "populations": list(demo.populations),
        "pillar": demo.pillar,
        "period": {"start_date": date(demo.started, 1, 1)},
        "evidence": {"level": demo.evidence} if demo.evidence else None,
        "links": [],
        "contacts": [{"name": "Punto de contacto (ilustrativo)", "email": "contacto@example.org"}],
        "shared_with": list(demo.shared_with),
    }
    practice = await service.create_practice(
        session,
        author,
        schemas.PracticeCreate.model_validate(body),
        practice_id=demo.practice_id,
    )
    if demo.status == PracticeStatus.DRAFT:
        return
    await service.transition(session, author, practice.id, PracticeStatus.SUBMITTED, None)
    if demo.status == PracticeStatus.PUBLISHED:
        await service.transition(session, SECRETARIAT, practice.id, PracticeStatus.PUBLISHED, None)
