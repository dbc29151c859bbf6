"""Tables of the pledges service."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from services.common.db import naming_metadata
from services.common.idempotency import IdempotencyRecordMixin


class Base(DeclarativeBase):
    metadata = naming_metadata()


class Amount(TypeDecorator[Decimal]):
    """NUMERIC(precision, scale) that always reads back as Decimal.

    PostgreSQL stores and sums it exactly. SQLite has no decimal type: it keeps a float
    (15 significant digits — exact for amounts below 10^11 with 4 decimals), which is
    read back as Decimal rounded to the column's scale.
    """

    impl = Numeric
    cache_ok = True

    def __init__(self, precision: int = 20, scale: int = 4) -> None:
        super().__init__(precision=precision, scale=scale)
        self.precision = precision
        self.scale = scale

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(Numeric(asdecimal=False))
        return dialect.type_descriptor(Numeric(self.precision, self.scale))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None or dialect.name != "sqlite":
            return value
        return float(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        quantum = Decimal(1).scaleb(-self.scale)
        return Decimal(str(value)).quantize(quantum)


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back with its offset (SQLite drops it)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


MONEY = Amount(20, 4)
RATE = Amount(24, 10)


class OrganisationKind(StrEnum):
    STATE = "state"
    MULTILATERAL_DEVELOPMENT_BANK = "multilateral_development_bank"
    UN_AGENCY = "un_agency"
    REGIONAL_ORGANISATION = "regional_organisation"
    PRIVATE_SECTOR = "private_sector"
    CIVIL_SOCIETY = "civil_society"
    ACADEMIA = "academia"
    OTHER = "other"


class PledgeKind(StrEnum):
    FINANCIAL = "financial"
    MATERIAL = "material"
    TECHNICAL = "technical"
    POLICY = "policy"
    EMPLOYMENT = "employment"


class FundingMechanism(StrEnum):
    GRANT = "grant"
    LOAN = "loan"
    IN_KIND = "in_kind"
    TRUST_FUND = "trust_fund"
    OTHER = "other"


class ImplementationStatus(StrEnum):
    PLANNING = "planning"
    IN_PROGRESS = "in_progress"
    FULFILLED = "fulfilled"


class Visibility(StrEnum):
    PUBLIC = "public"
    RESTRICTED = "restricted"


class EntryType(StrEnum):
    COMMITMENT = "commitment"
    DISBURSEMENT = "disbursement"
    EXPENDITURE = "expenditure"
    REVERSAL = "reversal"


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(300))
    acronym: Mapped[str | None] = mapped_column(String(50))
    kind: Mapped[str] = mapped_column(String(40), index=True)
    country: Mapped[str | None] = mapped_column(String(3))
    sp_member_since: Mapped[date | None] = mapped_column(Date)
    website: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}


class Objective(Base):
    """A costed objective of a country's National Action Plan."""

    __tablename__ = "objectives"
    __table_args__ = (
        CheckConstraint("start_year <= end_year", name="period"),
        Index("ix_objectives_country_pillar", "country", "pillar"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    country: Mapped[str] = mapped_column(String(3))
    pillar: Mapped[str] = mapped_column(String(40))
    theme: Mapped[str] = mapped_column(String(60), index=True)
    title_es: Mapped[str | None] = mapped_column(Text)
    title_en: Mapped[str | None] = mapped_column(Text)
    description_es: Mapped[str | None] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    requirement_amount: Mapped[Decimal] = mapped_column(MONEY)
    requirement_currency: Mapped[str] = mapped_column(String(3))
    # USD per unit at the date the requirement was costed, and the result in USD.
    requirement_rate_to_usd: Mapped[Decimal] = mapped_column(RATE)
    requirement_usd: Mapped[Decimal] = mapped_column(MONEY)
    requirement_rate_date: Mapped[date] = mapped_column(Date)
    start_year: Mapped[int] = mapped_column(Integer)
    end_year: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}


class Pledge(Base):
    __tablename__ = "pledges"
    __table_args__ = (
        Index("ix_pledges_contributor_id_announced_on", "contributor_id", "announced_on"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    contributor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    kind: Mapped[str] = mapped_column(String(20), index=True)
    title_es: Mapped[str | None] = mapped_column(Text)
    title_en: Mapped[str | None] = mapped_column(Text)
    description_es: Mapped[str | None] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    amount: Mapped[Decimal | None] = mapped_column(MONEY)
    currency: Mapped[str | None] = mapped_column(String(3))
    # USD per unit on the announcement date, and the pledged amount in USD at that rate.
    rate_to_usd: Mapped[Decimal | None] = mapped_column(RATE)
    amount_usd: Mapped[Decimal | None] = mapped_column(MONEY)
    regional: Mapped[bool] = mapped_column(Boolean)
    announced_on: Mapped[date] = mapped_column(Date, index=True)
    announced_at: Mapped[str | None] = mapped_column(String(100), index=True)
    funding_mechanism: Mapped[str | None] = mapped_column(String(20))
    implementation_status: Mapped[str] = mapped_column(String(20))
    visibility: Mapped[str] = mapped_column(String(20))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    withdrawn_on: Mapped[date | None] = mapped_column(Date)
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}


class PledgeCountry(Base):
    """A recipient country of a pledge."""

    __tablename__ = "pledge_countries"

    pledge_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("pledges.id", ondelete="CASCADE"), primary_key=True
    )
    country: Mapped[str] = mapped_column(String(3), primary_key=True, index=True)


class PledgeObjective(Base):
    """An action-plan objective a pledge is linked to."""

    __tablename__ = "pledge_objectives"

    pledge_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("pledges.id", ondelete="CASCADE"), primary_key=True
    )
    objective_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("objectives.id"), primary_key=True, index=True
    )


class PledgeChange(Base):
    """One entry of a pledge's history: who changed what, when."""

    __tablename__ = "pledge_changes"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    pledge_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("pledges.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[str] = mapped_column(String(20))
    changed_by: Mapped[str] = mapped_column(String(200))
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    changes: Mapped[dict[str, Any]] = mapped_column(JSON)


class LedgerEntry(Base):
    """An append-only movement on a pledge. Never updated, never deleted.

    `effect` is the balance the entry moves (commitment, disbursement or expenditure); a
    reversal moves the balance of the entry it cancels, with negative `signed_*` amounts.
    Sums of `signed_usd` / `signed_pledge_amount` per effect are the pledge's totals.
    """

    __tablename__ = "ledger_entries"
    __table_args__ = (
        Index("ix_ledger_entries_pledge_id_effect", "pledge_id", "effect"),
        Index("ix_ledger_entries_effect_value_date", "effect", "value_date"),
        Index("ix_ledger_entries_objective_id_effect", "objective_id", "effect"),
        UniqueConstraint("reverses_entry_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    pledge_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pledges.id"))
    entry_type: Mapped[str] = mapped_column(String(20))
    effect: Mapped[str] = mapped_column(String(20))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    currency: Mapped[str] = mapped_column(String(3))
    value_date: Mapped[date] = mapped_column(Date)
    rate_to_usd: Mapped[Decimal] = mapped_column(RATE)
    amount_usd: Mapped[Decimal] = mapped_column(MONEY)
    # The amount in the pledge's currency (via USD, both rates of the value date).
    pledge_amount: Mapped[Decimal] = mapped_column(MONEY)
    signed_usd: Mapped[Decimal] = mapped_column(MONEY)
    signed_pledge_amount: Mapped[Decimal] = mapped_column(MONEY)
    recipient_country: Mapped[str] = mapped_column(String(3))
    objective_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("objectives.id"))
    reverses_entry_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("ledger_entries.id"))
    external_reference: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ExchangeRate(Base):
    """USD per one unit of `currency`, valid from `rate_date` until the next rate."""

    __tablename__ = "exchange_rates"
    __table_args__ = (UniqueConstraint("currency", "rate_date"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    currency: Mapped[str] = mapped_column(String(3))
    rate_date: Mapped[date] = mapped_column(Date)
    rate_to_usd: Mapped[Decimal] = mapped_column(RATE)
    source: Mapped[str] = mapped_column(String(200))
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())


class IdempotencyRecord(IdempotencyRecordMixin, Base):
    """Idempotency-Key rows of this service (see services.common.idempotency)."""

    __tablename__ = "idempotency_keys"
