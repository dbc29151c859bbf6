"""The ledger's reports in the graph: summary, gaps, the semi-annual synthesis, matching."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from gateway.arguments import CountryArg, DateFromArg, DateToArg, PillarArg, ThemeArg
from gateway.context import Info
from gateway.loaders import Record
from gateway.types.base import to_date, to_datetime, to_enum
from gateway.types.pledges import OrganisationKind, PledgeKind
from gateway.values import LocalizedText, Money, VocabularyTerm, pillar, theme

if TYPE_CHECKING:
    from gateway.types.countries import Country
    from gateway.types.pledges import Objective, Organisation, Pledge

CountryRef = Annotated["Country", strawberry.lazy("gateway.types.countries")]
ObjectiveRef = Annotated["Objective", strawberry.lazy("gateway.types.pledges")]
OrganisationRef = Annotated["Organisation", strawberry.lazy("gateway.types.pledges")]
PledgeRef = Annotated["Pledge", strawberry.lazy("gateway.types.pledges")]

SERVICE = "pledges"


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


@strawberry.enum(description="A dimension the summary report can group by.")
class SummaryDimension(Enum):
    COUNTRY = strawberry.enum_value("country", description="Recipient country.")
    CONTRIBUTOR = strawberry.enum_value("contributor", description="The pledging organisation.")
    CONTRIBUTOR_KIND = strawberry.enum_value(
        "contributor_kind", description="The pledging organisation's kind."
    )
    PLEDGE_KIND = strawberry.enum_value("pledge_kind", description="The pledge's kind.")
    FUNDING_MECHANISM = strawberry.enum_value(
        "funding_mechanism", description="How the money flows."
    )
    OBJECTIVE = strawberry.enum_value("objective", description="The action-plan objective funded.")
    PILLAR = strawberry.enum_value("pillar", description="The MIRPS pillar of that objective.")
    YEAR = strawberry.enum_value("year", description="The year of the entry's value date.")


@strawberry.type(description="Pledged, committed and disbursed, in USD.")
class FundingTotals:
    pledged: Money | None = strawberry.field(description="Pledged, USD.")
    committed: Money | None = strawberry.field(description="Committed, USD.")
    disbursed: Money | None = strawberry.field(description="Disbursed, USD.")

    @classmethod
    def from_rest(cls, row: Any) -> FundingTotals:
        row = row if isinstance(row, dict) else {}
        return cls(
            pledged=Money.usd(row.get("pledged_usd")),
            committed=Money.usd(row.get("committed_usd")),
            disbursed=Money.usd(row.get("disbursed_usd")),
        )


@strawberry.type(description="The value of one grouping dimension in a summary row.")
class GroupValue:
    dimension: SummaryDimension = strawberry.field(description="The dimension.")
    value: str | None = strawberry.field(
        description="Its value (a code, an id or a year); null for regional / not linked."
    )


@strawberry.type(description="One group of the summary: its dimension values and USD totals.")
class SummaryRow:
    group: list[GroupValue] = strawberry.field(description="The group's dimension values.")
    totals: FundingTotals = strawberry.field(description="The group's totals.")
    pledges: int = strawberry.field(
        description="Pledges announced in the group (within the dates), withdrawn ones "
        "excluded; a pledge allocated to several countries counts in each."
    )
    contributors: int = strawberry.field(description="Distinct contributors of those pledges.")

    @classmethod
    def from_rest(cls, row: Record) -> SummaryRow:
        group = row.get("group") or {}
        return cls(
            group=[
                GroupValue(
                    dimension=SummaryDimension(name),
                    value=None if value is None else str(value),
                )
                for name, value in group.items()
            ],
            totals=FundingTotals.from_rest(row),
            pledges=int(row.get("pledges") or 0),
            contributors=int(row.get("contributors") or 0),
        )


@strawberry.type(description="Support mobilised, grouped by one or two dimensions (USD).")
class SummaryReport:
    group_by: list[SummaryDimension] = strawberry.field(description="The grouping dimensions.")
    rows: list[SummaryRow] = strawberry.field(description="One row per group.")
    totals: FundingTotals = strawberry.field(description="Totals over all rows.")

    @classmethod
    def from_rest(cls, body: Record) -> SummaryReport:
        return cls(
            group_by=[SummaryDimension(name) for name in body.get("group_by", [])],
            rows=[SummaryRow.from_rest(row) for row in body.get("rows", [])],
            totals=FundingTotals.from_rest(body.get("totals")),
        )


async def summary_report(
    info: Info,
    group_by: list[SummaryDimension],
    *,
    date_from: DateFromArg = None,
    date_to: DateToArg = None,
    country: CountryArg = None,
    kind: str | None = None,
) -> SummaryReport:
    body = await info.context.upstream.get(
        SERVICE,
        "/v1/reports/summary",
        {
            "group_by": ",".join(str(dimension.value) for dimension in group_by),
            "from": date_from.isoformat() if date_from else None,
            "to": date_to.isoformat() if date_to else None,
            "country": country,
            "kind": kind,
        },
    )
    return SummaryReport.from_rest(body)


@strawberry.type(description="Funding situation of one objective, in USD (from the ledger).")
class ObjectiveGap:
    requirement: Money | None = strawberry.field(description="The costed requirement, USD.")
    pledged: Money | None = strawberry.field(description="Pledged to the objective, USD.")
    committed: Money | None = strawberry.field(description="Committed to the objective, USD.")
    disbursed: Money | None = strawberry.field(description="Disbursed to the objective, USD.")
    gap: Money | None = strawberry.field(
        description="Requirement minus committed, never below zero, USD."
    )
    coverage_percent: Decimal | None = strawberry.field(
        description="Committed as a percentage of the requirement."
    )
    title: LocalizedText | None = strawberry.field(description="The objective's title.")
    pillar: VocabularyTerm | None = strawberry.field(description="The objective's pillar.")
    theme: VocabularyTerm | None = strawberry.field(description="The objective's theme.")
    objective_rest_id: strawberry.Private[str | None]

    @strawberry.field(description="The objective.")
    async def objective(self, info: Info) -> ObjectiveRef | None:
        from gateway.types.pledges import Objective

        return Objective.build(await info.context.loaders.one("objective", self.objective_rest_id))

    @classmethod
    def from_rest(cls, row: Record) -> ObjectiveGap:
        objective_id = row.get("objective_id")
        return cls(
            requirement=Money.usd(row.get("requirement_usd")),
            pledged=Money.usd(row.get("pledged_usd")),
            committed=Money.usd(row.get("committed_usd")),
            disbursed=Money.usd(row.get("disbursed_usd")),
            gap=Money.usd(row.get("gap_usd")),
            coverage_percent=_decimal(row.get("coverage_percent")),
            title=LocalizedText.from_rest(row.get("title")),
            pillar=pillar(row.get("pillar")),
            theme=theme(row.get("theme")),
            objective_rest_id=None if objective_id is None else str(objective_id),
        )


@strawberry.type(description="A country's funding situation over all its objectives, in USD.")
class CountryGap:
    requirement: Money | None = strawberry.field(description="Sum of the requirements, USD.")
    committed: Money | None = strawberry.field(description="Committed, USD.")
    disbursed: Money | None = strawberry.field(description="Disbursed, USD.")
    gap: Money | None = strawberry.field(description="Sum of the objectives' gaps, USD.")
    coverage_percent: Decimal | None = strawberry.field(
        description="Committed as a percentage of the requirements."
    )
    country_code: strawberry.Private[str | None]

    @strawberry.field(description="The country; null for the regional row.")
    def country(self) -> CountryRef | None:
        from gateway.types.countries import Country

        return None if self.country_code is None else Country.of(self.country_code)

    @strawberry.field(
        description="True for the regional row: the Regional Action Plan's objectives."
    )
    def regional(self) -> bool:
        return self.country_code is None

    @classmethod
    def from_rest(cls, row: Record) -> CountryGap:
        return cls(
            requirement=Money.usd(row.get("requirement_usd")),
            committed=Money.usd(row.get("committed_usd")),
            disbursed=Money.usd(row.get("disbursed_usd")),
            gap=Money.usd(row.get("gap_usd")),
            coverage_percent=_decimal(row.get("coverage_percent")),
            country_code=None if row.get("country") is None else str(row["country"]),
        )


@strawberry.type(description="Resource gaps: per objective (largest first) and per country.")
class GapReport:
    objectives: list[ObjectiveGap] = strawberry.field(description="One row per objective.")
    countries: list[CountryGap] = strawberry.field(description="Totals per country.")

    @classmethod
    def from_rest(cls, body: Record) -> GapReport:
        return cls(
            objectives=[ObjectiveGap.from_rest(row) for row in body.get("objectives", [])],
            countries=[CountryGap.from_rest(row) for row in body.get("countries", [])],
        )


async def gap_report(
    info: Info, *, country: str | None, pillar: PillarArg = None, theme: ThemeArg = None
) -> GapReport:
    body = await info.context.upstream.get(
        SERVICE, "/v1/reports/gaps", {"country": country, "pillar": pillar, "theme": theme}
    )
    return GapReport.from_rest(body)


@strawberry.type(description="A pledge announced in the synthesis period.")
class NewPledge:
    title: LocalizedText | None = strawberry.field(description="Its title.")
    kind: PledgeKind = strawberry.field(description="What the pledge offers.")
    announced_on: date | None = strawberry.field(description="When it was announced.")
    amount: Money | None = strawberry.field(description="Its amount in USD, if it has one.")
    pledge_rest_id: strawberry.Private[str]

    @strawberry.field(description="The pledge.")
    async def pledge(self, info: Info) -> PledgeRef | None:
        from gateway.types.pledges import Pledge

        return Pledge.build(await info.context.loaders.one("pledge", self.pledge_rest_id))


@strawberry.type(description="An organisation whose first pledge came in the synthesis period.")
class NewPartner:
    name: str = strawberry.field(description="Its name.")
    kind: OrganisationKind = strawberry.field(description="What kind of organisation it is.")
    first_pledge_on: date | None = strawberry.field(description="Its first pledge's date.")
    organisation_rest_id: strawberry.Private[str]

    @strawberry.field(description="The organisation.")
    async def organisation(self, info: Info) -> OrganisationRef | None:
        from gateway.types.pledges import Organisation

        record = await info.context.loaders.one("organisation", self.organisation_rest_id)
        return Organisation.build(record)


@strawberry.type(
    description="A dated narrative update on a pledge's progress (the GRF's pledge update "
    "form); public when the pledge is."
)
class ProgressUpdate:
    reported_on: date | None = strawberry.field(description="The day it reports on.")
    narrative: LocalizedText | None = strawberry.field(
        description="What was done, in Spanish and/or English."
    )
    implementation_status: str | None = strawberry.field(
        description="The pledge's implementation status when it was recorded."
    )
    figures: list[ProgressFigure] = strawberry.field(
        description="Optional figures, e.g. people_hired: 120."
    )
    recorded_at: datetime | None = strawberry.field(description="When it was recorded.")
    pledge_rest_id: strawberry.Private[str]

    @strawberry.field(description="The pledge it reports on.")
    async def pledge(self, info: Info) -> PledgeRef | None:
        from gateway.types.pledges import Pledge

        return Pledge.build(await info.context.loaders.one("pledge", self.pledge_rest_id))

    @classmethod
    def from_rest(cls, item: Record) -> ProgressUpdate:
        figures = item.get("figures") or {}
        return cls(
            reported_on=to_date(item.get("reported_on")),
            narrative=LocalizedText.from_rest(item.get("narrative")),
            implementation_status=item.get("implementation_status"),
            figures=[
                ProgressFigure(label=str(label), value=Decimal(str(value)))
                for label, value in sorted(figures.items())
            ],
            recorded_at=to_datetime(item.get("recorded_at")),
            pledge_rest_id=str(item.get("pledge_id")),
        )


@strawberry.type(description="One figure of a progress update.")
class ProgressFigure:
    label: str = strawberry.field(description="What is counted (lower_snake_case).")
    value: Decimal = strawberry.field(description="The figure, as a decimal string.")


@strawberry.type(description="The semi-annual public synthesis of support mobilised.")
class Synthesis:
    period: str = strawberry.field(description="The half-year, e.g. 2023-H1.")
    starts_on: date | None = strawberry.field(description="First day of the period.")
    ends_on: date | None = strawberry.field(description="Last day of the period.")
    totals: FundingTotals = strawberry.field(description="Cumulative at the end of the period.")
    previous_totals: FundingTotals = strawberry.field(
        description="Cumulative at the end of the previous half."
    )
    change: FundingTotals = strawberry.field(description="Change against the previous half.")
    new_pledges_count: int = strawberry.field(description="All pledges announced in the period.")
    new_pledges: list[NewPledge] = strawberry.field(description="The public ones among them.")
    new_partners: list[NewPartner] = strawberry.field(description="New contributors.")
    by_country: list[SummaryRow] = strawberry.field(description="Breakdown per country.")
    by_contributor_kind: list[SummaryRow] = strawberry.field(
        description="Breakdown per contributor kind."
    )
    largest_gaps: list[ObjectiveGap] = strawberry.field(description="The largest gaps.")
    recent_updates: list[ProgressUpdate] = strawberry.field(
        description="Progress updates on public pledges reported in the period, latest first."
    )
    rates_as_of: date | None = strawberry.field(description="Exchange-rate date used.")
    as_of: datetime | None = strawberry.field(description="When the figures were computed.")
    restated: bool = strawberry.field(
        description="True when something recorded after the period ended (a late entry, a "
        "reversal, a withdrawal, a late or changed pledge) changed figures dated within or "
        "before it: the synthesis may differ from what it said at the period's end."
    )

    @classmethod
    def from_rest(cls, body: Record) -> Synthesis:
        return cls(
            period=str(body.get("period")),
            starts_on=to_date(body.get("starts_on")),
            ends_on=to_date(body.get("ends_on")),
            totals=FundingTotals.from_rest(body.get("totals")),
            previous_totals=FundingTotals.from_rest(body.get("previous_totals")),
            change=FundingTotals.from_rest(body.get("change")),
            new_pledges_count=int(body.get("new_pledges_count", 0)),
            new_pledges=[
                NewPledge(
                    title=LocalizedText.from_rest(item.get("title")),
                    kind=PledgeKind(item.get("kind")),
                    announced_on=to_date(item.get("announced_on")),
                    amount=Money.usd(item.get("amount_usd")),
                    pledge_rest_id=str(item.get("id")),
                )
                for item in body.get("new_pledges", [])
            ],
            new_partners=[
                NewPartner(
                    name=str(item.get("name")),
                    kind=OrganisationKind(item.get("kind")),
                    first_pledge_on=to_date(item.get("first_pledge_on")),
                    organisation_rest_id=str(item.get("id")),
                )
                for item in body.get("new_partners", [])
            ],
            by_country=[SummaryRow.from_rest(row) for row in body.get("by_country", [])],
            by_contributor_kind=[
                SummaryRow.from_rest(row) for row in body.get("by_contributor_kind", [])
            ],
            largest_gaps=[ObjectiveGap.from_rest(row) for row in body.get("largest_gaps", [])],
            recent_updates=[
                ProgressUpdate.from_rest(item) for item in body.get("recent_updates", [])
            ],
            rates_as_of=to_date(body.get("rates_as_of")),
            as_of=to_datetime(body.get("as_of")),
            restated=bool(body.get("restated")),
        )


@strawberry.type(description="A pledge-objective pair for pre-matching, with score and reasons.")
class MatchingSuggestion:
    score: Decimal | None = strawberry.field(description="0-100; higher fits better.")
    pledge_kind: PledgeKind | None = strawberry.field(description="What the pledge offers.")
    unallocated: Money | None = strawberry.field(
        description="What the pledge has not yet committed, USD (null when it has no amount)."
    )
    objective_gap: Money | None = strawberry.field(description="The objective's gap, USD.")
    reasons: list[str] = strawberry.field(description="Why the pair scores, one per criterion.")
    pledge_rest_id: strawberry.Private[str | None]
    objective_rest_id: strawberry.Private[str | None]
    contributor_rest_id: strawberry.Private[str | None]

    @strawberry.field(description="The pledge.")
    async def pledge(self, info: Info) -> PledgeRef | None:
        from gateway.types.pledges import Pledge

        return Pledge.build(await info.context.loaders.one("pledge", self.pledge_rest_id))

    @strawberry.field(description="The objective.")
    async def objective(self, info: Info) -> ObjectiveRef | None:
        from gateway.types.pledges import Objective

        return Objective.build(await info.context.loaders.one("objective", self.objective_rest_id))

    @strawberry.field(description="The pledge's contributor.")
    async def contributor(self, info: Info) -> OrganisationRef | None:
        from gateway.types.pledges import Organisation

        record = await info.context.loaders.one("organisation", self.contributor_rest_id)
        return Organisation.build(record)

    @classmethod
    def from_rest(cls, row: Record) -> MatchingSuggestion:
        def rest(name: str) -> str | None:
            value = row.get(name)
            return None if value is None else str(value)

        return cls(
            score=_decimal(row.get("score")),
            pledge_kind=to_enum(PledgeKind, row.get("pledge_kind")),
            unallocated=Money.usd(row.get("unallocated_usd")),
            objective_gap=Money.usd(row.get("objective_gap_usd")),
            reasons=[str(reason) for reason in row.get("reasons", [])],
            pledge_rest_id=rest("pledge_id"),
            objective_rest_id=rest("objective_id"),
            contributor_rest_id=rest("contributor_id"),
        )


async def matching_suggestions(info: Info, **target: str) -> list[MatchingSuggestion]:
    body = await info.context.upstream.get(SERVICE, "/v1/matching/suggestions", target)
    return [MatchingSuggestion.from_rest(item) for item in body.get("items", [])]
