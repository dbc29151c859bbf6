"""Demo data: the Support Platform's 2022-2023 timeline, for trying the API.

ILLUSTRATIVE DATA. The events follow the strategy's timeline (the solidarity event at
the UN General Assembly in September 2022, the quarterly meetings, the annual MIRPS
meeting in December 2022, three learning events, the cities summit, Troika meetings,
the 2023 Global Refugee Forum). Exact days and hours, places, working-group series,
organisation ids, people and outcomes are invented so that conflicts, suggestions and
the timeline have something real to show; they are not records of what happened.
Everything is written through the service layer, as the API would.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Principal
from services.common.demo_ids import demo_id
from services.common.documents import DocumentKind, new_document, store_upload
from services.common.schemas import LocalizedText
from services.common.storage import DocumentStorage, make_storage
from services.events import repository, service
from services.events.config import Settings
from services.events.models import EventDocument
from services.events.schemas import (
    CancelEvent,
    EventCreate,
    EventStatus,
    OccurrenceMove,
    OutcomeCreate,
    RegistrationCreate,
)

SECRETARIAT = Principal(sub="demo-secretariat", roles=frozenset({"secretariat"}))
# The pledges service's demo pledges are announced at this event (same demo id there).
SOLIDARITY_EVENT_2022 = demo_id("event", "solidarity-event-2022")


def _org(slug: str) -> str:
    """An organisation of the pledges service's demo directory."""
    return str(demo_id("organisation", slug))


def _practice(slug: str) -> str:
    """A practice of the practices service's demo catalogue."""
    return str(demo_id("practice", slug))


def _pledge(slug: str) -> str:
    """A pledge of the pledges service's demo ledger (`usa-1`: the USA's first pledge)."""
    return str(demo_id("pledge", slug))


def _event_id(index: int) -> uuid.UUID:
    """The demo id of the `index`-th event of `_timeline()`."""
    return SOLIDARITY_EVENT_2022 if index == 0 else demo_id("event", f"timeline-{index}")


_PEOPLE = [
    ("Ana Pérez", "CRI", _org("mtss-cri")),
    ("José Martínez", "GTM", _org("mintrab-gtm")),
    ("María López", "HND", _org("sedh-hnd")),
    ("Carlos Ruiz", "MEX", _org("comar")),
    ("Lucía Gómez", "PAN", _org("onpar-pan")),
    ("Daniel Castillo", "SLV", _org("rree-slv")),
    ("Sofía Young", "BLZ", _org("refugees-dept-blz")),
]


def _event(**fields: Any) -> EventCreate:
    fields.setdefault("hosts", [_org("usa")])
    return EventCreate.model_validate(fields)


def _timeline() -> list[tuple[EventCreate, EventStatus]]:
    """(event, status it has reached) in date order."""
    return [
        (
            _event(
                kind="solidarity_event",
                title={
                    "es": "Evento de Solidaridad de Alto Nivel (AGNU 77)",
                    "en": "High-Level Solidarity Event (UNGA 77)",
                },
                description={
                    "en": "Co-hosted by the United States and Canada on the sidelines of the "
                    "UN General Assembly."
                },
                starts_at="2022-09-21T15:00:00",
                ends_at="2022-09-21T17:00:00",
                timezone="America/New_York",
                mode="in_person",
                location={"city": "New York", "country": "USA"},
                hosts=[_org("usa"), _org("canada")],
                themes=["employment_livelihoods"],
            ),
            EventStatus.REPORTED,
        ),
        (
            _event(
                kind="sp_quarterly_meeting",
                title={
                    "es": "Primera reunión trimestral de la PA",
                    "en": "First SP quarterly meeting",
                },
                description={"en": "The first draft of the 2022-2023 strategy is introduced."},
                starts_at="2022-11-15T10:00:00",
                ends_at="2022-11-15T12:00:00",
                timezone="America/New_York",
                mode="virtual",
                online_url="https://meet.example.org/sp-q1",
            ),
            EventStatus.REPORTED,
        ),
        (
            _event(
                kind="annual_mirps_meeting",
                title={"es": "Reunión Anual del MIRPS", "en": "Annual MIRPS Meeting"},
                description={"es": "Organizada por la Presidencia Pro Tempore saliente, Honduras."},
                starts_at="2022-12-06T09:00:00",
                ends_at="2022-12-07T17:00:00",
                timezone="America/Tegucigalpa",
                mode="hybrid",
                location={"city": "Tegucigalpa", "country": "HND"},
                online_url="https://meet.example.org/mirps-annual-2022",
                hosts=[_org("sedh-hnd")],
            ),
            EventStatus.HELD,
        ),
        (
            _event(
                kind="sp_quarterly_meeting",
                title={
                    "es": "Segunda reunión trimestral de la PA",
                    "en": "Second SP quarterly meeting",
                },
                starts_at="2023-03-14T10:00:00",
                ends_at="2023-03-14T12:00:00",
                timezone="America/New_York",
                mode="virtual",
                online_url="https://meet.example.org/sp-q2",
            ),
            EventStatus.HELD,
        ),
        (
            _event(
                kind="troika_meeting",
                title={"es": "Reunión de la Troika", "en": "Troika meeting"},
                description={"en": "The next Chair joins the SP Troika."},
                starts_at="2023-04-18T09:00:00",
                ends_at="2023-04-18T10:30:00",
                timezone="America/New_York",
                mode="virtual",
                online_url="https://meet.example.org/troika",
            ),
            EventStatus.HELD,
        ),
        (
            _event(
                kind="learning_event",
                title={
                    "es": "Primer evento de aprendizaje: empleo e inclusión financiera",
                    "en": "First learning event: employment and financial inclusion",
                },
                starts_at="2023-05-09T09:00:00",
                ends_at="2023-05-10T13:00:00",
                timezone="America/Panama",
                mode="hybrid",
                location={"city": "Ciudad de Panamá", "country": "PAN"},
                online_url="https://meet.example.org/le-1",
                countries=["CRI", "GTM", "HND", "MEX", "SLV", "BLZ"],
                themes=["employment_livelihoods", "financial_inclusion"],
                featured_practice_ids=[_practice("employment-1"), _practice("banking-2")],
                capacity=5,
            ),
            EventStatus.HELD,
        ),
        (
            _event(
                kind="summit",
                title={"es": "Cumbre de Ciudades", "en": "Cities Summit"},
                starts_at="2023-05-23T09:00:00",
                ends_at="2023-05-24T17:00:00",
                timezone="America/Mexico_City",
                mode="in_person",
                location={"city": "Ciudad de México", "country": "MEX"},
                themes=["local_governance"],
                hosts=[_org("usa"), _org("comar")],
            ),
            EventStatus.HELD,
        ),
        (
            _event(
                kind="sp_quarterly_meeting",
                title={
                    "es": "Tercera reunión trimestral de la PA",
                    "en": "Third SP quarterly meeting",
                },
                starts_at="2023-05-30T10:00:00",
                ends_at="2023-05-30T12:00:00",
                timezone="America/New_York",
                mode="virtual",
                online_url="https://meet.example.org/sp-q3",
            ),
            EventStatus.HELD,
        ),
        (
            _event(
                kind="field_visit",
                title={
                    "es": "Segundo evento de aprendizaje: visita de campo a programas de "
                    "integración",
                    "en": "Second learning event: field visit to integration programmes",
                },
                starts_at="2023-07-11T08:00:00",
                ends_at="2023-07-13T18:00:00",
                timezone="America/Costa_Rica",
                mode="in_person",
                location={"city": "San José", "country": "CRI"},
                countries=["PAN", "GTM"],
                themes=["child_adolescent_integration", "education"],
                featured_practice_ids=[_practice("schools-3")],
                capacity=25,
            ),
            EventStatus.HELD,
        ),
        (
            _event(
                kind="learning_event",
                title={
                    "es": "Tercer evento de aprendizaje (en línea): documentación",
                    "en": "Third learning event (online): documentation",
                },
                starts_at="2023-09-12T10:00:00",
                ends_at="2023-09-12T13:00:00",
                timezone="America/Guatemala",
                mode="virtual",
                online_url="https://meet.example.org/le-3",
                themes=["documentation_legal_identity"],
                capacity=100,
            ),
            EventStatus.SCHEDULED,
        ),
        (
            _event(
                kind="sp_quarterly_meeting",
                title={
                    "es": "Cuarta reunión trimestral de la PA",
                    "en": "Fourth SP quarterly meeting",
                },
                starts_at="2023-09-19T10:00:00",
                ends_at="2023-09-19T12:00:00",
                timezone="America/New_York",
                mode="virtual",
                online_url="https://meet.example.org/sp-q4",
            ),
            EventStatus.SCHEDULED,
        ),
        (
            _event(
                kind="solidarity_event",
                title={
                    "es": "Evento de Solidaridad de la PA (por confirmar)",
                    "en": "SP Solidarity Event (TBC)",
                },
                starts_at="2023-11-14T10:00:00",
                ends_at="2023-11-14T13:00:00",
                timezone="America/New_York",
                mode="hybrid",
                location={"city": "Washington", "country": "USA"},
                online_url="https://meet.example.org/solidarity-2023",
            ),
            EventStatus.PROPOSED,
        ),
        (
            _event(
                kind="global_refugee_forum",
                title={
                    "es": "Foro Mundial sobre los Refugiados 2023",
                    "en": "Global Refugee Forum 2023",
                },
                starts_at="2023-12-13T09:00:00",
                ends_at="2023-12-15T18:00:00",
                timezone="Europe/Zurich",
                mode="in_person",
                location={"city": "Genève", "country": "CHE"},
                hosts=[_org("unhcr")],
            ),
            EventStatus.SCHEDULED,
        ),
    ]


def _working_groups() -> list[EventCreate]:
    return [
        _event(
            kind="working_group_meeting",
            working_group="employment",
            title={"es": "Grupo de trabajo de empleo y medios de vida", "en": "Employment WG"},
            starts_at="2023-01-10T10:00:00",
            ends_at="2023-01-10T11:30:00",
            timezone="America/Mexico_City",
            mode="virtual",
            online_url="https://meet.example.org/wg-employment",
            countries=["MEX", "GTM", "HND", "SLV", "CRI", "PAN", "BLZ"],
            hosts=[_org("comar")],
            recurrence={
                "rrule": "FREQ=MONTHLY;BYDAY=2TU;UNTIL=20231231T235959Z",
                "exdates": ["2023-08-08T10:00:00"],
            },
        ),
        _event(
            kind="working_group_meeting",
            working_group="education",
            title={"es": "Grupo de trabajo de educación", "en": "Education WG"},
            starts_at="2023-01-05T09:00:00",
            ends_at="2023-01-05T10:00:00",
            timezone="America/Guatemala",
            mode="virtual",
            online_url="https://meet.example.org/wg-education",
            countries=["GTM", "HND", "SLV"],
            hosts=[_org("mintrab-gtm")],
            recurrence={"rrule": "FREQ=MONTHLY;BYDAY=1TH;COUNT=12"},
        ),
        _event(
            kind="working_group_meeting",
            working_group="local_governance",
            title={"es": "Grupo de trabajo de gobernanza local", "en": "Local governance WG"},
            starts_at="2023-01-18T14:00:00",
            ends_at="2023-01-18T15:00:00",
            timezone="America/Panama",
            mode="virtual",
            online_url="https://meet.example.org/wg-local",
            countries=["PAN", "CRI"],
            hosts=[_org("onpar-pan")],
            recurrence={"rrule": "FREQ=WEEKLY;INTERVAL=2;BYDAY=WE;UNTIL=20231231T235959Z"},
        ),
    ]


def _outcomes() -> dict[int, list[OutcomeCreate]]:
    """Outcomes per index of `_timeline()`."""
    return {
        0: [
            OutcomeCreate.model_validate(
                {
                    "kind": "resource_commitment",
                    "organisation_id": _org("usa"),
                    "pledge_id": _pledge("usa-1"),
                    "description": {
                        "en": "Supporting countries pledge more than USD 210 million for "
                        "MIRPS-related efforts in Central America and Mexico."
                    },
                    "status": "in_progress",
                }
            )
        ],
        1: [
            OutcomeCreate.model_validate(
                {
                    "kind": "takeaway",
                    "description": {"en": "Members comment on the first draft of the strategy."},
                    "status": "done",
                }
            )
        ],
        5: [
            OutcomeCreate.model_validate(
                {
                    "kind": "policy_action",
                    "country": "GTM",
                    "description": {
                        "es": "Guatemala pilota la ventanilla única de empleo presentada por "
                        "Costa Rica."
                    },
                    "status": "in_progress",
                }
            ),
            OutcomeCreate.model_validate(
                {
                    "kind": "resource_commitment",
                    "country": "HND",
                    "organisation_id": _org("idb"),
                    "description": {
                        "en": "A development bank commits technical assistance to replicate "
                        "the financial-inclusion practice in Honduras."
                    },
                    "status": "planned",
                }
            ),
        ],
        8: [
            OutcomeCreate.model_validate(
                {
                    "kind": "technical_collaboration",
                    "country": "PAN",
                    "organisation_id": _org("mep-cri"),
                    "description": {
                        "es": "Costa Rica y Panamá acuerdan un intercambio técnico sobre "
                        "acogida escolar."
                    },
                    "status": "planned",
                }
            )
        ],
    }


# Minutes of the employment working group's May meeting: an uploaded (Markdown) document.
EMPLOYMENT_MINUTES = """# Grupo de trabajo de empleo y medios de vida: acta (ILUSTRATIVA)

Reunión virtual del 9 de mayo de 2023. Acta de demostración: los acuerdos y cifras son
inventados para mostrar la plataforma.

- Se revisó el avance de los compromisos de contratación de empresas en dos países MIRPS.
- Próxima reunión: 13 de junio de 2023.
"""


async def _attach_minutes(
    session: AsyncSession, storage: DocumentStorage, event_id: uuid.UUID
) -> None:
    source = await store_upload(
        storage,
        EMPLOYMENT_MINUTES.encode(),
        "text/markdown",
        "acta-grupo-empleo-2023-05.md",
    )
    title = LocalizedText(
        es="Acta de la reunión de mayo de 2023 (ilustrativa)",
        en="Minutes of the May 2023 meeting (illustrative)",
    )
    session.add(
        new_document(
            EventDocument, event_id, SECRETARIAT.sub, DocumentKind.MINUTES, title, **source
        )
    )


async def load_demo(session: AsyncSession, storage: DocumentStorage | None = None) -> bool:
    """Load the illustrative 2022-2023 timeline when the events tables are empty; the
    minutes' bytes go to `storage` (by default the one the events settings name)."""
    if await repository.has_events(session):
        return False
    for series in _working_groups():
        event, _ = await service.create_event(session, SECRETARIAT, series, strict=False)
        await service.transition(
            session, SECRETARIAT, event.id, EventStatus.SCHEDULED, if_match=None
        )
        if series.working_group == "employment":
            await _attach_minutes(session, storage or make_storage(Settings(), "events"), event.id)
            # The June meeting moves a day because of the Cities Summit follow-up.
            await service.move_occurrence(
                session,
                SECRETARIAT,
                event.id,
                datetime.fromisoformat("2023-06-13T16:00:00+00:00"),
                OccurrenceMove.model_validate(
                    {"starts_at": "2023-06-14T10:00:00", "ends_at": "2023-06-14T11:30:00"}
                ),
                strict=False,
            )
        if series.working_group == "education":
            await service.cancel_occurrence(
                session,
                SECRETARIAT,
                event.id,
                datetime.fromisoformat("2023-04-06T15:00:00+00:00"),
                CancelEvent(reason="Semana Santa / Holy Week"),
            )
    outcomes = _outcomes()
    path = [EventStatus.SCHEDULED, EventStatus.HELD, EventStatus.REPORTED]
    for index, (data, reached) in enumerate(_timeline()):
        event, _ = await service.create_event(
            session, SECRETARIAT, data, strict=False, event_id=_event_id(index)
        )
        if reached == EventStatus.PROPOSED:
            continue
        await service.transition(
            session, SECRETARIAT, event.id, EventStatus.SCHEDULED, if_match=None
        )
        if data.capacity is not None:
            for name, country, organisation in _PEOPLE:
                email = f"{name.split()[0].lower()}.{country.lower()}@example.org"
                await service.register(
                    session,
                    SECRETARIAT,
                    event.id,
                    RegistrationCreate(
                        name=name, email=email, country=country, organisation_id=organisation
                    ),
                )
        for target in path[1 : path.index(reached) + 1]:
            await service.transition(session, SECRETARIAT, event.id, target, if_match=None)
        for outcome in outcomes.get(index, []):
            await service.create_outcome(session, SECRETARIAT, event.id, outcome)
    return True
