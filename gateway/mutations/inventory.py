"""Mutations on the inventory of services, programmes and gaps (practices service): written
by the country's focal point or the secretariat; the service decides."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry

from gateway.context import Info
from gateway.inputs import LocalizedTextInput, idempotency, rest_body
from gateway.mutations.practices import ContactInput, NamedOrganisationInput
from gateway.types.base import precondition, rest_id
from gateway.types.practices import GapSeverity, InventoryItem, InventoryKind

SERVICE = "practices"
KEEP = "left out, it stays as it is."


@strawberry.input(description="A new service, programme or gap in a country's inventory.")
class CreateInventoryItemInput:
    country: str = strawberry.field(description="The MIRPS country (alpha-3), e.g. GTM.")
    theme: str = strawberry.field(description="Theme code (see `themes`).")
    kind: InventoryKind = strawberry.field(description="Service, programme or gap.")
    title: LocalizedTextInput = strawberry.field(description="Title in Spanish and/or English.")
    as_of_date: date = strawberry.field(description="The date the entry describes.")
    description: LocalizedTextInput | None = strawberry.field(
        default=None, description="Description in Spanish and/or English."
    )
    populations: list[str] | None = strawberry.field(
        default=None, description="Population codes concerned (see `populations`; at most 10)."
    )
    severity: GapSeverity | None = strawberry.field(
        default=None, description="How severe a gap is; required for gaps, refused otherwise."
    )
    source_organisation: NamedOrganisationInput | None = strawberry.field(
        default=None, description="The organisation that reported it."
    )
    contacts: list[ContactInput] | None = strawberry.field(
        default=None, description="People to contact (at most 10; never shown anonymously)."
    )
    idempotency_key: str | None = strawberry.field(
        default=None, description="Retry-safe key: the same key and input create one entry."
    )


@strawberry.input(
    description="Fields of an inventory entry to change; fields left out keep theirs."
)
class UpdateInventoryItemInput:
    id: strawberry.ID = strawberry.field(description="The entry (global or REST id).")
    expected_version: int | None = strawberry.field(
        default=None, description="The version you read (STALE_VERSION when it changed)."
    )
    country: str | None = strawberry.field(
        default=strawberry.UNSET, description=f"New country; {KEEP}"
    )
    theme: str | None = strawberry.field(default=strawberry.UNSET, description=f"New theme; {KEEP}")
    kind: InventoryKind | None = strawberry.field(
        default=strawberry.UNSET, description=f"New kind; {KEEP}"
    )
    title: LocalizedTextInput | None = strawberry.field(
        default=strawberry.UNSET, description=f"New title; {KEEP}"
    )
    description: LocalizedTextInput | None = strawberry.field(
        default=strawberry.UNSET, description=f"New description; {KEEP}"
    )
    populations: list[str] | None = strawberry.field(
        default=strawberry.UNSET, description=f"New populations; {KEEP}"
    )
    severity: GapSeverity | None = strawberry.field(
        default=strawberry.UNSET, description=f"New severity (gaps only); {KEEP}"
    )
    source_organisation: NamedOrganisationInput | None = strawberry.field(
        default=strawberry.UNSET, description=f"New source organisation; {KEEP}"
    )
    as_of_date: date | None = strawberry.field(
        default=strawberry.UNSET, description=f"New as-of date; {KEEP}"
    )
    contacts: list[ContactInput] | None = strawberry.field(
        default=strawberry.UNSET, description=f"New contacts; {KEEP}"
    )


@strawberry.input(description="An inventory entry to delete.")
class DeleteInventoryItemInput:
    id: strawberry.ID = strawberry.field(description="The entry (global or REST id).")
    expected_version: int | None = strawberry.field(
        default=None, description="The version you read (STALE_VERSION when it changed)."
    )


@strawberry.type(description="The inventory entry as stored.")
class InventoryItemPayload:
    inventory_item: InventoryItem = strawberry.field(description="The entry after the write.")


@strawberry.type(description="The inventory entry deleted.")
class DeleteInventoryItemPayload:
    deleted_id: strawberry.ID = strawberry.field(description="The global id of the entry.")
    rest_id: str = strawberry.field(description="Its REST id.")


@strawberry.type
class InventoryMutations:
    @strawberry.mutation(
        description="Add a service, programme or gap to a country's inventory (the country's "
        "focal point or the secretariat)."
    )
    async def create_inventory_item(
        self,
        info: Info,
        input: Annotated[
            CreateInventoryItemInput,
            strawberry.argument(description="The new inventory entry."),
        ],
    ) -> InventoryItemPayload:
        record = await info.context.upstream.send(
            SERVICE,
            "POST",
            "/v1/inventory-items",
            rest_body(input, skip=frozenset({"idempotency_key"})),
            headers=idempotency(input.idempotency_key),
        )
        return InventoryItemPayload(inventory_item=InventoryItem.from_rest(record))

    @strawberry.mutation(description="Change an inventory entry's fields.")
    async def update_inventory_item(
        self,
        info: Info,
        input: Annotated[
            UpdateInventoryItemInput,
            strawberry.argument(description="The entry and the fields to change."),
        ],
    ) -> InventoryItemPayload:
        key = rest_id(input.id, "InventoryItem", "input.id")
        record = await info.context.upstream.send(
            SERVICE,
            "PATCH",
            f"/v1/inventory-items/{key}",
            rest_body(input, skip=frozenset({"id", "expected_version"})),
            headers=precondition(input.expected_version),
        )
        return InventoryItemPayload(inventory_item=InventoryItem.from_rest(record))

    @strawberry.mutation(description="Delete an inventory entry.")
    async def delete_inventory_item(
        self,
        info: Info,
        input: Annotated[
            DeleteInventoryItemInput, strawberry.argument(description="The entry to delete.")
        ],
    ) -> DeleteInventoryItemPayload:
        key = rest_id(input.id, "InventoryItem", "input.id")
        await info.context.upstream.send(
            SERVICE,
            "DELETE",
            f"/v1/inventory-items/{key}",
            headers=precondition(input.expected_version),
        )
        return DeleteInventoryItemPayload(
            deleted_id=strawberry.ID(str(strawberry.relay.GlobalID("InventoryItem", key))),
            rest_id=key,
        )
