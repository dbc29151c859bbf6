"""The rules of the results service: framework, indicators, measurements, workplan, progress.

Functions only flush; the request's session commits (services.common.db).
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Principal, Role
from services.common.errors import Conflict, Forbidden
from services.common.etag import check_if_match
from services.results import changes, progress, repository
from services.results.exceptions import (
    AlreadyExists,
    AlreadyValidated,
    IndicatorNotFound,
    InvalidField,
    MeasurementNotFound,
    MilestoneNotFound,
    StrategyNotFound,
)
from services.results.models import (
    FrameworkElement,
    GovernanceRole,
    Indicator,
    Measurement,
    Milestone,
    Strategy,
)
from services.results.periods import Period, parse_period
from services.results.queries import QUERIES, Result, Upstream, UpstreamError, cuts_of, run_query
from services.results.references import objective_references, references
from services.results.schemas import (
    PARENT_LEVEL,
    ElementCreate,
    GovernanceRoleCreate,
    IndicatorCreate,
    IndicatorUpdate,
    Level,
    MeasurementCreate,
    MilestoneCreate,
    ReviewStatus,
    Source,
    StrategyCreate,
)

logger = logging.getLogger("mirps.results")


def now() -> datetime:
    return datetime.now(UTC)


# ---------------------------------------------------------------- framework


async def strategy(session: AsyncSession, code: str) -> Strategy:
    found = await repository.strategy_by_code(session, code)
    if found is None:
        raise StrategyNotFound(f"strategy '{code}' does not exist")
    return found


async def create_strategy(session: AsyncSession, data: StrategyCreate) -> Strategy:
    if await repository.strategy_by_code(session, data.code) is not None:
        raise AlreadyExists(f"strategy '{data.code}' already exists")
    record = Strategy(
        code=data.code,
        title=data.title.model_dump(),
        chair=data.chair,
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        created_at=now(),
    )
    session.add(record)
    await session.flush()
    await changes.changed(session, "strategy", "created", record.id, code=record.code)
    return record


async def add_element(
    session: AsyncSession, owner: Strategy, data: ElementCreate
) -> FrameworkElement:
    """An objective, activity or outcome, under the parent its level calls for."""
    if await repository.element_by_code(session, owner.id, data.code) is not None:
        raise AlreadyExists(f"'{data.code}' already exists in strategy '{owner.code}'")
    parent_id = await _parent_id(session, owner, data)
    position = len(await repository.elements(session, owner.id))
    record = FrameworkElement(
        strategy_id=owner.id,
        level=data.level.value,
        code=data.code,
        parent_id=parent_id,
        title=data.title.model_dump(),
        description=data.description.model_dump() if data.description else None,
        position=position,
    )
    session.add(record)
    await session.flush()
    await changes.changed(session, "framework_element", "created", record.id, code=record.code)
    return record


async def _parent_id(
    session: AsyncSession, owner: Strategy, data: ElementCreate
) -> uuid.UUID | None:
    wanted = PARENT_LEVEL[data.level]
    if wanted is None:
        if data.parent_code is not None:
            raise InvalidField("parent_code", "an objective has no parent")
        return None
    if data.parent_code is None:
        raise InvalidField("parent_code", f"a {data.level.value} needs its {wanted.value}")
    parent = await repository.element_by_code(session, owner.id, data.parent_code)
    if parent is None or parent.level != wanted:
        raise InvalidField("parent_code", f"'{data.parent_code}' is not a {wanted.value}")
    return parent.id


# ---------------------------------------------------------------- indicators


async def create_indicator(
    session: AsyncSession, owner: Strategy, data: IndicatorCreate
) -> Indicator:
    outcome = await repository.element_by_code(session, owner.id, data.outcome_code)
    if outcome is None or outcome.level != Level.OUTCOME:
        raise InvalidField("outcome_code", f"'{data.outcome_code}' is not an outcome")
    _check_source(data)
    await references.check(session, objective_references(data.objective_id))
    existing = await repository.indicators(session, strategy_id=owner.id)
    if any(indicator.code == data.code for indicator in existing):
        raise AlreadyExists(f"indicator '{data.code}' already exists")
    window = parse_period(data.period or _strategy_period(owner))
    record = Indicator(
        strategy_id=owner.id,
        outcome_id=outcome.id,
        code=data.code,
        name=data.name.model_dump(),
        unit=data.unit.value,
        direction=data.direction.value,
        baseline=_text(data.baseline),
        target=_text(data.target),
        period=window.label,
        period_start=window.start,
        period_end=window.end,
        disaggregation=[d.value for d in data.disaggregation],
        responsible_organisations=list(data.responsible_organisations),
        source=data.source.value,
        query=data.query,
        country=data.country,
        objective_id=data.objective_id,
        illustrative=data.illustrative,
        created_at=now(),
        version=1,
    )
    session.add(record)
    await session.flush()
    await changes.changed(session, "indicator", "created", record.id, code=record.code)
    return record


async def update_indicator(
    session: AsyncSession, record: Indicator, data: IndicatorUpdate, if_match: str | None
) -> Indicator:
    """Change an indicator's name, baseline, target or responsible organisations."""
    check_if_match(if_match, record.version)
    given = data.model_dump(exclude_unset=True)
    if "name" in given:
        if data.name is None:
            raise InvalidField("name", "an indicator keeps a name")
        record.name = data.name.model_dump()
    if "baseline" in given:
        record.baseline = _text(data.baseline)
    if "target" in given:
        record.target = _text(data.target)
    if "responsible_organisations" in given:
        record.responsible_organisations = list(data.responsible_organisations or [])
    await session.flush()
    await changes.changed(session, "indicator", "updated", record.id, code=record.code)
    return record


def _check_source(data: IndicatorCreate) -> None:
    if data.source == Source.REPORTED:
        if data.query is not None:
            raise InvalidField("query", "a reported indicator has no query")
        return
    if data.query not in QUERIES:
        known = ", ".join(QUERIES)
        raise InvalidField("query", f"a computed indicator needs one of the named queries: {known}")
    if QUERIES[data.query].unit != data.unit:
        raise InvalidField("unit", f"query '{data.query}' gives {QUERIES[data.query].unit.value}")


def _strategy_period(owner: Strategy) -> str:
    first, last = owner.starts_on.year, owner.ends_on.year
    return str(first) if first == last else f"{first}/{last}"


def _text(value: object) -> str | None:
    return None if value is None else format(value, "f")


async def indicator(session: AsyncSession, indicator_id: uuid.UUID) -> Indicator:
    found = await repository.indicators(session, ids=[indicator_id])
    if not found:
        raise IndicatorNotFound(f"indicator {indicator_id} does not exist")
    return found[0]


def may_see_submitted(principal: Principal | None, record: Indicator) -> bool:
    """Reported values awaiting review: the secretariat and the country's focal points."""
    if principal is None:
        return False
    return principal.is_secretariat or (
        record.country is not None and principal.is_focal_point_for(record.country)
    )


def visible(
    principal: Principal | None, record: Indicator, measurements: Sequence[Measurement]
) -> list[Measurement]:
    if may_see_submitted(principal, record):
        return list(measurements)
    return [m for m in measurements if progress.counts(m)]


async def measurements_by_indicator(
    session: AsyncSession, indicators: Sequence[Indicator]
) -> dict[uuid.UUID, list[Measurement]]:
    grouped: dict[uuid.UUID, list[Measurement]] = defaultdict(list)
    for measurement in await repository.measurements(session, [i.id for i in indicators]):
        grouped[measurement.indicator_id].append(measurement)
    return grouped


# ---------------------------------------------------------------- reported values


async def report(
    session: AsyncSession, principal: Principal, record: Indicator, data: MeasurementCreate
) -> Measurement:
    """A reported value, submitted for review: the secretariat, or the country's focal point."""
    _check_may_report(principal, record)
    if record.source != Source.REPORTED:
        raise InvalidField("indicator", "this indicator is computed; it cannot be reported")
    period = _within_indicator(record, data.period)
    stamp = now()
    measurement = Measurement(
        indicator_id=record.id,
        value=format(data.value, "f"),
        period=period.label,
        period_start=period.start,
        period_end=period.end,
        computed_at=stamp,
        checked_at=stamp,
        record_refs=[],
        breakdown={},
        stale=False,
        evidence_url=data.evidence_url,
        evidence_reference=data.evidence_reference,
        review_status=ReviewStatus.SUBMITTED.value,
        submitted_by=principal.sub,
    )
    session.add(measurement)
    await session.flush()
    await changes.measurement_changed(session, record, measurement, "reported")
    return measurement


def _check_may_report(principal: Principal, record: Indicator) -> None:
    if principal.is_secretariat:
        return
    if Role.COUNTRY_FOCAL_POINT not in principal.roles:
        raise Forbidden("only the secretariat and country focal points report values")
    if record.country is None:
        raise Forbidden("focal points report National Action Plan indicators only", field="country")
    if not principal.is_focal_point_for(record.country):
        raise Forbidden(
            f"this indicator belongs to {record.country}; your token is for "
            f"{', '.join(sorted(principal.countries)) or 'no country'}",
            field="country",
        )


def _within_indicator(record: Indicator, label: str) -> Period:
    period = parse_period(label)
    if not parse_period(record.period).contains(period):
        raise InvalidField("period", f"'{label}' is outside the indicator's period {record.period}")
    return period


async def validate(
    session: AsyncSession, principal: Principal, record: Indicator, measurement_id: uuid.UUID
) -> Measurement:
    """submitted -> validated, by the secretariat."""
    measurement = next(
        (m for m in await repository.measurements(session, [record.id]) if m.id == measurement_id),
        None,
    )
    if measurement is None:
        raise MeasurementNotFound(
            f"measurement {measurement_id} of indicator {record.id} does not exist"
        )
    if measurement.review_status != ReviewStatus.SUBMITTED:
        raise AlreadyValidated("only a submitted value can be validated")
    measurement.review_status = ReviewStatus.VALIDATED.value
    measurement.reviewed_by = principal.sub
    measurement.reviewed_at = now()
    await session.flush()
    await changes.measurement_changed(session, record, measurement, "validated")
    return measurement


# ---------------------------------------------------------------- computed values


async def measure(
    session: AsyncSession, record: Indicator, upstream: Upstream, only: str | None = None
) -> str | None:
    """Compute and store the indicator's values; None, or the upstream error (values stale)."""
    if record.source != Source.COMPUTED or record.query is None:
        raise Conflict("only computed indicators are measured; report this one")
    window = parse_period(record.period)
    if only is not None:
        _within_indicator(record, only)
    cuts = cuts_of(window, now().date(), only)
    try:
        query = QUERIES[record.query]
        results = await run_query(query, upstream, window, cuts, record.disaggregation)
    except UpstreamError as exc:
        await _mark_stale(session, record, str(exc))
        return str(exc)
    existing = await repository.measurements(session, [record.id])
    stored = [_store(session, record, result, existing) for result in results]
    await session.flush()
    if any(stored):
        periods = [r.period.label for r, new in zip(results, stored, strict=True) if new]
        await changes.changed(session, "indicator", "measured", record.id, periods=periods)
    return None


def _store(
    session: AsyncSession, record: Indicator, result: Result, existing: Sequence[Measurement]
) -> bool:
    """Keep a computed value; True when it is new (not the same inputs checked again)."""
    stamp = now()
    same_period = [m for m in existing if m.period == result.period.label]
    latest = same_period[-1] if same_period else None
    if latest is not None and latest.inputs_hash == result.inputs_hash:
        latest.checked_at, latest.stale, latest.error = stamp, False, None
        return False
    session.add(
        Measurement(
            indicator_id=record.id,
            value=format(result.value, "f"),
            period=result.period.label,
            period_start=result.period.start,
            period_end=result.period.end,
            computed_at=stamp,
            checked_at=stamp,
            source_call=result.source_call,
            inputs_hash=result.inputs_hash,
            record_refs=[r.ref for r in result.records],
            breakdown=result.breakdown,
            stale=False,
        )
    )
    return True


async def _mark_stale(session: AsyncSession, record: Indicator, error: str) -> None:
    latest_per_period: dict[str, Measurement] = {}
    for measurement in await repository.measurements(session, [record.id]):
        latest_per_period[measurement.period] = measurement
    for measurement in latest_per_period.values():
        measurement.stale, measurement.error = True, error
    await session.flush()
    await changes.changed(session, "indicator", "stale", record.id, code=record.code)


async def refresh_all(session: AsyncSession, upstream: Upstream) -> dict[str, str]:
    """Measure every computed indicator; returns the errors by indicator code."""
    errors: dict[str, str] = {}
    for record in await repository.indicators(session, source=Source.COMPUTED.value):
        error = await measure(session, record, upstream)
        if error is not None:
            errors[record.code] = error
    return errors


# ---------------------------------------------------------------- workplan


def milestone_status(record: Milestone, today: date) -> str:
    if record.done_on is not None:
        return "done"
    return "late" if record.due_on < today else "planned"


async def create_milestone(
    session: AsyncSession, owner: Strategy, data: MilestoneCreate
) -> Milestone:
    for code in data.outcome_codes:
        element = await repository.element_by_code(session, owner.id, code)
        if element is None or element.level != Level.OUTCOME:
            raise InvalidField("outcome_codes", f"'{code}' is not an outcome")
    if any(m.code == data.code for m in await repository.milestones(session, owner.id)):
        raise AlreadyExists(f"milestone '{data.code}' already exists")
    record = Milestone(
        strategy_id=owner.id,
        code=data.code,
        title=data.title.model_dump(),
        due_on=data.due_on,
        done_on=data.done_on,
        outcome_codes=list(data.outcome_codes),
    )
    session.add(record)
    await session.flush()
    await changes.changed(session, "milestone", "created", record.id, code=record.code)
    return record


async def set_milestone_done(
    session: AsyncSession, owner: Strategy, code: str, done_on: date | None
) -> Milestone:
    record = next(
        (m for m in await repository.milestones(session, owner.id) if m.code == code), None
    )
    if record is None:
        raise MilestoneNotFound(f"milestone '{code}' does not exist")
    record.done_on = done_on
    await session.flush()
    await changes.changed(session, "milestone", "updated", record.id, code=record.code)
    return record


async def add_governance_role(session: AsyncSession, data: GovernanceRoleCreate) -> GovernanceRole:
    record = GovernanceRole(
        role=data.role.value, holder=data.holder, starts_on=data.starts_on, ends_on=data.ends_on
    )
    session.add(record)
    await session.flush()
    # The holder is a person or an office: the event names the role only.
    await changes.changed(session, "governance_role", "created", record.id, role=record.role)
    return record
