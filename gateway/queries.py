"""The root query fields: lists with the services' filters, lookups by id, vocabularies."""

from __future__ import annotations

import inspect
from datetime import date, datetime, time
from typing import Annotated

import strawberry
from strawberry import relay

from gateway.arguments import (
    CountriesArg,
    CountryArg,
    DateFromArg,
    DateToArg,
    IdArg,
    PillarArg,
    PillarsArg,
    QueryTextArg,
    StartsFromArg,
    StartsToArg,
    ThemeArg,
    ThemesArg,
)
from gateway.connections import After, First, connection, fetch_page
from gateway.context import Info
from gateway.errors import BadUserInput
from gateway.inputs import rest_body
from gateway.node_ids import find_node
from gateway.types.base import checked_rest_id, is_uuid, rest_id, to_datetime
from gateway.types.countries import Country
from gateway.types.events import (
    Clash,
    ConflictReport,
    Event,
    EventConnection,
    EventKind,
    EventOutcomeConnection,
    EventStatus,
    OutcomeKind,
    OutcomeStatus,
    SlotSuggestion,
    Timeline,
    event_connection,
    outcome_connection,
)
from gateway.types.matches import Match, MatchAnnouncements, MatchConnection, MatchStatus
from gateway.types.pledges import (
    ExchangeRate,
    ExchangeRateConnection,
    Objective,
    ObjectiveConnection,
    Organisation,
    OrganisationConnection,
    OrganisationKind,
    Pledge,
    PledgeConnection,
    PledgeKind,
    Visibility,
    objective_connection,
    pledge_by_id,
    pledge_connection,
)
from gateway.types.practices import (
    EvidenceLevel,
    GapSeverity,
    InventoryItem,
    InventoryItemConnection,
    InventoryKind,
    Practice,
    PracticeConnection,
    PracticeOrigin,
    PracticeSort,
    PracticeStatus,
    Priority,
    inventory_connection,
    practice_connection,
    priorities,
)
from gateway.types.reports import (
    GapReport,
    SummaryDimension,
    SummaryReport,
    Synthesis,
    gap_report,
    summary_report,
)
from gateway.types.results import DEFAULT_STRATEGY, Strategy, strategy
from gateway.values import VocabularyTerm
from services.common.vocabulary import MIRPS_COUNTRIES, pillars, populations, themes


def _values(
    items: list[EvidenceLevel] | list[PracticeOrigin] | list[PracticeStatus] | None,
) -> list[str] | None:
    return None if items is None else [item.value for item in items]


@strawberry.input(description="What a free slot must satisfy.")
class SlotSuggestionInput:
    duration_minutes: int = strawberry.field(description="Length of the meeting (15-720).")
    window_start: date = strawberry.field(description="First day to consider.")
    window_end: date = strawberry.field(description="Last day to consider (a year at most).")
    timezone: str = strawberry.field(description="IANA zone of the working hours.")
    working_hours_start: time = strawberry.field(
        default=time(9, 0), description="Earliest local start."
    )
    working_hours_end: time = strawberry.field(default=time(17, 0), description="Latest local end.")
    weekdays: list[int] = strawberry.field(
        default_factory=lambda: [0, 1, 2, 3, 4], description="Days allowed, 0 = Monday."
    )
    countries: list[str] = strawberry.field(
        default_factory=list, description="Countries whose meetings to avoid."
    )
    working_groups: list[str] = strawberry.field(
        default_factory=list, description="Working groups whose meetings to avoid."
    )
    avoid_kinds: list[EventKind] = strawberry.field(
        default_factory=list, description="Event kinds to avoid."
    )
    count: int = strawberry.field(default=5, description="How many slots (at most 50).")


def _joined(values: list[str] | None) -> str | None:
    """A list filter as the events service takes it: comma-separated, any of them."""
    return ",".join(values) if values else None


async def resolve_node(info: Info, id: str) -> relay.Node | None:
    """The object behind a global id (any Node type) or a plain REST id (a UUID, looked up
    in every type that has one; see gateway.node_ids)."""
    if is_uuid(id):
        return await find_node(info, id)
    try:
        global_id = relay.GlobalID.from_id(id)
    except ValueError as exc:
        raise BadUserInput(
            "`id` is neither a global id of this graph nor a REST id (a UUID)", argument="id"
        ) from exc
    node_type = info.schema.get_type_by_name(global_id.type_name)
    origin = getattr(node_type, "origin", None)
    if not (isinstance(origin, type) and issubclass(origin, relay.Node)):
        raise BadUserInput(
            f"`id` names no object type of this graph ({global_id.type_name!r})", argument="id"
        )
    key = checked_rest_id(global_id.node_id, global_id.type_name, "id")
    nodes = origin.resolve_nodes(info=info, node_ids=[key], required=False)
    if inspect.isawaitable(nodes):
        nodes = await nodes
    found = list(nodes)
    return found[0] if found else None


@strawberry.type
class DomainQuery:
    # ------------------------------------------------------------ vocabularies and countries

    @strawberry.field(description="The seven MIRPS countries.")
    def countries(self) -> list[Country]:
        return [Country.of(code) for code in MIRPS_COUNTRIES]

    @strawberry.field(description="A country by its ISO 3166-1 alpha-3 code, e.g. GTM.")
    def country(
        self,
        code: Annotated[
            str, strawberry.argument(description="ISO 3166-1 alpha-3 code, e.g. GTM (any case).")
        ],
    ) -> Country | None:
        return Country.of(code.upper()) if code.upper() in MIRPS_COUNTRIES else None

    @strawberry.field(description="The theme codes shared by all services, with labels.")
    def themes(self) -> list[VocabularyTerm]:
        return VocabularyTerm.many(themes, list(themes))

    @strawberry.field(description="The four MIRPS pillars, with labels.")
    def pillars(self) -> list[VocabularyTerm]:
        return VocabularyTerm.many(pillars, list(pillars))

    @strawberry.field(description="The population codes, with labels.")
    def populations(self) -> list[VocabularyTerm]:
        return VocabularyTerm.many(populations, list(populations))

    # ------------------------------------------------------------ results service

    @strawberry.field(
        description="A Support Platform strategy's results framework with progress: "
        "objectives, activities, outcomes and their indicators' values (null for an "
        "unknown code)."
    )
    async def strategy(
        self,
        info: Info,
        code: Annotated[
            str,
            strawberry.argument(
                description="The strategy's code; the current strategy when left out."
            ),
        ] = DEFAULT_STRATEGY,
    ) -> Strategy | None:
        return await strategy(info, code)

    # ------------------------------------------------------------ pledges service

    @strawberry.field(description="Organisations, ordered by name.")
    async def organisations(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        kind: Annotated[
            OrganisationKind | None,
            strawberry.argument(description="Only organisations of this kind."),
        ] = None,
        sp_member: Annotated[
            bool | None,
            strawberry.argument(
                description="True: only Support Platform members; false: only non-members."
            ),
        ] = None,
    ) -> OrganisationConnection | None:
        items, body, start, skip = await fetch_page(
            info.context,
            "pledges",
            "/v1/organisations",
            {"kind": str(kind.value) if kind else None, "sp_member": sp_member},
            first=first,
            after=after,
        )
        for item in items:
            info.context.loaders.prime("organisation", item)
        return connection(OrganisationConnection, items, body, start, skip, Organisation.from_rest)

    @strawberry.field(description="An organisation by id (global id or REST id).")
    async def organisation(self, info: Info, id: IdArg) -> Organisation | None:
        key = rest_id(id, "Organisation")
        return Organisation.build(await info.context.loaders.one("organisation", key))

    @strawberry.field(description="National Action Plan objectives.")
    async def objectives(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        country: CountryArg = None,
        pillar: PillarArg = None,
        theme: ThemeArg = None,
    ) -> ObjectiveConnection | None:
        return await objective_connection(
            info, first, after, country=country, pillar=pillar, theme=theme
        )

    @strawberry.field(description="An objective by id (global id or REST id).")
    async def objective(self, info: Info, id: IdArg) -> Objective | None:
        key = rest_id(id, "Objective")
        return Objective.build(await info.context.loaders.one("objective", key))

    @strawberry.field(description="Pledges the caller may see, newest announcement first.")
    async def pledges(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        contributor_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="Only pledges by this organisation (global or REST id)."
            ),
        ] = None,
        country: CountryArg = None,
        objective_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="Only pledges linked to this objective (global or REST id)."
            ),
        ] = None,
        announced_at_event_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="Only pledges announced at this event (global or REST id)."
            ),
        ] = None,
        kind: Annotated[
            PledgeKind | None, strawberry.argument(description="Only pledges of this kind.")
        ] = None,
        visibility: Annotated[
            Visibility | None,
            strawberry.argument(
                description="Only pledges with this visibility (restricted ones need a role)."
            ),
        ] = None,
        include_withdrawn: Annotated[
            bool, strawberry.argument(description="False leaves withdrawn pledges out.")
        ] = True,
    ) -> PledgeConnection | None:
        return await pledge_connection(
            info,
            first,
            after,
            contributor_id=rest_id(contributor_id, "Organisation", "contributorId")
            if contributor_id
            else None,
            country=country,
            objective_id=rest_id(objective_id, "Objective", "objectiveId")
            if objective_id
            else None,
            announced_at=rest_id(announced_at_event_id, "Event", "announcedAtEventId")
            if announced_at_event_id
            else None,
            kind=str(kind.value) if kind else None,
            visibility=visibility.value if visibility else None,
            include_withdrawn=include_withdrawn,
        )

    @strawberry.field(description="A pledge by id (global id or REST id).")
    async def pledge(self, info: Info, id: IdArg) -> Pledge | None:
        key = rest_id(id, "Pledge")
        return Pledge.build(await pledge_by_id(info, key))

    @strawberry.field(
        description="Matches (need sides paired with support pledges) the caller may see, "
        "newest first."
    )
    async def matches(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        status: Annotated[
            list[MatchStatus] | None, strawberry.argument(description="Only these statuses.")
        ] = None,
        country: Annotated[
            str | None,
            strawberry.argument(description="Need side in this country (ISO alpha-3)."),
        ] = None,
        event_id: Annotated[
            str | None, strawberry.argument(description="Meant to be announced at this event.")
        ] = None,
    ) -> MatchConnection | None:
        params = {
            "status": ",".join(str(s.value) for s in status) if status else None,
            "country": country,
            "event": event_id,
        }
        items, body, start, skip = await fetch_page(
            info.context, "pledges", "/v1/matches", params, first=first, after=after
        )
        return connection(MatchConnection, items, body, start, skip, Match.from_rest)

    @strawberry.field(
        description="The GRF view: matches agreed for announcement at an event, and those "
        "already announced there."
    )
    async def match_announcements(
        self,
        info: Info,
        event_id: Annotated[str, strawberry.argument(description="The event, e.g. the GRF.")],
    ) -> MatchAnnouncements | None:
        body = await info.context.upstream.get(
            "pledges", "/v1/matches/announcements", {"event": event_id}
        )
        return MatchAnnouncements(
            event_id=event_id,
            agreed=Match.from_rest_many(body.get("agreed", [])),
            announced=Match.from_rest_many(body.get("announced", [])),
        )

    @strawberry.field(description="Exchange rates to USD, by currency and date.")
    async def exchange_rates(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        currency: Annotated[
            str | None,
            strawberry.argument(description="Only rates of this ISO 4217 currency, e.g. EUR."),
        ] = None,
    ) -> ExchangeRateConnection | None:
        items, body, start, skip = await fetch_page(
            info.context,
            "pledges",
            "/v1/exchange-rates",
            {"currency": currency},
            first=first,
            after=after,
        )
        return connection(ExchangeRateConnection, items, body, start, skip, ExchangeRate.from_rest)

    @strawberry.field(
        description="Pledged, committed and disbursed in USD, grouped by one or two dimensions."
    )
    async def funding_summary(
        self,
        info: Info,
        group_by: Annotated[
            list[SummaryDimension],
            strawberry.argument(
                description="The dimensions to group by, in order (at most three)."
            ),
        ],
        date_from: DateFromArg = None,
        date_to: DateToArg = None,
        country: CountryArg = None,
        kind: Annotated[
            PledgeKind | None, strawberry.argument(description="Only pledges of this kind.")
        ] = None,
    ) -> SummaryReport | None:
        return await summary_report(
            info,
            group_by,
            date_from=date_from,
            date_to=date_to,
            country=country,
            kind=str(kind.value) if kind else None,
        )

    @strawberry.field(description="Resource gaps per objective (largest first) and per country.")
    async def gaps(
        self,
        info: Info,
        country: CountryArg = None,
        pillar: PillarArg = None,
        theme: ThemeArg = None,
    ) -> GapReport | None:
        return await gap_report(info, country=country, pillar=pillar, theme=theme)

    @strawberry.field(description='The semi-annual public synthesis, e.g. period: "2023-H1".')
    async def synthesis(
        self,
        info: Info,
        period: Annotated[str, strawberry.argument(description="The half-year, e.g. 2023-H1.")],
    ) -> Synthesis | None:
        body = await info.context.upstream.get(
            "pledges", "/v1/reports/synthesis", {"period": period}
        )
        return Synthesis.from_rest(body)

    # ------------------------------------------------------------ practices service

    @strawberry.field(
        description="Search good practices: full text in Spanish and English, filters (any of "
        "the values given), total count and facet counts."
    )
    async def practices(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        q: QueryTextArg = None,
        prefix: Annotated[
            bool,
            strawberry.argument(
                description="True: the last word of `q` also matches as a prefix (search "
                "as you type)."
            ),
        ] = False,
        theme: ThemesArg = None,
        country: CountriesArg = None,
        population: Annotated[
            list[str] | None,
            strawberry.argument(
                description="Population codes (see `populations`); any of them matches."
            ),
        ] = None,
        origin: Annotated[
            list[PracticeOrigin] | None,
            strawberry.argument(description="Origins; any of them matches."),
        ] = None,
        pillar: PillarsArg = None,
        evidence: Annotated[
            list[EvidenceLevel] | None,
            strawberry.argument(description="Evidence levels; any of them matches."),
        ] = None,
        status: Annotated[
            list[PracticeStatus] | None,
            strawberry.argument(
                description="Workflow statuses (drafts need a role); any of them matches."
            ),
        ] = None,
        organisation_id: Annotated[
            list[str] | None,
            strawberry.argument(
                description="Organisation REST ids named on the practice; any of them matches."
            ),
        ] = None,
        sort: Annotated[
            PracticeSort | None,
            strawberry.argument(description="Order: relevance when `q` is given, else newest."),
        ] = None,
    ) -> PracticeConnection | None:
        return await practice_connection(
            info,
            first,
            after,
            q=q,
            prefix=prefix,
            theme=theme,
            country=country,
            population=population,
            origin=_values(origin),
            pillar=pillar,
            evidence=_values(evidence),
            status=_values(status),
            organisation=organisation_id,
            sort=sort.value if sort else None,
        )

    @strawberry.field(description="A practice by id (global id or REST id).")
    async def practice(self, info: Info, id: IdArg) -> Practice | None:
        key = rest_id(id, "Practice")
        return Practice.build(await info.context.loaders.one("practice", key))

    @strawberry.field(description="The inventory of services, programmes and gaps.")
    async def inventory(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        country: CountriesArg = None,
        theme: ThemesArg = None,
        kind: Annotated[
            list[InventoryKind] | None,
            strawberry.argument(description="Item kinds; any of them matches."),
        ] = None,
        severity: Annotated[
            list[GapSeverity] | None,
            strawberry.argument(description="Gap severities; any of them matches."),
        ] = None,
    ) -> InventoryItemConnection | None:
        return await inventory_connection(
            info,
            first,
            after,
            country=country,
            theme=theme,
            kind=[str(item.value) for item in kind] if kind else None,
            severity=[item.value for item in severity] if severity else None,
        )

    @strawberry.field(description="An inventory item by id (global id or REST id).")
    async def inventory_item(self, info: Info, id: IdArg) -> InventoryItem | None:
        key = rest_id(id, "InventoryItem")
        return InventoryItem.build(await info.context.loaders.one("inventory_item", key))

    @strawberry.field(description="Themes ranked for learning events, from the inventory's gaps.")
    async def priorities(self, info: Info) -> list[Priority] | None:
        return await priorities(info)

    # ------------------------------------------------------------ events service

    @strawberry.field(description="Events and meetings, in order of their start.")
    async def events(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        starts_from: StartsFromArg = None,
        starts_to: StartsToArg = None,
        kind: Annotated[
            list[EventKind] | None,
            strawberry.argument(description="Event kinds; any of them matches."),
        ] = None,
        theme: ThemesArg = None,
        country: CountriesArg = None,
        status: Annotated[
            list[EventStatus] | None,
            strawberry.argument(
                description="Event statuses (proposed ones need a role); any of them matches."
            ),
        ] = None,
    ) -> EventConnection | None:
        return await event_connection(
            info,
            first,
            after,
            **{
                "from": starts_from.isoformat() if starts_from else None,
                "to": starts_to.isoformat() if starts_to else None,
            },
            kind=_joined([str(item.value) for item in kind] if kind else None),
            theme=_joined(theme),
            country=_joined(country),
            status=_joined([str(item.value) for item in status] if status else None),
        )

    @strawberry.field(description="An event by id (global id or REST id).")
    async def event(self, info: Info, id: IdArg) -> Event | None:
        key = rest_id(id, "Event")
        return Event.build(await info.context.loaders.one("event", key))

    @strawberry.field(
        description="Everything that overlaps a proposed slot (local times in `timezone`), "
        "series occurrences included, compared in UTC."
    )
    async def schedule_conflicts(
        self,
        info: Info,
        starts_at: Annotated[
            datetime,
            strawberry.argument(
                description="Start of the proposed meeting (local time, in `timezone`)."
            ),
        ],
        ends_at: Annotated[
            datetime,
            strawberry.argument(
                description="End of the proposed meeting (local time, in `timezone`)."
            ),
        ],
        timezone: Annotated[
            str,
            strawberry.argument(
                description="IANA zone of the proposed times, e.g. America/Guatemala."
            ),
        ],
        countries: CountriesArg = None,
        kinds: Annotated[
            list[EventKind] | None,
            strawberry.argument(description="Only clashes with events of these kinds."),
        ] = None,
    ) -> ConflictReport | None:
        body = await info.context.upstream.get(
            "events",
            "/v1/schedule/conflicts",
            {
                "starts_at": starts_at.isoformat(),
                "ends_at": ends_at.isoformat(),
                "timezone": timezone,
                "country": _joined(countries),
                "kind": _joined([str(kind.value) for kind in kinds] if kinds else None),
            },
        )
        return ConflictReport(
            starts_at_utc=to_datetime(body.get("starts_at_utc")),
            ends_at_utc=to_datetime(body.get("ends_at_utc")),
            clashes=[Clash.from_rest(item) for item in body.get("items", [])],
        )

    @strawberry.field(
        description="The first free slots in a date window that avoid the countries', working "
        "groups' and kinds' meetings, each with the nearest clashes it avoided."
    )
    async def schedule_suggestions(
        self,
        info: Info,
        input: Annotated[
            SlotSuggestionInput, strawberry.argument(description="What a free slot must satisfy.")
        ],
    ) -> list[SlotSuggestion] | None:
        request = rest_body(input, skip=frozenset({"working_hours_start", "working_hours_end"}))
        request["working_hours"] = {
            "start": input.working_hours_start.isoformat(),
            "end": input.working_hours_end.isoformat(),
        }
        body = await info.context.upstream.send(
            "events", "POST", "/v1/schedule/suggestions", request
        )
        return [
            SlotSuggestion(
                starts_at=to_datetime(item.get("starts_at")),
                ends_at=to_datetime(item.get("ends_at")),
                starts_at_utc=to_datetime(item.get("starts_at_utc")),
                ends_at_utc=to_datetime(item.get("ends_at_utc")),
                nearest_clashes=[
                    Clash.from_rest(clash) for clash in item.get("nearest_clashes", [])
                ],
            )
            for item in body.get("items", [])
        ]

    @strawberry.field(description="A year's events grouped by month, with counts per kind.")
    async def timeline(
        self,
        info: Info,
        year: Annotated[int, strawberry.argument(description="The calendar year.")],
    ) -> Timeline | None:
        body = await info.context.upstream.get("events", "/v1/timeline", {"year": year})
        return Timeline.from_rest(body)

    @strawberry.field(description="Outcomes across events: the follow-up record.")
    async def outcomes(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        kind: Annotated[
            OutcomeKind | None, strawberry.argument(description="Only outcomes of this kind.")
        ] = None,
        country: CountryArg = None,
        status: Annotated[
            OutcomeStatus | None, strawberry.argument(description="Only outcomes in this status.")
        ] = None,
        year: Annotated[
            int | None,
            strawberry.argument(description="Only outcomes of events held in this year."),
        ] = None,
    ) -> EventOutcomeConnection | None:
        return await outcome_connection(
            info,
            first,
            after,
            kind=str(kind.value) if kind else None,
            country=country,
            status=status.value if status else None,
            year=year,
        )
