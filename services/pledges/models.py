"""Tables of the pledges service."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ColumnElement,
    Date,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.sql import operators
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator

from services.common.db import UTCDateTime, naming_metadata
from services.common.documents import DocumentColumns
from services.common.idempotency import IdempotencyRecordMixin
from services.common.outbox import OutboxEventMixin
from services.common.references import KnownReferenceMixin, ReferenceCheckpointMixin
from services.common.webhooks import WebhookDeliveryMixin, WebhookSubscriptionMixin


class Base(DeclarativeBase):
    metadata = naming_metadata()


class _ScaledInteger(Numeric):  # type: ignore[type-arg]
    """SQLite storage of an Amount: declared NUMERIC(p, s), holding value x 10^scale as a
    64-bit INTEGER. No driver conversion: integers go in and come out untouched."""

    def bind_processor(self, dialect: Dialect) -> None:
        return None

    def result_processor(self, dialect: Dialect, coltype: object) -> None:
        return None


class Amount(TypeDecorator[Decimal]):
    """NUMERIC(precision, scale) that always reads back as Decimal, exact on both backends.

    PostgreSQL stores and sums it as NUMERIC. SQLite has no decimal type: it stores the
    value x 10^scale as a 64-bit INTEGER (the column's NUMERIC affinity keeps integers as
    INTEGER), so storage, SUM, differences and comparisons of same-scale amounts are exact
    integer arithmetic. A value must stay below 2^63 / 10^scale: the service bounds money
    (scale 4) below `service.MONEY_LIMIT` (9 x 10^14); rates (scale 10, at most 10,000) fit.

    Multiplying or dividing an Amount by a plain number (a share, a count) does not scale
    that number (see `coerce_compared_value`); a product of two Amounts mixes scales and
    must be rescaled with `rescaled()`.
    """

    impl = Numeric
    cache_ok = True

    def __init__(self, precision: int = 20, scale: int = 4) -> None:
        super().__init__(precision=precision, scale=scale)
        self.precision = precision
        self.scale = scale

    @property
    def factor(self) -> int:
        return int(10**self.scale)

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(_ScaledInteger(self.precision, self.scale))
        return dialect.type_descriptor(Numeric(self.precision, self.scale))

    def coerce_compared_value(self, op: Any, value: Any) -> Any:
        # `amount * 2` or `amount / count`: the number is a plain factor, not an amount.
        if op in (operators.mul, operators.truediv, operators.floordiv, operators.mod):
            return Numeric()
        return self

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None or dialect.name != "sqlite":
            return value
        scaled = Decimal(value).scaleb(self.scale).to_integral_value(rounding=ROUND_HALF_EVEN)
        if abs(scaled) > INT64_MAX:
            raise ValueError(f"{value} does not fit a scale-{self.scale} amount on SQLite")
        return int(scaled)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        quantum = Decimal(1).scaleb(-self.scale)
        if dialect.name != "sqlite":
            return Decimal(str(value)).quantize(quantum)
        if isinstance(value, int):
            return Decimal(value).scaleb(-self.scale).quantize(quantum)
        # A computed value (a share of an amount, a rescaled product) comes back as a REAL
        # in units of 10^-scale.
        return (
            Decimal(repr(float(value)))
            .scaleb(-self.scale)
            .quantize(quantum, rounding=ROUND_HALF_EVEN)
        )


INT64_MAX = 2**63 - 1


class rescaled(FunctionElement[Decimal]):  # noqa: N801 - used like a SQL function
    """A product of amounts of different scales brought to `to`'s scale.

    On PostgreSQL the NUMERIC product is already the value: nothing to do. On SQLite the
    product of two scaled integers is scaled by both factors, so it is divided by the extra
    power of ten (as a REAL: such a product overflows 64-bit integers).
    """

    inherit_cache = True

    def __init__(self, product: Any, extra_scale: int, to: Amount) -> None:
        self.extra_scale = extra_scale
        self.type = to
        super().__init__(product)


@compiles(rescaled)
def _rescaled_default(element: rescaled, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.clauses, **kw))


@compiles(rescaled, "sqlite")
def _rescaled_sqlite(element: rescaled, compiler: Any, **kw: Any) -> str:
    product = compiler.process(element.clauses, **kw)
    return f"(CAST({product} AS REAL) / 1e{element.extra_scale})"


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


class PledgeStage(StrEnum):
    """Before the implementation statuses: cultivated in private, then announced."""

    CULTIVATING = "cultivating"
    ANNOUNCED = "announced"


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
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}


class ObjectiveScope(StrEnum):
    """National: of one country's National Action Plan; regional: of the Regional Action
    Plan (no country)."""

    NATIONAL = "national"
    REGIONAL = "regional"


class Objective(Base):
    """A costed objective of a country's National Action Plan, or of the Regional Action
    Plan (no country)."""

    __tablename__ = "objectives"
    __table_args__ = (
        CheckConstraint("start_year <= end_year", name="period"),
        Index("ix_objectives_country_pillar", "country", "pillar"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    # None: a regional objective (its scope is derived, never stored apart).
    country: Mapped[str | None] = mapped_column(String(3))
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
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
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
    # The pledge's life: "cultivating" (a PledgeStage: seen only by its parties, counted
    # nowhere) until it is announced, then an ImplementationStatus.
    implementation_status: Mapped[str] = mapped_column(String(20))
    visibility: Mapped[str] = mapped_column(String(20))
    # False: the allocation is the equal split over objectives (else countries), redone
    # when they change; True: the owner stated the allocation lines.
    allocation_stated: Mapped[bool] = mapped_column(Boolean)
    # True: its figures are invented (demo data), whoever the contributor is.
    illustrative: Mapped[bool] = mapped_column(Boolean, default=False)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_on: Mapped[date | None] = mapped_column(Date)
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}

    @property
    def stage(self) -> str:
        return (
            PledgeStage.CULTIVATING.value
            if self.implementation_status == PledgeStage.CULTIVATING.value
            else PledgeStage.ANNOUNCED.value
        )


def announced_pledge() -> ColumnElement[bool]:
    """SQL: the pledge is announced (a cultivating pledge counts nowhere)."""
    return Pledge.implementation_status != PledgeStage.CULTIVATING.value


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


class AllocationLine(Base):
    """Where part of a pledge's amount is meant to go: a country and/or an objective.

    Amounts are in the pledge's currency and sum to the pledge's amount; `amount_usd` is
    the line at the pledge's announcement rate. Every movement of the ledger draws on one
    line, and the ledger invariants hold per line.
    """

    __tablename__ = "allocation_lines"
    __table_args__ = (Index("ix_allocation_lines_pledge_id_position", "pledge_id", "position"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    pledge_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pledges.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    country: Mapped[str | None] = mapped_column(String(3))
    objective_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("objectives.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    amount_usd: Mapped[Decimal] = mapped_column(MONEY)


SHARE = Amount(12, 6)


class PledgeContributor(Base):
    """One contributor of a pledge and its share (a joint pledge has several, one lead).

    `share_percent` is what reports split by (the shares of a pledge sum to 100);
    `share_amount` is the amount in the pledge's currency when the shares were stated as
    amounts (they then sum to the pledge's amount). The lead is the pledge's
    `contributor_id`: it and the secretariat write the pledge, the others read it.
    """

    __tablename__ = "pledge_contributors"

    pledge_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("pledges.id", ondelete="CASCADE"), primary_key=True
    )
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id"), primary_key=True, index=True
    )
    lead: Mapped[bool] = mapped_column(Boolean)
    share_percent: Mapped[Decimal] = mapped_column(SHARE)
    share_amount: Mapped[Decimal | None] = mapped_column(MONEY)


class MatchStatus(StrEnum):
    PROPOSED = "proposed"
    UNDER_DISCUSSION = "under_discussion"
    AGREED = "agreed"
    ANNOUNCED = "announced"
    DECLINED = "declined"


class Match(Base):
    """A pairing of a need side — a host country's policy pledge or an action-plan
    objective, exactly one — with the support-side pledges that would serve it."""

    __tablename__ = "matches"
    __table_args__ = (
        CheckConstraint(
            "(need_pledge_id IS NULL) <> (need_objective_id IS NULL)", name="one_need_side"
        ),
        Index("ix_matches_status_event", "status", "event"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    need_pledge_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("pledges.id"), index=True)
    need_objective_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("objectives.id"), index=True
    )
    status: Mapped[str] = mapped_column(String(20))
    # The event (events service id) where the match is meant to be announced, e.g. the GRF.
    event: Mapped[str | None] = mapped_column(String(100))
    notes_es: Mapped[str | None] = mapped_column(Text)
    notes_en: Mapped[str | None] = mapped_column(Text)
    score: Mapped[Decimal | None] = mapped_column(MONEY)
    proposed_by: Mapped[str] = mapped_column(String(200))
    proposed_by_org: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}


class MatchPledge(Base):
    """A support-side pledge of a match."""

    __tablename__ = "match_pledges"

    match_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("matches.id", ondelete="CASCADE"), primary_key=True
    )
    pledge_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("pledges.id"), primary_key=True, index=True
    )


class MatchChange(Base):
    """One status change of a match (its creation is the change from nothing to proposed)."""

    __tablename__ = "match_changes"
    __table_args__ = (UniqueConstraint("match_id", "position"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    match_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("matches.id", ondelete="CASCADE"), index=True
    )
    # 1 for the proposal, then one more per move (taken under the match's row lock), so
    # the history keeps its order whatever the clock's resolution.
    position: Mapped[int] = mapped_column(Integer)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    changed_by: Mapped[str] = mapped_column(String(200))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PledgeChange(Base):
    """One entry of a pledge's history: who changed what, when."""

    __tablename__ = "pledge_changes"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    pledge_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("pledges.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[str] = mapped_column(String(20))
    changed_by: Mapped[str] = mapped_column(String(200))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    changes: Mapped[dict[str, Any]] = mapped_column(JSON)


class ProgressUpdate(Base):
    """A dated narrative update on a pledge (the GRF's pledge update form): what was done,
    in Spanish and/or English, the pledge's status at the time and optional figures.
    Public when the pledge is; never changed (a correction is a new update)."""

    __tablename__ = "progress_updates"
    __table_args__ = (
        Index("ix_progress_updates_pledge_id_reported_on", "pledge_id", "reported_on"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    pledge_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pledges.id", ondelete="CASCADE"))
    reported_on: Mapped[date] = mapped_column(Date, index=True)
    narrative_es: Mapped[str | None] = mapped_column(Text)
    narrative_en: Mapped[str | None] = mapped_column(Text)
    implementation_status: Mapped[str] = mapped_column(String(20))
    # Label → decimal string, e.g. {"people_hired": "120"}.
    figures: Mapped[dict[str, str]] = mapped_column(JSON)
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())


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
        Index("ix_ledger_entries_pledge_id_period_date", "pledge_id", "period_date"),
        UniqueConstraint("reverses_entry_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    pledge_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pledges.id"))
    entry_type: Mapped[str] = mapped_column(String(20))
    effect: Mapped[str] = mapped_column(String(20))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    currency: Mapped[str] = mapped_column(String(3))
    value_date: Mapped[date] = mapped_column(Date)
    # The day the entry counts on in reports and balance checks: its value date, or for a
    # reversal the value date of the entry it reverses (a reversal restates that period).
    period_date: Mapped[date] = mapped_column(Date)
    rate_to_usd: Mapped[Decimal] = mapped_column(RATE)
    amount_usd: Mapped[Decimal] = mapped_column(MONEY)
    # The amount in the pledge's currency (via USD, both rates of the value date).
    pledge_amount: Mapped[Decimal] = mapped_column(MONEY)
    signed_usd: Mapped[Decimal] = mapped_column(MONEY)
    signed_pledge_amount: Mapped[Decimal] = mapped_column(MONEY)
    recipient_country: Mapped[str] = mapped_column(String(3))
    objective_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("objectives.id"))
    # The allocation line the entry draws on, and what it adds to the line's figure in USD
    # at the pledge's announcement rate: round(line sum after x rate) - round(line sum
    # before x rate), so a line's entries add up to exactly its sum at that rate and can
    # never pass the line's own USD amount through rounding or exchange-rate moves.
    allocation_line_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("allocation_lines.id"), index=True
    )
    report_usd: Mapped[Decimal] = mapped_column(MONEY)
    reverses_entry_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("ledger_entries.id"))
    external_reference: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())


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
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RollupFigures:
    """What every rollup row holds: its grain (the dimensions joined into one key, since
    some are null), its half-year (year x 10 + half: 1 January-June, 2 July-December,
    e.g. 20231) and the USD figures."""

    grain: Mapped[str] = mapped_column(String(300), primary_key=True)
    half: Mapped[int] = mapped_column(Integer)
    pledged: Mapped[Decimal] = mapped_column(MONEY)
    committed: Mapped[Decimal] = mapped_column(MONEY)
    disbursed: Mapped[Decimal] = mapped_column(MONEY)


class ReportRollup(RollupFigures, Base):
    """Report figures pre-aggregated per country x objective x contributor x visibility x
    contributor kind x pledge kind x funding mechanism x half-year (see rollups.py).

    Kept equal to the sum of the flows in the same transaction as every write, by delta
    upserts on `grain`; `mirps rollups rebuild --check` proves it against a full
    recomputation.
    """

    __tablename__ = "report_rollups"

    country: Mapped[str | None] = mapped_column(String(3))
    objective_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    contributor_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    visibility: Mapped[str] = mapped_column(String(20))
    contributor_kind: Mapped[str] = mapped_column(String(40))
    pledge_kind: Mapped[str] = mapped_column(String(20))
    funding_mechanism: Mapped[str | None] = mapped_column(String(20))


class CountryRollup(RollupFigures, Base):
    """ReportRollup summed over objectives and contributors: what the reports by country,
    kinds, mechanism and year (and the synthesis) read — a few rows per half-year."""

    __tablename__ = "country_rollups"

    country: Mapped[str | None] = mapped_column(String(3))
    contributor_kind: Mapped[str] = mapped_column(String(40))
    pledge_kind: Mapped[str] = mapped_column(String(20))
    funding_mechanism: Mapped[str | None] = mapped_column(String(20))


class ObjectiveRollup(RollupFigures, Base):
    """ReportRollup summed per objective and half-year: what gaps and matching read."""

    __tablename__ = "objective_rollups"

    objective_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)


class PeriodFigures:
    """A rollup row by month or by day (`span`), for report dates off the half-year
    bounds: `period` is yyyymm (month) or yyyymmdd (day), `year` its year."""

    grain: Mapped[str] = mapped_column(String(300), primary_key=True)
    span: Mapped[str] = mapped_column(String(5))
    period: Mapped[int] = mapped_column(Integer)
    year: Mapped[int] = mapped_column(Integer)
    pledged: Mapped[Decimal] = mapped_column(MONEY)
    committed: Mapped[Decimal] = mapped_column(MONEY)
    disbursed: Mapped[Decimal] = mapped_column(MONEY)


class CountryPeriodRollup(PeriodFigures, Base):
    """CountryRollup by month and by day: the edges of a date range that does not start
    or end on a half-year bound (the whole half-years between come from CountryRollup)."""

    __tablename__ = "country_period_rollups"
    __table_args__ = (Index("ix_country_period_rollups_span_period", "span", "period"),)

    country: Mapped[str | None] = mapped_column(String(3))
    contributor_kind: Mapped[str] = mapped_column(String(40))
    pledge_kind: Mapped[str] = mapped_column(String(20))
    funding_mechanism: Mapped[str | None] = mapped_column(String(20))


class ObjectivePeriodRollup(PeriodFigures, Base):
    """ObjectiveRollup by month and by day (gaps and matching as of any date)."""

    __tablename__ = "objective_period_rollups"
    __table_args__ = (Index("ix_objective_period_rollups_span_period", "span", "period"),)

    objective_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)


class CountRollup(Base):
    """Announced pledges counted per contributor x country x kinds x funding mechanism x
    half-year of announcement (see rollups.py): the pledges and contributors columns of
    the reports, read as a sum and a distinct count over a few rows instead of over every
    allocation line.

    A pledge counts once in each country it has a line in (`per_country` rows) and once
    in all (`per_country` false, country null): a group that names no country reads the
    latter, so a pledge over two countries is not counted twice.
    """

    __tablename__ = "count_rollups"
    __table_args__ = (Index("ix_count_rollups_per_country_half", "per_country", "half"),)

    grain: Mapped[str] = mapped_column(String(300), primary_key=True)
    per_country: Mapped[bool] = mapped_column(Boolean)
    country: Mapped[str | None] = mapped_column(String(3))
    contributor_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    contributor_kind: Mapped[str] = mapped_column(String(40))
    pledge_kind: Mapped[str] = mapped_column(String(20))
    funding_mechanism: Mapped[str | None] = mapped_column(String(20))
    half: Mapped[int] = mapped_column(Integer)
    pledges: Mapped[int] = mapped_column(Integer)


class IdempotencyRecord(IdempotencyRecordMixin, Base):
    """Idempotency-Key rows of this service (see services.common.idempotency)."""

    __tablename__ = "idempotency_keys"


class ImportState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class ImportJob(Base):
    """A bulk import: the file, who sent it, and how far it got (see services.pledges.jobs)."""

    __tablename__ = "import_jobs"
    __table_args__ = (Index("ix_import_jobs_state", "state"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    state: Mapped[str] = mapped_column(String(20))
    dry_run: Mapped[bool] = mapped_column(Boolean)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_by: Mapped[str] = mapped_column(String(200))
    principal: Mapped[dict[str, Any]] = mapped_column(JSON)
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    rows_validated: Mapped[int] = mapped_column(Integer, default=0)
    rows_written: Mapped[int] = mapped_column(Integer, default=0)
    rows_unchanged: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    detail: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PledgeDocument(DocumentColumns, Base):
    """Documents attached to a pledge (services.common.documents)."""

    __tablename__ = "pledge_documents"

    parent_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("pledges.id", ondelete="CASCADE"), index=True
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


# ---------------------------------------------------------------- employment pledges


class HiringPractice(StrEnum):
    """How a company commits to hire refugees (Outcome 2.1.3)."""

    QUOTA = "quota"
    REFUGEE_FRIENDLY_POLICY = "refugee_friendly_policy"
    TARGETED_RECRUITMENT = "targeted_recruitment"
    TRAINING_AND_PLACEMENT = "training_and_placement"


class EmploymentTerms(Base):
    """What an employment pledge commits to: its hiring practice (the countries and the
    companies are rows of their own)."""

    __tablename__ = "employment_terms"

    pledge_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("pledges.id", ondelete="CASCADE"), primary_key=True
    )
    hiring_practice: Mapped[str] = mapped_column(String(40))


class HiringCountry(Base):
    """A MIRPS country where an employment pledge's companies hire, with the jobs targeted."""

    __tablename__ = "employment_hiring_countries"
    __table_args__ = (CheckConstraint("jobs_targeted > 0", name="jobs_targeted_positive"),)

    pledge_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("pledges.id", ondelete="CASCADE"), primary_key=True
    )
    country: Mapped[str] = mapped_column(String(3), primary_key=True, index=True)
    jobs_targeted: Mapped[int] = mapped_column(Integer)


class HiringCompany(Base):
    """A company (organisation of kind private_sector) hiring under an employment pledge."""

    __tablename__ = "employment_companies"

    pledge_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("pledges.id", ondelete="CASCADE"), primary_key=True
    )
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id"), primary_key=True, index=True
    )


# ---------------------------------------------------------------- outreach pipeline


class ProspectStatus(StrEnum):
    """identified → approached → interested → pledged; declined from any open status."""

    IDENTIFIED = "identified"
    APPROACHED = "approached"
    INTERESTED = "interested"
    PLEDGED = "pledged"
    DECLINED = "declined"


class InteractionChannel(StrEnum):
    MEETING = "meeting"
    VIDEO_CALL = "video_call"
    PHONE = "phone"
    EMAIL = "email"
    EVENT = "event"
    OTHER = "other"


class Prospect(Base):
    """A prospective partner in the outreach pipeline (Activity 2.1): a registered
    organisation or a not-yet-registered name, owned by one SP member or secretariat
    person. The contact_* columns are personal data: read only by the secretariat and the
    owner, never written to exports, the change feed or webhooks."""

    __tablename__ = "prospects"
    __table_args__ = (Index("ix_prospects_owner_sub_status", "owner_sub", "status"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    # Either an organisation, or a name with kind and country (until it registers).
    organisation_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("organisations.id"), index=True
    )
    name: Mapped[str | None] = mapped_column(String(300))
    kind: Mapped[str | None] = mapped_column(String(40))
    country: Mapped[str | None] = mapped_column(String(3))
    # The token subject of the person owning the contact, and their SP member
    # organisation (None: a secretariat person).
    owner_sub: Mapped[str] = mapped_column(String(200))
    owner_organisation_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organisations.id"))
    status: Mapped[str] = mapped_column(String(20), index=True)
    pledge_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("pledges.id"), index=True)
    next_step: Mapped[str | None] = mapped_column(Text)
    next_step_on: Mapped[date | None] = mapped_column(Date)
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_job_title: Mapped[str | None] = mapped_column(String(200))
    contact_email: Mapped[str | None] = mapped_column(String(320))
    contact_phone: Mapped[str | None] = mapped_column(String(50))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}


class ProspectInteraction(Base):
    """A dated contact with a prospect: when, how, and what was said."""

    __tablename__ = "prospect_interactions"
    __table_args__ = (
        Index("ix_prospect_interactions_prospect_id_occurred_on", "prospect_id", "occurred_on"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    prospect_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("prospects.id", ondelete="CASCADE"))
    occurred_on: Mapped[date] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(20))
    summary: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ProspectStatusChange(Base):
    """One move of a prospect through the pipeline: from, to, who, when."""

    __tablename__ = "prospect_status_changes"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    prospect_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("prospects.id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    pledge_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    changed_by: Mapped[str] = mapped_column(String(200))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())
