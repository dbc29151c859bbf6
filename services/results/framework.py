"""A strategy's framework read whole, with statuses: the tree, progress and snapshots."""

from __future__ import annotations

import io
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Principal
from services.common.csvsafe import SafeWriter
from services.common.schemas import LocalizedText
from services.results import changes, progress, repository, service
from services.results.exceptions import AlreadyExists, PeriodOpen
from services.results.models import (
    FrameworkElement,
    Indicator,
    Measurement,
    ProgressSnapshot,
    Strategy,
)
from services.results.periods import parse_period
from services.results.schemas import (
    ActivityRead,
    FrameworkRead,
    IndicatorProgress,
    IndicatorRead,
    Level,
    MeasurementRead,
    ObjectiveProgress,
    ObjectiveRead,
    OutcomeProgress,
    OutcomeRead,
    ProgressReport,
    Status,
)


@dataclass
class Tree:
    """Everything of one strategy, read in four queries."""

    owner: Strategy
    children: dict[uuid.UUID | None, list[FrameworkElement]]
    indicators: dict[uuid.UUID, list[Indicator]]
    measurements: dict[uuid.UUID, list[Measurement]]
    as_of: date

    def outcomes_under(self, element: FrameworkElement) -> list[FrameworkElement]:
        if element.level == Level.OUTCOME:
            return [element]
        return [o for child in self.children[element.id] for o in self.outcomes_under(child)]

    def indicator_status(self, record: Indicator) -> Status:
        value = self.value(record)
        return progress.indicator_status(record, value, self.as_of)

    def in_force(self, record: Indicator) -> Measurement | None:
        return progress.in_force(self.measurements[record.id], self.as_of)

    def value(self, record: Indicator) -> Decimal | None:
        measurement = self.in_force(record)
        return Decimal(measurement.value) if measurement else None

    def outcome_status(self, outcome: FrameworkElement) -> Status:
        rated = [i for i in self.indicators[outcome.id] if progress.rated(i)]
        return progress.roll_up([self.indicator_status(i) for i in rated])

    def status(self, element: FrameworkElement) -> Status:
        if element.level == Level.OUTCOME:
            return self.outcome_status(element)
        return progress.roll_up([self.outcome_status(o) for o in self.outcomes_under(element)])

    def strategy_status(self) -> Status:
        return progress.roll_up([self.status(o) for o in self.children[None]])


async def load(session: AsyncSession, owner: Strategy, as_of: date) -> Tree:
    children: dict[uuid.UUID | None, list[FrameworkElement]] = defaultdict(list)
    for element in await repository.elements(session, owner.id):
        children[element.parent_id].append(element)
    indicators: dict[uuid.UUID, list[Indicator]] = defaultdict(list)
    records = await repository.indicators(session, strategy_id=owner.id)
    for record in records:
        indicators[record.outcome_id].append(record)
    measurements = await service.measurements_by_indicator(session, records)
    return Tree(owner, children, indicators, defaultdict(list, measurements), as_of)


def measurement_read(measurement: Measurement) -> MeasurementRead:
    return MeasurementRead.model_validate(measurement, from_attributes=True)


def indicator_read(
    record: Indicator,
    outcome_code: str,
    measurements: list[Measurement],
    principal: Principal | None,
    as_of: date,
) -> IndicatorRead:
    shown = service.visible(principal, record, measurements)
    in_force = progress.in_force(measurements, as_of)
    value = Decimal(in_force.value) if in_force else None
    return IndicatorRead.model_validate(
        {
            **{column: getattr(record, column) for column in _INDICATOR_COLUMNS},
            "outcome_code": outcome_code,
            "status": progress.indicator_status(record, value, as_of),
            "latest": measurement_read(in_force) if in_force else None,
            "history": [measurement_read(m) for m in shown],
        }
    )


_INDICATOR_COLUMNS = [
    "id",
    "code",
    "name",
    "unit",
    "direction",
    "baseline",
    "target",
    "period",
    "disaggregation",
    "responsible_organisations",
    "source",
    "query",
    "country",
    "objective_id",
    "illustrative",
    "version",
]


def framework_read(tree: Tree, principal: Principal | None) -> FrameworkRead:
    def outcome(element: FrameworkElement) -> OutcomeRead:
        return OutcomeRead(
            **_texts(element),
            status=tree.outcome_status(element),
            indicators=[
                indicator_read(i, element.code, tree.measurements[i.id], principal, tree.as_of)
                for i in tree.indicators[element.id]
            ],
        )

    def activity(element: FrameworkElement) -> ActivityRead:
        return ActivityRead(
            **_texts(element), outcomes=[outcome(o) for o in tree.children[element.id]]
        )

    objectives = [
        ObjectiveRead(
            **_texts(element),
            status=tree.status(element),
            activities=[activity(a) for a in tree.children[element.id]],
        )
        for element in tree.children[None]
    ]
    owner = tree.owner
    return FrameworkRead(
        id=owner.id,
        code=owner.code,
        title=LocalizedText.model_validate(owner.title),
        chair=owner.chair,
        starts_on=owner.starts_on,
        ends_on=owner.ends_on,
        status=tree.strategy_status(),
        objectives=objectives,
    )


def _texts(element: FrameworkElement) -> dict[str, object]:
    return {
        "code": element.code,
        "title": LocalizedText.model_validate(element.title),
        "description": LocalizedText.model_validate(element.description)
        if element.description
        else None,
    }


def progress_report(tree: Tree) -> ProgressReport:
    def indicator(record: Indicator) -> IndicatorProgress:
        in_force = tree.in_force(record)
        return IndicatorProgress(
            id=record.id,
            code=record.code,
            name=LocalizedText.model_validate(record.name),
            unit=record.unit,
            target=Decimal(record.target) if record.target else None,
            value=Decimal(in_force.value) if in_force else None,
            period=in_force.period if in_force else None,
            stale=in_force.stale if in_force else False,
            status=tree.indicator_status(record),
        )

    objectives = [
        ObjectiveProgress(
            code=objective.code,
            title=LocalizedText.model_validate(objective.title),
            status=tree.status(objective),
            outcomes=[
                OutcomeProgress(
                    code=outcome.code,
                    title=LocalizedText.model_validate(outcome.title),
                    status=tree.outcome_status(outcome),
                    indicators=[indicator(i) for i in tree.indicators[outcome.id]],
                )
                for outcome in tree.outcomes_under(objective)
            ],
        )
        for objective in tree.children[None]
    ]
    return ProgressReport(
        strategy=tree.owner.code,
        as_of=tree.as_of,
        status=tree.strategy_status(),
        rule=progress.RULE,
        objectives=objectives,
        frozen=False,
    )


async def snapshot(session: AsyncSession, owner: Strategy, period: str) -> ProgressReport:
    """The half-year's report: the frozen one, or provisional (as on today) until frozen."""
    stored = await repository.snapshot(session, owner.id, period)
    if stored is not None:
        return ProgressReport.model_validate(stored.report)
    half = parse_period(period)
    return progress_report(await load(session, owner, min(half.end, service.now().date())))


async def freeze(session: AsyncSession, owner: Strategy, period: str) -> ProgressReport:
    """Freeze a closed half-year's report as on its last day; it never changes after."""
    half = parse_period(period)
    if half.end >= service.now().date():
        raise PeriodOpen(f"{period} ends on {half.end.isoformat()}; freeze it after that")
    if await repository.snapshot(session, owner.id, period) is not None:
        raise AlreadyExists(f"the {period} snapshot is already frozen; it cannot change")
    report = progress_report(await load(session, owner, half.end))
    report.frozen, report.frozen_at = True, service.now()
    session.add(
        ProgressSnapshot(
            strategy_id=owner.id,
            period=period,
            frozen_at=report.frozen_at,
            report=report.model_dump(mode="json"),
        )
    )
    await session.flush()
    await changes.snapshot_frozen(session, owner.code, period)
    return report


def report_csv(report: ProgressReport) -> str:
    """One row per indicator, with its outcome's and objective's status."""
    out = io.StringIO()
    writer = SafeWriter(out, lineterminator="\n")
    writer.writerow(
        [
            "strategy",
            "as_of",
            "objective",
            "objective_status",
            "outcome",
            "outcome_status",
            "indicator",
            "value",
            "target",
            "period",
            "stale",
            "indicator_status",
        ]
    )
    for objective in report.objectives:
        for outcome in objective.outcomes:
            rows: list[IndicatorProgress | None] = [*outcome.indicators] or [None]
            for indicator in rows:
                writer.writerow(
                    [
                        report.strategy,
                        report.as_of.isoformat(),
                        objective.code,
                        objective.status.value,
                        outcome.code,
                        outcome.status.value,
                        indicator.code if indicator else "",
                        _cell(indicator.value) if indicator else "",
                        _cell(indicator.target) if indicator else "",
                        (indicator.period or "") if indicator else "",
                        str(indicator.stale).lower() if indicator else "",
                        indicator.status.value if indicator else "",
                    ]
                )
    return out.getvalue()


def _cell(value: Decimal | None) -> str:
    return "" if value is None else format(value, "f")
