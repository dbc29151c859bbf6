"""Joint pledges' contributors and matches (pledges service), as the graph shows them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from gateway.connections import Connection
from gateway.context import Info
from gateway.loaders import Record, build_now
from gateway.types.base import to_datetime, to_enum
from gateway.values import LocalizedText

if TYPE_CHECKING:
    from gateway.types.countries import Country
    from gateway.types.events import Event
    from gateway.types.pledges import Objective, Organisation, Pledge

CountryRef = Annotated["Country", strawberry.lazy("gateway.types.countries")]
EventRef = Annotated["Event", strawberry.lazy("gateway.types.events")]
OrganisationRef = Annotated["Organisation", strawberry.lazy("gateway.types.pledges")]
ObjectiveRef = Annotated["Objective", strawberry.lazy("gateway.types.pledges")]
PledgeRef = Annotated["Pledge", strawberry.lazy("gateway.types.pledges")]


@strawberry.type(description="One contributor of a pledge and its share (joint pledges).")
class PledgeContributor:
    data: strawberry.Private[Record]

    @strawberry.field(description="The contributing organisation.")
    def organisation(self, info: Info) -> OrganisationRef | None:
        from gateway.types.pledges import Organisation

        record = info.context.loaders.one_now("organisation", self.data.get("organisation_id"))
        return build_now(record, Organisation.build)

    @strawberry.field(description="The lead writes the pledge; the others read it.")
    def lead(self) -> bool:
        return bool(self.data.get("lead"))

    @strawberry.field(description="Percent of the pledge; a pledge's shares sum to 100.")
    def share_percent(self) -> Decimal:
        return Decimal(str(self.data.get("share_percent", "0")))

    @strawberry.field(
        description="The share in the pledge's currency, when it was stated as an amount."
    )
    def share_amount(self) -> Decimal | None:
        value = self.data.get("share_amount")
        return None if value is None else Decimal(str(value))


@strawberry.enum(description="Where a match stands on its way to the GRF.")
class MatchStatus(Enum):
    PROPOSED = strawberry.enum_value("proposed", description="Proposed, not yet discussed.")
    UNDER_DISCUSSION = strawberry.enum_value(
        "under_discussion", description="The need and support sides are discussing it."
    )
    AGREED = strawberry.enum_value(
        "agreed", description="Agreed, to be announced (e.g. at the GRF)."
    )
    ANNOUNCED = strawberry.enum_value("announced", description="Announced at its event.")
    DECLINED = strawberry.enum_value("declined", description="Not pursued (final).")


@strawberry.type(description="One status change of a match.")
class MatchChange:
    from_status: MatchStatus | None = strawberry.field(description="Null for the proposal.")
    to_status: MatchStatus | None = strawberry.field(description="The new status.")
    note: str | None = strawberry.field(description="Why, as given by whoever moved it.")
    changed_by: str | None = strawberry.field(description="Who moved it (token subject).")
    changed_at: datetime | None = strawberry.field(description="When.")

    @classmethod
    def from_rest(cls, data: Record) -> MatchChange:
        return cls(
            from_status=to_enum(MatchStatus, data.get("from_status")),
            to_status=to_enum(MatchStatus, data.get("to_status")),
            note=data.get("note"),
            changed_by=data.get("changed_by"),
            changed_at=to_datetime(data.get("changed_at")),
        )


@strawberry.type(
    description="A need side (a host country's policy pledge or an action-plan objective) "
    "paired with the pledges that would support it; listed only to those who may see every "
    "pledge in it."
)
class Match:
    data: strawberry.Private[Record]

    @classmethod
    def from_rest(cls, data: Record) -> Match:
        return cls(data=data)

    @classmethod
    def from_rest_many(cls, records: list[Record]) -> list[Match]:
        return [cls(data=record) for record in records]

    @strawberry.field(description="The match's id in the REST API.")
    def rest_id(self) -> strawberry.ID:
        return strawberry.ID(str(self.data.get("id")))

    @strawberry.field(description="The need side, when it is a host country's policy pledge.")
    def need_pledge(self, info: Info) -> PledgeRef | None:
        from gateway.types.pledges import Pledge

        record = info.context.loaders.one_now("pledge", self.data.get("need_pledge_id"))
        return build_now(record, Pledge.build)

    @strawberry.field(description="The need side, when it is an action-plan objective.")
    def need_objective(self, info: Info) -> ObjectiveRef | None:
        from gateway.types.pledges import Objective

        record = info.context.loaders.one_now("objective", self.data.get("need_objective_id"))
        return build_now(record, Objective.build)

    @strawberry.field(description="The pledges that would support the need side.")
    def support_pledges(self, info: Info) -> list[PledgeRef] | None:
        from gateway.types.pledges import Pledge

        ids = [str(i) for i in self.data.get("support_pledge_ids", [])]
        records = info.context.loaders.many_now("pledge", ids)
        return build_now(records, lambda found: [Pledge.from_rest(r) for r in found])

    @strawberry.field(description="Proposed, under discussion, agreed, announced or declined.")
    def status(self) -> MatchStatus | None:
        return to_enum(MatchStatus, self.data.get("status"))

    @strawberry.field(description="The event it is to be (or was) announced at, e.g. the GRF.")
    def event(self, info: Info) -> EventRef | None:
        from gateway.types.events import Event

        record = info.context.loaders.one_now("event", self.data.get("event"))
        return build_now(record, Event.build)

    @strawberry.field(description="The event's id as recorded (also when it is not known).")
    def event_id(self) -> str | None:
        value = self.data.get("event")
        return None if value is None else str(value)

    @strawberry.field(description="Notes in Spanish and English.")
    def notes(self) -> LocalizedText | None:
        return LocalizedText.from_rest(self.data.get("notes"))

    @strawberry.field(description="The matching score (0-100) when proposed from a suggestion.")
    def score(self) -> Decimal | None:
        value = self.data.get("score")
        return None if value is None else Decimal(str(value))

    @strawberry.field(description="The need side's countries.")
    def countries(self) -> list[CountryRef]:
        from gateway.types.countries import Country

        return [Country.of(code) for code in self.data.get("countries", [])]

    @strawberry.field(description="Who proposed it (token subject).")
    def proposed_by(self) -> str | None:
        value = self.data.get("proposed_by")
        return None if value is None else str(value)

    @strawberry.field(description="Every status change, oldest first.")
    def history(self) -> list[MatchChange]:
        return [MatchChange.from_rest(change) for change in self.data.get("history", [])]

    @strawberry.field(description="The version to send as expectedVersion when moving it.")
    def version(self) -> int | None:
        value: Any = self.data.get("version")
        return None if value is None else int(value)


@strawberry.type(description="What is agreed for announcement at an event (the GRF view).")
class MatchAnnouncements:
    event_id: str = strawberry.field(description="The event asked for.")
    agreed: list[Match] = strawberry.field(description="Agreed, waiting to be announced there.")
    announced: list[Match] = strawberry.field(description="Already announced there.")


@strawberry.type(description="A page of matches.")
class MatchConnection(Connection[Match]):
    pass
