"""Countries: where money, practices, gaps and events of all three services meet."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Annotated, Self

import strawberry
from strawberry import relay

from gateway.arguments import (
    DateFromArg,
    DateToArg,
    PillarArg,
    QueryTextArg,
    StartsFromArg,
    ThemeArg,
)
from gateway.connections import After, First
from gateway.context import Info
from gateway.types.pledges import (
    ObjectiveConnection,
    PledgeConnection,
    PledgeKind,
    objective_connection,
    pledge_connection,
)
from gateway.types.reports import (
    GapReport,
    SummaryDimension,
    SummaryReport,
    gap_report,
    summary_report,
)
from gateway.values import LocalizedText, country_name
from services.common.vocabulary import MIRPS_COUNTRIES, countries

if TYPE_CHECKING:
    from gateway.types.events import EventConnection, EventKind, EventStatus
    from gateway.types.practices import (
        InventoryItemConnection,
        InventoryKind,
        PracticeConnection,
    )
    from gateway.types.results import Indicator

EventConnectionRef = Annotated["EventConnection", strawberry.lazy("gateway.types.events")]
EventKindRef = Annotated["EventKind", strawberry.lazy("gateway.types.events")]
EventStatusRef = Annotated["EventStatus", strawberry.lazy("gateway.types.events")]
PracticeConnectionRef = Annotated["PracticeConnection", strawberry.lazy("gateway.types.practices")]
InventoryConnectionRef = Annotated[
    "InventoryItemConnection", strawberry.lazy("gateway.types.practices")
]
InventoryKindRef = Annotated["InventoryKind", strawberry.lazy("gateway.types.practices")]
IndicatorRef = Annotated["Indicator", strawberry.lazy("gateway.types.results")]


@strawberry.type(
    description="A country (ISO 3166-1 alpha-3), and everything the platform holds on it."
)
class Country(relay.Node):
    code: relay.NodeID[str]

    @strawberry.field(name="code", description="ISO 3166-1 alpha-3 code, e.g. GTM.")
    def iso_code(self) -> str:
        return self.code

    @strawberry.field(description="The country's name in Spanish and English.")
    def name(self) -> LocalizedText:
        return country_name(self.code)

    @strawberry.field(description="True for the seven MIRPS countries.")
    def is_mirps(self) -> bool:
        return self.code in MIRPS_COUNTRIES

    @classmethod
    def of(cls, code: str) -> Country:
        return cls(code=code)

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Self | None]:
        return [cls(code=code) if code in countries else None for code in node_ids]

    @strawberry.field(description="The country's National Action Plan objectives.")
    async def objectives(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        pillar: PillarArg = None,
        theme: ThemeArg = None,
    ) -> ObjectiveConnection | None:
        return await objective_connection(
            info, first, after, country=self.code, pillar=pillar, theme=theme
        )

    @strawberry.field(
        description="The country's National Action Plan indicators (results service), with "
        "their values; one call for all the countries of a query."
    )
    async def indicators(self, info: Info) -> list[IndicatorRef] | None:
        from gateway.types.results import indicators_of

        return await indicators_of(info, "indicators_by_country", self.code)

    @strawberry.field(description="Pledges to this country (that the caller may see).")
    async def pledges(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        kind: Annotated[
            PledgeKind | None, strawberry.argument(description="Only pledges of this kind.")
        ] = None,
    ) -> PledgeConnection | None:
        return await pledge_connection(
            info, first, after, country=self.code, kind=kind.value if kind else None
        )

    @strawberry.field(description="Good practices implemented in this country.")
    async def practices(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        theme: ThemeArg = None,
        q: QueryTextArg = None,
    ) -> PracticeConnectionRef | None:
        from gateway.types.practices import practice_connection

        return await practice_connection(info, first, after, country=self.code, theme=theme, q=q)

    @strawberry.field(description="The country's inventory of services, programmes and gaps.")
    async def inventory(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        kind: Annotated[
            InventoryKindRef | None,
            strawberry.argument(description="Only inventory items of this kind."),
        ] = None,
        theme: ThemeArg = None,
    ) -> InventoryConnectionRef | None:
        from gateway.types.practices import inventory_connection

        return await inventory_connection(
            info,
            first,
            after,
            country=self.code,
            kind=kind.value if kind else None,
            theme=theme,
        )

    @strawberry.field(
        description="Events in or involving this country (and regional ones), by start; "
        "`startsFrom` keeps those still to come on that date."
    )
    async def events(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        kind: Annotated[
            EventKindRef | None, strawberry.argument(description="Only events of this kind.")
        ] = None,
        status: Annotated[
            EventStatusRef | None, strawberry.argument(description="Only events in this status.")
        ] = None,
        theme: ThemeArg = None,
        starts_from: StartsFromArg = None,
    ) -> EventConnectionRef | None:
        from gateway.types.events import event_connection

        return await event_connection(
            info,
            first,
            after,
            country=self.code,
            kind=kind.value if kind else None,
            status=status.value if status else None,
            theme=theme,
            **{"from": starts_from.isoformat() if starts_from else None},
        )

    @strawberry.field(
        description="Resource gaps of the country's objectives (largest first) and its total."
    )
    async def gaps(
        self, info: Info, pillar: PillarArg = None, theme: ThemeArg = None
    ) -> GapReport | None:
        return await gap_report(info, country=self.code, pillar=pillar, theme=theme)

    @strawberry.field(
        description="Support mobilised for the country in USD, grouped by the dimensions given "
        "(by pledge kind unless told otherwise)."
    )
    async def summary(
        self,
        info: Info,
        group_by: Annotated[
            list[SummaryDimension] | None,
            strawberry.argument(description="Dimensions to group by; pledge kind when left out."),
        ] = None,
        date_from: DateFromArg = None,
        date_to: DateToArg = None,
    ) -> SummaryReport | None:
        return await summary_report(
            info,
            group_by or [SummaryDimension.PLEDGE_KIND],
            date_from=date_from,
            date_to=date_to,
            country=self.code,
        )
