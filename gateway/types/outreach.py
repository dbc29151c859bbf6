"""Private-sector work in the graph (Activity 2.1): employment pledges' hiring terms, the
employment report (Outcome 2.1.3) and the outreach pipeline.

Prospects are read only by the secretariat and each prospect's owner; the pledges service
decides (anyone else gets an empty list, or null for one prospect), so the contact person
never reaches anyone else through the graph either.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from gateway.connections import After, Connection, First, connection, fetch_page
from gateway.context import Info
from gateway.errors import UpstreamError
from gateway.loaders import Record, build_now
from gateway.types.base import rest_id, to_date, to_datetime, to_enum
from gateway.types.pledges import Organisation, OrganisationKind, Pledge, pledge_by_id

if TYPE_CHECKING:
    from gateway.types.countries import Country

CountryRef = Annotated["Country", strawberry.lazy("gateway.types.countries")]
SERVICE = "pledges"


def _country(code: str | None) -> Country | None:
    from gateway.types.countries import Country

    return None if code is None else Country.of(code)


# ---------------------------------------------------------------- employment


@strawberry.enum(description="How a company commits to hire refugees.")
class HiringPractice(Enum):
    QUOTA = strawberry.enum_value("quota", description="A share of hires kept for refugees.")
    REFUGEE_FRIENDLY_POLICY = strawberry.enum_value(
        "refugee_friendly_policy",
        description="A hiring policy that accepts refugees' documents and qualifications.",
    )
    TARGETED_RECRUITMENT = strawberry.enum_value(
        "targeted_recruitment", description="Recruitment drives aimed at refugees."
    )
    TRAINING_AND_PLACEMENT = strawberry.enum_value(
        "training_and_placement", description="Training that leads to a job with the company."
    )


@strawberry.type(description="Jobs an employment pledge targets in one MIRPS country.")
class HiringCountry:
    code: strawberry.Private[str]
    jobs_targeted: int = strawberry.field(description="Jobs for refugees there.")

    @strawberry.field(description="The country.")
    def country(self) -> CountryRef:
        from gateway.types.countries import Country

        return Country.of(self.code)


@strawberry.type(description="What an employment pledge commits to: who hires, where, how.")
class EmploymentTerms:
    data: strawberry.Private[Record]

    @strawberry.field(description="How the companies hire refugees.")
    def hiring_practice(self) -> HiringPractice | None:
        return to_enum(HiringPractice, self.data.get("hiring_practice"))

    @strawberry.field(description="The MIRPS countries of hiring, with the jobs targeted.")
    def hiring_countries(self) -> list[HiringCountry]:
        return [
            HiringCountry(code=line["country"], jobs_targeted=int(line["jobs_targeted"]))
            for line in self.data.get("hiring_countries") or []
        ]

    @strawberry.field(description="All jobs targeted (the sum over the countries).")
    def jobs_targeted(self) -> int:
        return int(self.data.get("jobs_targeted") or 0)

    @strawberry.field(description="The hiring companies (organisations of kind private sector).")
    def companies(self, info: Info) -> list[Organisation]:
        records = info.context.loaders.many_now("organisation", self.data.get("company_ids", []))
        return build_now(records, Organisation.from_rest_many)


def employment_terms(pledge: Record) -> EmploymentTerms | None:
    terms = pledge.get("employment")
    return EmploymentTerms(data=terms) if isinstance(terms, dict) else None


@strawberry.type(description="A company with hiring commitments, and where it hires.")
class EmploymentCompany:
    data: strawberry.Private[Record]

    @strawberry.field(description="The company.")
    def organisation(self, info: Info) -> Organisation | None:
        record = info.context.loaders.one_now("organisation", self.data.get("organisation_id"))
        return build_now(record, Organisation.build)

    @strawberry.field(description="The company's name.")
    def name(self) -> str:
        return str(self.data.get("name", ""))

    @strawberry.field(description="Distinct MIRPS countries of hiring over its pledges.")
    def countries(self) -> list[CountryRef]:
        from gateway.types.countries import Country

        return [Country.of(code) for code in self.data.get("countries", [])]

    @strawberry.field(description="Its employment pledges that count.")
    async def pledges(self, info: Info) -> list[Pledge]:
        found = [await pledge_by_id(info, str(key)) for key in self.data.get("pledge_ids", [])]
        return [Pledge.from_rest(record) for record in found if record is not None]


@strawberry.type(description="Hiring commitments in one MIRPS country.")
class EmploymentCountry:
    code: strawberry.Private[str]
    jobs_targeted: int = strawberry.field(description="Sum of the pledges' jobs there.")
    companies: int = strawberry.field(description="Distinct companies hiring there.")
    pledges: int = strawberry.field(description="Employment pledges naming it.")

    @strawberry.field(description="The country.")
    def country(self) -> CountryRef:
        from gateway.types.countries import Country

        return Country.of(self.code)


@strawberry.type(
    description="Outcome 2.1.3: companies committing to refugee hiring in two or more MIRPS "
    "countries. Counts public, announced, not withdrawn employment pledges, whoever asks."
)
class EmploymentReport:
    companies_in_two_or_more_countries: int = strawberry.field(
        description="Companies whose hiring commitments name two or more MIRPS countries."
    )
    jobs_targeted: int = strawberry.field(description="All jobs targeted.")
    companies: list[EmploymentCompany] = strawberry.field(
        description="Every hiring company, by name, with its countries."
    )
    countries: list[EmploymentCountry] = strawberry.field(description="Per hiring country.")

    @classmethod
    def from_rest(cls, body: Record) -> EmploymentReport:
        return cls(
            companies_in_two_or_more_countries=int(body["companies_in_two_or_more_countries"]),
            jobs_targeted=int(body["jobs_targeted"]),
            companies=[EmploymentCompany(data=item) for item in body["companies"]],
            countries=[
                EmploymentCountry(
                    code=row["country"],
                    jobs_targeted=int(row["jobs_targeted"]),
                    companies=int(row["companies"]),
                    pledges=int(row["pledges"]),
                )
                for row in body["countries"]
            ],
        )


# ---------------------------------------------------------------- outreach pipeline


@strawberry.enum(
    description="Where a prospect stands: identified → approached → interested → pledged, "
    "or declined from any open status."
)
class ProspectStatus(Enum):
    IDENTIFIED = strawberry.enum_value("identified", description="On the list, not contacted.")
    APPROACHED = strawberry.enum_value("approached", description="Contacted.")
    INTERESTED = strawberry.enum_value("interested", description="Considering a pledge.")
    PLEDGED = strawberry.enum_value("pledged", description="Made a pledge (linked).")
    DECLINED = strawberry.enum_value("declined", description="Said no (final).")


@strawberry.enum(description="How an interaction with a prospect took place.")
class InteractionChannel(Enum):
    MEETING = strawberry.enum_value("meeting", description="In person.")
    VIDEO_CALL = strawberry.enum_value("video_call", description="A video call.")
    PHONE = strawberry.enum_value("phone", description="A phone call.")
    EMAIL = strawberry.enum_value("email", description="E-mail.")
    EVENT = strawberry.enum_value("event", description="At an event.")
    OTHER = strawberry.enum_value("other", description="Any other way.")


@strawberry.type(
    description="The person to talk to at a prospect: personal data, seen only by the "
    "secretariat and the prospect's owner."
)
class ProspectContact:
    name: str = strawberry.field(description="Full name.")
    job_title: str | None = strawberry.field(description="Position, e.g. HR director.")
    email: str | None = strawberry.field(description="E-mail address.")
    phone: str | None = strawberry.field(description="Phone number.")


@strawberry.type(description="Who owns a prospect's contact.")
class ProspectOwner:
    sub: str = strawberry.field(description="The person's token subject.")
    organisation_id: strawberry.Private[str | None]

    @strawberry.field(description="Their SP member organisation; null for the secretariat.")
    def organisation(self, info: Info) -> Organisation | None:
        record = info.context.loaders.one_now("organisation", self.organisation_id)
        return build_now(record, Organisation.build)


@strawberry.type(description="What comes next with a prospect, and by when.")
class NextStep:
    text: str = strawberry.field(description="The step.")
    due_on: date | None = strawberry.field(description="By when.")


@strawberry.type(description="A dated contact with a prospect.")
class ProspectInteraction:
    occurred_on: date = strawberry.field(description="When.")
    channel: InteractionChannel = strawberry.field(description="How.")
    summary: str = strawberry.field(description="What was said.")
    recorded_by: str = strawberry.field(description="Who recorded it (token subject).")
    recorded_at: datetime = strawberry.field(description="When it was recorded.")


@strawberry.type(description="One move of a prospect through the pipeline.")
class ProspectStatusChange:
    from_status: ProspectStatus | None = strawberry.field(description="Null for the first.")
    to_status: ProspectStatus = strawberry.field(description="The new status.")
    changed_by: str = strawberry.field(description="Who moved it (token subject).")
    changed_at: datetime = strawberry.field(description="When.")


@strawberry.type(
    description="A prospective partner in the outreach pipeline (secretariat and owner only)."
)
class Prospect:
    data: strawberry.Private[Record]

    @strawberry.field(description="The prospect's id (REST).")
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.data["id"]))

    @strawberry.field(description="The organisation's name, or the name recorded.")
    def name(self) -> str:
        return str(self.data["name"])

    @strawberry.field(description="What kind of organisation it is.")
    def kind(self) -> OrganisationKind | None:
        return to_enum(OrganisationKind, self.data.get("kind"))

    @strawberry.field(description="Its country.")
    def country(self) -> CountryRef | None:
        return _country(self.data.get("country"))

    @strawberry.field(description="The registered organisation; null until it registers.")
    def organisation(self, info: Info) -> Organisation | None:
        record = info.context.loaders.one_now("organisation", self.data.get("organisation_id"))
        return build_now(record, Organisation.build)

    @strawberry.field(description="Who owns the contact.")
    def owner(self) -> ProspectOwner:
        owner = self.data["owner"]
        return ProspectOwner(sub=owner["sub"], organisation_id=owner.get("organisation_id"))

    @strawberry.field(description="Where it stands in the pipeline.")
    def status(self) -> ProspectStatus | None:
        return to_enum(ProspectStatus, self.data.get("status"))

    @strawberry.field(description="The pledge it made (status PLEDGED).")
    async def pledge(self, info: Info) -> Pledge | None:
        key = self.data.get("pledge_id")
        return None if key is None else Pledge.build(await pledge_by_id(info, str(key)))

    @strawberry.field(description="The person to talk to (personal data).")
    def contact(self) -> ProspectContact | None:
        contact = self.data.get("contact")
        if not isinstance(contact, dict):
            return None
        return ProspectContact(
            name=contact["name"],
            job_title=contact.get("job_title"),
            email=contact.get("email"),
            phone=contact.get("phone"),
        )

    @strawberry.field(description="What comes next.")
    def next_step(self) -> NextStep | None:
        step = self.data.get("next_step")
        if not isinstance(step, dict):
            return None
        return NextStep(text=step["text"], due_on=to_date(step.get("due_on")))

    @strawberry.field(description="Interactions, latest first (read with `prospect(id:)`).")
    def interactions(self) -> list[ProspectInteraction] | None:
        items = self.data.get("interactions")
        if items is None:
            return None
        return [
            ProspectInteraction(
                occurred_on=date.fromisoformat(item["occurred_on"]),
                channel=InteractionChannel(item["channel"]),
                summary=item["summary"],
                recorded_by=item["recorded_by"],
                recorded_at=datetime.fromisoformat(item["recorded_at"]),
            )
            for item in items
        ]

    @strawberry.field(description="Status moves, oldest first (read with `prospect(id:)`).")
    def status_history(self) -> list[ProspectStatusChange] | None:
        items = self.data.get("status_history")
        if items is None:
            return None
        return [
            ProspectStatusChange(
                from_status=to_enum(ProspectStatus, item.get("from_status")),
                to_status=ProspectStatus(item["to_status"]),
                changed_by=item["changed_by"],
                changed_at=datetime.fromisoformat(item["changed_at"]),
            )
            for item in items
        ]

    @strawberry.field(description="When it was recorded.")
    def created_at(self) -> datetime | None:
        return to_datetime(self.data.get("created_at"))

    @strawberry.field(description="Version number; pass it back as `expectedVersion`.")
    def version(self) -> int:
        return int(self.data["version"])

    @classmethod
    def from_rest(cls, data: Record) -> Prospect:
        return cls(data=data)


@strawberry.type(description="A page of prospects.")
class ProspectConnection(Connection[Prospect]):
    pass


@strawberry.type
class OutreachQuery:
    @strawberry.field(
        description="Outcome 2.1.3: companies hiring refugees in two or more MIRPS countries, "
        "each company's countries and the jobs targeted per country (public pledges only)."
    )
    async def employment_report(
        self,
        info: Info,
        date_from: Annotated[
            date | None, strawberry.argument(description="Pledges announced on or after.")
        ] = None,
        date_to: Annotated[
            date | None, strawberry.argument(description="Pledges announced on or before.")
        ] = None,
    ) -> EmploymentReport | None:
        params: dict[str, Any] = {}
        if date_from is not None:
            params["from"] = date_from.isoformat()
        if date_to is not None:
            params["to"] = date_to.isoformat()
        body = await info.context.upstream.get(SERVICE, "/v1/reports/employment", params)
        return EmploymentReport.from_rest(body)

    @strawberry.field(
        description="The outreach pipeline: all of it for the secretariat, one's own "
        "prospects for anyone else (an UNAUTHENTICATED error without a token)."
    )
    async def prospects(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        status: Annotated[
            list[ProspectStatus] | None, strawberry.argument(description="Only these statuses.")
        ] = None,
        owner: Annotated[
            str | None, strawberry.argument(description="Only this owner's (token subject).")
        ] = None,
        country: Annotated[
            str | None, strawberry.argument(description="Only this country's (alpha-3).")
        ] = None,
    ) -> ProspectConnection | None:
        params: dict[str, Any] = {
            "status": ",".join(str(s.value) for s in status) if status else None,
            "owner": owner,
            "country": country,
        }
        params = {name: value for name, value in params.items() if value is not None}
        items, body, start, skip = await fetch_page(
            info.context, SERVICE, "/v1/prospects", params, first=first, after=after
        )
        return connection(ProspectConnection, items, body, start, skip, Prospect.from_rest)

    @strawberry.field(
        description="A prospect with its interactions and status history (secretariat and "
        "owner; null for anyone else)."
    )
    async def prospect(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="REST id.")]
    ) -> Prospect | None:
        key = rest_id(str(id), "Prospect")
        try:
            record = await info.context.upstream.get(SERVICE, f"/v1/prospects/{key}")
        except UpstreamError as error:
            if error.status == 404:
                return None
            raise
        return Prospect.from_rest(record)
