"""The strategy's results framework (results service): objectives to indicators, with status."""

from __future__ import annotations

import asyncio
from datetime import datetime
from enum import Enum
from typing import Annotated, Any
from urllib.parse import quote

import strawberry

from gateway.context import Info
from gateway.cost import LIST_SIZE
from gateway.errors import UpstreamError
from gateway.types.base import to_datetime
from gateway.types.events import Event
from gateway.types.pledges import Organisation, Pledge
from gateway.types.practices import InventoryItem, Practice
from gateway.values import LocalizedText

DEFAULT_STRATEGY = "sp-2022-2023"


@strawberry.enum(
    description="Progress against targets, by the results service's stated rule: achieved "
    "when the value reaches the target; else on track when progress is at least the elapsed "
    "share of the period, at risk within 25 points of it, off track below that or once the "
    "period is over; not started without any value. A parent takes the worst status of its "
    "parts that have a value."
)
class ProgressStatus(Enum):
    ON_TRACK = strawberry.enum_value("on_track", description="Progress keeps pace with time.")
    AT_RISK = strawberry.enum_value("at_risk", description="Behind, within 25 points.")
    OFF_TRACK = strawberry.enum_value("off_track", description="Far behind, or period over.")
    ACHIEVED = strawberry.enum_value("achieved", description="The target is reached.")
    NOT_STARTED = strawberry.enum_value("not_started", description="No value yet.")


def _text(data: Any) -> LocalizedText:
    return LocalizedText.from_rest(data) or LocalizedText(es=None, en=None)


CountedRecord = Annotated[
    Pledge | Organisation | Event | Practice | InventoryItem,
    strawberry.union(
        "CountedRecord",
        description="A record a computed value counted: a pledge, an organisation, an "
        "event, a practice or an inventory item.",
    ),
]
# The kind in a results service record reference (`service:kind:id`) -> the type to build.
COUNTED_TYPES: dict[str, type[Pledge | Organisation | Event | Practice | InventoryItem]] = {
    "pledge": Pledge,
    "organisation": Organisation,
    "event": Event,
    "practice": Practice,
    "inventory-item": InventoryItem,
}


@strawberry.type(description="One value of an indicator for a period.")
class IndicatorMeasurement:
    value: str = strawberry.field(description='The value as a decimal string, e.g. "3".')
    period: str = strawberry.field(description="The period it is for: 2023, 2023-H1, 2022/2023.")
    computed_at: datetime = strawberry.field(description="When it was computed or reported.")
    stale: bool = strawberry.field(
        description="True when the last refresh could not read the service it comes from."
    )
    record_refs: strawberry.Private[list[str]]

    @strawberry.field(
        description="The records a computed value counted (the pledges, events, practices… "
        "behind it) that the caller may see; event outcomes and report totals are not "
        "listed. One call per service and kind for a whole level."
    )
    async def records(self, info: Info) -> list[CountedRecord]:
        by_kind: dict[str, list[str]] = {}
        for ref in self.record_refs:
            _, kind, key = ref.split(":", 2)
            if kind in COUNTED_TYPES:
                by_kind.setdefault(kind, []).append(key)
        kinds = list(by_kind)
        loaded = await asyncio.gather(
            *(info.context.loaders.many(COUNTED_TYPES[k].loader_name, by_kind[k]) for k in kinds)
        )
        return [
            COUNTED_TYPES[kind].from_rest(record)
            for kind, records in zip(kinds, loaded, strict=True)
            for record in records
        ]

    @classmethod
    def from_rest(cls, data: dict[str, Any]) -> IndicatorMeasurement:
        computed_at = to_datetime(data["computed_at"])
        assert computed_at is not None
        return cls(
            value=str(data["value"]),
            period=str(data["period"]),
            computed_at=computed_at,
            stale=bool(data["stale"]),
            record_refs=[str(ref) for ref in data.get("record_refs") or []],
        )


@strawberry.type(description="How an outcome is measured, and its values.")
class Indicator:
    id: strawberry.ID = strawberry.field(description="The results service's indicator id.")
    name: LocalizedText = strawberry.field(description="The indicator's name.")
    unit: str = strawberry.field(description="count, usd, percent or yes_no.")
    direction: str = strawberry.field(description="increase or decrease.")
    target: str | None = strawberry.field(description="The target, a decimal string, if any.")
    source: str = strawberry.field(
        description="computed (from the platform's own data) or reported (with evidence)."
    )
    latest: IndicatorMeasurement | None = strawberry.field(
        description="The value in force today (latest period, then latest computed)."
    )
    history: list[IndicatorMeasurement] = strawberry.field(
        description="Every value the caller may see, oldest first."
    )
    version: int | None = strawberry.field(
        description="Bumped on every update; send it as `expectedVersion` to `updateIndicator`."
    )

    @classmethod
    def from_rest(cls, data: dict[str, Any]) -> Indicator:
        latest = data.get("latest")
        return cls(
            id=strawberry.ID(str(data["id"])),
            name=_text(data["name"]),
            unit=str(data["unit"]),
            direction=str(data["direction"]),
            target=None if data.get("target") is None else str(data["target"]),
            source=str(data["source"]),
            latest=IndicatorMeasurement.from_rest(latest) if latest else None,
            history=[IndicatorMeasurement.from_rest(m) for m in data.get("history") or []],
            version=data.get("version"),
        )


# A strategy's framework is small by nature (the 2022-2023 one: 3 objectives, 2 to 5
# activities each, 1 to 4 outcomes each, a few indicators each); the query cost counts each
# of these lists as at most this long, not as an unknown list of PLAIN_LIST_SIZE.
FRAMEWORK_LIST_SIZE = 5


@strawberry.type(description="An outcome of the strategy (e.g. 2.1.4), with its indicators.")
class StrategyOutcome:
    code: str = strawberry.field(description="The strategy's numbering, e.g. 2.1.4.")
    title: LocalizedText = strawberry.field(description="The outcome's text.")
    status: ProgressStatus = strawberry.field(description="Progress of its rated indicators.")
    indicators: list[Indicator] = strawberry.field(
        description="How the outcome is measured.", metadata={LIST_SIZE: FRAMEWORK_LIST_SIZE}
    )


@strawberry.type(description="An activity of the strategy (e.g. 3.3), with its outcomes.")
class StrategyActivity:
    code: str = strawberry.field(description="The strategy's numbering, e.g. 3.3.")
    title: LocalizedText = strawberry.field(description="The activity's text.")
    outcomes: list[StrategyOutcome] = strawberry.field(
        description="Its expected outcomes.", metadata={LIST_SIZE: FRAMEWORK_LIST_SIZE}
    )


@strawberry.type(description="An objective of the strategy (1 to 3), with its activities.")
class StrategyObjective:
    code: str = strawberry.field(description="The objective's number.")
    title: LocalizedText = strawberry.field(description="The objective's text.")
    status: ProgressStatus = strawberry.field(description="Progress of its outcomes.")
    activities: list[StrategyActivity] = strawberry.field(
        description="Its activities.", metadata={LIST_SIZE: FRAMEWORK_LIST_SIZE}
    )


@strawberry.type(
    description="A Support Platform strategy and its results framework, with progress "
    "(Outcome 1.1.2: public reporting on progress against the strategy's objectives)."
)
class Strategy:
    code: str = strawberry.field(description="The strategy's code, e.g. sp-2022-2023.")
    title: LocalizedText = strawberry.field(description="The strategy's title.")
    status: ProgressStatus = strawberry.field(description="Progress of its objectives.")
    objectives: list[StrategyObjective] = strawberry.field(
        description="Its objectives.", metadata={LIST_SIZE: FRAMEWORK_LIST_SIZE}
    )

    @classmethod
    def from_rest(cls, data: dict[str, Any]) -> Strategy:
        return cls(
            code=str(data["code"]),
            title=_text(data["title"]),
            status=ProgressStatus(data["status"]),
            objectives=[_objective(o) for o in data["objectives"]],
        )


def _objective(data: dict[str, Any]) -> StrategyObjective:
    return StrategyObjective(
        code=str(data["code"]),
        title=_text(data["title"]),
        status=ProgressStatus(data["status"]),
        activities=[
            StrategyActivity(
                code=str(activity["code"]),
                title=_text(activity["title"]),
                outcomes=[_outcome(o) for o in activity["outcomes"]],
            )
            for activity in data["activities"]
        ],
    )


def _outcome(data: dict[str, Any]) -> StrategyOutcome:
    return StrategyOutcome(
        code=str(data["code"]),
        title=_text(data["title"]),
        status=ProgressStatus(data["status"]),
        indicators=[Indicator.from_rest(i) for i in data["indicators"]],
    )


async def strategy(info: Info, code: str) -> Strategy | None:
    """The whole framework in one call to the results service; null for an unknown code."""
    try:
        data = await info.context.upstream.get("results", f"/v1/strategies/{quote(code, safe='')}")
    except UpstreamError as error:
        if error.status == 404:
            return None
        raise
    return Strategy.from_rest(data)


async def indicators_of(info: Info, loader: str, parent: str) -> list[Indicator]:
    """A parent's indicators; one call per level (`?country=` or `?objective_id=` batched)."""
    records = await info.context.loaders.children(loader, parent)
    return [Indicator.from_rest(record) for record in records]
