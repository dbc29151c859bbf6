"""The good-practices catalogue and the integration inventory in the graph."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any, cast

import strawberry
from strawberry.scalars import JSON
from strawberry.types.nodes import SelectedField, Selection

from gateway.connections import (
    After,
    Connection,
    First,
    connection,
    fetch_page,
    grouped_connection,
)
from gateway.context import Info
from gateway.loaders import Record
from gateway.types.base import is_uuid, to_date, to_datetime, to_enum
from gateway.types.documents import Document, documents_of
from gateway.types.nodes import STALE_REFERENCES, ResourceNode, StaleReference, stale_references
from gateway.values import LocalizedText, VocabularyTerm, pillar, theme, themes
from services.common.vocabulary import populations

if TYPE_CHECKING:
    from gateway.types.countries import Country
    from gateway.types.events import EventConnection
    from gateway.types.pledges import Organisation

CountryRef = Annotated["Country", strawberry.lazy("gateway.types.countries")]
EventConnectionRef = Annotated["EventConnection", strawberry.lazy("gateway.types.events")]
OrganisationRef = Annotated["Organisation", strawberry.lazy("gateway.types.pledges")]

SERVICE = "practices"


@strawberry.enum(description="Where a practice is in its review workflow.")
class PracticeStatus(Enum):
    DRAFT = strawberry.enum_value("draft", description="Being written; only its authors see it.")
    SUBMITTED = strawberry.enum_value("submitted", description="Waiting for review.")
    PUBLISHED = strawberry.enum_value("published", description="In the public catalogue.")
    ARCHIVED = strawberry.enum_value("archived", description="Withdrawn from the catalogue.")


@strawberry.enum(
    description="Whose practice it is: a MIRPS country's or a Support Platform member's."
)
class PracticeOrigin(Enum):
    MIRPS_COUNTRY = strawberry.enum_value(
        "mirps_country", description="A MIRPS country's own practice."
    )
    SP_MEMBER = strawberry.enum_value(
        "sp_member", description="A Support Platform member's practice."
    )


@strawberry.enum(description="How strong the evidence behind a practice is.")
class EvidenceLevel(Enum):
    PROMISING = strawberry.enum_value("promising", description="Early results.")
    GOOD = strawberry.enum_value("good", description="Results shown in one context.")
    BEST = strawberry.enum_value("best", description="Results shown and replicated.")


@strawberry.enum(description="What an inventory item describes.")
class InventoryKind(Enum):
    SERVICE = strawberry.enum_value("service", description="A service offered to people.")
    PROGRAMME = strawberry.enum_value("programme", description="A programme run in the country.")
    GAP = strawberry.enum_value("gap", description="A need nothing covers yet.")


@strawberry.enum(description="What a published change to a practice did.")
class PracticeChange(Enum):
    PUBLISHED = strawberry.enum_value("published", description="First made public.")
    EDITED = strawberry.enum_value("edited", description="Its public record was edited.")
    ARCHIVED = strawberry.enum_value("archived", description="Withdrawn from the catalogue.")


@strawberry.enum(description="How severe a reported gap is.")
class GapSeverity(Enum):
    LOW = strawberry.enum_value("low", description="Minor (weight 1 in the practice-gap score).")
    MEDIUM = strawberry.enum_value("medium", description="Significant (weight 2).")
    HIGH = strawberry.enum_value("high", description="Serious (weight 3).")
    CRITICAL = strawberry.enum_value("critical", description="The most severe (weight 5).")


@strawberry.enum(description="Order of a practice search.")
class PracticeSort(Enum):
    RELEVANCE = strawberry.enum_value(
        "relevance", description="Best match for the search words first."
    )
    NEWEST = strawberry.enum_value("newest", description="Most recently published first.")
    TITLE = strawberry.enum_value("title", description="By title, A to Z.")


@strawberry.type(
    description="An organisation named on a record, with its directory entry if known."
)
class NamedOrganisation:
    name: str = strawberry.field(description="The name as the record shows it.")
    rest_id: str | None = strawberry.field(description="Its opaque organisation id, if any.")

    @strawberry.field(description="The organisation in the pledges directory, when the id is one.")
    async def organisation(self, info: Info) -> OrganisationRef | None:
        from gateway.types.pledges import Organisation

        if self.rest_id is None or not is_uuid(self.rest_id):
            return None
        return Organisation.build(await info.context.loaders.one("organisation", self.rest_id))

    @classmethod
    def from_rest(cls, data: Any) -> NamedOrganisation | None:
        if not isinstance(data, dict):
            return None
        return cls(name=str(data.get("name", "")), rest_id=data.get("id"))


@strawberry.type(description="A public link about a practice.")
class PracticeLink:
    url: str = strawberry.field(description="http(s) URL.")
    label: str | None = strawberry.field(description="What the link is.")


@strawberry.type(description="A person to contact (never shown to anonymous callers).")
class Contact:
    name: str = strawberry.field(description="Name.")
    email: str | None = strawberry.field(description="E-mail address.")
    phone: str | None = strawberry.field(description="Phone number.")
    role: str | None = strawberry.field(description="Role or position.")

    @classmethod
    def many(cls, data: Any) -> list[Contact] | None:
        if data is None:
            return None
        return [
            cls(
                name=str(item.get("name", "")),
                email=item.get("email"),
                phone=item.get("phone"),
                role=item.get("role"),
            )
            for item in data
        ]


@strawberry.type(description="The evidence behind a practice.")
class Evidence:
    level: EvidenceLevel | None = strawberry.field(description="promising, good or best.")
    description: LocalizedText | None = strawberry.field(description="What the evidence is.")


@strawberry.type(description="A good practice from a MIRPS country or a Support Platform member.")
class Practice(ResourceNode):
    loader_name = "practice"

    @strawberry.field(description=STALE_REFERENCES)
    def stale_references(self) -> list[StaleReference]:
        return stale_references(self.data)

    @strawberry.field(
        description="Materials attached to the practice (uploads or links); "
        "a draft's only for who may see the draft. One call per service for a whole level."
    )
    async def documents(self, info: Info) -> list[Document]:
        return await documents_of(info, "documents_by_practice", self.key)

    @strawberry.field(description="Review workflow status.")
    def status(self) -> PracticeStatus | None:
        return to_enum(PracticeStatus, self.data.get("status"))

    @strawberry.field(description="Title in Spanish and English.")
    def title(self) -> LocalizedText | None:
        return LocalizedText.from_rest(self.data.get("title"))

    @strawberry.field(description="Short summary in Spanish and English.")
    def summary(self) -> LocalizedText | None:
        return LocalizedText.from_rest(self.data.get("summary"))

    @strawberry.field(description="Full description in Spanish and English.")
    def description(self) -> LocalizedText | None:
        return LocalizedText.from_rest(self.data.get("description"))

    @strawberry.field(description="The country where it is implemented.")
    def country(self) -> CountryRef | None:
        from gateway.types.countries import Country

        code = self.data.get("country")
        return None if code is None else Country.of(str(code))

    @strawberry.field(description="mirps_country (Activity 3.1) or sp_member (Activity 3.2).")
    def origin(self) -> PracticeOrigin | None:
        return to_enum(PracticeOrigin, self.data.get("origin"))

    @strawberry.field(description="The implementing organisations as named on the practice.")
    def implementing_organisation_names(self) -> list[NamedOrganisation]:
        named = (
            NamedOrganisation.from_rest(item)
            for item in self.data.get("implementing_organisations", [])
        )
        return [item for item in named if item is not None]

    @strawberry.field(
        description="The implementing organisations found in the pledges service's directory."
    )
    async def implementing_organisations(self, info: Info) -> list[OrganisationRef] | None:
        from gateway.types.pledges import Organisation

        ids = [
            str(item["id"])
            for item in self.data.get("implementing_organisations", [])
            if isinstance(item, dict) and item.get("id") and is_uuid(str(item["id"]))
        ]
        records = await info.context.loaders.many("organisation", ids)
        return [Organisation.from_rest(record) for record in records]

    @strawberry.field(description="Themes it addresses.")
    def themes(self) -> list[VocabularyTerm]:
        return VocabularyTerm.many(themes, self.data.get("themes"))

    @strawberry.field(description="Populations it serves.")
    def populations(self) -> list[VocabularyTerm]:
        return VocabularyTerm.many(populations, self.data.get("populations"))

    @strawberry.field(description="The MIRPS pillar.")
    def pillar(self) -> VocabularyTerm | None:
        return pillar(self.data.get("pillar"))

    @strawberry.field(description="First day it ran.")
    def start_date(self) -> date | None:
        return to_date((self.data.get("period") or {}).get("start_date"))

    @strawberry.field(description="Last day it ran; null while it still runs.")
    def end_date(self) -> date | None:
        return to_date((self.data.get("period") or {}).get("end_date"))

    @strawberry.field(description="Results achieved, in Spanish and English.")
    def results(self) -> LocalizedText | None:
        return LocalizedText.from_rest(self.data.get("results"))

    @strawberry.field(description="The evidence and its level.")
    def evidence(self) -> Evidence | None:
        evidence = self.data.get("evidence")
        if not isinstance(evidence, dict):
            return None
        return Evidence(
            level=to_enum(EvidenceLevel, evidence.get("level")),
            description=LocalizedText.from_rest(evidence.get("description")),
        )

    @strawberry.field(description="Public links about the practice.")
    def links(self) -> list[PracticeLink]:
        return [
            PracticeLink(url=str(link.get("url")), label=link.get("label"))
            for link in self.data.get("links", [])
        ]

    @strawberry.field(description="Contacts; null for anonymous callers (never public).")
    def contacts(self) -> list[Contact] | None:
        return Contact.many(self.data.get("contacts"))

    @strawberry.field(description="For SP-member practices: MIRPS countries it was shared with.")
    def shared_with(self) -> list[CountryRef]:
        from gateway.types.countries import Country

        return [Country.of(code) for code in self.data.get("shared_with", [])]

    @strawberry.field(description="The reviewer's latest request for changes.")
    def review_comment(self) -> str | None:
        return self.data.get("review_comment")

    @strawberry.field(description="When it was published.")
    def published_at(self) -> datetime | None:
        return to_datetime(self.data.get("published_at"))

    @strawberry.field(description="When it last changed.")
    def updated_at(self) -> datetime | None:
        return to_datetime(self.data.get("updated_at"))

    @strawberry.field(description="Version number; pass it back as `expectedVersion` to edit.")
    def version(self) -> int | None:
        return self.data.get("version")

    @strawberry.field(description="The published versions: who changed what, and when.")
    async def versions(self, info: Info) -> list[PracticeVersion] | None:
        versions = await info.context.loaders.children("versions_by_practice", self.key)
        return [PracticeVersion.from_rest(item) for item in versions]

    @strawberry.field(description="The workflow steps: who moved it between statuses, and when.")
    async def transitions(self, info: Info) -> list[PracticeTransition] | None:
        steps = await info.context.loaders.children("transitions_by_practice", self.key)
        return [PracticeTransition.from_rest(item) for item in steps]

    @strawberry.field(description="Events (events service) that featured this practice.")
    async def events(
        self, info: Info, first: First = None, after: After = None
    ) -> EventConnectionRef | None:
        from gateway.types.events import Event, EventConnection, event_connection

        if after is None:
            records = await info.context.loaders.children("events_by_featured_practice", self.key)
            return grouped_connection(
                info.context, EventConnection, records, first, Event.from_rest
            )
        return await event_connection(info, first, after, featured_practice_id=self.key)


@strawberry.type(description="The public record of a practice after one published change.")
class PracticeVersion:
    number: int = strawberry.field(description="1 for the first publication, then +1.")
    kind: PracticeChange = strawberry.field(description="What the change did.")
    changed_fields: list[str] = strawberry.field(description="Fields that changed.")
    changed_by: str | None = strawberry.field(description="Who (hidden from anonymous).")
    changed_at: datetime | None = strawberry.field(description="When.")
    snapshot: JSON = strawberry.field(description="The public record at this version.")

    @classmethod
    def from_rest(cls, data: Record) -> PracticeVersion:
        return cls(
            number=int(data.get("number", 0)),
            kind=PracticeChange(data.get("kind")),
            changed_fields=[str(name) for name in data.get("changed_fields", [])],
            changed_by=data.get("changed_by"),
            changed_at=to_datetime(data.get("changed_at")),
            snapshot=cast(JSON, data.get("snapshot") or {}),
        )


@strawberry.type(description="A workflow step of a practice.")
class PracticeTransition:
    from_status: PracticeStatus | None = strawberry.field(description="Status before.")
    to_status: PracticeStatus | None = strawberry.field(description="Status after.")
    actor: str | None = strawberry.field(description="Who (hidden from anonymous).")
    comment: str | None = strawberry.field(description="The reviewer's comment, if any.")
    at: datetime | None = strawberry.field(description="When.")

    @classmethod
    def from_rest(cls, data: Record) -> PracticeTransition:
        return cls(
            from_status=to_enum(PracticeStatus, data.get("from_status")),
            to_status=to_enum(PracticeStatus, data.get("to_status")),
            actor=data.get("actor"),
            comment=data.get("comment"),
            at=to_datetime(data.get("at")),
        )


@strawberry.type(description="A service, programme or gap for local integration in a country.")
class InventoryItem(ResourceNode):
    loader_name = "inventory_item"

    @strawberry.field(description="The MIRPS country.")
    def country(self) -> CountryRef | None:
        from gateway.types.countries import Country

        code = self.data.get("country")
        return None if code is None else Country.of(str(code))

    @strawberry.field(description="The theme.")
    def theme(self) -> VocabularyTerm | None:
        return theme(self.data.get("theme"))

    @strawberry.field(description="Service, programme or gap.")
    def kind(self) -> InventoryKind | None:
        return to_enum(InventoryKind, self.data.get("kind"))

    @strawberry.field(description="Title in Spanish and English.")
    def title(self) -> LocalizedText | None:
        return LocalizedText.from_rest(self.data.get("title"))

    @strawberry.field(description="Description in Spanish and English.")
    def description(self) -> LocalizedText | None:
        return LocalizedText.from_rest(self.data.get("description"))

    @strawberry.field(description="Populations concerned.")
    def populations(self) -> list[VocabularyTerm]:
        return VocabularyTerm.many(populations, self.data.get("populations"))

    @strawberry.field(description="For gaps: how severe.")
    def severity(self) -> GapSeverity | None:
        return to_enum(GapSeverity, self.data.get("severity"))

    @strawberry.field(description="The organisation that reported it.")
    def source_organisation(self) -> NamedOrganisation | None:
        return NamedOrganisation.from_rest(self.data.get("source_organisation"))

    @strawberry.field(description="The date the entry describes.")
    def as_of_date(self) -> date | None:
        return to_date(self.data.get("as_of_date"))

    @strawberry.field(description="Contacts; null for anonymous callers (never public).")
    def contacts(self) -> list[Contact] | None:
        return Contact.many(self.data.get("contacts"))

    @strawberry.field(description="Version number; pass it back as `expectedVersion` to edit.")
    def version(self) -> int | None:
        return self.data.get("version")


@strawberry.type(
    description="A theme ranked for learning events: gaps against practices available."
)
class Priority:
    rank: int = strawberry.field(description="1 is the most pressing theme.")
    theme: VocabularyTerm | None = strawberry.field(description="The theme.")
    score: float = strawberry.field(
        description="Severity points times countries reporting, divided by "
        "(1 + published practices)."
    )
    gap_count: int = strawberry.field(description="Gaps reported on the theme.")
    countries: list[CountryRef] = strawberry.field(description="Countries reporting a gap.")
    published_practices: int = strawberry.field(description="Published practices on the theme.")
    reasons: LocalizedReasons = strawberry.field(description="Why it ranks there.")

    @classmethod
    def from_rest(cls, data: Record) -> Priority:
        from gateway.types.countries import Country

        term = data.get("theme") or {}
        reasons = data.get("reasons") or {}
        return cls(
            rank=int(data.get("rank", 0)),
            theme=theme(term.get("code") if isinstance(term, dict) else term),
            score=float(data.get("score", 0)),
            gap_count=int(data.get("gap_count", 0)),
            countries=[Country.of(code) for code in data.get("countries", [])],
            published_practices=int(data.get("published_practices", 0)),
            reasons=LocalizedReasons(es=reasons.get("es", []), en=reasons.get("en", [])),
        )


@strawberry.type(description="Reasons in Spanish and English.")
class LocalizedReasons:
    es: list[str] = strawberry.field(description="The reasons in Spanish.")
    en: list[str] = strawberry.field(description="The reasons in English.")


@strawberry.type(description="How many results carry one value of a facet.")
class FacetCount:
    value: str = strawberry.field(description="The code counted (theme, country, …).")
    count: int = strawberry.field(description="Results with this value.")


@strawberry.type(description="Counts per value for the current search (query and filters).")
class PracticeFacets:
    theme: list[FacetCount] = strawberry.field(description="Per theme code.")
    country: list[FacetCount] = strawberry.field(description="Per country code.")
    population: list[FacetCount] = strawberry.field(description="Per population code.")
    origin: list[FacetCount] = strawberry.field(description="Per origin.")
    evidence: list[FacetCount] = strawberry.field(description="Per evidence level.")

    @classmethod
    def from_rest(cls, data: Any) -> PracticeFacets | None:
        if not isinstance(data, dict):
            return None

        def counts(name: str) -> list[FacetCount]:
            return [
                FacetCount(value=str(item["value"]), count=int(item["count"]))
                for item in data.get(name, [])
            ]

        return cls(
            theme=counts("theme"),
            country=counts("country"),
            population=counts("population"),
            origin=counts("origin"),
            evidence=counts("evidence"),
        )


@strawberry.type(description="A page of practices, with facet counts of the whole result.")
class PracticeConnection(Connection[Practice]):
    facets: PracticeFacets | None = strawberry.field(
        description="Counts per theme, country, population, origin and evidence level."
    )


@strawberry.type(description="A page of inventory items.")
class InventoryItemConnection(Connection[InventoryItem]):
    pass


def _asks_for(selections: list[Selection], name: str) -> bool:
    """True when the selection (fragments included) asks for the field `name`."""
    for selection in selections:
        if isinstance(selection, SelectedField) and selection.name == name:
            return True
        if _asks_for(selection.selections, name):
            return True
    return False


def asks_for_facets(info: Info) -> bool:
    """True when the query reads a practice connection's facets."""
    return any(_asks_for(field.selections, "facets") for field in info.selected_fields)


async def practice_connection(
    info: Info, first: int | None, after: str | None, **filters: Any
) -> PracticeConnection:
    # Facet counts cost the service a query each; ask for them only when they are read.
    facets = asks_for_facets(info)
    items, body, start, skip = await fetch_page(
        info.context,
        SERVICE,
        "/v1/practices",
        {**filters, "facets": facets},
        first=first,
        after=after,
    )
    for item in items:
        info.context.loaders.prime("practice", item)
    return connection(
        PracticeConnection,
        items,
        body,
        start,
        skip,
        Practice.from_rest,
        facets=PracticeFacets.from_rest(body.get("facets")),
    )


async def inventory_connection(
    info: Info, first: int | None, after: str | None, **filters: Any
) -> InventoryItemConnection:
    items, body, start, skip = await fetch_page(
        info.context, SERVICE, "/v1/inventory-items", filters, first=first, after=after
    )
    for item in items:
        info.context.loaders.prime("inventory_item", item)
    return connection(InventoryItemConnection, items, body, start, skip, InventoryItem.from_rest)


async def priorities(info: Info) -> list[Priority]:
    body = await info.context.upstream.get(SERVICE, "/v1/topics/priorities")
    return [Priority.from_rest(item) for item in body.get("items", [])]
