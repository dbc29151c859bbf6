"""Mutations on the results service: the strategy's framework, its indicators and their
values, the workplan's milestones, governance terms and frozen progress reports.
The secretariat writes them (a focal point may report its country's NAP values); the
service decides."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Annotated

import strawberry

from gateway.context import Info
from gateway.inputs import LocalizedTextInput, idempotency, rest_body
from gateway.types.base import checked_rest_id, precondition, rest_id
from gateway.types.results import DEFAULT_STRATEGY, Indicator
from gateway.types.workplan import (
    CreateStrategyPayload,
    FrameworkLevel,
    GovernanceRole,
    GovernanceRoleName,
    MeasureError,
    MeasureIndicatorResult,
    Milestone,
    ProgressReport,
    ReportedMeasurement,
    StrategyElement,
)

SERVICE = "results"
KEEP = "left out, it stays as it is."
STRATEGY_CODE = "The strategy's code, e.g. sp-2022-2023."


def _code(value: str, argument: str) -> str:
    """A code that can only stay in its URL path segment (the service checks its pattern)."""
    return checked_rest_id(value, "code", argument)


def _strategy(value: str) -> str:
    return _code(value, "input.strategyCode")


def _indicator(value: str) -> str:
    return checked_rest_id(value, "Indicator", "input.indicatorId")


@strawberry.enum(description="What an indicator counts in.")
class IndicatorUnit(Enum):
    COUNT = strawberry.enum_value("count", description="A number of things.")
    USD = strawberry.enum_value("usd", description="US dollars.")
    PERCENT = strawberry.enum_value("percent", description="A percentage (0-100).")
    YES_NO = strawberry.enum_value("yes_no", description="1 for yes, 0 for no.")


@strawberry.enum(description="Which way an indicator should move.")
class IndicatorDirection(Enum):
    INCREASE = strawberry.enum_value("increase", description="Higher is better.")
    DECREASE = strawberry.enum_value("decrease", description="Lower is better.")


@strawberry.enum(description="Where an indicator's values come from.")
class IndicatorSource(Enum):
    COMPUTED = strawberry.enum_value(
        "computed", description="Computed from the platform's own data by a named query."
    )
    REPORTED = strawberry.enum_value("reported", description="Reported with evidence.")


@strawberry.enum(description="A dimension an indicator's computed values are broken down by.")
class IndicatorDisaggregation(Enum):
    COUNTRY = strawberry.enum_value("country", description="By country.")
    CONTRIBUTOR_KIND = strawberry.enum_value(
        "contributor_kind", description="By kind of contributor."
    )


@strawberry.input(description="A new strategy of the Support Platform (secretariat).")
class CreateStrategyInput:
    code: str = strawberry.field(description="Stable code: 2-40 of a-z, 0-9 and `-`.")
    title: LocalizedTextInput = strawberry.field(description="Title in Spanish and/or English.")
    starts_on: date = strawberry.field(description="First day of the strategy.")
    ends_on: date = strawberry.field(description="Last day of the strategy.")
    chair: str | None = strawberry.field(default=None, description="The Chair's name.")


@strawberry.input(
    description="An objective, an activity (under an objective) or an outcome (under an "
    "activity) of a strategy."
)
class AddStrategyElementInput:
    strategy_code: str = strawberry.field(description=STRATEGY_CODE)
    level: FrameworkLevel = strawberry.field(description="Objective, activity or outcome.")
    code: str = strawberry.field(description="The strategy's numbering: 1, 1.1, 1.1.1.")
    title: LocalizedTextInput = strawberry.field(description="Its text.")
    parent_code: str | None = strawberry.field(
        default=None, description="The objective of an activity, the activity of an outcome."
    )
    description: LocalizedTextInput | None = strawberry.field(
        default=None, description="Its description."
    )


@strawberry.input(description="A new indicator of an outcome; a target needs a period.")
class CreateIndicatorInput:
    strategy_code: str = strawberry.field(description=STRATEGY_CODE)
    code: str = strawberry.field(description="The indicator's code within the strategy.")
    outcome_code: str = strawberry.field(description="The outcome it measures, e.g. 2.1.4.")
    name: LocalizedTextInput = strawberry.field(description="Its name.")
    unit: IndicatorUnit = strawberry.field(description="What it counts in.")
    direction: IndicatorDirection = strawberry.field(description="Which way is better.")
    source: IndicatorSource = strawberry.field(description="Computed or reported.")
    baseline: Decimal | None = strawberry.field(
        default=None, description='The starting value, as a decimal string, e.g. "0".'
    )
    target: Decimal | None = strawberry.field(
        default=None, description="The target, as a decimal string; needs `period`."
    )
    period: str | None = strawberry.field(
        default=None, description="2023, 2023-H1 or 2022/2023; required with a target."
    )
    disaggregation: list[IndicatorDisaggregation] = strawberry.field(
        default_factory=list, description="Breakdowns of computed values (at most 2)."
    )
    responsible_organisations: list[str] = strawberry.field(
        default_factory=list, description="Names of the organisations responsible (at most 20)."
    )
    query: str | None = strawberry.field(
        default=None, description="For a computed indicator: the named query it runs."
    )
    country: str | None = strawberry.field(
        default=None, description="For a National Action Plan indicator: its country (alpha-3)."
    )
    objective_id: strawberry.ID | None = strawberry.field(
        default=None, description="The country objective it tracks (global or REST id)."
    )
    illustrative: bool = strawberry.field(
        default=False, description="True for demonstration figures, not real ones."
    )


@strawberry.input(description="What may change in an indicator; fields left out keep theirs.")
class UpdateIndicatorInput:
    indicator_id: str = strawberry.field(description="The indicator's id (`Indicator.id`).")
    expected_version: int | None = strawberry.field(
        default=None, description="The version you read (STALE_VERSION when it changed)."
    )
    name: LocalizedTextInput | None = strawberry.field(
        default=strawberry.UNSET, description=f"New name; {KEEP}"
    )
    baseline: Decimal | None = strawberry.field(
        default=strawberry.UNSET, description=f"New baseline; {KEEP}"
    )
    target: Decimal | None = strawberry.field(
        default=strawberry.UNSET, description=f"New target; {KEEP}"
    )
    responsible_organisations: list[str] | None = strawberry.field(
        default=strawberry.UNSET, description=f"New responsible organisations; {KEEP}"
    )


@strawberry.input(description="A value reported for an indicator, with its evidence.")
class ReportMeasurementInput:
    indicator_id: str = strawberry.field(description="The indicator's id (`Indicator.id`).")
    value: Decimal = strawberry.field(description='The value, as a decimal string, e.g. "120".')
    period: str = strawberry.field(description="The period: 2023, 2023-H1 or 2022/2023.")
    evidence_url: str | None = strawberry.field(
        default=None, description="An http(s) link to the evidence (this or a reference)."
    )
    evidence_reference: str | None = strawberry.field(
        default=None, description="A document reference, e.g. an official note."
    )
    idempotency_key: str | None = strawberry.field(
        default=None, description="Retry-safe key: the same key and input report once."
    )


@strawberry.input(description="A submitted value to validate.")
class ValidateMeasurementInput:
    indicator_id: str = strawberry.field(description="The indicator's id (`Indicator.id`).")
    measurement_id: str = strawberry.field(description="The measurement's id (`restId`).")


@strawberry.input(description="A computed indicator to compute now.")
class MeasureIndicatorInput:
    indicator_id: str = strawberry.field(description="The indicator's id (`Indicator.id`).")
    period: str | None = strawberry.field(
        default=None,
        description="Only this period; left out: each begun half-year and the whole period.",
    )


@strawberry.input(description="A new milestone of a strategy's workplan.")
class CreateMilestoneInput:
    strategy_code: str = strawberry.field(description=STRATEGY_CODE)
    code: str = strawberry.field(description="The milestone's code within the strategy.")
    title: LocalizedTextInput = strawberry.field(description="What is to be done.")
    due_on: date = strawberry.field(description="When it is due.")
    done_on: date | None = strawberry.field(default=None, description="When it was done.")
    outcome_codes: list[str] = strawberry.field(
        default_factory=list, description="The outcomes it serves (at most 20)."
    )


@strawberry.input(description="Mark a milestone done, or not done again.")
class UpdateMilestoneInput:
    strategy_code: str = strawberry.field(description=STRATEGY_CODE)
    code: str = strawberry.field(description="The milestone's code.")
    done_on: date | None = strawberry.field(description="When it was done; null: not yet.")


@strawberry.input(description="A term of a governance role.")
class AddGovernanceRoleInput:
    role: GovernanceRoleName = strawberry.field(description="The role.")
    holder: str = strawberry.field(description="Who holds it, e.g. United States.")
    starts_on: date = strawberry.field(description="First day of the term.")
    ends_on: date | None = strawberry.field(default=None, description="Last day, if known.")


@strawberry.input(description="A closed half-year whose progress report to freeze.")
class FreezeProgressReportInput:
    period: str = strawberry.field(description="The half-year, e.g. 2023-H1.")
    strategy_code: str = strawberry.field(
        default=DEFAULT_STRATEGY, description="The strategy (default: sp-2022-2023)."
    )


@strawberry.type(description="The framework element added.")
class AddStrategyElementPayload:
    element: StrategyElement = strawberry.field(description="As stored.")


@strawberry.type(description="The indicator written.")
class IndicatorPayload:
    indicator: Indicator = strawberry.field(description="As stored, with its values.")


@strawberry.type(description="The measurement written.")
class MeasurementPayload:
    measurement: ReportedMeasurement = strawberry.field(description="As stored.")


@strawberry.type(description="The refresh's outcome.")
class MeasureAllIndicatorsPayload:
    errors: list[MeasureError] = strawberry.field(
        description="The indicators that could not be computed (their last values kept)."
    )


@strawberry.type(description="The milestone written.")
class MilestonePayload:
    milestone: Milestone = strawberry.field(description="As stored.")


@strawberry.type(description="The governance term recorded.")
class AddGovernanceRolePayload:
    governance_role: GovernanceRole = strawberry.field(description="As stored.")


@strawberry.type(description="The frozen report.")
class FreezeProgressReportPayload:
    report: ProgressReport = strawberry.field(description="It never changes from now on.")


def _indicator_body(input: CreateIndicatorInput) -> dict[str, object]:
    body = rest_body(input, skip=frozenset({"strategy_code"}))
    if input.objective_id is not None:
        body["objective_id"] = rest_id(input.objective_id, "Objective", "input.objectiveId")
    return body


@strawberry.type
class StrategyMutations:
    @strawberry.mutation(description="Add a strategy (secretariat).")
    async def create_strategy(
        self,
        info: Info,
        input: Annotated[CreateStrategyInput, strawberry.argument(description="The strategy.")],
    ) -> CreateStrategyPayload:
        record = await info.context.upstream.send(
            SERVICE, "POST", "/v1/strategies", rest_body(input)
        )
        return CreateStrategyPayload(code=str(record["code"]))

    @strawberry.mutation(
        description="Add an objective, activity or outcome to a strategy (secretariat)."
    )
    async def add_strategy_element(
        self,
        info: Info,
        input: Annotated[AddStrategyElementInput, strawberry.argument(description="The element.")],
    ) -> AddStrategyElementPayload:
        path = f"/v1/strategies/{_strategy(input.strategy_code)}/elements"
        body = rest_body(input, skip=frozenset({"strategy_code"}))
        record = await info.context.upstream.send(SERVICE, "POST", path, body)
        return AddStrategyElementPayload(element=StrategyElement.from_rest(record))

    @strawberry.mutation(description="Add an indicator to an outcome (secretariat).")
    async def create_indicator(
        self,
        info: Info,
        input: Annotated[CreateIndicatorInput, strawberry.argument(description="The indicator.")],
    ) -> IndicatorPayload:
        path = f"/v1/strategies/{_strategy(input.strategy_code)}/indicators"
        record = await info.context.upstream.send(SERVICE, "POST", path, _indicator_body(input))
        return IndicatorPayload(indicator=Indicator.from_rest(record))

    @strawberry.mutation(
        description="Change an indicator's name, baseline, target or responsible "
        "organisations (secretariat); its period and source stay."
    )
    async def update_indicator(
        self,
        info: Info,
        input: Annotated[
            UpdateIndicatorInput, strawberry.argument(description="The indicator and changes.")
        ],
    ) -> IndicatorPayload:
        body = rest_body(input, skip=frozenset({"indicator_id", "expected_version"}))
        record = await info.context.upstream.send(
            SERVICE,
            "PATCH",
            f"/v1/indicators/{_indicator(input.indicator_id)}",
            body,
            headers=precondition(input.expected_version),
        )
        return IndicatorPayload(indicator=Indicator.from_rest(record))


@strawberry.type
class ResultsMutations:
    @strawberry.mutation(
        description="Report a value with evidence (secretariat; a focal point for its "
        "country's NAP indicators); it counts once the secretariat validates it."
    )
    async def report_measurement(
        self,
        info: Info,
        input: Annotated[
            ReportMeasurementInput, strawberry.argument(description="The value and evidence.")
        ],
    ) -> MeasurementPayload:
        record = await info.context.upstream.send(
            SERVICE,
            "POST",
            f"/v1/indicators/{_indicator(input.indicator_id)}/measurements",
            rest_body(input, skip=frozenset({"indicator_id", "idempotency_key"})),
            headers=idempotency(input.idempotency_key),
        )
        return MeasurementPayload(measurement=ReportedMeasurement.from_rest(record))

    @strawberry.mutation(
        description="Validate a submitted value (secretariat): it then counts and is public."
    )
    async def validate_measurement(
        self,
        info: Info,
        input: Annotated[
            ValidateMeasurementInput, strawberry.argument(description="The value to validate.")
        ],
    ) -> MeasurementPayload:
        measurement = checked_rest_id(input.measurement_id, "Measurement", "input.measurementId")
        path = f"/v1/indicators/{_indicator(input.indicator_id)}/measurements/{measurement}"
        record = await info.context.upstream.send(SERVICE, "POST", f"{path}/validation")
        return MeasurementPayload(measurement=ReportedMeasurement.from_rest(record))

    @strawberry.mutation(
        description="Compute a computed indicator now (secretariat); a service that cannot be "
        "read leaves the last values, marked stale."
    )
    async def measure_indicator(
        self,
        info: Info,
        input: Annotated[
            MeasureIndicatorInput, strawberry.argument(description="The indicator to compute.")
        ],
    ) -> MeasureIndicatorResult:
        body = None if input.period is None else {"period": input.period}
        record = await info.context.upstream.send(
            SERVICE, "POST", f"/v1/indicators/{_indicator(input.indicator_id)}/measure", body
        )
        return MeasureIndicatorResult(
            indicator=Indicator.from_rest(record["indicator"]),
            stale=bool(record["stale"]),
            error=record.get("error"),
        )

    @strawberry.mutation(
        description="Compute every computed indicator now (secretariat), as the scheduled "
        "refresh does."
    )
    async def measure_all_indicators(self, info: Info) -> MeasureAllIndicatorsPayload:
        record = await info.context.upstream.send(SERVICE, "POST", "/v1/measure")
        errors = record.get("errors") or {}
        return MeasureAllIndicatorsPayload(
            errors=[MeasureError(indicator_code=code, error=str(e)) for code, e in errors.items()]
        )

    @strawberry.mutation(description="Add a milestone linked to outcomes (secretariat).")
    async def create_milestone(
        self,
        info: Info,
        input: Annotated[CreateMilestoneInput, strawberry.argument(description="The milestone.")],
    ) -> MilestonePayload:
        path = f"/v1/strategies/{_strategy(input.strategy_code)}/milestones"
        body = rest_body(input, skip=frozenset({"strategy_code"}))
        record = await info.context.upstream.send(SERVICE, "POST", path, body)
        return MilestonePayload(milestone=Milestone.from_rest(record))

    @strawberry.mutation(description="Mark a milestone done, or not done again (secretariat).")
    async def update_milestone(
        self,
        info: Info,
        input: Annotated[
            UpdateMilestoneInput, strawberry.argument(description="The milestone and date.")
        ],
    ) -> MilestonePayload:
        milestone = _code(input.code, "input.code")
        path = f"/v1/strategies/{_strategy(input.strategy_code)}/milestones/{milestone}"
        done_on = None if input.done_on is None else input.done_on.isoformat()
        record = await info.context.upstream.send(SERVICE, "PATCH", path, {"done_on": done_on})
        return MilestonePayload(milestone=Milestone.from_rest(record))

    @strawberry.mutation(description="Record a term of a governance role (secretariat).")
    async def add_governance_role(
        self,
        info: Info,
        input: Annotated[AddGovernanceRoleInput, strawberry.argument(description="The term.")],
    ) -> AddGovernanceRolePayload:
        record = await info.context.upstream.send(
            SERVICE, "POST", "/v1/governance-roles", rest_body(input)
        )
        return AddGovernanceRolePayload(governance_role=GovernanceRole.from_rest(record))

    @strawberry.mutation(
        description="Freeze a closed half-year's progress report as on its last day "
        "(secretariat); CONFLICT while the half-year is open or once frozen."
    )
    async def freeze_progress_report(
        self,
        info: Info,
        input: Annotated[
            FreezeProgressReportInput, strawberry.argument(description="The half-year.")
        ],
    ) -> FreezeProgressReportPayload:
        record = await info.context.upstream.send(
            SERVICE,
            "POST",
            f"/v1/progress/snapshots/{_code(input.period, 'input.period')}",
            params={"strategy": input.strategy_code},
        )
        return FreezeProgressReportPayload(report=ProgressReport.from_rest(record))
