"""What the results service answers to its writes: framework elements, reported values,
milestones, governance terms and frozen progress snapshots."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum

import strawberry

from gateway.context import Info
from gateway.loaders import Record
from gateway.types.base import to_date, to_datetime, to_enum
from gateway.types.results import (
    Indicator,
    IndicatorMeasurement,
    ProgressStatus,
    Strategy,
    strategy,
)
from gateway.values import LocalizedText


@strawberry.enum(description="The level of an element of a strategy's results framework.")
class FrameworkLevel(Enum):
    OBJECTIVE = strawberry.enum_value("objective", description="An objective (1, 2, 3).")
    ACTIVITY = strawberry.enum_value("activity", description="An activity under an objective.")
    OUTCOME = strawberry.enum_value("outcome", description="An outcome under an activity.")


@strawberry.enum(description="Where a reported value is in its review.")
class ReviewStatus(Enum):
    SUBMITTED = strawberry.enum_value("submitted", description="Awaiting the secretariat.")
    VALIDATED = strawberry.enum_value("validated", description="Validated: counts, public.")


@strawberry.enum(description="Where a milestone of the workplan stands.")
class MilestoneStatus(Enum):
    PLANNED = strawberry.enum_value("planned", description="Not done, not yet due.")
    DONE = strawberry.enum_value("done", description="Done (it has a done date).")
    LATE = strawberry.enum_value("late", description="Not done, past its due date.")


@strawberry.enum(description="A governance role of the Support Platform.")
class GovernanceRoleName(Enum):
    CHAIR = strawberry.enum_value("chair", description="The Chair of the Support Platform.")
    TROIKA = strawberry.enum_value("troika", description="A member of the Troika.")
    PRO_TEMPORE_PRESIDENCY = strawberry.enum_value(
        "pro_tempore_presidency", description="The MIRPS pro tempore presidency."
    )
    TECHNICAL_SECRETARIAT = strawberry.enum_value(
        "technical_secretariat", description="The technical secretariat."
    )


@strawberry.type(description="An objective, activity or outcome added to a strategy.")
class StrategyElement:
    rest_id: str = strawberry.field(description="Its id in the results service.")
    level: FrameworkLevel = strawberry.field(description="Objective, activity or outcome.")
    code: str = strawberry.field(description="The strategy's numbering, e.g. 2.1.4.")
    parent_code: str | None = strawberry.field(description="Its objective or activity.")
    title: LocalizedText | None = strawberry.field(description="Its text.")
    description: LocalizedText | None = strawberry.field(description="Its description.")

    @classmethod
    def from_rest(cls, data: Record) -> StrategyElement:
        return cls(
            rest_id=str(data["id"]),
            level=FrameworkLevel(data["level"]),
            code=str(data["code"]),
            parent_code=data.get("parent_code"),
            title=LocalizedText.from_rest(data.get("title")),
            description=LocalizedText.from_rest(data.get("description")),
        )


@strawberry.type(description="A value reported for an indicator, with its evidence and review.")
class ReportedMeasurement:
    rest_id: str = strawberry.field(description="The measurement's id (to validate it).")
    measurement: IndicatorMeasurement = strawberry.field(description="The value and period.")
    review_status: ReviewStatus | None = strawberry.field(
        description="Submitted or validated; null for a computed value."
    )
    evidence_url: str | None = strawberry.field(description="Link to the evidence.")
    evidence_reference: str | None = strawberry.field(description="Reference of the evidence.")

    @classmethod
    def from_rest(cls, data: Record) -> ReportedMeasurement:
        return cls(
            rest_id=str(data["id"]),
            measurement=IndicatorMeasurement.from_rest(data),
            review_status=to_enum(ReviewStatus, data.get("review_status")),
            evidence_url=data.get("evidence_url"),
            evidence_reference=data.get("evidence_reference"),
        )


@strawberry.type(description="A milestone of the strategy's workplan.")
class Milestone:
    rest_id: str = strawberry.field(description="Its id in the results service.")
    code: str = strawberry.field(description="Its code within the strategy.")
    title: LocalizedText | None = strawberry.field(description="What is to be done.")
    due_on: date | None = strawberry.field(description="When it is due.")
    done_on: date | None = strawberry.field(description="When it was done; null: not yet.")
    status: MilestoneStatus = strawberry.field(description="Planned, done or late.")
    outcome_codes: list[str] = strawberry.field(description="The outcomes it serves.")

    @classmethod
    def from_rest(cls, data: Record) -> Milestone:
        return cls(
            rest_id=str(data["id"]),
            code=str(data["code"]),
            title=LocalizedText.from_rest(data.get("title")),
            due_on=to_date(data.get("due_on")),
            done_on=to_date(data.get("done_on")),
            status=MilestoneStatus(data["status"]),
            outcome_codes=[str(code) for code in data.get("outcome_codes") or []],
        )


@strawberry.type(description="A term of a governance role: who held it, from when to when.")
class GovernanceRole:
    rest_id: str = strawberry.field(description="Its id in the results service.")
    role: GovernanceRoleName = strawberry.field(description="The role.")
    holder: str = strawberry.field(description="Who held it, e.g. United States.")
    starts_on: date | None = strawberry.field(description="First day of the term.")
    ends_on: date | None = strawberry.field(description="Last day; null while it runs.")

    @classmethod
    def from_rest(cls, data: Record) -> GovernanceRole:
        return cls(
            rest_id=str(data["id"]),
            role=GovernanceRoleName(data["role"]),
            holder=str(data["holder"]),
            starts_on=to_date(data.get("starts_on")),
            ends_on=to_date(data.get("ends_on")),
        )


@strawberry.type(description="An objective's progress in a progress report.")
class ObjectiveProgress:
    code: str = strawberry.field(description="The objective's number.")
    title: LocalizedText | None = strawberry.field(description="The objective's text.")
    status: ProgressStatus = strawberry.field(description="Its progress as of the report.")


@strawberry.type(description="A strategy's progress as of a day; frozen reports never change.")
class ProgressReport:
    strategy_code: str = strawberry.field(description="The strategy's code.")
    as_of: date | None = strawberry.field(description="The day the report is as of.")
    status: ProgressStatus = strawberry.field(description="The strategy's progress then.")
    objectives: list[ObjectiveProgress] = strawberry.field(description="Each objective's.")
    frozen: bool = strawberry.field(description="True for a snapshot of a closed half-year.")
    frozen_at: datetime | None = strawberry.field(description="When it was frozen.")

    @classmethod
    def from_rest(cls, data: Record) -> ProgressReport:
        return cls(
            strategy_code=str(data["strategy"]),
            as_of=to_date(data.get("as_of")),
            status=ProgressStatus(data["status"]),
            objectives=[
                ObjectiveProgress(
                    code=str(item["code"]),
                    title=LocalizedText.from_rest(item.get("title")),
                    status=ProgressStatus(item["status"]),
                )
                for item in data.get("objectives") or []
            ],
            frozen=bool(data["frozen"]),
            frozen_at=to_datetime(data.get("frozen_at")),
        )


@strawberry.type(description="The outcome of computing one indicator now.")
class MeasureIndicatorResult:
    indicator: Indicator = strawberry.field(description="The indicator with its new values.")
    stale: bool = strawberry.field(
        description="True when a service could not be read: the last values are kept, stale."
    )
    error: str | None = strawberry.field(description="Which service failed and how.")


@strawberry.type(description="An indicator a refresh could not compute, and why.")
class MeasureError:
    indicator_code: str = strawberry.field(description="The indicator's code.")
    error: str = strawberry.field(description="The upstream error.")


@strawberry.type(description="A strategy created; its framework is read from the service.")
class CreateStrategyPayload:
    code: str = strawberry.field(description="The new strategy's code.")

    @strawberry.field(description="The strategy with its (still empty) results framework.")
    async def strategy(self, info: Info) -> Strategy | None:
        return await strategy(info, self.code)
