"""Mutations on the pledges service's reference data: organisations, objectives and
exchange rates (secretariat only; the service decides)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

import strawberry

from gateway.context import Info
from gateway.inputs import LocalizedTextInput, MoneyInput, rest_body
from gateway.loaders import Record
from gateway.types.base import precondition, rest_id
from gateway.types.pledges import ExchangeRate, Objective, Organisation, OrganisationKind

SERVICE = "pledges"
KEEP = "left out, it stays as it is."


@strawberry.input(description="A new organisation (secretariat only).")
class CreateOrganisationInput:
    name: str = strawberry.field(description="Full name (at most 300 characters).")
    kind: OrganisationKind = strawberry.field(description="What kind of organisation it is.")
    acronym: str | None = strawberry.field(default=None, description="Short name, e.g. AECID.")
    country: str | None = strawberry.field(
        default=None, description="ISO 3166-1 alpha-3 country of the organisation, if any."
    )
    sp_member_since: date | None = strawberry.field(
        default=None, description="Date it joined the MIRPS Support Platform; null if not."
    )
    website: str | None = strawberry.field(default=None, description="Public website (https).")


@strawberry.input(description="Fields of an organisation to change; fields left out keep theirs.")
class UpdateOrganisationInput:
    id: strawberry.ID = strawberry.field(description="The organisation (global or REST id).")
    expected_version: int | None = strawberry.field(
        default=None, description="The version you read (STALE_VERSION when it changed)."
    )
    name: str | None = strawberry.field(default=strawberry.UNSET, description=f"New name; {KEEP}")
    kind: OrganisationKind | None = strawberry.field(
        default=strawberry.UNSET, description=f"New kind; {KEEP}"
    )
    acronym: str | None = strawberry.field(
        default=strawberry.UNSET, description=f"New acronym; {KEEP}"
    )
    country: str | None = strawberry.field(
        default=strawberry.UNSET, description=f"New country; {KEEP}"
    )
    sp_member_since: date | None = strawberry.field(
        default=strawberry.UNSET, description=f"New membership date; {KEEP}"
    )
    website: str | None = strawberry.field(
        default=strawberry.UNSET, description=f"New website; {KEEP}"
    )


@strawberry.input(description="A costed National Action Plan objective (secretariat only).")
class CreateObjectiveInput:
    country: str = strawberry.field(description="The MIRPS country whose plan it belongs to.")
    pillar: str = strawberry.field(description="MIRPS pillar code (see `pillars`).")
    theme: str = strawberry.field(description="Theme code (see `themes`).")
    title: LocalizedTextInput = strawberry.field(description="Title in Spanish and/or English.")
    requirement: MoneyInput = strawberry.field(description="Costed requirement.")
    start_year: int = strawberry.field(description="First year of the objective (2000-2100).")
    end_year: int = strawberry.field(description="Last year, not before `startYear`.")
    description: LocalizedTextInput | None = strawberry.field(
        default=None, description="Description in Spanish and/or English."
    )


@strawberry.input(description="Fields of an objective to change; fields left out keep theirs.")
class UpdateObjectiveInput:
    id: strawberry.ID = strawberry.field(description="The objective (global or REST id).")
    expected_version: int | None = strawberry.field(
        default=None, description="The version you read (STALE_VERSION when it changed)."
    )
    country: str | None = strawberry.field(
        default=strawberry.UNSET, description=f"New country; {KEEP}"
    )
    pillar: str | None = strawberry.field(
        default=strawberry.UNSET, description=f"New pillar; {KEEP}"
    )
    theme: str | None = strawberry.field(default=strawberry.UNSET, description=f"New theme; {KEEP}")
    title: LocalizedTextInput | None = strawberry.field(
        default=strawberry.UNSET, description=f"New title; {KEEP}"
    )
    description: LocalizedTextInput | None = strawberry.field(
        default=strawberry.UNSET, description=f"New description; {KEEP}"
    )
    requirement: MoneyInput | None = strawberry.field(
        default=strawberry.UNSET, description=f"New requirement; {KEEP}"
    )
    start_year: int | None = strawberry.field(
        default=strawberry.UNSET, description=f"New start year; {KEEP}"
    )
    end_year: int | None = strawberry.field(
        default=strawberry.UNSET, description=f"New end year; {KEEP}"
    )


@strawberry.input(description="USD per one unit of a currency, valid from its date to the next.")
class RecordExchangeRateInput:
    currency: str = strawberry.field(description="ISO 4217 code, e.g. EUR.")
    rate_date: date = strawberry.field(description="First day the rate applies.")
    rate_to_usd: Decimal = strawberry.field(
        description='USD per one unit, as a decimal string, e.g. "1.0821" (above 0, at most '
        "10,000)."
    )
    source: str = strawberry.field(description="Where the rate comes from, e.g. ECB.")


@strawberry.type(description="The organisation written.")
class OrganisationPayload:
    organisation: Organisation = strawberry.field(description="The organisation as stored.")


@strawberry.type(description="The objective written.")
class ObjectivePayload:
    objective: Objective = strawberry.field(description="The objective as stored.")


@strawberry.type(description="The exchange rate recorded.")
class RecordExchangeRatePayload:
    exchange_rate: ExchangeRate = strawberry.field(description="The rate as stored.")


async def _patch(
    info: Info, path: str, input: UpdateOrganisationInput | UpdateObjectiveInput
) -> Record:
    """PATCH the fields the client set, at the version it read (or the current one)."""
    body = rest_body(input, skip=frozenset({"id", "expected_version"}))
    headers = precondition(input.expected_version)
    record: Record = await info.context.upstream.send(SERVICE, "PATCH", path, body, headers=headers)
    return record


@strawberry.type
class ReferenceMutations:
    @strawberry.mutation(description="Create an organisation (secretariat only).")
    async def create_organisation(
        self,
        info: Info,
        input: Annotated[
            CreateOrganisationInput,
            strawberry.argument(description="A new organisation (secretariat only)."),
        ],
    ) -> OrganisationPayload:
        record = await info.context.upstream.send(
            SERVICE, "POST", "/v1/organisations", rest_body(input)
        )
        return OrganisationPayload(organisation=Organisation.from_rest(record))

    @strawberry.mutation(description="Change an organisation's fields (secretariat only).")
    async def update_organisation(
        self,
        info: Info,
        input: Annotated[
            UpdateOrganisationInput,
            strawberry.argument(
                description="Fields of an organisation to change; fields left out keep theirs."
            ),
        ],
    ) -> OrganisationPayload:
        record = await _patch(info, f"/v1/organisations/{rest_id(input.id, 'Organisation')}", input)
        return OrganisationPayload(organisation=Organisation.from_rest(record))

    @strawberry.mutation(description="Create a costed action-plan objective (secretariat only).")
    async def create_objective(
        self,
        info: Info,
        input: Annotated[
            CreateObjectiveInput,
            strawberry.argument(
                description="A costed National Action Plan objective (secretariat only)."
            ),
        ],
    ) -> ObjectivePayload:
        record = await info.context.upstream.send(
            SERVICE, "POST", "/v1/objectives", rest_body(input)
        )
        return ObjectivePayload(objective=Objective.from_rest(record))

    @strawberry.mutation(description="Change an objective's fields (secretariat only).")
    async def update_objective(
        self,
        info: Info,
        input: Annotated[
            UpdateObjectiveInput,
            strawberry.argument(
                description="Fields of an objective to change; fields left out keep theirs."
            ),
        ],
    ) -> ObjectivePayload:
        record = await _patch(info, f"/v1/objectives/{rest_id(input.id, 'Objective')}", input)
        return ObjectivePayload(objective=Objective.from_rest(record))

    @strawberry.mutation(
        description="Record a currency's USD rate from a date (secretariat only); entries "
        "dated from then on convert with it."
    )
    async def record_exchange_rate(
        self,
        info: Info,
        input: Annotated[
            RecordExchangeRateInput,
            strawberry.argument(
                description="USD per one unit of a currency, valid from its date to the next."
            ),
        ],
    ) -> RecordExchangeRatePayload:
        record = await info.context.upstream.send(
            SERVICE, "POST", "/v1/exchange-rates", rest_body(input)
        )
        return RecordExchangeRatePayload(exchange_rate=ExchangeRate.from_rest(record))
