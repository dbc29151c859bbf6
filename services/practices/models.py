"""Tables of the practices service.

Bilingual text that is searched (title, summary, description) is stored one column per
language so the full-text index can treat each language with its own stemmer; other
bilingual text is stored as `{es, en}` JSON. The search index itself (a generated,
GIN-indexed tsvector column on PostgreSQL, an FTS5 table kept in sync by triggers on
SQLite) is created by the migration and lives outside this metadata: see `search.py`.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from services.common.db import UTCDateTime, naming_metadata
from services.common.documents import DocumentColumns
from services.common.idempotency import IdempotencyRecordMixin
from services.common.outbox import OutboxEventMixin
from services.common.references import KnownReferenceMixin, ReferenceCheckpointMixin
from services.common.webhooks import WebhookDeliveryMixin, WebhookSubscriptionMixin


class Base(DeclarativeBase):
    # The search index and FTS5 table are created by the migration, outside the ORM.
    metadata = naming_metadata(
        migration_only=frozenset({"practice_fts", "search_document", "ix_practice_search_document"})
    )


class PracticeStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    PUBLISHED = "published"
    ARCHIVED = "archived"


UTC_TIMESTAMP = UTCDateTime()


class PracticeOrigin(StrEnum):
    MIRPS_COUNTRY = "mirps_country"
    SP_MEMBER = "sp_member"


class EvidenceLevel(StrEnum):
    PROMISING = "promising"
    GOOD = "good"
    BEST = "best"


class InventoryKind(StrEnum):
    SERVICE = "service"
    PROGRAMME = "programme"
    GAP = "gap"


class GapSeverity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class VersionKind(StrEnum):
    PUBLISHED = "published"
    EDITED = "edited"
    ARCHIVED = "archived"


class Practice(Base):
    """A good practice: bilingual record, reviewed before publication."""

    __tablename__ = "practice"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    status: Mapped[str] = mapped_column(String(16))
    title_es: Mapped[str | None] = mapped_column(Text)
    title_en: Mapped[str | None] = mapped_column(Text)
    # The title's sort key (search.title_sort_key): Spanish first, English when there is no
    # Spanish, case-folded without accents, compared bytewise ("C") on PostgreSQL as SQLite
    # does, so `sort=title` gives one order on both databases.
    sort_title: Mapped[str] = mapped_column(
        String(300).with_variant(String(300, collation="C"), "postgresql")
    )
    summary_es: Mapped[str | None] = mapped_column(Text)
    summary_en: Mapped[str | None] = mapped_column(Text)
    description_es: Mapped[str | None] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    country: Mapped[str] = mapped_column(String(3), index=True)
    origin: Mapped[str] = mapped_column(String(16))
    pillar: Mapped[str | None] = mapped_column(String(32))
    started_on: Mapped[date | None] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    results: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    evidence_level: Mapped[str | None] = mapped_column(String(16))
    evidence: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    implementing_organisations: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    links: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    contacts: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    shared_with: Mapped[list[str]] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(200))
    owner_org_id: Mapped[str | None] = mapped_column(String(200))
    review_comment: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime | None] = mapped_column(UTC_TIMESTAMP)
    published_at: Mapped[datetime | None] = mapped_column(UTC_TIMESTAMP)
    archived_at: Mapped[datetime | None] = mapped_column(UTC_TIMESTAMP)
    created_at: Mapped[datetime] = mapped_column(UTC_TIMESTAMP)
    updated_at: Mapped[datetime] = mapped_column(UTC_TIMESTAMP)
    version: Mapped[int] = mapped_column(Integer)

    theme_links: Mapped[list[PracticeTheme]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="PracticeTheme.position"
    )
    population_links: Mapped[list[PracticePopulation]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="PracticePopulation.position"
    )
    organisation_links: Mapped[list[PracticeOrganisation]] = relationship(
        lazy="raise", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        Index("ix_practice_status_created_at", "status", "created_at", "id"),
        Index("ix_practice_status_sort_title", "status", "sort_title", "id"),
        # Covers the filter-and-facet scan (status, country, origin, evidence) without
        # touching the wide rows: PostgreSQL answers it with an index-only scan.
        Index(
            "ix_practice_status_country_facets",
            "status",
            "country",
            "origin",
            "evidence_level",
            "created_at",
            "id",
        ),
    )

    @property
    def themes(self) -> list[str]:
        return [link.theme for link in self.theme_links]

    @property
    def populations(self) -> list[str]:
        return [link.population for link in self.population_links]


class PracticeTheme(Base):
    """A theme a practice addresses (a row per theme, for filters and facet counts)."""

    __tablename__ = "practice_theme"

    practice_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("practice.id", ondelete="CASCADE"), primary_key=True
    )
    theme: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)

    # (value, practice) lets a filter or facet read the index alone.
    __table_args__ = (Index("ix_practice_theme_theme", "theme", "practice_id"),)


class PracticePopulation(Base):
    """A population a practice serves."""

    __tablename__ = "practice_population"

    practice_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("practice.id", ondelete="CASCADE"), primary_key=True
    )
    population: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)

    __table_args__ = (Index("ix_practice_population_population", "population", "practice_id"),)


class PracticeOrganisation(Base):
    """An implementing organisation's id, so practices can be listed by organisation."""

    __tablename__ = "practice_organisation"

    practice_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("practice.id", ondelete="CASCADE"), primary_key=True
    )
    organisation_id: Mapped[str] = mapped_column(String(200), primary_key=True)

    __table_args__ = (
        Index("ix_practice_organisation_organisation_id", "organisation_id", "practice_id"),
    )


class PracticeFacetCount(Base):
    """How many published practices carry a facet value (`total`/"" counts them all).

    The catalogue's unfiltered front page reads its facet counts here instead of counting
    the whole catalogue; the service adjusts them in the same transaction as every
    publish, archive and edit of a published practice (repository.adjust_facet_counts).
    """

    __tablename__ = "practice_facet_count"

    facet: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[str] = mapped_column(String(64), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)


class PracticeTransition(Base):
    """One step of the review workflow: who moved the practice, from where to where, when."""

    __tablename__ = "practice_transition"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    practice_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("practice.id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[str] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(200))
    comment: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTC_TIMESTAMP)


class PracticeVersion(Base):
    """A snapshot of the public record each time a published practice changes."""

    __tablename__ = "practice_version"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    practice_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("practice.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    changed_fields: Mapped[list[str]] = mapped_column(JSON)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    changed_by: Mapped[str] = mapped_column(String(200))
    changed_at: Mapped[datetime] = mapped_column(UTC_TIMESTAMP)

    __table_args__ = (UniqueConstraint("practice_id", "number"),)


class InventoryItem(Base):
    """A service, programme or gap for local integration in a MIRPS country."""

    __tablename__ = "inventory_item"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    country: Mapped[str] = mapped_column(String(3), index=True)
    theme: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    title: Mapped[dict[str, Any]] = mapped_column(JSON)
    description: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    populations: Mapped[list[str]] = mapped_column(JSON)
    severity: Mapped[str | None] = mapped_column(String(16))
    source_organisation_id: Mapped[str | None] = mapped_column(String(200))
    source_organisation_name: Mapped[str | None] = mapped_column(String(300))
    as_of_date: Mapped[date] = mapped_column(Date)
    contacts: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTC_TIMESTAMP)
    updated_at: Mapped[datetime] = mapped_column(UTC_TIMESTAMP)
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}


class IdempotencyRecord(IdempotencyRecordMixin, Base):
    """Idempotency-Key rows of this service (see services.common.idempotency)."""

    __tablename__ = "idempotency_keys"


class PracticeDocument(DocumentColumns, Base):
    """Materials attached to a practice (services.common.documents)."""

    __tablename__ = "practice_documents"

    parent_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("practice.id", ondelete="CASCADE"), index=True
    )


class OutboxEvent(OutboxEventMixin, Base):
    """One change of this service, as its change feed and webhooks serve it."""


class KnownReference(KnownReferenceMixin, Base):
    """Another service's record this one may name (see services.common.references)."""


class ReferenceCheckpoint(ReferenceCheckpointMixin, Base):
    """How far this service has read an upstream's change feed."""


class WebhookSubscription(WebhookSubscriptionMixin, Base):
    """An organisation's subscription to this service's events."""


class WebhookDelivery(WebhookDeliveryMixin, Base):
    """One event queued for, or delivered to, one subscription."""
