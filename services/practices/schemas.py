"""Request and response shapes of the practices service."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.common.inputs import Email, Line, Text, WebUrl
from services.common.pagination import Page
from services.common.references import STALE_REFERENCES_DESCRIPTION, StaleReference
from services.common.schemas import BoundedDate, LocalizedText, absent, given, when
from services.common.vocabulary import (
    MIRPS_COUNTRIES,
    CountryCode,
    MirpsCountryCode,
    PillarCode,
    PopulationCode,
    ThemeCode,
)

PracticeStatusName = Literal["draft", "submitted", "published", "archived"]
OriginName = Literal["mirps_country", "sp_member"]
EvidenceLevelName = Literal["promising", "good", "best"]
InventoryKindName = Literal["service", "programme", "gap"]
SeverityName = Literal["low", "medium", "high", "critical"]
SortName = Literal["relevance", "newest", "title"]

_TITLE_EXAMPLE: dict[str, Any] = {
    "es": "Integración laboral de personas refugiadas en Ciudad de Guatemala",
    "en": "Labour integration of refugees in Guatemala City",
}
_SUMMARY_EXAMPLE: dict[str, Any] = {
    "es": "Bolsa de empleo y certificación de competencias con empresas locales.",
    "en": "Job matching and skills certification with local companies.",
}


class Term(BaseModel):
    """A code of a taxonomy with its labels."""

    model_config = ConfigDict(
        json_schema_extra={"example": {"code": "education", "es": "Educación", "en": "Education"}}
    )

    code: str = Field(description="Stable code, used in filters and records.")
    es: str = Field(description="Spanish label.")
    en: str = Field(description="English label.")


class ImplementingOrganisation(BaseModel):
    """An organisation that implements a practice."""

    model_config = ConfigDict(extra="forbid")

    id: Line | None = Field(
        default=None, max_length=200, description="Opaque organisation id (platform directory)."
    )
    name: Line = Field(min_length=1, max_length=300, description="Name as it should be shown.")


class Link(BaseModel):
    """A public link about the practice (report, website, video)."""

    model_config = ConfigDict(extra="forbid")

    url: WebUrl = Field(max_length=2000, description="http(s) URL.")
    label: Line | None = Field(default=None, max_length=300, description="What the link is.")


class Contact(BaseModel):
    """A person to contact about the practice: never shown to anonymous callers."""

    model_config = ConfigDict(extra="forbid")

    name: Line = Field(min_length=1, max_length=200)
    email: Email | None = Field(default=None, max_length=254)
    phone: Line | None = Field(default=None, max_length=50)
    role: Line | None = Field(default=None, max_length=200)


class Period(BaseModel):
    """When the practice ran (end open while it still runs)."""

    model_config = ConfigDict(extra="forbid")

    start_date: BoundedDate | None = Field(default=None, description="YYYY-MM-DD")
    end_date: BoundedDate | None = Field(
        default=None, description="YYYY-MM-DD; null while running."
    )

    @model_validator(mode="after")
    def _end_after_start(self) -> Self:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValueError("end_date is before start_date")
        return self


class Evidence(BaseModel):
    """How strong the evidence is, and what it is."""

    model_config = ConfigDict(extra="forbid")

    level: EvidenceLevelName = Field(description="promising, good or best.")
    description: LocalizedText | None = Field(
        default=None, description="What the evidence is (evaluation, monitoring data...)."
    )


_PRACTICE_EXAMPLE: dict[str, Any] = {
    "title": _TITLE_EXAMPLE,
    "summary": _SUMMARY_EXAMPLE,
    "description": {"es": "El programa articula al Ministerio de Trabajo con el sector privado."},
    "country": "GTM",
    "origin": "mirps_country",
    "implementing_organisations": [{"id": "org-mintrab-gtm", "name": "Ministerio de Trabajo"}],
    "themes": ["employment_livelihoods"],
    "populations": ["refugees", "asylum_seekers"],
    "pillar": "durable_solutions",
    "period": {"start_date": "2023-01-01", "end_date": None},
    "results": {"es": "640 personas empleadas en 2024.", "en": "640 people employed in 2024."},
    "evidence": {"level": "good", "description": {"en": "External evaluation, 2024."}},
    "links": [{"url": "https://example.org/informe", "label": "Informe 2024"}],
    "contacts": [{"name": "Ana López", "email": "ana.lopez@example.org"}],
    "shared_with": [],
}


class PracticeFields(BaseModel):
    """Fields an author writes; all optional here, the create model requires some."""

    model_config = ConfigDict(extra="forbid")

    title: LocalizedText | None = Field(default=None, description="Title {es, en}.")
    summary: LocalizedText | None = Field(default=None, description="Short summary {es, en}.")
    description: LocalizedText | None = Field(default=None, description="Full text {es, en}.")
    country: CountryCode | None = Field(
        default=None, description="ISO alpha-3 country where it is implemented."
    )
    origin: OriginName | None = Field(
        default=None,
        description="mirps_country (Activity 3.1) or sp_member (Activity 3.2).",
    )
    implementing_organisations: list[ImplementingOrganisation] | None = Field(
        default=None, max_length=20
    )
    themes: list[ThemeCode] | None = Field(default=None, max_length=15)
    populations: list[PopulationCode] | None = Field(default=None, max_length=10)
    pillar: PillarCode | None = Field(default=None, description="MIRPS pillar.")
    period: Period | None = None
    results: LocalizedText | None = Field(default=None, description="Results achieved {es, en}.")
    evidence: Evidence | None = None
    links: list[Link] | None = Field(default=None, max_length=20)
    contacts: list[Contact] | None = Field(
        default=None, max_length=10, description="Restricted: never shown to anonymous callers."
    )
    shared_with: list[MirpsCountryCode] | None = Field(
        default=None,
        max_length=7,
        description="For SP-member practices: the MIRPS countries it was shared with.",
    )


class PracticeCreate(PracticeFields):
    """A new practice; it starts as a draft owned by the caller."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": _PRACTICE_EXAMPLE,
            # A MIRPS country's own practice is implemented there and shared with no one.
            **when(
                "origin",
                "mirps_country",
                {
                    "properties": {
                        "country": {"enum": list(MIRPS_COUNTRIES)},
                        "shared_with": {"anyOf": [{"type": "null"}, {"maxItems": 0}]},
                    }
                },
            ),
        },
    )

    title: LocalizedText = Field(description="Title {es, en}.")
    summary: LocalizedText = Field(description="Short summary {es, en}.")
    country: CountryCode = Field(description="ISO alpha-3 country where it is implemented.")
    origin: OriginName = Field(
        description="mirps_country (Activity 3.1) or sp_member (Activity 3.2)."
    )
    themes: list[ThemeCode] = Field(min_length=1, max_length=15)


class PracticeUpdate(PracticeFields):
    """A partial update (merge): fields left out keep their value."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"example": {"summary": _SUMMARY_EXAMPLE, "themes": ["education"]}},
    )


class ChangesRequested(BaseModel):
    """The reviewer's comments when a submission goes back to its author."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"example": {"comment": "Añadan los resultados de 2024, por favor."}},
    )

    comment: Text = Field(min_length=1, max_length=5000, description="What should change.")


class Practice(BaseModel):
    """A good practice as the caller may see it (contacts only for signed-in callers)."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "id": "3f1c2e1a-7b0d-4c55-9a59-0f7e8e1c2d4b",
                "status": "published",
                **_PRACTICE_EXAMPLE,
                "contacts": None,
                "review_comment": None,
                "submitted_at": "2026-03-02T10:00:00Z",
                "published_at": "2026-03-05T15:30:00Z",
                "archived_at": None,
                "created_at": "2026-03-01T09:00:00Z",
                "updated_at": "2026-03-05T15:30:00Z",
                "version": 3,
            }
        }
    )

    id: uuid.UUID
    status: PracticeStatusName
    title: LocalizedText
    summary: LocalizedText
    description: LocalizedText | None
    country: str
    origin: OriginName
    implementing_organisations: list[ImplementingOrganisation]
    themes: list[str]
    populations: list[str]
    pillar: str | None
    period: Period | None
    results: LocalizedText | None
    evidence: Evidence | None
    links: list[Link]
    contacts: list[Contact] | None = Field(
        description="Null for anonymous callers: contacts are never public."
    )
    shared_with: list[str]
    review_comment: str | None = Field(
        description="The reviewer's latest request for changes (authors and reviewers only)."
    )
    submitted_at: datetime | None
    published_at: datetime | None
    archived_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int = Field(description="Also sent as the ETag; send it back in If-Match.")
    stale_references: list[StaleReference] = Field(
        default_factory=list, description=STALE_REFERENCES_DESCRIPTION
    )


class FacetCount(BaseModel):
    value: str = Field(description="The code counted.")
    count: int = Field(description="Practices in the current result with this value.")


class Facets(BaseModel):
    """Counts per value for the current filter (query included)."""

    theme: list[FacetCount]
    country: list[FacetCount]
    population: list[FacetCount]
    origin: list[FacetCount]
    evidence: list[FacetCount]


class PracticeSearchPage(BaseModel):
    """One page of practices with the total and facet counts of the whole result."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "items": [],
                "next_cursor": None,
                "total": 12,
                "facets": {
                    "theme": [{"value": "education", "count": 7}],
                    "country": [{"value": "GTM", "count": 5}],
                    "population": [{"value": "refugees", "count": 9}],
                    "origin": [{"value": "mirps_country", "count": 10}],
                    "evidence": [{"value": "good", "count": 4}],
                },
            }
        }
    )

    items: list[Practice]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page.")
    total: int = Field(description="How many practices match, across all pages.")
    facets: Facets


class PracticeTransition(BaseModel):
    """A workflow step: who moved the practice from one status to another, and when."""

    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "example": {
                "practice_id": "3f6c1a52-8a43-4c8e-9b8e-0c9c2d7f5a11",
                "from_status": "draft",
                "to_status": "submitted",
                "actor": "focal-gtm-1",
                "comment": None,
                "at": "2026-03-02T10:00:00Z",
            }
        },
    )

    practice_id: uuid.UUID = Field(description="The practice that moved.")
    from_status: PracticeStatusName
    to_status: PracticeStatusName
    actor: str | None = Field(description="Token subject of who did it; hidden from anonymous.")
    comment: str | None
    at: datetime


class PracticeVersion(BaseModel):
    """The public record as it stood after a published change."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "practice_id": "3f6c1a52-8a43-4c8e-9b8e-0c9c2d7f5a11",
                "number": 2,
                "kind": "edited",
                "changed_fields": ["summary", "results"],
                "changed_by": "secretariat-ana",
                "changed_at": "2026-04-01T12:00:00Z",
                "snapshot": {"title": _TITLE_EXAMPLE, "summary": _SUMMARY_EXAMPLE},
            }
        }
    )

    practice_id: uuid.UUID = Field(description="The practice this version belongs to.")
    number: int = Field(description="1 for the first publication, then +1 per change.")
    kind: Literal["published", "edited", "archived"]
    changed_fields: list[str] = Field(description="Fields that differ from the previous version.")
    changed_by: str | None = Field(description="Who made the change; hidden from anonymous.")
    changed_at: datetime
    snapshot: dict[str, Any] = Field(description="The public record at this version.")


class PracticeVersionList(BaseModel):
    """Versions of a practice, oldest first."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "items": [
                    {
                        "practice_id": "3f6c1a52-8a43-4c8e-9b8e-0c9c2d7f5a11",
                        "number": 1,
                        "kind": "published",
                        "changed_fields": ["title", "summary", "country", "themes", "status"],
                        "changed_by": "secretariat-ana",
                        "changed_at": "2026-03-05T15:30:00Z",
                        "snapshot": {"title": _TITLE_EXAMPLE, "status": "published"},
                    }
                ]
            }
        }
    )

    items: list[PracticeVersion]


class PracticeTransitionList(BaseModel):
    """Workflow steps, oldest first."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "items": [
                    {
                        "practice_id": "3f6c1a52-8a43-4c8e-9b8e-0c9c2d7f5a11",
                        "from_status": "draft",
                        "to_status": "submitted",
                        "actor": "focal-gtm-1",
                        "comment": None,
                        "at": "2026-03-02T10:00:00Z",
                    },
                    {
                        "practice_id": "3f6c1a52-8a43-4c8e-9b8e-0c9c2d7f5a11",
                        "from_status": "submitted",
                        "to_status": "draft",
                        "actor": "secretariat-ana",
                        "comment": "Añadan los resultados de 2024.",
                        "at": "2026-03-03T09:00:00Z",
                    },
                ]
            }
        }
    )

    items: list[PracticeTransition]


class PracticeVersionPage(Page[PracticeVersion]):
    """A page of the versions of several practices, each practice's oldest first."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "items": [
                    {
                        "practice_id": "3f6c1a52-8a43-4c8e-9b8e-0c9c2d7f5a11",
                        "number": 1,
                        "kind": "published",
                        "changed_fields": ["title", "summary", "country", "themes", "status"],
                        "changed_by": "secretariat-ana",
                        "changed_at": "2026-03-05T15:30:00Z",
                        "snapshot": {"title": _TITLE_EXAMPLE, "status": "published"},
                    }
                ],
                "next_cursor": None,
            }
        }
    )


class PracticeTransitionPage(Page[PracticeTransition]):
    """A page of the workflow steps of several practices, each practice's oldest first."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "items": [
                    {
                        "practice_id": "3f6c1a52-8a43-4c8e-9b8e-0c9c2d7f5a11",
                        "from_status": "draft",
                        "to_status": "submitted",
                        "actor": "focal-gtm-1",
                        "comment": None,
                        "at": "2026-03-02T10:00:00Z",
                    }
                ],
                "next_cursor": None,
            }
        }
    )


# --- inventory ---------------------------------------------------------------------------

_INVENTORY_EXAMPLE: dict[str, Any] = {
    "country": "HND",
    "theme": "education",
    "kind": "gap",
    "title": {
        "es": "Sin validación de estudios para niñas y niños retornados",
        "en": "No recognition of schooling for returnee children",
    },
    "description": {"es": "Las escuelas exigen documentos que las familias no tienen."},
    "populations": ["returnees_protection_needs"],
    "severity": "high",
    "source_organisation": {"id": "org-seduc-hnd", "name": "Secretaría de Educación"},
    "as_of_date": "2026-06-30",
    "contacts": [{"name": "Luis Pérez", "email": "luis.perez@example.org"}],
}


class SourceOrganisation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: Line | None = Field(default=None, max_length=200, description="Opaque organisation id.")
    name: Line = Field(min_length=1, max_length=300)


class InventoryItemFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    country: MirpsCountryCode | None = None
    theme: ThemeCode | None = None
    kind: InventoryKindName | None = None
    title: LocalizedText | None = None
    description: LocalizedText | None = None
    populations: list[PopulationCode] | None = Field(default=None, max_length=10)
    severity: SeverityName | None = Field(
        default=None, description="Gaps only (and required for them): low … critical."
    )
    source_organisation: SourceOrganisation | None = None
    as_of_date: BoundedDate | None = Field(
        default=None, description="YYYY-MM-DD the entry describes."
    )
    contacts: list[Contact] | None = Field(
        default=None, max_length=10, description="Restricted: never shown to anonymous callers."
    )


class InventoryItemCreate(InventoryItemFields):
    """A service, programme or gap; written by the country's focal point or the secretariat."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": _INVENTORY_EXAMPLE,
            **when("kind", "gap", given("severity"), absent("severity")),
        },
    )

    country: MirpsCountryCode
    theme: ThemeCode
    kind: InventoryKindName
    title: LocalizedText
    as_of_date: BoundedDate


class InventoryItemUpdate(InventoryItemFields):
    """A partial update (merge)."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"example": {"severity": "critical"}}
    )


class InventoryItem(BaseModel):
    """An inventory entry as the caller may see it."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "id": "8d5d2c0e-1c7a-4c55-9a59-0f7e8e1c2d4b",
                **_INVENTORY_EXAMPLE,
                "contacts": None,
                "created_at": "2026-07-01T09:00:00Z",
                "updated_at": "2026-07-01T09:00:00Z",
                "version": 1,
            }
        }
    )

    id: uuid.UUID
    country: str
    theme: str
    kind: InventoryKindName
    title: LocalizedText
    description: LocalizedText | None
    populations: list[str]
    severity: SeverityName | None
    source_organisation: SourceOrganisation | None
    as_of_date: date
    contacts: list[Contact] | None = Field(description="Null for anonymous callers.")
    created_at: datetime
    updated_at: datetime
    version: int


class InventoryPage(BaseModel):
    """One page of inventory items."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "items": [
                    {
                        "id": "8d5d2c0e-1c7a-4c55-9a59-0f7e8e1c2d4b",
                        **_INVENTORY_EXAMPLE,
                        "contacts": None,
                        "created_at": "2026-07-01T09:00:00Z",
                        "updated_at": "2026-07-01T09:00:00Z",
                        "version": 1,
                    }
                ],
                "next_cursor": None,
            }
        }
    )

    items: list[InventoryItem]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page.")


# --- priorities --------------------------------------------------------------------------


class Priority(BaseModel):
    """A theme's claim to a learning event: gaps reported against practices available."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "rank": 1,
                "theme": {"code": "education", "es": "Educación", "en": "Education"},
                "score": 12.0,
                "gap_count": 3,
                "severity_counts": {"low": 0, "medium": 1, "high": 1, "critical": 1},
                "countries": ["GTM", "HND"],
                "published_practices": 1,
                "reasons": {
                    "es": ["3 brechas (1 crítica, 1 alta, 1 media) en 2 países: GTM, HND"],
                    "en": ["3 gaps (1 critical, 1 high, 1 medium) in 2 countries: GTM, HND"],
                },
            }
        }
    )

    rank: int
    theme: Term
    score: float = Field(
        description="severity points x countries reporting ÷ (1 + published practices)."
    )
    gap_count: int
    severity_counts: dict[str, int]
    countries: list[str] = Field(description="Countries that report a gap on this theme.")
    published_practices: int = Field(description="Published practices addressing the theme.")
    reasons: LocalizedReasons


class LocalizedReasons(BaseModel):
    es: list[str]
    en: list[str]


class PriorityList(BaseModel):
    """Themes ranked for learning events, highest score first."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "items": [
                    {
                        "rank": 1,
                        "theme": {"code": "education", "es": "Educación", "en": "Education"},
                        "score": 16.0,
                        "gap_count": 2,
                        "severity_counts": {"low": 0, "medium": 0, "high": 1, "critical": 1},
                        "countries": ["GTM", "HND"],
                        "published_practices": 0,
                        "reasons": {
                            "es": ["2 brechas (1 crítica, 1 alta) en 2 países: GTM, HND"],
                            "en": ["2 gaps (1 critical, 1 high) in 2 countries: GTM, HND"],
                        },
                    }
                ]
            }
        }
    )

    items: list[Priority]


Priority.model_rebuild()


class TermList(BaseModel):
    """The codes of a taxonomy, in their canonical order."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {"items": [{"code": "education", "es": "Educación", "en": "Education"}]}
        }
    )

    items: list[Term]


class PracticeFilters(BaseModel):
    """The search request, parsed from the query string."""

    q: str | None = None
    prefix: bool = False
    themes: list[str] = Field(default_factory=list)
    countries: list[str] = Field(default_factory=list)
    populations: list[str] = Field(default_factory=list)
    origins: list[str] = Field(default_factory=list)
    pillars: list[str] = Field(default_factory=list)
    evidence_levels: list[str] = Field(default_factory=list)
    statuses: list[str] = Field(default_factory=list)
    organisation_ids: list[str] = Field(default_factory=list)
    ids: list[uuid.UUID] = Field(default_factory=list)
    updated_since: datetime | None = None
    sort: SortName | None = None
    facets: bool = True


class InventoryFilters(BaseModel):
    countries: list[str] = Field(default_factory=list)
    themes: list[str] = Field(default_factory=list)
    kinds: list[str] = Field(default_factory=list)
    severities: list[str] = Field(default_factory=list)
    ids: list[uuid.UUID] = Field(default_factory=list)
