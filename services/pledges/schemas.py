"""Request and response shapes of the pledges API."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from services.common.errors import RowError as RowError  # the shape of every bad row
from services.common.inputs import Email, Line, Text, WebUrl
from services.common.references import STALE_REFERENCES_DESCRIPTION, StaleReference
from services.common.schemas import (
    ABOVE_ZERO,
    POSITIVE_AMOUNT,
    BoundedDate,
    DecimalString,
    Figure,
    LocalizedText,
    Money,
    absent,
    both,
    given,
    not_null,
    when,
)
from services.common.vocabulary import (
    CountryCode,
    CurrencyCode,
    MirpsCountryCode,
    PillarCode,
    ThemeCode,
)
from services.pledges.models import (
    EntryType,
    FundingMechanism,
    HiringPractice,
    ImplementationStatus,
    ImportState,
    InteractionChannel,
    ObjectiveScope,
    OrganisationKind,
    PledgeKind,
    PledgeStage,
    ProspectStatus,
    Visibility,
)

ORG_ID = "3f6c1a52-8a43-4c8e-9b8e-0c9c2d7f5a11"
OBJECTIVE_ID = "8b1e2c44-1d3a-4f0e-8f7a-2a5b6c7d8e90"
PLEDGE_ID = "c2d3e4f5-0a1b-4c2d-8e3f-4a5b6c7d8e9f"
ENTRY_ID = "e1f2a3b4-5c6d-4e7f-8a9b-0c1d2e3f4a5b"


class FinancialStatus(StrEnum):
    ANNOUNCED = "announced"
    PARTIALLY_COMMITTED = "partially_committed"
    FULLY_COMMITTED = "fully_committed"
    PARTIALLY_DISBURSED = "partially_disbursed"
    FULLY_DISBURSED = "fully_disbursed"
    WITHDRAWN = "withdrawn"


# ---------------------------------------------------------------- organisations


class OrganisationFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Line = Field(min_length=1, max_length=300, description="Full name.")
    acronym: Line | None = Field(default=None, max_length=50, description="Short name.")
    kind: OrganisationKind = Field(description="What kind of organisation it is.")
    country: CountryCode | None = Field(
        default=None, description="ISO 3166-1 alpha-3 country of the organisation, if any."
    )
    sp_member_since: BoundedDate | None = Field(
        default=None, description="Date it joined the MIRPS Support Platform; null if not."
    )
    website: WebUrl | None = Field(default=None, max_length=500, description="Public website.")


class OrganisationCreate(OrganisationFields):
    """A new organisation (secretariat only)."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "name": "Agencia Española de Cooperación Internacional para el Desarrollo",
                "acronym": "AECID",
                "kind": "state",
                "country": "ESP",
                "sp_member_since": "2019-06-01",
                "website": "https://www.aecid.es/",
            }
        }
    )


class OrganisationUpdate(BaseModel):
    """Fields to change; absent fields stay as they are."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"example": {"website": "https://www.aecid.es/en"}}
    )

    name: Line | None = Field(default=None, min_length=1, max_length=300)
    acronym: Line | None = Field(default=None, max_length=50)
    kind: OrganisationKind | None = None
    country: CountryCode | None = None
    sp_member_since: BoundedDate | None = None
    website: WebUrl | None = Field(default=None, max_length=500)


class OrganisationRead(OrganisationFields):
    model_config = ConfigDict(
        extra="ignore",
        from_attributes=True,
        json_schema_extra={
            "example": {
                "id": ORG_ID,
                "name": "Agencia Española de Cooperación Internacional para el Desarrollo",
                "acronym": "AECID",
                "kind": "state",
                "country": "ESP",
                "sp_member_since": "2019-06-01",
                "website": "https://www.aecid.es/",
                "is_sp_member": True,
                "created_at": "2026-11-28T04:00:00+00:00",
                "updated_at": "2026-11-28T04:00:00+00:00",
                "version": 1,
            }
        },
    )

    id: uuid.UUID
    website: str | None = None
    is_sp_member: bool = Field(description="True when sp_member_since is set.")
    created_at: datetime
    updated_at: datetime
    version: int = Field(description="Version number; the ETag is its quoted value.")


# ---------------------------------------------------------------- countries


class CountryRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {"code": "GTM", "name": {"es": "Guatemala", "en": "Guatemala"}}
        }
    )

    code: str = Field(description="ISO 3166-1 alpha-3 code.")
    name: LocalizedText


# ---------------------------------------------------------------- objectives

OBJECTIVE_EXAMPLE: dict[str, Any] = {
    "country": "GTM",
    "pillar": "durable_solutions",
    "theme": "employment_livelihoods",
    "title": {"es": "Empleo para personas refugiadas", "en": "Jobs for refugees"},
    "description": {"en": "Job placement for 5,000 refugees and host-community members."},
    "requirement": {"amount": "12000000.00", "currency": "USD"},
    "start_year": 2023,
    "end_year": 2025,
}


class ObjectiveCreate(BaseModel):
    """A costed National Action Plan objective."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": OBJECTIVE_EXAMPLE,
            # national (the default) needs its country; regional has none.
            "if": {"properties": {"scope": {"const": "regional"}}, "required": ["scope"]},
            "then": absent("country"),
            "else": given("country"),
        },
    )

    scope: ObjectiveScope = Field(
        default=ObjectiveScope.NATIONAL,
        description="national: of one country's National Action Plan (country required); "
        "regional: of the Regional Action Plan (no country; the secretariat records it).",
    )
    country: MirpsCountryCode | None = Field(
        default=None, description="The MIRPS country whose plan it belongs to (national)."
    )
    pillar: PillarCode = Field(description="MIRPS pillar.")
    theme: ThemeCode = Field(description="Theme (same codes as the practices catalogue).")
    title: LocalizedText
    description: LocalizedText | None = None
    requirement: Money = Field(description="Costed requirement.")
    start_year: int = Field(ge=2000, le=2100)
    end_year: int = Field(ge=2000, le=2100)

    @model_validator(mode="after")
    def _period_in_order(self) -> Self:
        if self.start_year > self.end_year:
            raise ValueError("start_year must not be after end_year")
        if self.scope == ObjectiveScope.NATIONAL and self.country is None:
            raise ValueError("country: a national objective needs its country")
        if self.scope == ObjectiveScope.REGIONAL and self.country is not None:
            raise ValueError("country: a regional objective has no country")
        return self


class ObjectiveUpdate(BaseModel):
    """Fields to change; absent fields stay as they are."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"example": {"requirement": {"amount": "15000000", "currency": "USD"}}},
    )

    country: MirpsCountryCode | None = None
    pillar: PillarCode | None = None
    theme: ThemeCode | None = None
    title: LocalizedText | None = None
    description: LocalizedText | None = None
    requirement: Money | None = None
    start_year: int | None = Field(default=None, ge=2000, le=2100)
    end_year: int | None = Field(default=None, ge=2000, le=2100)


class ObjectiveRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                **OBJECTIVE_EXAMPLE,
                "id": OBJECTIVE_ID,
                "scope": "national",
                "requirement_usd": "12000000.00",
                "requirement_rate_date": "2026-11-28",
                "created_at": "2026-11-28T04:00:00+00:00",
                "updated_at": "2026-11-28T04:00:00+00:00",
                "version": 1,
            }
        }
    )

    id: uuid.UUID
    scope: ObjectiveScope
    country: str | None = Field(description="null: a regional objective.")
    pillar: str
    theme: str
    title: LocalizedText
    description: LocalizedText | None
    requirement: Money
    requirement_usd: DecimalString = Field(description="The requirement in USD.")
    requirement_rate_date: date = Field(description="Date of the exchange rate used.")
    start_year: int
    end_year: int
    created_at: datetime
    updated_at: datetime
    version: int


# ---------------------------------------------------------------- pledges

ALLOCATION_LINE_ID = "5b2d8e14-3c6f-4a9b-8d1e-7f0a2c4e6b8d"
PLEDGE_EXAMPLE: dict[str, Any] = {
    "contributor_id": ORG_ID,
    "kind": "financial",
    "title": {"es": "Medios de vida en Guatemala", "en": "Livelihoods in Guatemala"},
    "amount": {"amount": "5000000.00", "currency": "EUR"},
    "recipient_countries": ["GTM"],
    "regional": False,
    "objective_ids": [OBJECTIVE_ID],
    "announced_on": "2022-09-28",
    "announced_at": "solidarity-event-2022",
    "funding_mechanism": "grant",
    "implementation_status": "planning",
    "stage": "announced",
    "visibility": "public",
}


class AllocationLineIn(BaseModel):
    """Part of a pledge's amount meant for a country and/or an objective, in the pledge's
    currency: an amount, or a share of the pledge (all lines alike)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {"objective_id": OBJECTIVE_ID, "amount": "3000000.00"},
            "allOf": [
                {"anyOf": [given("country"), given("objective_id")]},
                {
                    "oneOf": [
                        both(given("amount"), absent("share")),
                        both(given("share"), absent("amount")),
                    ]
                },
            ],
        },
    )

    country: MirpsCountryCode | None = Field(
        default=None, description="A recipient country (implied by the objective if given)."
    )
    objective_id: uuid.UUID | None = Field(
        default=None, description="One of the pledge's linked objectives."
    )
    amount: DecimalString | None = Field(
        default=None,
        gt=0,
        max_digits=18,
        decimal_places=4,
        json_schema_extra={"pattern": r"^[0-9]{1,14}(\.[0-9]{1,4})?$", **ABOVE_ZERO},
        description="In the pledge's currency; the lines' amounts sum to the pledge's.",
    )
    share: DecimalString | None = Field(
        default=None,
        gt=0,
        le=1,
        decimal_places=6,
        json_schema_extra={
            "pattern": r"^(0\.[0-9]{0,5}[1-9]|1(\.0{1,6})?)$",
            "examples": ["0.25"],
        },
        description='A fraction of the pledge, e.g. "0.25"; the shares sum to 1. It is '
        "turned into an amount when stated (and again if the pledge's amount changes).",
    )

    @model_validator(mode="after")
    def _names_where_and_how_much(self) -> Self:
        if self.country is None and self.objective_id is None:
            raise ValueError("an allocation line names a country, an objective or both")
        if (self.amount is None) == (self.share is None):
            raise ValueError("an allocation line has an amount or a share (one of them)")
        return self


ALLOCATION_DESCRIPTION = (
    "Allocation lines (country and/or objective, amount or share in the pledge's currency). "
    "Absent or empty: the equal split over the linked objectives, else over the recipient "
    "countries, kept in step with them."
)


class AllocationUpdate(BaseModel):
    """The pledge's new allocation; `lines: null` (or empty) returns to the equal split."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "lines": [
                    {"country": "GTM", "share": "0.75"},
                    {"country": "HND", "share": "0.25"},
                ]
            }
        },
    )

    lines: list[AllocationLineIn] | None = Field(
        default=None, max_length=50, description=ALLOCATION_DESCRIPTION
    )


class AllocationLineRead(BaseModel):
    """An allocation line with what its entries add up to, in the pledge's currency."""

    id: uuid.UUID
    country: str | None = Field(description="null: regional.")
    objective_id: uuid.UUID | None
    amount: DecimalString = Field(description="Allocated, in the pledge's currency.")
    amount_usd: DecimalString = Field(description="At the pledge's announcement rate.")
    committed: DecimalString
    disbursed: DecimalString
    expended: DecimalString


class HiringCountryIn(BaseModel):
    """A MIRPS country where the companies hire, with the jobs targeted there."""

    model_config = ConfigDict(extra="forbid")

    country: MirpsCountryCode
    jobs_targeted: int = Field(gt=0, le=10_000_000, description="Jobs for refugees there.")


class EmploymentTermsIn(BaseModel):
    """What an employment pledge commits to (Outcome 2.1.3: companies committing to
    refugee-friendly hiring in at least two MIRPS countries)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "hiring_practice": "quota",
                "hiring_countries": [
                    {"country": "GTM", "jobs_targeted": 300},
                    {"country": "HND", "jobs_targeted": 200},
                ],
                "company_ids": [ORG_ID],
            }
        },
    )

    hiring_practice: HiringPractice = Field(
        description="quota, refugee_friendly_policy, targeted_recruitment or "
        "training_and_placement."
    )
    hiring_countries: list[HiringCountryIn] = Field(
        min_length=1,
        max_length=7,
        description="Each MIRPS country of hiring once: two lines naming the same country "
        "are refused (422), even with different numbers of jobs.",
        json_schema_extra={"uniqueItems": True},
    )
    company_ids: list[uuid.UUID] = Field(
        min_length=1,
        max_length=100,
        description="The hiring companies: organisations of kind private_sector.",
    )

    @field_validator("hiring_countries")
    @classmethod
    def _each_country_once(cls, value: list[HiringCountryIn]) -> list[HiringCountryIn]:
        countries = [line.country for line in value]
        if len(set(countries)) != len(countries):
            raise ValueError("name each country once")
        return sorted(value, key=lambda line: line.country)

    @field_validator("company_ids")
    @classmethod
    def _each_company_once(cls, value: list[uuid.UUID]) -> list[uuid.UUID]:
        return list(dict.fromkeys(value))


class HiringCountryRead(BaseModel):
    country: str
    jobs_targeted: int


class EmploymentTermsRead(BaseModel):
    """An employment pledge's hiring commitment."""

    hiring_practice: HiringPractice
    hiring_countries: list[HiringCountryRead]
    company_ids: list[uuid.UUID]
    jobs_targeted: int = Field(description="The sum over the hiring countries.")


EMPLOYMENT_DESCRIPTION = (
    "Employment pledges only: hiring practice, MIRPS countries with the jobs targeted, and "
    "the hiring companies (organisations of kind private_sector)."
)
ILLUSTRATIVE_DESCRIPTION = (
    "True: the pledge's figures are invented (demonstration data), even when the "
    "contributor is a real organisation."
)


class PledgeCreate(BaseModel):
    """A new pledge. Financial and material pledges need an amount."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": PLEDGE_EXAMPLE,
            "allOf": [
                # recipient countries, or regional
                {
                    "anyOf": [
                        {
                            "properties": {"recipient_countries": {"minItems": 1}},
                            "required": ["recipient_countries"],
                        },
                        {"properties": {"regional": {"const": True}}, "required": ["regional"]},
                    ]
                },
                # a financial or material pledge has an amount
                {
                    "if": {
                        "properties": {"kind": {"enum": ["financial", "material"]}},
                        "required": ["kind"],
                    },
                    "then": given("amount"),
                },
            ],
        },
    )

    contributor_id: uuid.UUID = Field(description="The pledging organisation.")
    kind: PledgeKind
    title: LocalizedText
    description: LocalizedText | None = None
    amount: Money | None = Field(
        default=None, description="Required for financial and material pledges."
    )
    recipient_countries: list[MirpsCountryCode] = Field(
        default_factory=list, max_length=7, description="MIRPS countries that benefit."
    )
    regional: bool = Field(default=False, description="True for a region-wide pledge.")
    objective_ids: list[uuid.UUID] = Field(
        default_factory=list, max_length=50, description="Linked action-plan objectives."
    )
    announced_on: BoundedDate = Field(
        description="The announcement date (for a cultivating pledge: the date it is "
        "expected to be announced); the amount is priced in USD at its rate."
    )
    announced_at: Line | None = Field(
        default=None, max_length=100, description="Opaque id of the event (events service)."
    )
    funding_mechanism: FundingMechanism | None = None
    implementation_status: ImplementationStatus = ImplementationStatus.PLANNING
    stage: PledgeStage = Field(
        default=PledgeStage.ANNOUNCED,
        description="cultivating: not yet announced — seen only by its contributor, the "
        "secretariat and its countries' focal points, counted in no report, export or "
        "synthesis, with no ledger entries until POST /v1/pledges/{id}/announce.",
    )
    visibility: Visibility = Visibility.PUBLIC
    allocation: list[AllocationLineIn] | None = Field(
        default=None, max_length=50, description=ALLOCATION_DESCRIPTION
    )
    employment: EmploymentTermsIn | None = Field(default=None, description=EMPLOYMENT_DESCRIPTION)
    illustrative: bool = Field(default=False, description=ILLUSTRATIVE_DESCRIPTION)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.kind in (PledgeKind.FINANCIAL, PledgeKind.MATERIAL) and self.amount is None:
            raise ValueError(f"a {self.kind.value} pledge needs an amount")
        if not self.recipient_countries and not self.regional:
            raise ValueError("name one or more recipient_countries, or set regional to true")
        self.recipient_countries = sorted(set(self.recipient_countries))
        self.objective_ids = list(dict.fromkeys(self.objective_ids))
        return self


class PledgeUpdate(BaseModel):
    """Fields to change; absent fields stay as they are. The contributor cannot change."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"example": {"implementation_status": "in_progress"}}
    )

    kind: PledgeKind | None = None
    title: LocalizedText | None = None
    description: LocalizedText | None = None
    amount: Money | None = None
    recipient_countries: list[MirpsCountryCode] | None = Field(default=None, max_length=7)
    regional: bool | None = None
    objective_ids: list[uuid.UUID] | None = Field(default=None, max_length=50)
    announced_on: BoundedDate | None = None
    announced_at: Line | None = Field(default=None, max_length=100)
    funding_mechanism: FundingMechanism | None = None
    implementation_status: ImplementationStatus | None = None
    visibility: Visibility | None = None
    allocation: list[AllocationLineIn] | None = Field(
        default=None,
        max_length=50,
        description="New allocation lines (see PUT /v1/pledges/{id}/allocation); absent: "
        "stated lines stay (the amount must not change under them), the equal split follows.",
    )
    employment: EmploymentTermsIn | None = Field(
        default=None,
        description=EMPLOYMENT_DESCRIPTION + " Replaces the terms; dropped when the kind "
        "changes from employment.",
    )
    illustrative: bool | None = Field(default=None, description=ILLUSTRATIVE_DESCRIPTION)


class Announcement(BaseModel):
    """Where and when a cultivating pledge is announced."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"example": {"announced_on": "2023-12-14", "announced_at": "grf-2023"}},
    )

    announced_on: BoundedDate = Field(
        description="The day it is announced; the amount is priced in USD at its rate."
    )
    announced_at: Line | None = Field(
        default=None, max_length=100, description="Opaque id of the event (events service)."
    )


class Withdrawal(BaseModel):
    """Why the pledge is withdrawn."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"example": {"reason": "Budget cut by the contributor's parliament."}},
    )

    reason: Text = Field(min_length=3, max_length=2000)


class PledgeTotals(BaseModel):
    """Balances of a pledge in its own currency and in USD."""

    committed: DecimalString
    disbursed: DecimalString
    expended: DecimalString
    committed_usd: DecimalString
    disbursed_usd: DecimalString
    expended_usd: DecimalString


class ContributorShare(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "organisation_id": ORG_ID,
                "lead": True,
                "share_percent": "75.000000",
                "share_amount": None,
            }
        }
    )

    organisation_id: uuid.UUID
    lead: bool = Field(description="The lead writes the pledge; the others read it.")
    share_percent: DecimalString = Field(description="Percent of the pledge; shares sum to 100.")
    share_amount: DecimalString | None = Field(
        description="The share in the pledge's currency when stated as an amount."
    )


class PledgeRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                **PLEDGE_EXAMPLE,
                "id": PLEDGE_ID,
                "contributors": [
                    {
                        "organisation_id": ORG_ID,
                        "lead": True,
                        "share_percent": "100.000000",
                        "share_amount": None,
                    }
                ],
                "description": None,
                "amount_usd": "5005000.00",
                "rate_to_usd": "1.0010000000",
                "withdrawn": False,
                "withdrawn_at": None,
                "withdrawal_reason": None,
                "allocation": [
                    {
                        "id": ALLOCATION_LINE_ID,
                        "country": "GTM",
                        "objective_id": OBJECTIVE_ID,
                        "amount": "5000000.0000",
                        "amount_usd": "5005000.0000",
                        "committed": "2000000.0000",
                        "disbursed": "1000000.0000",
                        "expended": "0.0000",
                    }
                ],
                "allocation_stated": False,
                "financial_status": "partially_committed",
                "totals": {
                    "committed": "2000000.0000",
                    "disbursed": "0.0000",
                    "expended": "0.0000",
                    "committed_usd": "2002000.0000",
                    "disbursed_usd": "0.0000",
                    "expended_usd": "0.0000",
                },
                "created_at": "2026-11-28T04:00:00+00:00",
                "updated_at": "2026-11-28T04:00:00+00:00",
                "version": 1,
            }
        }
    )

    id: uuid.UUID
    contributor_id: uuid.UUID = Field(description="The lead contributor.")
    contributors: list[ContributorShare] = Field(
        description="Every contributor with its share (one at 100 % unless a joint pledge), "
        "lead first."
    )
    kind: str
    title: LocalizedText
    description: LocalizedText | None
    amount: Money | None
    amount_usd: DecimalString | None = Field(
        description="The amount in USD at the rate of the announcement date."
    )
    rate_to_usd: DecimalString | None = Field(description="USD per unit on announced_on.")
    recipient_countries: list[str]
    regional: bool
    objective_ids: list[uuid.UUID]
    announced_on: date
    announced_at: str | None
    funding_mechanism: str | None
    implementation_status: str | None = Field(
        description="planning, in_progress or fulfilled once announced; null while cultivating."
    )
    stage: PledgeStage = Field(description="cultivating (private, counted nowhere) or announced.")
    visibility: str
    withdrawn: bool
    withdrawn_at: datetime | None
    withdrawal_reason: str | None
    financial_status: FinancialStatus = Field(description="Derived from the ledger.")
    totals: PledgeTotals
    allocation: list[AllocationLineRead] = Field(
        description="Where the amount is meant to go; every entry draws on one line."
    )
    allocation_stated: bool = Field(
        description="True if the lines were stated; false: the equal split."
    )
    employment: EmploymentTermsRead | None = Field(
        default=None, description=EMPLOYMENT_DESCRIPTION + " null for other kinds."
    )
    illustrative: bool = Field(default=False, description=ILLUSTRATIVE_DESCRIPTION)
    created_at: datetime
    updated_at: datetime
    version: int
    stale_references: list[StaleReference] = Field(
        default_factory=list, description=STALE_REFERENCES_DESCRIPTION
    )


PledgeInclude = Literal["contributor", "objectives"]


class PledgeListItem(PledgeRead):
    """A pledge in a list or batch read, with what `?include=` asked to embed."""

    contributor: OrganisationRead | None = Field(
        default=None,
        exclude_if=lambda value: value is None,
        description="With `include=contributor`: the pledging organisation (absent otherwise).",
    )
    objectives: list[ObjectiveRead] | None = Field(
        default=None,
        exclude_if=lambda value: value is None,
        description="With `include=objectives`: the linked objectives (absent otherwise).",
    )


FigureLabel = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,49}$")]
FigureValue = Figure


class ProgressUpdateCreate(BaseModel):
    """A dated narrative update on a pledge's progress."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "reported_on": "2024-06-30",
                "narrative": {
                    "es": "120 personas refugiadas contratadas en tres empresas.",
                    "en": "120 refugees hired by three companies.",
                },
                "figures": {"people_hired": "120"},
            }
        },
    )

    reported_on: BoundedDate = Field(description="The day the update reports on.")
    narrative: LocalizedText = Field(description="What was done, in Spanish and/or English.")
    figures: dict[FigureLabel, FigureValue] = Field(
        default_factory=dict,
        max_length=20,
        json_schema_extra={"additionalProperties": False},
        description="Optional figures by label (lower_snake_case), e.g. people_hired: 120.",
    )


class ProgressUpdateRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "id": ENTRY_ID,
                "pledge_id": PLEDGE_ID,
                "reported_on": "2024-06-30",
                "narrative": {
                    "es": "120 personas refugiadas contratadas en tres empresas.",
                    "en": "120 refugees hired by three companies.",
                },
                "implementation_status": "in_progress",
                "figures": {"people_hired": "120"},
                "recorded_at": "2024-07-02T10:00:00+00:00",
            }
        }
    )

    id: uuid.UUID
    pledge_id: uuid.UUID
    reported_on: date
    narrative: LocalizedText
    implementation_status: str = Field(
        description="The pledge's implementation status when the update was recorded."
    )
    figures: dict[str, DecimalString]
    recorded_at: datetime


class PledgeChangeRead(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "example": {
                "id": ENTRY_ID,
                "pledge_id": PLEDGE_ID,
                "action": "updated",
                "changed_by": "user-42",
                "changed_at": "2026-11-28T05:00:00+00:00",
                "changes": {"implementation_status": ["planning", "in_progress"]},
            }
        },
    )

    id: uuid.UUID
    pledge_id: uuid.UUID = Field(description="The pledge that changed.")
    action: str = Field(description="created, updated or withdrawn.")
    changed_by: str
    changed_at: datetime
    changes: dict[str, object] = Field(description="field → [before, after].")


# ---------------------------------------------------------------- ledger entries


class EntryCreate(BaseModel):
    """A ledger movement. A reversal names the entry it cancels and needs no amount."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "entry_type": "commitment",
                "amount": {"amount": "2000000.00", "currency": "EUR"},
                "value_date": "2023-01-15",
                "recipient_country": "GTM",
                "objective_id": OBJECTIVE_ID,
                "external_reference": "AECID-2023-0042",
                "note": "Signed agreement with the Ministry of Labour.",
            },
            **when(
                "entry_type",
                EntryType.REVERSAL.value,
                given("reverses_entry_id"),
                {
                    "allOf": [
                        absent("reverses_entry_id"),
                        given("amount", "recipient_country"),
                        {"properties": {"amount": POSITIVE_AMOUNT}},
                    ]
                },
            ),
        },
    )

    entry_type: EntryType
    amount: Money | None = Field(default=None, description="Required except for reversals.")
    value_date: BoundedDate = Field(
        description="Fixes the exchange rate used. On or after the pledge's announcement; a "
        "disbursement needs enough commitment dated on or before it on its allocation line "
        "(an expenditure, enough disbursement). A reversal is dated on or after the entry "
        "it reverses and counts in that entry's period (restating it)."
    )
    recipient_country: MirpsCountryCode | None = Field(
        default=None, description="Required except for reversals."
    )
    objective_id: uuid.UUID | None = Field(
        default=None,
        description="The objective whose allocation line the entry draws on; absent: the "
        "line of recipient_country (the one without an objective, or the only one there), "
        "else the regional line.",
    )
    reverses_entry_id: uuid.UUID | None = Field(
        default=None, description="For a reversal: the entry it cancels (once)."
    )
    external_reference: Line | None = Field(default=None, max_length=200)
    note: Text | None = Field(default=None, max_length=5000)

    @model_validator(mode="after")
    def _shape_fits_type(self) -> Self:
        if self.entry_type == EntryType.REVERSAL:
            if self.reverses_entry_id is None:
                raise ValueError("a reversal must name the entry it cancels (reverses_entry_id)")
        else:
            if self.reverses_entry_id is not None:
                raise ValueError("only a reversal names reverses_entry_id")
            if self.amount is None:
                raise ValueError(f"a {self.entry_type.value} needs an amount")
            if self.amount.amount <= 0:
                raise ValueError("the amount must be greater than zero")
            if self.recipient_country is None:
                raise ValueError(f"a {self.entry_type.value} needs a recipient_country")
        return self


class EntryRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "id": ENTRY_ID,
                "pledge_id": PLEDGE_ID,
                "entry_type": "commitment",
                "effect": "commitment",
                "amount": {"amount": "2000000.0000", "currency": "EUR"},
                "value_date": "2023-01-15",
                "rate_to_usd": "1.0700000000",
                "amount_usd": "2140000.0000",
                "pledge_amount": "2000000.0000",
                "recipient_country": "GTM",
                "objective_id": OBJECTIVE_ID,
                "allocation_line_id": ALLOCATION_LINE_ID,
                "reverses_entry_id": None,
                "reversed_by_entry_id": None,
                "external_reference": "AECID-2023-0042",
                "note": "Signed agreement with the Ministry of Labour.",
                "recorded_by": "user-42",
                "recorded_at": "2026-11-28T04:00:00+00:00",
            }
        }
    )

    id: uuid.UUID
    pledge_id: uuid.UUID
    entry_type: str
    effect: str = Field(description="The balance the entry moves (a reversal: the cancelled).")
    amount: Money
    value_date: date
    rate_to_usd: DecimalString = Field(description="USD per unit on the value date.")
    amount_usd: DecimalString
    pledge_amount: DecimalString = Field(description="The amount in the pledge's currency.")
    recipient_country: str
    objective_id: uuid.UUID | None
    allocation_line_id: uuid.UUID = Field(description="The allocation line it draws on.")
    reverses_entry_id: uuid.UUID | None
    external_reference: str | None
    note: str | None = Field(description="Hidden from anonymous callers.")
    recorded_by: str | None = Field(description="Token subject; hidden from anonymous callers.")
    recorded_at: datetime


# ---------------------------------------------------------------- exchange rates

RATE_EXAMPLE: dict[str, Any] = {
    "currency": "EUR",
    "rate_date": "2023-01-01",
    "rate_to_usd": "1.0700",
    "source": "ECB",
}


MAX_RATE_TO_USD = Decimal(10_000)


class ExchangeRateCreate(BaseModel):
    """USD per one unit of the currency, valid from rate_date until the next rate."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": RATE_EXAMPLE,
            # USD is the reporting currency: its rate is always 1 and never stored.
            "not": {"properties": {"currency": {"const": "USD"}}, "required": ["currency"]},
        },
    )

    currency: CurrencyCode
    rate_date: BoundedDate
    rate_to_usd: DecimalString = Field(
        gt=0,
        le=MAX_RATE_TO_USD,
        max_digits=24,
        decimal_places=10,
        # Above 0 and at most 10,000, with up to 10 decimals, as a pattern on the string.
        json_schema_extra={
            "pattern": r"^(0\.[0-9]{0,9}[1-9]|[1-9][0-9]{0,3}(\.[0-9]{1,10})?|10000(\.0{1,10})?)$",
            "examples": ["1.0700"],
        },
        description="USD per one unit: above 0 and at most 10,000 (gold, XAU, is about "
        "2,000 USD per ounce; every national currency is worth far less).",
    )
    source: Line = Field(min_length=1, max_length=200)


class ExchangeRateRead(ExchangeRateCreate):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "example": {
                **RATE_EXAMPLE,
                "id": ENTRY_ID,
                "recorded_by": "secretariat-1",
                "recorded_at": "2026-11-28T04:00:00+00:00",
            }
        },
    )

    id: uuid.UUID
    recorded_by: str
    recorded_at: datetime


class BulkResult(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"example": {"dry_run": False, "rows": 2, "written": 2, "errors": []}}
    )

    dry_run: bool
    rows: int
    written: int
    unchanged: int = Field(
        default=0, description="Rows whose id is stored with the same values: left alone."
    )
    errors: list[RowError]


# ---------------------------------------------------------------- reports


class Dimension(StrEnum):
    COUNTRY = "country"
    CONTRIBUTOR = "contributor"
    CONTRIBUTOR_KIND = "contributor_kind"
    PLEDGE_KIND = "pledge_kind"
    FUNDING_MECHANISM = "funding_mechanism"
    OBJECTIVE = "objective"
    PILLAR = "pillar"
    YEAR = "year"


class SummaryRow(BaseModel):
    """One group: its dimension values (null = regional / not linked) and USD totals."""

    group: dict[str, str | int | None] = Field(
        description="Dimension → value, e.g. {'country': 'GTM', 'year': 2023}; a null "
        "contributor is undisclosed (restricted pledges the caller may not see)."
    )
    pledged_usd: DecimalString
    committed_usd: DecimalString
    disbursed_usd: DecimalString
    pledges: int = Field(
        description="Pledges announced in the group (within the dates), withdrawn ones "
        "excluded; a pledge allocated to several countries counts in each."
    )
    contributors: int = Field(description="Distinct contributors of those pledges.")


class Totals(BaseModel):
    pledged_usd: DecimalString
    committed_usd: DecimalString
    disbursed_usd: DecimalString


class SummaryReport(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "group_by": ["country"],
                "rows": [
                    {
                        "group": {"country": "GTM"},
                        "pledged_usd": "5350000.00",
                        "committed_usd": "2140000.00",
                        "disbursed_usd": "1070000.00",
                        "pledges": 2,
                        "contributors": 1,
                    }
                ],
                "totals": {
                    "pledged_usd": "5350000.00",
                    "committed_usd": "2140000.00",
                    "disbursed_usd": "1070000.00",
                },
            }
        }
    )

    group_by: list[Dimension]
    rows: list[SummaryRow]
    totals: Totals


class GapRow(BaseModel):
    objective_id: uuid.UUID
    country: str | None = Field(description="null: a regional objective.")
    pillar: str
    theme: str
    title: LocalizedText
    requirement_usd: DecimalString
    pledged_usd: DecimalString
    committed_usd: DecimalString
    disbursed_usd: DecimalString
    gap_usd: DecimalString = Field(description="Requirement minus committed, never below 0.")
    coverage_percent: DecimalString = Field(description="Committed / requirement * 100.")


class CountryGap(BaseModel):
    country: str | None = Field(
        description="null: the regional row (the Regional Action Plan's objectives)."
    )
    requirement_usd: DecimalString
    committed_usd: DecimalString
    disbursed_usd: DecimalString
    gap_usd: DecimalString = Field(description="Sum of the objectives' gaps.")
    coverage_percent: DecimalString


class GapsReport(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "objectives": [
                    {
                        "objective_id": OBJECTIVE_ID,
                        "country": "GTM",
                        "pillar": "durable_solutions",
                        "theme": "employment_livelihoods",
                        "title": {"en": "Jobs for refugees"},
                        "requirement_usd": "12000000.00",
                        "pledged_usd": "5350000.00",
                        "committed_usd": "3000000.00",
                        "disbursed_usd": "1000000.00",
                        "gap_usd": "9000000.00",
                        "coverage_percent": "25.00",
                    }
                ],
                "countries": [
                    {
                        "country": "GTM",
                        "requirement_usd": "12000000.00",
                        "committed_usd": "3000000.00",
                        "disbursed_usd": "1000000.00",
                        "gap_usd": "9000000.00",
                        "coverage_percent": "25.00",
                    }
                ],
            }
        }
    )

    objectives: list[GapRow]
    countries: list[CountryGap]


class NewPledge(BaseModel):
    id: uuid.UUID
    contributor_id: uuid.UUID
    kind: str
    title: LocalizedText
    announced_on: date
    amount_usd: DecimalString | None


class NewPartner(BaseModel):
    id: uuid.UUID
    name: str
    kind: str
    first_pledge_on: date


class SynthesisReport(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "period": "2023-H1",
                "starts_on": "2023-01-01",
                "ends_on": "2023-06-30",
                "totals": {
                    "pledged_usd": "210000000.00",
                    "committed_usd": "90000000.00",
                    "disbursed_usd": "40000000.00",
                },
                "previous_totals": {
                    "pledged_usd": "205000000.00",
                    "committed_usd": "60000000.00",
                    "disbursed_usd": "20000000.00",
                },
                "change": {
                    "pledged_usd": "5000000.00",
                    "committed_usd": "30000000.00",
                    "disbursed_usd": "20000000.00",
                },
                "new_pledges_count": 3,
                "new_pledges": [],
                "new_partners": [],
                "by_country": [],
                "by_contributor_kind": [],
                "largest_gaps": [],
                "rates_as_of": "2023-06-01",
                "conversion": "Each entry in USD at the rate of its value date.",
                "as_of": "2026-12-01T14:30:00+00:00",
                "restated": False,
            }
        }
    )

    period: str
    starts_on: date
    ends_on: date
    totals: Totals = Field(description="Cumulative at the end of the period.")
    previous_totals: Totals = Field(description="Cumulative at the end of the previous half.")
    change: Totals
    new_pledges_count: int = Field(description="All pledges announced in the period.")
    new_pledges: list[NewPledge] = Field(description="The public ones among them.")
    new_partners: list[NewPartner] = Field(
        description="Organisations whose first pledge was announced in the period."
    )
    recent_updates: list[ProgressUpdateRead] = Field(
        default_factory=list,
        description="Progress updates on public pledges reported in the period, latest first "
        "(at most 20).",
    )
    by_country: list[SummaryRow]
    by_contributor_kind: list[SummaryRow]
    largest_gaps: list[GapRow]
    rates_as_of: date | None = Field(
        description="Latest exchange-rate date on or before the end of the period."
    )
    conversion: str
    as_of: datetime = Field(description="When these figures were computed (UTC).")
    restated: bool = Field(
        description="True when something recorded after the period ended changed figures "
        "dated within or before it, so the synthesis may differ from what it said at the "
        "period's end: an entry recorded with an earlier value date, a reversal (it counts "
        "in the period of the entry it cancels), a withdrawal (the pledge is restated as "
        "what was disbursed), a pledge recorded or changed late."
    )


class MatchProposalBody(BaseModel):
    need_objective_id: uuid.UUID
    support_pledge_ids: list[uuid.UUID]


class MatchProposal(BaseModel):
    """How to propose the suggestion as a match: POST `body` to `href`."""

    method: str = "POST"
    href: str = "/v1/matches"
    body: MatchProposalBody


class MatchingSuggestion(BaseModel):
    pledge_id: uuid.UUID
    objective_id: uuid.UUID
    contributor_id: uuid.UUID
    pledge_kind: str
    score: DecimalString = Field(description="0-100; see the scoring in the operation text.")
    unallocated_usd: DecimalString | None = Field(
        description="The pledge's amount not yet committed (computed in its currency), in "
        "USD at its announcement rate; null for pledges without amount."
    )
    objective_gap_usd: DecimalString
    reasons: list[str] = Field(description="Why the pair scores, one line per criterion.")
    propose: MatchProposal = Field(
        description="The request that proposes this pair as a match (see POST /v1/matches)."
    )


class MatchingSuggestions(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "objective_id": OBJECTIVE_ID,
                "pledge_id": None,
                "items": [
                    {
                        "pledge_id": PLEDGE_ID,
                        "objective_id": OBJECTIVE_ID,
                        "contributor_id": ORG_ID,
                        "pledge_kind": "financial",
                        "score": "75.00",
                        "unallocated_usd": "3000000.00",
                        "objective_gap_usd": "9000000.00",
                        "reasons": [
                            "the pledge names the objective's country",
                            "serves the objective's theme",
                        ],
                        "propose": {
                            "method": "POST",
                            "href": "/v1/matches",
                            "body": {
                                "need_objective_id": OBJECTIVE_ID,
                                "support_pledge_ids": [PLEDGE_ID],
                            },
                        },
                    }
                ],
            }
        }
    )

    objective_id: uuid.UUID | None
    pledge_id: uuid.UUID | None
    items: list[MatchingSuggestion]


class ImportJobRead(BaseModel):
    """A bulk import: poll it until `state` is succeeded or failed."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "id": "0b7d0c1e-6f0a-4c55-9d0c-3c1f1d7a2b10",
                "state": "running",
                "dry_run": False,
                "rows_total": 100000,
                "rows_validated": 42000,
                "rows_written": 0,
                "rows_unchanged": 0,
                "progress": 0.42,
                "errors": [],
                "detail": None,
                "created_at": "2026-12-01T15:00:00Z",
                "started_at": "2026-12-01T15:00:01Z",
                "finished_at": None,
            }
        }
    )

    id: uuid.UUID
    state: ImportState = Field(description="queued → running → succeeded or failed.")
    dry_run: bool
    rows_total: int = Field(description="Data rows in the file.")
    rows_validated: int = Field(description="Rows checked so far.")
    rows_written: int = Field(
        description="Records written (0 until the job succeeds: all rows or none)."
    )
    rows_unchanged: int = Field(
        description="Rows whose id is already stored with the same values (left alone)."
    )
    progress: float = Field(description="rows_validated / rows_total, from 0 to 1.")
    errors: list[RowError] = Field(description="Every bad row, by its data row number.")
    detail: str | None = Field(description="Why the job failed, when it did.")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


# ---------------------------------------------------------------- employment report


class EmploymentCompany(BaseModel):
    """A company with hiring commitments, and the MIRPS countries where it hires."""

    organisation_id: uuid.UUID
    name: str
    countries: list[str] = Field(description="Distinct hiring countries over its pledges.")
    pledge_ids: list[uuid.UUID]


class EmploymentCountry(BaseModel):
    """Hiring commitments in one MIRPS country."""

    country: str
    jobs_targeted: int = Field(description="Sum of the pledges' jobs targeted there.")
    companies: int = Field(description="Distinct companies hiring there.")
    pledges: int


class EmploymentReport(BaseModel):
    """Outcome 2.1.3: companies committing to refugee-friendly hiring in at least two
    MIRPS countries. Counts public, announced, not withdrawn employment pledges only,
    whoever asks."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "companies_in_two_or_more_countries": 1,
                "jobs_targeted": 700,
                "companies": [
                    {
                        "organisation_id": ORG_ID,
                        "name": "Textiles del Norte (illustrative)",
                        "countries": ["GTM", "HND"],
                        "pledge_ids": [PLEDGE_ID],
                    }
                ],
                "countries": [
                    {"country": "GTM", "jobs_targeted": 400, "companies": 1, "pledges": 1},
                    {"country": "HND", "jobs_targeted": 300, "companies": 1, "pledges": 1},
                ],
            }
        }
    )

    companies_in_two_or_more_countries: int = Field(
        description="Companies whose hiring commitments name two or more MIRPS countries."
    )
    jobs_targeted: int = Field(description="All jobs targeted.")
    companies: list[EmploymentCompany] = Field(description="Every hiring company, by name.")
    countries: list[EmploymentCountry] = Field(description="Per hiring country.")


# ---------------------------------------------------------------- outreach pipeline

PROSPECT_ID = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"


class ProspectContact(BaseModel):
    """The person to talk to: personal data, seen only by the secretariat and the owner,
    never in exports, the change feed or webhooks."""

    model_config = ConfigDict(extra="forbid")

    name: Line = Field(min_length=1, max_length=200)
    job_title: Line | None = Field(default=None, max_length=200, description="e.g. HR director.")
    email: Email | None = Field(default=None, max_length=320)
    phone: Line | None = Field(default=None, max_length=50)


class ProspectOwner(BaseModel):
    """Who owns the contact: a secretariat person (no organisation) or a person of an SP
    member organisation, by token subject."""

    model_config = ConfigDict(extra="forbid")

    sub: Line = Field(min_length=1, max_length=200, description="The person's token subject.")
    organisation_id: uuid.UUID | None = Field(
        default=None, description="Their SP member organisation; null for the secretariat."
    )


class NextStep(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: Text = Field(min_length=1, max_length=2000)
    due_on: BoundedDate | None = None


PROSPECT_EXAMPLE: dict[str, Any] = {
    "name": "Textiles del Norte (illustrative)",
    "kind": "private_sector",
    "country": "GTM",
    "contact": {"name": "Ana Pérez", "job_title": "HR director", "email": "ana.perez@example.org"},
    "next_step": {"text": "Send the hiring-pledge template", "due_on": "2023-10-02"},
}


class ProspectCreate(BaseModel):
    """A prospective partner: a registered organisation (`organisation_id`) or a name with
    kind and country. The owner defaults to the caller; only the secretariat names
    someone else."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": PROSPECT_EXAMPLE,
            "oneOf": [
                both(given("organisation_id"), absent("name", "kind", "country")),
                both(given("name", "kind", "country"), absent("organisation_id")),
            ],
        },
    )

    organisation_id: uuid.UUID | None = Field(
        default=None, description="A registered organisation (then no name, kind, country)."
    )
    name: Line | None = Field(default=None, min_length=1, max_length=300)
    kind: OrganisationKind | None = None
    country: CountryCode | None = None
    owner: ProspectOwner | None = Field(default=None, description="Default: the caller.")
    contact: ProspectContact | None = None
    next_step: NextStep | None = None

    @model_validator(mode="after")
    def _organisation_or_name(self) -> Self:
        if self.organisation_id is not None:
            if self.name is not None or self.kind is not None or self.country is not None:
                raise ValueError(
                    "give organisation_id, or name, kind and country, not both "
                    "(a registered organisation has its own)"
                )
        elif self.name is None or self.kind is None or self.country is None:
            raise ValueError("a prospect not yet registered needs name, kind and country")
        return self


class ProspectUpdate(BaseModel):
    """Fields to change (If-Match); a null `contact` or `next_step` clears it. Moving the
    status is POST /v1/prospects/{id}/status."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {"next_step": {"text": "Follow-up call", "due_on": "2023-10-15"}},
            # A name, kind or country is changed, never cleared; linking the prospect to a
            # registered organisation takes that organisation's instead.
            "allOf": [
                not_null("name", "kind", "country"),
                {"if": given("organisation_id"), "then": absent("name", "kind", "country")},
            ],
        },
    )

    name: Line | None = Field(default=None, min_length=1, max_length=300)
    kind: OrganisationKind | None = None
    country: CountryCode | None = None
    organisation_id: uuid.UUID | None = Field(
        default=None, description="Link the prospect to the organisation it registered as."
    )
    owner: ProspectOwner | None = Field(default=None, description="Secretariat only.")
    contact: ProspectContact | None = None
    next_step: NextStep | None = None

    @model_validator(mode="after")
    def _named_not_cleared(self) -> Self:
        named = sorted({"name", "kind", "country"} & self.model_fields_set)
        for field in named:
            if getattr(self, field) is None:
                raise ValueError(f"{field} cannot be cleared")
        if named and self.organisation_id is not None:
            raise ValueError(
                "give organisation_id, or name, kind and country, not both "
                "(a registered organisation has its own)"
            )
        return self


class ProspectStatusMove(BaseModel):
    """The prospect's next status; `pledged` names the pledge it made."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {"status": "pledged", "pledge_id": PLEDGE_ID},
            "allOf": [when("status", "pledged", given("pledge_id"), absent("pledge_id"))],
        },
    )

    status: ProspectStatus
    pledge_id: uuid.UUID | None = Field(
        default=None,
        validate_default=True,
        description="Required with status pledged (and only then).",
    )

    @field_validator("pledge_id")
    @classmethod
    def _pledge_with_pledged(
        cls, value: uuid.UUID | None, info: ValidationInfo
    ) -> uuid.UUID | None:
        pledged = info.data.get("status") == ProspectStatus.PLEDGED
        if pledged and value is None:
            raise ValueError("status pledged names the pledge made")
        if not pledged and value is not None:
            raise ValueError("only with status pledged")
        return value


INTERACTION_EXAMPLE: dict[str, Any] = {
    "occurred_on": "2023-09-20",
    "channel": "meeting",
    "summary": "Interested in a hiring quota in Guatemala and Honduras.",
}


class InteractionCreate(BaseModel):
    """A dated contact with the prospect."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"example": INTERACTION_EXAMPLE},
    )

    occurred_on: BoundedDate
    channel: InteractionChannel
    summary: Text = Field(min_length=1, max_length=5000)


class InteractionRead(InteractionCreate):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                **INTERACTION_EXAMPLE,
                "id": "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
                "prospect_id": PROSPECT_ID,
                "recorded_by": "secretariat-ana",
                "recorded_at": "2023-09-20T16:00:00+00:00",
            }
        }
    )

    id: uuid.UUID
    prospect_id: uuid.UUID
    recorded_by: str
    recorded_at: datetime


class ProspectStatusChangeRead(BaseModel):
    from_status: ProspectStatus | None
    to_status: ProspectStatus
    pledge_id: uuid.UUID | None
    changed_by: str
    changed_at: datetime


PROSPECT_READ_EXAMPLE: dict[str, Any] = {
    **PROSPECT_EXAMPLE,
    "id": PROSPECT_ID,
    "organisation_id": None,
    "owner": {"sub": "secretariat-ana", "organisation_id": None},
    "status": "approached",
    "pledge_id": None,
    "created_at": "2023-09-01T10:00:00+00:00",
    "updated_at": "2023-09-20T10:00:00+00:00",
    "version": 2,
}


class ProspectRead(BaseModel):
    """A prospect as the secretariat and its owner see it (no one else sees it)."""

    model_config = ConfigDict(json_schema_extra={"example": PROSPECT_READ_EXAMPLE})

    id: uuid.UUID
    organisation_id: uuid.UUID | None
    name: str = Field(description="The organisation's name, or the name given.")
    kind: OrganisationKind
    country: str | None
    owner: ProspectOwner
    status: ProspectStatus
    pledge_id: uuid.UUID | None = Field(description="The pledge it made (status pledged).")
    contact: ProspectContact | None
    next_step: NextStep | None
    created_at: datetime
    updated_at: datetime
    version: int


class ProspectDetail(ProspectRead):
    """A prospect with its interactions (latest first) and status history (oldest first)."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                **PROSPECT_READ_EXAMPLE,
                "interactions": [],
                "status_history": [
                    {
                        "from_status": None,
                        "to_status": "identified",
                        "pledge_id": None,
                        "changed_by": "secretariat-ana",
                        "changed_at": "2023-09-01T10:00:00+00:00",
                    },
                    {
                        "from_status": "identified",
                        "to_status": "approached",
                        "pledge_id": None,
                        "changed_by": "secretariat-ana",
                        "changed_at": "2023-09-20T10:00:00+00:00",
                    },
                ],
            }
        }
    )

    interactions: list[InteractionRead]
    status_history: list[ProspectStatusChangeRead]
