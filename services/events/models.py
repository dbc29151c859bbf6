"""Tables of the events service.

An event is stored in UTC with its IANA zone; local times are derived from both. Every
event also has rows in `event_occurrences`: one for a single event, one per occurrence
for a recurring series (expanded from its RRULE in the event's zone, so a 10:00 meeting
stays at 10:00 across daylight-saving changes). Clash checks, the timeline and date
filters are then plain indexed range queries in SQL, with no RRULE expansion on the
read path. A moved or cancelled occurrence is the same row with another status.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
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
    metadata = naming_metadata()


UTC_TIMESTAMP = UTCDateTime()


class LearningEvent(Base):
    """A learning event or meeting; a series when `rrule` is set."""

    __tablename__ = "events"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    title: Mapped[dict[str, Any]] = mapped_column(JSON)
    description: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # First occurrence, in UTC; `timezone` says where its wall-clock times live.
    starts_at: Mapped[datetime] = mapped_column(UTC_TIMESTAMP, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTC_TIMESTAMP)
    timezone: Mapped[str] = mapped_column(String(64))
    mode: Mapped[str] = mapped_column(String(20))
    city: Mapped[str | None] = mapped_column(String(200), nullable=True)
    country: Mapped[str | None] = mapped_column(String(3), nullable=True, index=True)
    online_url: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    working_group: Mapped[str | None] = mapped_column(String(100), nullable=True, index=True)
    capacity: Mapped[int | None] = mapped_column(Integer, nullable=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    cancellation_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    rrule: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    # Exception dates as local ISO datetimes (wall clock in `timezone`), as RFC 5545 does.
    exdates: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Bumped on every change of time, place or status: iCalendar SEQUENCE.
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTC_TIMESTAMP)
    updated_at: Mapped[datetime] = mapped_column(UTC_TIMESTAMP)

    hosts: Mapped[list[EventHost]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="EventHost.organisation_id"
    )
    countries: Mapped[list[EventCountry]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="EventCountry.country"
    )
    themes: Mapped[list[EventTheme]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="EventTheme.theme"
    )
    featured_practices: Mapped[list[EventFeaturedPractice]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="EventFeaturedPractice.practice_id"
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity_not_negative"),
    )


class EventHost(Base):
    """An organisation hosting an event; its members organise it."""

    __tablename__ = "event_hosts"

    event_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    organisation_id: Mapped[str] = mapped_column(String(100), primary_key=True, index=True)


class EventCountry(Base):
    """A country an event involves (its location country, and any other named)."""

    __tablename__ = "event_countries"

    event_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    country: Mapped[str] = mapped_column(String(3), primary_key=True, index=True)


class EventTheme(Base):
    __tablename__ = "event_themes"

    event_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    theme: Mapped[str] = mapped_column(String(60), primary_key=True, index=True)


class EventFeaturedPractice(Base):
    """A good practice (an opaque id of the practices service) featured at an event."""

    __tablename__ = "event_featured_practices"

    event_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    practice_id: Mapped[str] = mapped_column(String(100), primary_key=True, index=True)


class Occurrence(Base):
    """One occurrence of an event in UTC; `recurrence_id` is its original start."""

    __tablename__ = "event_occurrences"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    recurrence_id: Mapped[datetime] = mapped_column(UTC_TIMESTAMP)
    starts_at: Mapped[datetime] = mapped_column(UTC_TIMESTAMP)
    ends_at: Mapped[datetime] = mapped_column(UTC_TIMESTAMP)
    # Local calendar month (YYYY-MM) of the start in the event's zone: the timeline groups by it.
    local_month: Mapped[str] = mapped_column(String(7))
    # scheduled (as the rule says), moved (an override) or cancelled (an override).
    status: Mapped[str] = mapped_column(String(20))
    cancellation_reason: Mapped[str | None] = mapped_column(Text, nullable=True)

    __table_args__ = (
        UniqueConstraint("event_id", "recurrence_id"),
        Index("ix_event_occurrences_span", "starts_at", "ends_at"),
        Index("ix_event_occurrences_local_month", "local_month"),
    )


class Registration(Base):
    """A person registered for an event."""

    __tablename__ = "registrations"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    event_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(300))
    email: Mapped[str] = mapped_column(String(320))
    organisation_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    country: Mapped[str | None] = mapped_column(String(3), nullable=True)
    role: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    # Waitlist order: when the person (re)joined the queue.
    queued_at: Mapped[datetime] = mapped_column(UTC_TIMESTAMP)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTC_TIMESTAMP)
    updated_at: Mapped[datetime] = mapped_column(UTC_TIMESTAMP)

    __table_args__ = (UniqueConstraint("event_id", "email"),)


class Outcome(Base):
    """Something an event produced: a takeaway, a policy action, a resource commitment."""

    __tablename__ = "outcomes"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    event_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(40), index=True)
    country: Mapped[str | None] = mapped_column(String(3), nullable=True, index=True)
    organisation_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    description: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), index=True)
    pledge_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTC_TIMESTAMP)
    updated_at: Mapped[datetime] = mapped_column(UTC_TIMESTAMP)

    __mapper_args__ = {"version_id_col": version}


class IdempotencyRecord(IdempotencyRecordMixin, Base):
    """Idempotency-Key rows of this service (see services.common.idempotency)."""

    __tablename__ = "idempotency_keys"


class EventDocument(DocumentColumns, Base):
    """Minutes, materials and reports of an event (services.common.documents)."""

    __tablename__ = "event_documents"

    parent_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), index=True
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
