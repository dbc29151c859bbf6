"""HTTP routes of the results service: parse, authorise, call one service function, return."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any, Generic, TypeVar

from fastapi import APIRouter, Body, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import AfterValidator, BaseModel, Field

from services.common.auth import (
    OptionalPrincipalDep,
    PrincipalDep,
    SecretariatDep,
)
from services.common.db import SessionDep
from services.common.errors import problem_responses
from services.common.etag import RequiredIfMatchHeader, set_etag
from services.common.filters import IdsQuery, Values
from services.common.idempotency import IdempotencyKeyHeader, run_idempotent_request
from services.common.inputs import Line
from services.common.schemas import BoundedDate
from services.common.vocabulary import MirpsCountryCode
from services.results import framework, repository, service
from services.results.models import IdempotencyRecord, Indicator, Milestone
from services.results.periods import HALF_YEAR_PATTERN, check_period
from services.results.queries import QUERIES, Upstream
from services.results.references import of_indicator, references
from services.results.schemas import (
    ElementCreate,
    ElementRead,
    FrameworkRead,
    GovernanceRoleCreate,
    GovernanceRoleRead,
    IndicatorCreate,
    IndicatorRead,
    IndicatorUpdate,
    MeasurementCreate,
    MeasurementRead,
    MeasureRequest,
    MilestoneCreate,
    MilestoneRead,
    MilestoneUpdate,
    ProgressReport,
    QueryRead,
    StrategyCreate,
    StrategyRead,
)

router = APIRouter(prefix="/v1")
T = TypeVar("T")

DEFAULT_STRATEGY = "sp-2022-2023"
StrategyQuery = Annotated[
    Line, Query(max_length=40, description="Strategy code.", examples=[DEFAULT_STRATEGY])
]
StrategyCode = Annotated[
    Line, Path(max_length=40, description="Strategy code.", examples=[DEFAULT_STRATEGY])
]
HalfYearPath = Annotated[
    str,
    Path(pattern=HALF_YEAR_PATTERN, description="Half-year.", examples=["2023-H1"]),
    AfterValidator(check_period),
]
MilestoneCode = Annotated[Line, Path(max_length=40, description="Milestone code.")]
AsOfQuery = Annotated[
    BoundedDate | None, Query(description="Progress as on this date; default today.")
]
CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "JSON, or CSV (one row per indicator) with `Accept: text/csv`.",
        "content": {"text/csv": {"schema": {"type": "string"}}},
    }
}


class Items(BaseModel, Generic[T]):
    """A whole list (these lists are small: one strategy's framework)."""

    items: list[T]


class MeasureResult(BaseModel):
    indicator: IndicatorRead
    stale: bool = Field(description="True when a service could not be read: values kept, stale.")
    error: str | None = Field(description="Which service failed and how.")


class RefreshResult(BaseModel):
    errors: dict[str, str] = Field(description="Indicator code -> upstream error, if any.")


def _upstream(request: Request) -> Upstream:
    return Upstream(request.app.state.upstream)


def _today() -> date:
    return service.now().date()


async def _indicator_read(
    session: SessionDep, record: Indicator, principal: OptionalPrincipalDep
) -> IndicatorRead:
    codes = await repository.element_codes(session, {record.outcome_id})
    outcome_code = codes[record.outcome_id]
    measurements = await repository.measurements(session, [record.id])
    read = framework.indicator_read(record, outcome_code, list(measurements), principal, _today())
    read.stale_references = await references.stale(session, of_indicator(record))
    return read


# ---------------------------------------------------------------- framework


@router.get("/strategies", tags=["framework"], response_model=Items[StrategyRead])
async def list_strategies(session: SessionDep) -> Items[StrategyRead]:
    """Every strategy, oldest first."""
    return Items(
        items=[
            StrategyRead.model_validate(s, from_attributes=True)
            for s in await repository.strategies(session)
        ]
    )


@router.post(
    "/strategies",
    status_code=201,
    tags=["framework"],
    response_model=StrategyRead,
    responses=problem_responses(401, 403, 409, 422),
)
async def create_strategy(
    data: StrategyCreate, session: SessionDep, _: SecretariatDep
) -> StrategyRead:
    """Add a strategy (secretariat)."""
    record = await service.create_strategy(session, data)
    return StrategyRead.model_validate(record, from_attributes=True)


@router.get(
    "/strategies/{code}",
    tags=["framework"],
    response_model=FrameworkRead,
    responses=problem_responses(404, 422),
)
async def get_strategy(
    code: StrategyCode,
    session: SessionDep,
    principal: OptionalPrincipalDep,
    as_of: AsOfQuery = None,
) -> FrameworkRead:
    """The strategy's whole framework: objectives, activities, outcomes, indicators, values."""
    owner = await service.strategy(session, code)
    tree = await framework.load(session, owner, as_of or _today())
    return framework.framework_read(tree, principal)


@router.post(
    "/strategies/{code}/elements",
    status_code=201,
    tags=["framework"],
    response_model=ElementRead,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def add_element(
    code: StrategyCode, data: ElementCreate, session: SessionDep, _: SecretariatDep
) -> ElementRead:
    """Add an objective, an activity (under an objective) or an outcome (under an activity)."""
    owner = await service.strategy(session, code)
    record = await service.add_element(session, owner, data)
    return ElementRead(
        id=record.id,
        level=data.level,
        code=record.code,
        parent_code=data.parent_code,
        title=data.title,
        description=data.description,
    )


# ---------------------------------------------------------------- indicators


@router.get("/queries", tags=["indicators"], response_model=Items[QueryRead])
async def list_queries() -> Items[QueryRead]:
    """The named queries computed indicators use, each with its rule."""
    return Items(
        items=[
            QueryRead(name=q.name, service=q.service, unit=q.unit, rule=q.rule)
            for q in QUERIES.values()
        ]
    )


@router.post(
    "/strategies/{code}/indicators",
    status_code=201,
    tags=["indicators"],
    response_model=IndicatorRead,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def create_indicator(
    code: StrategyCode, data: IndicatorCreate, session: SessionDep, principal: SecretariatDep
) -> IndicatorRead:
    """Add an indicator to an outcome (secretariat); a target needs a period."""
    owner = await service.strategy(session, code)
    record = await service.create_indicator(session, owner, data)
    return await _indicator_read(session, record, principal)


@router.get(
    "/indicators",
    tags=["indicators"],
    response_model=Items[IndicatorRead],
    responses=problem_responses(404, 422),
)
async def list_indicators(
    session: SessionDep,
    principal: OptionalPrincipalDep,
    strategy: Annotated[Line | None, Query(max_length=40, description="Strategy code.")] = None,
    country: Annotated[
        Values[MirpsCountryCode] | None,
        Query(description="National Action Plan indicators of these countries."),
    ] = None,
    objective_id: Annotated[
        Values[Annotated[Line, Field(max_length=100)]] | None,
        Query(description="Indicators tracking these country objectives (pledges service ids)."),
    ] = None,
    ids: IdsQuery = None,
) -> Items[IndicatorRead]:
    """Indicators with their latest value and history; filters combine (batch reads)."""
    strategy_id = (await service.strategy(session, strategy)).id if strategy else None
    records = await repository.indicators(
        session, strategy_id=strategy_id, countries=country, objective_ids=objective_id, ids=ids
    )
    measurements = await service.measurements_by_indicator(session, records)
    codes = await repository.element_codes(session, {r.outcome_id for r in records})
    today = _today()
    flags = await references.stale_many(session, {r.id: of_indicator(r) for r in records})
    return Items(
        items=[
            framework.indicator_read(
                r, codes[r.outcome_id], measurements.get(r.id, []), principal, today
            ).model_copy(update={"stale_references": flags[r.id]})
            for r in records
        ]
    )


@router.get(
    "/indicators/{indicator_id}",
    tags=["indicators"],
    response_model=IndicatorRead,
    responses=problem_responses(404, 422),
)
async def get_indicator(
    indicator_id: uuid.UUID,
    response: Response,
    session: SessionDep,
    principal: OptionalPrincipalDep,
) -> IndicatorRead:
    """One indicator, its value in force and its history; its ETag is its version."""
    record = await service.indicator(session, indicator_id)
    set_etag(response, record.version)
    return await _indicator_read(session, record, principal)


@router.patch(
    "/indicators/{indicator_id}",
    tags=["indicators"],
    response_model=IndicatorRead,
    responses=problem_responses(401, 403, 404, 412, 422, 428),
)
async def update_indicator(
    indicator_id: uuid.UUID,
    data: IndicatorUpdate,
    response: Response,
    session: SessionDep,
    principal: SecretariatDep,
    if_match: RequiredIfMatchHeader,
) -> IndicatorRead:
    """Change an indicator's name, baseline, target or responsible organisations
    (secretariat); If-Match must carry the ETag of your last read (412 when stale)."""
    record = await service.indicator(session, indicator_id)
    record = await service.update_indicator(session, record, data, if_match)
    set_etag(response, record.version)
    return await _indicator_read(session, record, principal)


@router.post(
    "/indicators/{indicator_id}/measurements",
    status_code=201,
    tags=["indicators"],
    response_model=MeasurementRead,
    responses=problem_responses(401, 403, 404, 422),
)
async def report_measurement(
    indicator_id: uuid.UUID,
    data: MeasurementCreate,
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    """Report a value with evidence (secretariat; a focal point for its country's NAP
    indicators). It is `submitted` until the secretariat validates it."""

    async def action() -> MeasurementRead:
        record = await service.indicator(session, indicator_id)
        measurement = await service.report(session, principal, record, data)
        return framework.measurement_read(measurement)

    return await run_idempotent_request(
        request, session, IdempotencyRecord, principal.sub, idempotency_key, data, action
    )


@router.post(
    "/indicators/{indicator_id}/measurements/{measurement_id}/validation",
    tags=["indicators"],
    response_model=MeasurementRead,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def validate_measurement(
    indicator_id: uuid.UUID,
    measurement_id: uuid.UUID,
    session: SessionDep,
    principal: SecretariatDep,
) -> MeasurementRead:
    """Validate a submitted value (secretariat): it then counts in progress and is public."""
    record = await service.indicator(session, indicator_id)
    return framework.measurement_read(
        await service.validate(session, principal, record, measurement_id)
    )


@router.post(
    "/indicators/{indicator_id}/measure",
    tags=["indicators"],
    response_model=MeasureResult,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def measure_indicator(
    indicator_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    principal: SecretariatDep,
    data: Annotated[MeasureRequest | None, Body()] = None,
) -> MeasureResult:
    """Compute a computed indicator now (secretariat). A service that cannot be read leaves
    the last values in place, marked stale with the error (200, `stale: true`)."""
    record = await service.indicator(session, indicator_id)
    only = data.period if data else None
    error = await service.measure(session, record, _upstream(request), only)
    indicator = await _indicator_read(session, record, principal)
    return MeasureResult(indicator=indicator, stale=error is not None, error=error)


@router.post(
    "/measure",
    tags=["indicators"],
    response_model=RefreshResult,
    responses=problem_responses(401, 403),
)
async def measure_all(request: Request, session: SessionDep, _: SecretariatDep) -> RefreshResult:
    """Compute every computed indicator now (secretariat), as the scheduled refresh does."""
    return RefreshResult(errors=await service.refresh_all(session, _upstream(request)))


# ---------------------------------------------------------------- workplan


def _milestone_read(record: Milestone) -> MilestoneRead:
    return MilestoneRead.model_validate(
        {
            **{k: getattr(record, k) for k in ("id", "code", "title", "due_on", "done_on")},
            "outcome_codes": record.outcome_codes,
            "status": service.milestone_status(record, _today()),
        }
    )


@router.get(
    "/strategies/{code}/milestones",
    tags=["workplan"],
    response_model=Items[MilestoneRead],
    responses=problem_responses(404, 422),
)
async def list_milestones(code: StrategyCode, session: SessionDep) -> Items[MilestoneRead]:
    """The workplan's milestones by due date, with status planned, done or late."""
    owner = await service.strategy(session, code)
    return Items(items=[_milestone_read(m) for m in await repository.milestones(session, owner.id)])


@router.post(
    "/strategies/{code}/milestones",
    status_code=201,
    tags=["workplan"],
    response_model=MilestoneRead,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def create_milestone(
    code: StrategyCode, data: MilestoneCreate, session: SessionDep, _: SecretariatDep
) -> MilestoneRead:
    """Add a milestone linked to outcomes (secretariat)."""
    owner = await service.strategy(session, code)
    return _milestone_read(await service.create_milestone(session, owner, data))


@router.patch(
    "/strategies/{code}/milestones/{milestone_code}",
    tags=["workplan"],
    response_model=MilestoneRead,
    responses=problem_responses(401, 403, 404, 422),
)
async def update_milestone(
    code: StrategyCode,
    milestone_code: MilestoneCode,
    data: MilestoneUpdate,
    session: SessionDep,
    _: SecretariatDep,
) -> MilestoneRead:
    """Mark a milestone done (or not done again) (secretariat)."""
    owner = await service.strategy(session, code)
    record = await service.set_milestone_done(session, owner, milestone_code, data.done_on)
    return _milestone_read(record)


@router.get("/governance-roles", tags=["workplan"], response_model=Items[GovernanceRoleRead])
async def list_governance_roles(session: SessionDep) -> Items[GovernanceRoleRead]:
    """Chair, Troika, pro-tempore presidency and technical secretariat, as dated terms."""
    roles = await repository.governance_roles(session)
    return Items(items=[GovernanceRoleRead.model_validate(r, from_attributes=True) for r in roles])


@router.post(
    "/governance-roles",
    status_code=201,
    tags=["workplan"],
    response_model=GovernanceRoleRead,
    responses=problem_responses(401, 403, 422),
)
async def add_governance_role(
    data: GovernanceRoleCreate, session: SessionDep, _: SecretariatDep
) -> GovernanceRoleRead:
    """Record a term of a governance role (secretariat)."""
    record = await service.add_governance_role(session, data)
    return GovernanceRoleRead.model_validate(record, from_attributes=True)


# ---------------------------------------------------------------- progress


def _as_csv_or_json(request: Request, report: ProgressReport, name: str) -> Response:
    if "text/csv" in request.headers.get("accept", ""):
        return Response(
            framework.report_csv(report),
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    return JSONResponse(report.model_dump(mode="json"))


@router.get(
    "/progress",
    tags=["progress"],
    response_model=ProgressReport,
    responses={**problem_responses(404, 422), **CSV_RESPONSE},
)
async def get_progress(
    request: Request,
    session: SessionDep,
    strategy: StrategyQuery = DEFAULT_STRATEGY,
    as_of: AsOfQuery = None,
) -> Response:
    """Status per outcome and objective on a date, from indicators against targets (the
    rule is in the answer and docs/services/results.md)."""
    owner = await service.strategy(session, strategy)
    day = as_of or _today()
    report = framework.progress_report(await framework.load(session, owner, day))
    return _as_csv_or_json(request, report, f"progress-{strategy}-{day.isoformat()}")


@router.get(
    "/progress/snapshots/{period}",
    tags=["progress"],
    response_model=ProgressReport,
    responses={**problem_responses(404, 422), **CSV_RESPONSE},
)
async def get_snapshot(
    request: Request,
    session: SessionDep,
    period: HalfYearPath,
    strategy: StrategyQuery = DEFAULT_STRATEGY,
) -> Response:
    """The semi-annual progress report (Outcome 1.1.2): the frozen one once the secretariat
    has frozen it (it never changes after), else provisional (`frozen: false`)."""
    owner = await service.strategy(session, strategy)
    report = await framework.snapshot(session, owner, period)
    return _as_csv_or_json(request, report, f"progress-{strategy}-{period}")


@router.post(
    "/progress/snapshots/{period}",
    status_code=201,
    tags=["progress"],
    response_model=ProgressReport,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def freeze_snapshot(
    session: SessionDep,
    _: SecretariatDep,
    period: HalfYearPath,
    strategy: StrategyQuery = DEFAULT_STRATEGY,
) -> ProgressReport:
    """Freeze a closed half-year's report as on its last day (secretariat); 409 while the
    half-year is open or once frozen: a published report never changes."""
    owner = await service.strategy(session, strategy)
    return await framework.freeze(session, owner, period)
