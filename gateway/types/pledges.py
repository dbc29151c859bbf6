"""The pledge ledger in the graph: organisations, objectives, pledges, the ledger, rates."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any, cast

import strawberry
from strawberry.scalars import JSON

from gateway.connections import (
    After,
    Connection,
    First,
    connection,
    fetch_page,
    grouped_connection,
    node_fields,
    object_fields,
)
from gateway.context import Info
from gateway.loaders import Record, build_now, each_id, one_id
from gateway.types.base import is_uuid, to_date, to_datetime, to_enum
from gateway.types.documents import Document, documents_of
from gateway.types.nodes import STALE_REFERENCES, ResourceNode, StaleReference, stale_references
from gateway.values import LocalizedText, Money, VocabularyTerm, pillar, theme

if TYPE_CHECKING:
    from gateway.types.countries import Country
    from gateway.types.events import Event, EventConnection
    from gateway.types.matches import Match, PledgeContributor
    from gateway.types.outreach import EmploymentTerms
    from gateway.types.practices import Practice, PracticeConnection
    from gateway.types.reports import MatchingSuggestion, ObjectiveGap, ProgressUpdate
    from gateway.types.results import Indicator

CountryRef = Annotated["Country", strawberry.lazy("gateway.types.countries")]
EventRef = Annotated["Event", strawberry.lazy("gateway.types.events")]
MatchRef = Annotated["Match", strawberry.lazy("gateway.types.matches")]
PledgeContributorRef = Annotated["PledgeContributor", strawberry.lazy("gateway.types.matches")]
EventConnectionRef = Annotated["EventConnection", strawberry.lazy("gateway.types.events")]
PracticeConnectionRef = Annotated["PracticeConnection", strawberry.lazy("gateway.types.practices")]
PracticeRef = Annotated["Practice", strawberry.lazy("gateway.types.practices")]
ObjectiveGapRef = Annotated["ObjectiveGap", strawberry.lazy("gateway.types.reports")]
MatchingSuggestionRef = Annotated["MatchingSuggestion", strawberry.lazy("gateway.types.reports")]
ProgressUpdateRef = Annotated["ProgressUpdate", strawberry.lazy("gateway.types.reports")]
IndicatorRef = Annotated["Indicator", strawberry.lazy("gateway.types.results")]
EmploymentTermsRef = Annotated["EmploymentTerms", strawberry.lazy("gateway.types.outreach")]

SERVICE = "pledges"


# ---------------------------------------------------------------- enums (mirror the REST API)


@strawberry.enum(description="What kind of organisation it is.")
class OrganisationKind(Enum):
    STATE = strawberry.enum_value("state", description="A government.")
    MULTILATERAL_DEVELOPMENT_BANK = strawberry.enum_value(
        "multilateral_development_bank",
        description="A multilateral development bank, e.g. the IDB.",
    )
    UN_AGENCY = strawberry.enum_value(
        "un_agency", description="A United Nations agency, e.g. UNHCR."
    )
    REGIONAL_ORGANISATION = strawberry.enum_value(
        "regional_organisation", description="A regional organisation, e.g. the OAS."
    )
    PRIVATE_SECTOR = strawberry.enum_value(
        "private_sector", description="A company or business association."
    )
    CIVIL_SOCIETY = strawberry.enum_value(
        "civil_society", description="A non-governmental organisation."
    )
    ACADEMIA = strawberry.enum_value("academia", description="A university or research institute.")
    OTHER = strawberry.enum_value("other", description="Any other organisation.")


@strawberry.enum(description="What a pledge offers.")
class PledgeKind(Enum):
    FINANCIAL = strawberry.enum_value("financial", description="Money (needs an amount).")
    MATERIAL = strawberry.enum_value("material", description="Goods (needs a valued amount).")
    TECHNICAL = strawberry.enum_value("technical", description="Expertise or technical assistance.")
    POLICY = strawberry.enum_value("policy", description="A policy change or commitment.")
    EMPLOYMENT = strawberry.enum_value(
        "employment", description="Jobs or livelihood opportunities."
    )


@strawberry.enum(description="How a pledge's money flows.")
class FundingMechanism(Enum):
    GRANT = strawberry.enum_value("grant", description="Non-repayable funds.")
    LOAN = strawberry.enum_value("loan", description="Repayable funds.")
    IN_KIND = strawberry.enum_value("in_kind", description="Goods or services instead of money.")
    TRUST_FUND = strawberry.enum_value("trust_fund", description="Through a pooled trust fund.")
    OTHER = strawberry.enum_value("other", description="Any other mechanism.")


@strawberry.enum(description="How far the pledge's implementation has come (every kind).")
class ImplementationStatus(Enum):
    PLANNING = strawberry.enum_value("planning", description="Being prepared.")
    IN_PROGRESS = strawberry.enum_value("in_progress", description="Being carried out.")
    FULFILLED = strawberry.enum_value("fulfilled", description="Carried out in full.")


@strawberry.enum(
    description="National: of one country's National Action Plan; regional: of the "
    "Regional Action Plan (no country)."
)
class ObjectiveScope(Enum):
    NATIONAL = strawberry.enum_value(
        "national", description="An objective of one country's National Action Plan."
    )
    REGIONAL = strawberry.enum_value(
        "regional", description="An objective of the MIRPS Regional Action Plan (no country)."
    )


@strawberry.enum(
    description="Where a pledge stands before implementation: cultivating (seen only by its "
    "contributor, the secretariat and its countries' focal points; counted in no report) or "
    "announced."
)
class PledgeStage(Enum):
    CULTIVATING = strawberry.enum_value(
        "cultivating",
        description="Being prepared with its contributor; counted nowhere public yet.",
    )
    ANNOUNCED = strawberry.enum_value(
        "announced", description="Announced (at an event, on a date): it counts in every report."
    )


@strawberry.enum(description="Who may see a pledge: everyone, or its parties only.")
class Visibility(Enum):
    PUBLIC = strawberry.enum_value("public", description="Everyone may see it.")
    RESTRICTED = strawberry.enum_value(
        "restricted", description="Only its parties and the secretariat."
    )


@strawberry.enum(description="Financial status, derived from the ledger (never set by hand).")
class FinancialStatus(Enum):
    ANNOUNCED = strawberry.enum_value("announced", description="Announced; nothing committed yet.")
    PARTIALLY_COMMITTED = strawberry.enum_value(
        "partially_committed", description="Part of the amount is committed."
    )
    FULLY_COMMITTED = strawberry.enum_value(
        "fully_committed", description="The whole amount is committed."
    )
    PARTIALLY_DISBURSED = strawberry.enum_value(
        "partially_disbursed", description="Part of the amount is disbursed."
    )
    FULLY_DISBURSED = strawberry.enum_value(
        "fully_disbursed", description="The whole amount is disbursed."
    )
    WITHDRAWN = strawberry.enum_value(
        "withdrawn", description="Withdrawn; its undisbursed remainder no longer counts."
    )


@strawberry.enum(description="The kind of movement a ledger entry records.")
class EntryType(Enum):
    COMMITMENT = strawberry.enum_value(
        "commitment", description="Money formally committed to a recipient."
    )
    DISBURSEMENT = strawberry.enum_value("disbursement", description="Money paid out.")
    EXPENDITURE = strawberry.enum_value("expenditure", description="Money spent by the recipient.")
    REVERSAL = strawberry.enum_value("reversal", description="Cancels an earlier entry.")


# ---------------------------------------------------------------- organisations


@strawberry.type(description="A state, bank, agency, company or NGO that pledges or implements.")
class Organisation(ResourceNode):
    loader_name = "organisation"

    @strawberry.field(description="Full name.")
    def name(self) -> str:
        return str(self.data["name"])

    @strawberry.field(description="Short name, e.g. AECID.")
    def acronym(self) -> str | None:
        return self.data.get("acronym")

    @strawberry.field(description="What kind of organisation it is.")
    def kind(self) -> OrganisationKind | None:
        return to_enum(OrganisationKind, self.data.get("kind"))

    @strawberry.field(description="The organisation's country (ISO alpha-3), if any.")
    def country_code(self) -> str | None:
        return self.data.get("country")

    @strawberry.field(
        description="Date it joined the MIRPS Support Platform; null if not a member."
    )
    def sp_member_since(self) -> date | None:
        return to_date(self.data.get("sp_member_since"))

    @strawberry.field(description="True when it is a member of the Support Platform.")
    def is_sp_member(self) -> bool:
        return bool(self.data.get("is_sp_member"))

    @strawberry.field(description="Public website.")
    def website(self) -> str | None:
        return self.data.get("website")

    @strawberry.field(description="Version number; pass it back as `expectedVersion` to update.")
    def version(self) -> int | None:
        return self.data.get("version")

    @strawberry.field(description="Pledges this organisation made (that the caller may see).")
    async def pledges(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        kind: Annotated[
            PledgeKind | None, strawberry.argument(description="Only pledges of this kind.")
        ] = None,
    ) -> PledgeConnection | None:
        kind_filter = str(kind.value) if kind else None
        if after is None:
            records = await info.context.loaders.children(
                "pledges_by_contributor", self.key, {"kind": kind_filter}
            )
            return grouped_connection(
                info.context, PledgeConnection, records, first, Pledge.from_rest
            )
        return await pledge_connection(
            info, first, after, contributor_id=self.key, kind=kind_filter
        )

    @strawberry.field(description="Practices (practices service) this organisation implements.")
    async def practices(
        self, info: Info, first: First = None, after: After = None
    ) -> PracticeConnectionRef | None:
        from gateway.types.practices import (
            Practice,
            PracticeConnection,
            asks_for_facets,
            practice_connection,
        )

        if after is None and not asks_for_facets(info):
            records = await info.context.loaders.children(
                "practices_by_organisation", self.key, {"facets": False}
            )
            return grouped_connection(
                info.context, PracticeConnection, records, first, Practice.from_rest, facets=None
            )
        return await practice_connection(info, first, after, organisation=[self.key])

    @strawberry.field(description="Events (events service) this organisation hosts.")
    async def hosted_events(
        self, info: Info, first: First = None, after: After = None
    ) -> EventConnectionRef | None:
        from gateway.types.events import Event, EventConnection, event_connection

        if after is None:
            records = await info.context.loaders.children("events_by_host", self.key)
            return grouped_connection(
                info.context, EventConnection, records, first, Event.from_rest
            )
        return await event_connection(info, first, after, host=self.key)


# ---------------------------------------------------------------- objectives


@strawberry.type(description="A costed objective of a MIRPS country's National Action Plan.")
class Objective(ResourceNode):
    loader_name = "objective"

    @strawberry.field(description="The country whose plan it belongs to; null if regional.")
    def country(self) -> CountryRef | None:
        from gateway.types.countries import Country

        code = self.data.get("country")
        return None if code is None else Country.of(str(code))

    @strawberry.field(description="National (one country's plan) or regional.")
    def scope(self) -> ObjectiveScope | None:
        return to_enum(ObjectiveScope, self.data.get("scope"))

    @strawberry.field(description="The MIRPS pillar.")
    def pillar(self) -> VocabularyTerm | None:
        return pillar(self.data.get("pillar"))

    @strawberry.field(description="The theme (the practices catalogue's codes).")
    def theme(self) -> VocabularyTerm | None:
        return theme(self.data.get("theme"))

    @strawberry.field(description="Title in Spanish and English.")
    def title(self) -> LocalizedText | None:
        return LocalizedText.from_rest(self.data.get("title"))

    @strawberry.field(description="Description in Spanish and English.")
    def description(self) -> LocalizedText | None:
        return LocalizedText.from_rest(self.data.get("description"))

    @strawberry.field(
        description="The indicators that track this objective (results service), with their "
        "values; one call for all the objectives of a query."
    )
    async def indicators(self, info: Info) -> list[IndicatorRef] | None:
        from gateway.types.results import indicators_of

        return await indicators_of(info, "indicators_by_objective", self.key)

    @strawberry.field(description="The costed requirement (with its USD value).")
    def requirement(self) -> Money | None:
        return Money.from_rest(self.data.get("requirement"), self.data.get("requirement_usd"))

    @strawberry.field(description="First year of the objective's period.")
    def start_year(self) -> int | None:
        return self.data.get("start_year")

    @strawberry.field(description="Last year of the objective's period.")
    def end_year(self) -> int | None:
        return self.data.get("end_year")

    @strawberry.field(description="Version number; pass it back as `expectedVersion` to update.")
    def version(self) -> int | None:
        return self.data.get("version")

    @strawberry.field(description="Requirement, committed, disbursed and gap, from the ledger.")
    async def gap(self, info: Info) -> ObjectiveGapRef | None:
        from gateway.types.reports import ObjectiveGap

        row = await info.context.loaders.one("objective_gap", self.key)
        return None if row is None else ObjectiveGap.from_rest(row)

    @strawberry.field(description="Pledges linked to this objective (that the caller may see).")
    async def pledges(
        self, info: Info, first: First = None, after: After = None
    ) -> PledgeConnection | None:
        if after is None:
            return await grouped_pledges(info, "pledges_by_objective", self.key, first)
        return await pledge_connection(info, first, after, objective_id=self.key)

    @strawberry.field(
        description="Practices (that the caller may see) addressing this objective's theme; with "
        "`sameCountry: true` only those implemented in its country."
    )
    async def practices(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        same_country: Annotated[
            bool,
            strawberry.argument(description="True: only practices from the objective's country."),
        ] = False,
    ) -> PracticeConnectionRef | None:
        from gateway.types.practices import (
            Practice,
            PracticeConnection,
            asks_for_facets,
            practice_connection,
        )

        objective_theme = self.data.get("theme")
        country = self.data.get("country") if same_country else None
        if after is None and not asks_for_facets(info):
            # The practices of every objective of the level in one call, split here.
            records = await info.context.loaders.matching(
                "practices_by_theme_and_country", (objective_theme, country), {"facets": False}
            )
            return grouped_connection(
                info.context, PracticeConnection, records, first, Practice.from_rest, facets=None
            )
        return await practice_connection(info, first, after, theme=objective_theme, country=country)

    @strawberry.field(
        description="Ranked open pledges and contributors that could fund this objective."
    )
    async def matching_suggestions(self, info: Info) -> list[MatchingSuggestionRef] | None:
        from gateway.types.reports import matching_suggestions

        return await matching_suggestions(info, objective_id=self.key)


# ---------------------------------------------------------------- pledges


@strawberry.type(description="A pledge's balances, in its own currency and in USD.")
class PledgeTotals:
    committed: Money | None = strawberry.field(description="Committed so far.")
    disbursed: Money | None = strawberry.field(description="Disbursed so far.")
    expended: Money | None = strawberry.field(description="Spent so far.")


@strawberry.type(
    description="Where part of a pledge's amount is meant to go (a country and/or an "
    "objective); every commitment, disbursement and expenditure draws on one line, and per "
    "line committed ≤ allocated, disbursed ≤ committed, spent ≤ disbursed."
)
class AllocationLine:
    data: strawberry.Private[Record]
    currency: strawberry.Private[str | None]

    @strawberry.field(description="The line's country; null for a regional line.")
    def country(self) -> CountryRef | None:
        from gateway.types.countries import Country

        code = self.data.get("country")
        return None if code is None else Country.of(code)

    @strawberry.field(description="The objective the line is for, if any.")
    def objective(self, info: Info) -> Objective | None:
        record = info.context.loaders.one_now("objective", self.data.get("objective_id"))
        return build_now(record, Objective.build)

    def _money(self, name: str, usd: Any = None) -> Money | None:
        if self.currency is None:
            return None
        return Money.from_rest({"amount": self.data.get(name), "currency": self.currency}, usd)

    @strawberry.field(
        description="Allocated, in the pledge's currency (USD at the announcement rate)."
    )
    def amount(self) -> Money | None:
        return self._money("amount", self.data.get("amount_usd"))

    @strawberry.field(description="Committed on this line, in the pledge's currency.")
    def committed(self) -> Money | None:
        return self._money("committed")

    @strawberry.field(description="Disbursed on this line, in the pledge's currency.")
    def disbursed(self) -> Money | None:
        return self._money("disbursed")

    @strawberry.field(description="Spent on this line, in the pledge's currency.")
    def expended(self) -> Money | None:
        return self._money("expended")


@strawberry.type(description="A contribution announced by an organisation, tracked to delivery.")
class Pledge(ResourceNode):
    loader_name = "pledge"

    @strawberry.field(description=STALE_REFERENCES)
    def stale_references(self) -> list[StaleReference]:
        return stale_references(self.data)

    @strawberry.field(
        description="Documents attached to the pledge (uploads or links); "
        "a restricted pledge's only for its parties. One call per service for a whole level."
    )
    async def documents(self, info: Info) -> list[Document]:
        return await documents_of(info, "documents_by_pledge", self.key)

    @strawberry.field(description="The pledging organisation (of a joint pledge: the lead).")
    def contributor(self, info: Info) -> Organisation | None:
        record = info.context.loaders.one_now("organisation", self.data.get("contributor_id"))
        return build_now(record, Organisation.build)

    @strawberry.field(
        description="Every contributor with its share, lead first (one at 100 % unless the "
        "pledge is joint)."
    )
    def contributors(self) -> list[PledgeContributorRef]:
        from gateway.types.matches import PledgeContributor

        return [PledgeContributor(data=item) for item in self.data.get("contributors", [])]

    @strawberry.field(
        description="The matches the pledge is in, on either side, that the caller may see. "
        "One call for a whole level."
    )
    async def matches(self, info: Info) -> list[MatchRef]:
        from gateway.types.matches import Match

        records = await info.context.loaders.children("matches_by_pledge", self.key)
        return Match.from_rest_many(records)

    @strawberry.field(description="What the pledge offers.")
    def kind(self) -> PledgeKind | None:
        return to_enum(PledgeKind, self.data.get("kind"))

    @strawberry.field(description="Title in Spanish and English.")
    def title(self) -> LocalizedText | None:
        return LocalizedText.from_rest(self.data.get("title"))

    @strawberry.field(description="Description in Spanish and English.")
    def description(self) -> LocalizedText | None:
        return LocalizedText.from_rest(self.data.get("description"))

    @strawberry.field(
        description="The amount pledged (financial and material pledges), with its USD value "
        "at the announcement date."
    )
    def amount(self) -> Money | None:
        return Money.from_rest(self.data.get("amount"), self.data.get("amount_usd"))

    @strawberry.field(description="The MIRPS countries that benefit.")
    def recipient_countries(self) -> list[CountryRef]:
        from gateway.types.countries import Country

        return [Country.of(code) for code in self.data.get("recipient_countries", [])]

    @strawberry.field(description="True for a region-wide pledge.")
    def regional(self) -> bool:
        return bool(self.data.get("regional"))

    @strawberry.field(description="The action-plan objectives the pledge is linked to.")
    def objectives(self, info: Info) -> list[Objective] | None:
        records = info.context.loaders.many_now("objective", self.data.get("objective_ids", []))
        return build_now(records, Objective.from_rest_many)

    @strawberry.field(description="The date the pledge was announced.")
    def announced_on(self) -> date | None:
        return to_date(self.data.get("announced_on"))

    @strawberry.field(description="The event (events service) where it was announced.")
    def announced_at(self, info: Info) -> EventRef | None:
        from gateway.types.events import Event

        record = info.context.loaders.one_now("event", self.data.get("announced_at"))
        return build_now(record, Event.build)

    @strawberry.field(description="How the money flows.")
    def funding_mechanism(self) -> FundingMechanism | None:
        return to_enum(FundingMechanism, self.data.get("funding_mechanism"))

    @strawberry.field(description="Implementation status (null while cultivating).")
    def implementation_status(self) -> ImplementationStatus | None:
        return to_enum(ImplementationStatus, self.data.get("implementation_status"))

    @strawberry.field(description="Cultivating (private, counted nowhere) or announced.")
    def stage(self) -> PledgeStage | None:
        return to_enum(PledgeStage, self.data.get("stage"))

    @strawberry.field(description="Who may see the pledge.")
    def visibility(self) -> Visibility | None:
        return to_enum(Visibility, self.data.get("visibility"))

    @strawberry.field(description="Derived from the ledger: announced … fully disbursed.")
    def financial_status(self) -> FinancialStatus | None:
        return to_enum(FinancialStatus, self.data.get("financial_status"))

    @strawberry.field(description="True when the pledge was withdrawn.")
    def withdrawn(self) -> bool:
        return bool(self.data.get("withdrawn"))

    @strawberry.field(description="When it was withdrawn.")
    def withdrawn_at(self) -> datetime | None:
        return to_datetime(self.data.get("withdrawn_at"))

    @strawberry.field(description="Why it was withdrawn.")
    def withdrawal_reason(self) -> str | None:
        return self.data.get("withdrawal_reason")

    @strawberry.field(description="Committed, disbursed and spent so far.")
    def totals(self) -> PledgeTotals | None:
        totals = self.data.get("totals")
        amount = self.data.get("amount") or {}
        currency = amount.get("currency")
        if not isinstance(totals, dict):
            return None

        def money(name: str) -> Money | None:
            if currency is None:
                return Money.usd(totals.get(f"{name}_usd"))
            return Money.from_rest(
                {"amount": totals.get(name), "currency": currency}, totals.get(f"{name}_usd")
            )

        return PledgeTotals(
            committed=money("committed"), disbursed=money("disbursed"), expended=money("expended")
        )

    @strawberry.field(
        description="Where the amount is meant to go: the stated lines, or the equal split "
        "over the objectives (else the countries)."
    )
    def allocation(self) -> list[AllocationLine]:
        currency = (self.data.get("amount") or {}).get("currency")
        return [
            AllocationLine(data=line, currency=currency)
            for line in self.data.get("allocation") or []
        ]

    @strawberry.field(description="True when the owner stated the lines; false: the equal split.")
    def allocation_stated(self) -> bool:
        return bool(self.data.get("allocation_stated"))

    @strawberry.field(
        description="Employment pledges: hiring practice, countries with jobs targeted and "
        "hiring companies; null for other kinds (or when not stated)."
    )
    def employment(self) -> EmploymentTermsRef | None:
        from gateway.types.outreach import employment_terms

        return employment_terms(self.data)

    @strawberry.field(
        description="True when the pledge's figures are invented (demonstration data), even "
        "if the contributor is a real organisation."
    )
    def illustrative(self) -> bool:
        return bool(self.data.get("illustrative"))

    @strawberry.field(description="When the pledge was recorded.")
    def created_at(self) -> datetime | None:
        return to_datetime(self.data.get("created_at"))

    @strawberry.field(description="When the pledge last changed.")
    def updated_at(self) -> datetime | None:
        return to_datetime(self.data.get("updated_at"))

    @strawberry.field(description="Version number; pass it back as `expectedVersion` to update.")
    def version(self) -> int | None:
        return self.data.get("version")

    @strawberry.field(description="The pledge's ledger: commitments, disbursements, spending.")
    async def entries(
        self, info: Info, first: First = None, after: After = None
    ) -> LedgerEntryConnection | None:
        if after is None:
            records = await info.context.loaders.children("entries_by_pledge", self.key)
            return grouped_connection(
                info.context, LedgerEntryConnection, records, first, LedgerEntry.from_rest
            )
        items, body, start, skip = await fetch_page(
            info.context, SERVICE, f"/v1/pledges/{self.key}/entries", {}, first=first, after=after
        )
        return connection(LedgerEntryConnection, items, body, start, skip, LedgerEntry.from_rest)

    @strawberry.field(
        description="Ranked objectives this pledge could fund (its unallocated amount)."
    )
    async def matching_suggestions(self, info: Info) -> list[MatchingSuggestionRef] | None:
        from gateway.types.reports import matching_suggestions

        return await matching_suggestions(info, pledge_id=self.key)

    @strawberry.field(
        description="Dated narrative progress updates, latest first (public when the pledge is)."
    )
    async def progress_updates(self, info: Info) -> list[ProgressUpdateRef]:
        from gateway.types.reports import ProgressUpdate

        items = await info.context.upstream.get(SERVICE, f"/v1/pledges/{self.key}/updates")
        return [ProgressUpdate.from_rest(item) for item in items]

    @strawberry.field(
        description="Every change to the pledge, oldest first (secretariat and owner only; "
        "null for anyone else)."
    )
    async def history(self, info: Info) -> list[PledgeChange] | None:
        changes = await info.context.loaders.children("history_by_pledge", self.key)
        # Every pledge has at least its creation: no change means the caller may not read it.
        if not changes:
            return None
        return [PledgeChange.from_rest(item) for item in changes]


@strawberry.type(description="One change in a pledge's history.")
class PledgeChange:
    action: str = strawberry.field(description="created, updated or withdrawn.")
    changed_by: str | None = strawberry.field(description="Token subject of who changed it.")
    changed_at: datetime | None = strawberry.field(description="When.")
    changes: JSON = strawberry.field(description="Each changed field → [before, after].")

    @classmethod
    def from_rest(cls, data: Record) -> PledgeChange:
        return cls(
            action=str(data.get("action")),
            changed_by=data.get("changed_by"),
            changed_at=to_datetime(data.get("changed_at")),
            changes=cast(JSON, data.get("changes") or {}),
        )


# ---------------------------------------------------------------- ledger and rates


@strawberry.type(description="A movement on a pledge's ledger (append-only).")
class LedgerEntry:
    rest_id: str = strawberry.field(description="The entry's id in the REST API.")
    entry_type: EntryType | None = strawberry.field(description="What the entry records.")
    effect: str | None = strawberry.field(
        description="The balance the entry moves (for a reversal: the one it cancels)."
    )
    amount: Money | None = strawberry.field(
        description="Amount in the entry's currency, with its USD value at the value date."
    )
    pledge_amount: Decimal | None = strawberry.field(
        description="The amount converted to the pledge's currency."
    )
    value_date: date | None = strawberry.field(description="Fixes the exchange rate used.")
    rate_to_usd: Decimal | None = strawberry.field(description="USD per unit on the value date.")
    recipient_country_code: str | None = strawberry.field(description="Receiving country.")
    objective_rest_id: str | None = strawberry.field(description="The objective it funds, if any.")
    reverses_entry_id: str | None = strawberry.field(description="The entry a reversal cancels.")
    external_reference: str | None = strawberry.field(description="The contributor's reference.")
    note: str | None = strawberry.field(description="Free note (hidden from anonymous callers).")
    recorded_by: str | None = strawberry.field(description="Who recorded it (token subject).")
    recorded_at: datetime | None = strawberry.field(description="When it was recorded.")
    pledge_rest_id: strawberry.Private[str]

    @strawberry.field(description="The pledge the entry belongs to.")
    async def pledge(self, info: Info) -> Pledge | None:
        return Pledge.build(await info.context.loaders.one("pledge", self.pledge_rest_id))

    @strawberry.field(description="The objective the entry funds, if any.")
    async def objective(self, info: Info) -> Objective | None:
        return Objective.build(await info.context.loaders.one("objective", self.objective_rest_id))

    @classmethod
    def from_rest(cls, data: Record) -> LedgerEntry:
        rate = data.get("rate_to_usd")
        pledge_amount = data.get("pledge_amount")
        return cls(
            rest_id=str(data["id"]),
            entry_type=to_enum(EntryType, data.get("entry_type")),
            effect=data.get("effect"),
            amount=Money.from_rest(data.get("amount"), data.get("amount_usd")),
            pledge_amount=Decimal(str(pledge_amount)) if pledge_amount is not None else None,
            value_date=to_date(data.get("value_date")),
            rate_to_usd=Decimal(str(rate)) if rate is not None else None,
            recipient_country_code=data.get("recipient_country"),
            objective_rest_id=_str_or_none(data.get("objective_id")),
            reverses_entry_id=_str_or_none(data.get("reverses_entry_id")),
            external_reference=data.get("external_reference"),
            note=data.get("note"),
            recorded_by=data.get("recorded_by"),
            recorded_at=to_datetime(data.get("recorded_at")),
            pledge_rest_id=str(data.get("pledge_id")),
        )


@strawberry.type(description="USD per unit of a currency, valid from its date to the next rate.")
class ExchangeRate:
    rest_id: str = strawberry.field(description="The rate's id in the REST API.")
    currency: str = strawberry.field(description="ISO 4217 code.")
    rate_date: date | None = strawberry.field(description="First day the rate applies.")
    rate_to_usd: Decimal = strawberry.field(description="USD per one unit of the currency.")
    source: str | None = strawberry.field(description="Where the rate comes from.")

    @classmethod
    def from_rest(cls, data: Record) -> ExchangeRate:
        return cls(
            rest_id=str(data["id"]),
            currency=str(data["currency"]),
            rate_date=to_date(data.get("rate_date")),
            rate_to_usd=Decimal(str(data["rate_to_usd"])),
            source=data.get("source"),
        )


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


# ---------------------------------------------------------------- connections


@strawberry.type(description="A page of organisations.")
class OrganisationConnection(Connection[Organisation]):
    pass


@strawberry.type(description="A page of objectives.")
class ObjectiveConnection(Connection[Objective]):
    pass


@strawberry.type(description="A page of pledges.")
class PledgeConnection(Connection[Pledge]):
    pass


@strawberry.type(description="A page of ledger entries.")
class LedgerEntryConnection(Connection[LedgerEntry]):
    pass


@strawberry.type(description="A page of exchange rates.")
class ExchangeRateConnection(Connection[ExchangeRate]):
    pass


# Pledge fields whose records the pledges service can embed in a page (`?include=`).
EMBEDDABLE = {"contributor": "contributor", "objectives": "objectives"}

# Pledge fields whose records can be read right after a page by id, one batch call per
# resource and side by side: each pledge's field is then synchronous (no task per pledge).
PRELOADABLE: dict[str, tuple[str, Callable[[Record], list[str]]]] = {
    "objectives": ("objective", each_id("objective_ids")),
    "announcedAt": ("event", one_id("announced_at")),
}


def page_plan(info: Info, fields: set[str]) -> tuple[list[str], list[str]]:
    """(the fields the page embeds, the fields read beside it) of the fields a query reads.

    The contributor is embedded: one small record per pledge. The objectives of a list at
    the root of the query are read beside the events — measured with bench/gateway.py,
    ~4 ms faster at p50 for 50 pledges than embedding them, for three calls in two rounds.
    A list read parent by parent (`Country.pledges`, a nested list `after:` a cursor)
    embeds them instead: each parent's page arrives on its own, so a read beside it would
    be one more call per parent.
    """
    beside = {"announcedAt"} | ({"objectives"} if info.path.prev is None else set())
    embedded = [name for name in EMBEDDABLE if name in fields and name not in beside]
    preloaded = [name for name in PRELOADABLE if name in fields and name in beside]
    return embedded, preloaded


def include_filter(names: Iterable[str]) -> dict[str, str]:
    """The `?include=` parameter embedding these pledge fields (none: no parameter)."""
    include = sorted(EMBEDDABLE[name] for name in names)
    return {"include": ",".join(include)} if include else {}


async def pledge_connection(
    info: Info, first: int | None, after: str | None, **filters: Any
) -> PledgeConnection:
    embedded, preloaded = page_plan(info, node_fields(info))
    items, body, start, skip = await fetch_page(
        info.context,
        SERVICE,
        "/v1/pledges",
        {**filters, **include_filter(embedded)},
        first=first,
        after=after,
    )
    prime_embedded(info, items)
    loaders = info.context.loaders
    await asyncio.gather(
        *(
            loaders.preload(loader, [key for item in items for key in keys_of(item)])
            for loader, keys_of in (PRELOADABLE[name] for name in preloaded)
        )
    )
    return connection(PledgeConnection, items, body, start, skip, Pledge.from_rest)


async def pledge_by_id(info: Info, key: str | None) -> Record | None:
    """One pledge, read with the page plan: its contributor embedded when the query reads it.

    Without it the contributor is one more call after the pledge arrives (4 calls for the
    frontend's pledge page instead of the list's 3); the objectives and the event are still
    read side by side, each one batch call.
    """
    loaders = info.context.loaders
    embedded, _ = page_plan(info, object_fields(info))
    if key is None or not embedded or not is_uuid(key):
        return await loaders.one("pledge", key)
    body = await info.context.upstream.get(
        SERVICE, "/v1/pledges", {"ids": key, "limit": 1, **include_filter(embedded)}
    )
    items: list[Record] = body.get("items") or []
    prime_embedded(info, items)
    return next((item for item in items if str(item.get("id")) == key), None)


async def grouped_pledges(
    info: Info, children: str, parent: str, first: int | None
) -> PledgeConnection:
    """The first page of one parent's pledges, read for the whole level in one call (with
    their contributors embedded when the query reads them; their objectives are one batch
    read for the level)."""
    wanted = ["contributor"] if "contributor" in node_fields(info) else []
    records = await info.context.loaders.children(children, parent, include_filter(wanted))
    prime_embedded(info, records)
    return grouped_connection(info.context, PledgeConnection, records, first, Pledge.from_rest)


def prime_embedded(info: Info, pledges: list[Record]) -> None:
    """Remember the pledges, and the organisations and objectives embedded in them."""
    loaders = info.context.loaders
    for pledge in pledges:
        loaders.prime("pledge", pledge)
        if isinstance(pledge.get("contributor"), dict):
            loaders.prime("organisation", pledge["contributor"])
        for objective in pledge.get("objectives") or []:
            loaders.prime("objective", objective)


async def objective_connection(
    info: Info, first: int | None, after: str | None, **filters: Any
) -> ObjectiveConnection:
    items, body, start, skip = await fetch_page(
        info.context, SERVICE, "/v1/objectives", filters, first=first, after=after
    )
    for item in items:
        info.context.loaders.prime("objective", item)
    return connection(ObjectiveConnection, items, body, start, skip, Objective.from_rest)
