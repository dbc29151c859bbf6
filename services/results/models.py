"""Tables of the results service.

The framework is one tree per strategy: objectives, activities and outcomes are rows of
`framework_elements` with their level and parent, so one set of queries serves every level.
Indicators hang off outcomes. A measurement is one value of one indicator for one period;
measurements are never updated in value — a new value is a new row, so history is kept.
Values are decimal strings: they are compared and shown, never summed by the database.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.common.db import UTCDateTime, naming_metadata
from services.common.idempotency import IdempotencyRecordMixin
from services.common.outbox import OutboxEventMixin
from services.common.references import KnownReferenceMixin, ReferenceCheckpointMixin
from services.common.webhooks import WebhookDeliveryMixin, WebhookSubscriptionMixin


class Base(DeclarativeBase):
    metadata = naming_metadata()


UTC_TIMESTAMP = UTCDateTime()


class Strategy(Base):
    """A Chair's strategy: the 2022-2023 one, and the next Chairs' after it."""

    __tablename__ = "strategies"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[dict[str, Any]] = mapped_column(JSON)
    chair: Mapped[str | None] = mapped_column(String(200), nullable=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTC_TIMESTAMP)


class FrameworkElement(Base):
    """An objective, activity or outcome of a strategy (level says which)."""

    __tablename__ = "framework_elements"
    __table_args__ = (UniqueConstraint("strategy_id", "code"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    strategy_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("strategies.id"), index=True)
    level: Mapped[str] = mapped_column(String(20))
    code: Mapped[str] = mapped_column(String(20))
    parent_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("framework_elements.id"), nullable=True, index=True
    )
    title: Mapped[dict[str, Any]] = mapped_column(JSON)
    description: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    position: Mapped[int] = mapped_column(Integer)


class Indicator(Base):
    """How an outcome is measured: computed from the platform's data, or reported."""

    __tablename__ = "indicators"
    __table_args__ = (UniqueConstraint("strategy_id", "code"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    strategy_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("strategies.id"), index=True)
    outcome_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("framework_elements.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[dict[str, Any]] = mapped_column(JSON)
    unit: Mapped[str] = mapped_column(String(20))
    direction: Mapped[str] = mapped_column(String(20))
    baseline: Mapped[str | None] = mapped_column(String(40), nullable=True)
    target: Mapped[str | None] = mapped_column(String(40), nullable=True)
    period: Mapped[str] = mapped_column(String(20))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    disaggregation: Mapped[list[str]] = mapped_column(JSON, default=list)
    responsible_organisations: Mapped[list[str]] = mapped_column(JSON, default=list)
    source: Mapped[str] = mapped_column(String(20))
    query: Mapped[str | None] = mapped_column(String(60), nullable=True)
    # A National Action Plan indicator: its country (focal points of it report it).
    country: Mapped[str | None] = mapped_column(String(3), nullable=True, index=True)
    # The pledges service's objective (a country's NAP objective) it tracks, if any.
    objective_id: Mapped[str | None] = mapped_column(String(100), nullable=True, index=True)
    illustrative: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTC_TIMESTAMP)
    # Bumped on every update; the ETag that If-Match must name.
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}


class Measurement(Base):
    """One value of an indicator for a period; computed (with its inputs' hash) or reported."""

    __tablename__ = "measurements"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    indicator_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("indicators.id"), index=True)
    value: Mapped[str] = mapped_column(String(40))
    period: Mapped[str] = mapped_column(String(20))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    computed_at: Mapped[datetime] = mapped_column(UTC_TIMESTAMP, index=True)
    checked_at: Mapped[datetime] = mapped_column(UTC_TIMESTAMP)
    source_call: Mapped[str | None] = mapped_column(Text, nullable=True)
    inputs_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    record_refs: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Records counted per value of the indicator's disaggregation dimensions.
    breakdown: Mapped[dict[str, dict[str, int]]] = mapped_column(JSON, default=dict)
    stale: Mapped[bool] = mapped_column(Boolean, default=False)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Reported values: evidence and review (submitted -> validated).
    evidence_url: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    evidence_reference: Mapped[str | None] = mapped_column(String(500), nullable=True)
    review_status: Mapped[str | None] = mapped_column(String(20), nullable=True)
    submitted_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    reviewed_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTC_TIMESTAMP, nullable=True)


class Milestone(Base):
    """A dated workplan milestone that is not an event (strategy published, next Chair)."""

    __tablename__ = "milestones"
    __table_args__ = (UniqueConstraint("strategy_id", "code"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    strategy_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("strategies.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    title: Mapped[dict[str, Any]] = mapped_column(JSON)
    due_on: Mapped[date] = mapped_column(Date)
    done_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    outcome_codes: Mapped[list[str]] = mapped_column(JSON, default=list)


class GovernanceRole(Base):
    """Who held a role of the platform's governance, and when (Chair, Troika, ...)."""

    __tablename__ = "governance_roles"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    role: Mapped[str] = mapped_column(String(40), index=True)
    holder: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date, nullable=True)


class ProgressSnapshot(Base):
    """The frozen progress report of a closed half-year: written once, never changed."""

    __tablename__ = "progress_snapshots"
    __table_args__ = (UniqueConstraint("strategy_id", "period"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    strategy_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("strategies.id"), index=True)
    period: Mapped[str] = mapped_column(String(10))
    frozen_at: Mapped[datetime] = mapped_column(UTC_TIMESTAMP)
    report: Mapped[dict[str, Any]] = mapped_column(JSON)


class IdempotencyRecord(IdempotencyRecordMixin, Base):
    """Idempotency-Key rows of this service (see services.common.idempotency)."""

    __tablename__ = "idempotency_keys"


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
