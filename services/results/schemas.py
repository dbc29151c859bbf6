"""Request and response shapes of the results service."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)
from pydantic.config import JsonDict

from services.common.inputs import Declared, Line, WebUrl
from services.common.references import STALE_REFERENCES_DESCRIPTION, StaleReference
from services.common.schemas import (
    BoundedDate,
    DecimalString,
    Figure,
    LocalizedText,
    absent,
    given,
    when,
)
from services.common.vocabulary import MirpsCountryCode
from services.results.periods import PERIOD_PATTERN, check_period

PeriodLabel = Annotated[
    str,
    StringConstraints(max_length=9),
    AfterValidator(check_period),
    Declared(pattern=PERIOD_PATTERN),
]
Code = Annotated[str, StringConstraints(min_length=1, max_length=20, pattern=r"^[0-9A-Za-z.\-]+$")]
IndicatorCode = Annotated[
    str, StringConstraints(min_length=1, max_length=40, pattern=r"^[0-9A-Za-z.\-_]+$")
]
OrganisationName = Annotated[Line, Field(min_length=1, max_length=200)]
Value = Figure


class Level(StrEnum):
    OBJECTIVE = "objective"
    ACTIVITY = "activity"
    OUTCOME = "outcome"


PARENT_LEVEL = {
    Level.OBJECTIVE: None,
    Level.ACTIVITY: Level.OBJECTIVE,
    Level.OUTCOME: Level.ACTIVITY,
}


class Unit(StrEnum):
    COUNT = "count"
    USD = "usd"
    PERCENT = "percent"
    YES_NO = "yes_no"


class Direction(StrEnum):
    INCREASE = "increase"
    DECREASE = "decrease"


class Source(StrEnum):
    COMPUTED = "computed"
    REPORTED = "reported"


class Disaggregation(StrEnum):
    COUNTRY = "country"
    CONTRIBUTOR_KIND = "contributor_kind"


class ReviewStatus(StrEnum):
    SUBMITTED = "submitted"
    VALIDATED = "validated"


class Status(StrEnum):
    """Progress status; the rule is in services/results/progress.py and docs/services/results.md."""

    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"
    ACHIEVED = "achieved"
    NOT_STARTED = "not_started"


class MilestoneStatus(StrEnum):
    PLANNED = "planned"
    DONE = "done"
    LATE = "late"


class GovernanceRoleName(StrEnum):
    CHAIR = "chair"
    TROIKA = "troika"
    PRO_TEMPORE_PRESIDENCY = "pro_tempore_presidency"
    TECHNICAL_SECRETARIAT = "technical_secretariat"


# ---------------------------------------------------------------- framework


class StrategyCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "code": "sp-2022-2023",
                "title": {"es": "Estrategia 2022-2023", "en": "2022-2023 strategy"},
                "chair": "United States",
                "starts_on": "2022-09-01",
                "ends_on": "2023-12-31",
            }
        },
    )

    code: Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]{2,40}$")] = Field(
        description="Stable code, e.g. sp-2022-2023."
    )
    title: LocalizedText
    chair: Line | None = Field(default=None, max_length=200, description="The Chair's name.")
    starts_on: BoundedDate
    ends_on: BoundedDate

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.ends_on < self.starts_on:
            raise ValueError("ends_on comes before starts_on")
        return self


STRATEGY_EXAMPLE: JsonDict = {
    "id": "7a1c3e5f-9b2d-4f6a-8c0e-1d3f5b7a9c2e",
    "code": "sp-2022-2023",
    "title": {"es": "Estrategia 2022-2023", "en": "2022-2023 strategy"},
    "chair": "United States",
    "starts_on": "2022-09-01",
    "ends_on": "2023-12-31",
}


class StrategyRead(BaseModel):
    model_config = ConfigDict(json_schema_extra={"example": STRATEGY_EXAMPLE})

    id: uuid.UUID
    code: str
    title: LocalizedText
    chair: str | None
    starts_on: date
    ends_on: date


class ElementCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "level": "outcome",
                "code": "2.1.4",
                "parent_code": "2.1",
                "title": {"es": "Nuevos recursos", "en": "New resources"},
            },
            # An objective has no parent; an activity or an outcome names its own.
            **when("level", "objective", absent("parent_code"), given("parent_code")),
        },
    )

    level: Level
    code: Code = Field(description="The strategy's own numbering: 1, 1.1, 1.1.1.")
    parent_code: Code | None = Field(
        default=None, description="The objective of an activity, the activity of an outcome."
    )
    title: LocalizedText
    description: LocalizedText | None = None


class ElementRead(BaseModel):
    id: uuid.UUID
    level: Level
    code: str
    parent_code: str | None
    title: LocalizedText
    description: LocalizedText | None


class IndicatorCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "code": "2.1.4-private-commitments",
                "outcome_code": "2.1.4",
                "name": {
                    "es": "Nuevos compromisos del sector privado",
                    "en": "New private-sector commitments",
                },
                "unit": "count",
                "direction": "increase",
                "baseline": "0",
                "target": "2",
                "period": "2022/2023",
                "disaggregation": ["country"],
                "responsible_organisations": ["UNHCR", "OAS"],
                "source": "computed",
                "query": "private_sector_commitments",
            },
            # A target is for a period.
            "if": {"properties": {"target": {"type": "string"}}, "required": ["target"]},
            "then": given("period"),
        },
    )

    code: IndicatorCode
    outcome_code: Code
    name: LocalizedText
    unit: Unit
    direction: Direction
    baseline: Value | None = None
    target: Value | None = None
    period: PeriodLabel | None = Field(
        default=None, description="2023, 2023-H1 or 2022/2023; required with a target."
    )
    disaggregation: list[Disaggregation] = Field(default_factory=list, max_length=2)
    responsible_organisations: list[OrganisationName] = Field(default_factory=list, max_length=20)
    source: Source
    query: Line | None = Field(
        default=None,
        max_length=60,
        description="For a computed indicator: the named query (GET /v1/queries lists them).",
    )
    country: MirpsCountryCode | None = Field(
        default=None, description="For a National Action Plan indicator: its country."
    )
    objective_id: Line | None = Field(
        default=None,
        max_length=100,
        description="The country objective (National Action Plan; an objective id of the "
        "pledges service) it tracks.",
    )
    illustrative: bool = Field(default=False, description="Demonstration figures, not real.")

    @model_validator(mode="after")
    def _target_needs_period(self) -> Self:
        if self.target is not None and self.period is None:
            raise ValueError("a target needs a period: give period (e.g. 2023)")
        return self


_MEASUREMENT_EXAMPLE: dict[str, Any] = {
    "id": "1c9e3f52-7d1b-4a0e-9f3c-6b2d8e4a5f10",
    "value": "3",
    "period": "2022/2023",
    "computed_at": "2023-07-01T06:00:00Z",
    "checked_at": "2023-07-15T06:00:00Z",
    "source_call": "GET pledges /v1/pledges?include=contributor&include_withdrawn=false&limit=200",
    "inputs_hash": "5d0f8c2e9a1b4c7d8e3f6a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d",
    "record_refs": ["pledges:pledge:8b1e2c44-1d3a-4f0e-8f7a-2a5b6c7d8e90"],
    "breakdown": {"country": {"CRI": 1, "MEX": 2}},
    "stale": False,
    "error": None,
    "evidence_url": None,
    "evidence_reference": None,
    "review_status": None,
    "submitted_by": None,
    "reviewed_by": None,
    "reviewed_at": None,
}


class IndicatorUpdate(BaseModel):
    """What may change in an indicator; its period and source stay (its values depend on them)."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"example": {"target": "3", "baseline": "0"}}
    )

    name: LocalizedText | None = None
    baseline: Value | None = None
    target: Value | None = None
    responsible_organisations: list[OrganisationName] | None = Field(default=None, max_length=20)


class MeasurementRead(BaseModel):
    model_config = ConfigDict(json_schema_extra={"example": _MEASUREMENT_EXAMPLE})

    id: uuid.UUID
    value: DecimalString
    period: str
    computed_at: datetime = Field(description="When the value was computed or reported.")
    checked_at: datetime = Field(description="When a refresh last confirmed the value.")
    source_call: str | None = Field(description="The HTTP calls a computed value came from.")
    inputs_hash: str | None = Field(
        description="SHA-256 of the records counted: the same inputs give the same hash."
    )
    record_refs: list[str] = Field(description="Ids of the records counted (service:id).")
    breakdown: dict[str, dict[str, int]] = Field(
        description="Records counted per value of each disaggregation dimension, e.g. "
        '{"contributor_kind": {"private_sector": 3}}.'
    )
    stale: bool = Field(description="True when the last refresh failed; see error.")
    error: str | None
    evidence_url: str | None
    evidence_reference: str | None
    review_status: ReviewStatus | None
    submitted_by: str | None
    reviewed_by: str | None
    reviewed_at: datetime | None


class IndicatorRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "id": "2f4a6c8e-0b1d-4e3f-8a5c-7e9b1d3f5a70",
                "code": "private-sector-commitments",
                "outcome_code": "2.1.4",
                "name": {
                    "es": "Nuevos compromisos del sector privado",
                    "en": "New private-sector commitments",
                },
                "unit": "count",
                "direction": "increase",
                "baseline": "0",
                "target": "2",
                "period": "2022/2023",
                "disaggregation": ["country"],
                "responsible_organisations": ["UNHCR", "OAS"],
                "source": "computed",
                "query": "private_sector_commitments",
                "country": None,
                "objective_id": None,
                "illustrative": False,
                "version": 1,
                "status": "achieved",
                "latest": _MEASUREMENT_EXAMPLE,
                "history": [_MEASUREMENT_EXAMPLE],
            }
        }
    )

    id: uuid.UUID
    code: str
    outcome_code: str
    name: LocalizedText
    unit: Unit
    direction: Direction
    baseline: DecimalString | None
    target: DecimalString | None
    period: str
    disaggregation: list[str]
    responsible_organisations: list[str]
    source: Source
    query: str | None
    country: str | None
    objective_id: str | None
    illustrative: bool
    version: int = Field(description="Bumped on every update; the ETag, sent back in If-Match.")
    status: Status = Field(description="Progress of this indicator today (see the rule).")
    latest: MeasurementRead | None = Field(
        description="The value in force today (latest period, then latest computed)."
    )
    history: list[MeasurementRead] = Field(
        description="Every value, oldest first (reported ones awaiting review only for the "
        "secretariat and the country's focal points)."
    )
    stale_references: list[StaleReference] = Field(
        default_factory=list, description=STALE_REFERENCES_DESCRIPTION
    )


class MeasurementCreate(BaseModel):
    """A reported value, with its evidence."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "value": "120",
                "period": "2023-H1",
                "evidence_url": "https://example.org/informe-2023-h1.pdf",
            },
            "anyOf": [
                given("evidence_url"),
                {
                    "properties": {"evidence_reference": {"type": "string", "pattern": r"\S"}},
                    "required": ["evidence_reference"],
                },
            ],
        },
    )

    value: Value
    period: PeriodLabel
    evidence_url: WebUrl | None = Field(
        default=None, max_length=2000, description="An http(s) link to the evidence."
    )
    evidence_reference: Line | None = Field(
        default=None, max_length=500, description="A document reference, e.g. an official note."
    )

    @model_validator(mode="after")
    def _needs_evidence(self) -> Self:
        if self.evidence_url is None and not (self.evidence_reference or "").strip():
            raise ValueError("give evidence: evidence_url or evidence_reference")
        return self


class MeasureRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"example": {"period": "2023-H1"}})

    period: PeriodLabel | None = Field(
        default=None,
        description="Measure only this period; default: each half-year of the indicator's "
        "period that has begun, and the whole period.",
    )


class QueryRead(BaseModel):
    name: str
    service: str
    unit: Unit
    rule: str = Field(description="What is counted, stated in words.")


class OutcomeRead(BaseModel):
    code: str
    title: LocalizedText
    description: LocalizedText | None
    status: Status
    indicators: list[IndicatorRead]


class ActivityRead(BaseModel):
    code: str
    title: LocalizedText
    description: LocalizedText | None
    outcomes: list[OutcomeRead]


class ObjectiveRead(BaseModel):
    code: str
    title: LocalizedText
    description: LocalizedText | None
    status: Status
    activities: list[ActivityRead]


class FrameworkRead(StrategyRead):
    """A strategy with its whole results framework, indicators and their values."""

    model_config = ConfigDict(
        json_schema_extra={"example": {**STRATEGY_EXAMPLE, "status": "on_track", "objectives": []}}
    )

    status: Status
    objectives: list[ObjectiveRead]


# ---------------------------------------------------------------- workplan


class MilestoneCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "code": "next-chair",
                "title": {"es": "Se elige la próxima Presidencia", "en": "Next Chair chosen"},
                "due_on": "2023-03-31",
                "outcome_codes": ["1.1.2"],
            }
        },
    )

    code: IndicatorCode
    title: LocalizedText
    due_on: BoundedDate
    done_on: BoundedDate | None = None
    outcome_codes: list[Code] = Field(default_factory=list, max_length=20)


class MilestoneUpdate(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"example": {"done_on": "2023-03-28"}}
    )

    done_on: BoundedDate | None = Field(description="When it was done; null: not yet.")


class MilestoneRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "id": "4b6d8f0a-2c4e-4a6b-9d1f-3e5a7c9b1d20",
                "code": "next-chair-identified",
                "title": {"es": "La PA identifica la próxima Presidencia", "en": "Next Chair"},
                "due_on": "2023-03-31",
                "done_on": "2023-03-28",
                "status": "done",
                "outcome_codes": ["1.2.2"],
            }
        }
    )

    id: uuid.UUID
    code: str
    title: LocalizedText
    due_on: date
    done_on: date | None
    status: MilestoneStatus = Field(
        description="done when done_on is set; late when due_on has passed; else planned."
    )
    outcome_codes: list[str]


class GovernanceRoleCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "role": "chair",
                "holder": "United States",
                "starts_on": "2022-09-01",
                "ends_on": "2023-09-30",
            }
        },
    )

    role: GovernanceRoleName
    holder: Line = Field(min_length=1, max_length=200)
    starts_on: BoundedDate
    ends_on: BoundedDate | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.ends_on is not None and self.ends_on < self.starts_on:
            raise ValueError("ends_on comes before starts_on")
        return self


class GovernanceRoleRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "id": "9c1e3a5b-7d9f-4b1d-8e3a-5c7e9a1b3d40",
                "role": "technical_secretariat",
                "holder": "OAS",
                "starts_on": "2019-12-17",
                "ends_on": None,
            }
        }
    )

    id: uuid.UUID
    role: GovernanceRoleName
    holder: str
    starts_on: date
    ends_on: date | None


# ---------------------------------------------------------------- progress


class IndicatorProgress(BaseModel):
    id: uuid.UUID
    code: str
    name: LocalizedText
    unit: str
    target: DecimalString | None
    value: DecimalString | None
    period: str | None
    stale: bool
    status: Status


class OutcomeProgress(BaseModel):
    code: str
    title: LocalizedText
    status: Status
    indicators: list[IndicatorProgress]


class ObjectiveProgress(BaseModel):
    code: str
    title: LocalizedText
    status: Status
    outcomes: list[OutcomeProgress]


class ProgressReport(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "strategy": "sp-2022-2023",
                "as_of": "2023-06-30",
                "status": "at_risk",
                "rule": "see docs/services/results.md, progress rule",
                "objectives": [],
                "frozen": False,
                "frozen_at": None,
            }
        }
    )

    strategy: str
    as_of: date
    status: Status
    rule: str
    objectives: list[ObjectiveProgress]
    frozen: bool = Field(description="True for a snapshot of a closed period (never changes).")
    frozen_at: datetime | None = None


def dump(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json")
