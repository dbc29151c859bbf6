"""The base of every refetchable type: a Relay Node backed by a batch-readable resource."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar, Self

import strawberry
from strawberry import relay

from gateway.context import Info
from gateway.loaders import Record


@strawberry.type(
    description="A reference to another service's record that is withdrawn, archived, "
    "cancelled or unknown, as last read from that service's change feed."
)
class StaleReference:
    field: str = strawberry.field(
        description="Where the reference is in the REST record, e.g. `hosts[0]`."
    )
    rest_id: str = strawberry.field(description="The REST id referred to.")
    state: str = strawberry.field(description="withdrawn, archived, cancelled or unknown.")


STALE_REFERENCES = (
    "References to other services' records that are no longer in use (withdrawn, archived, "
    "cancelled) or unknown; empty when all are in use."
)


def stale_references(data: Record) -> list[StaleReference]:
    """The REST record's `stale_references`, as GraphQL objects."""
    return [
        StaleReference(field=str(item["field"]), rest_id=str(item["id"]), state=str(item["state"]))
        for item in data.get("stale_references") or []
    ]


@strawberry.interface(description="An object with a global id, refetchable with `node(id:)`.")
class ResourceNode(relay.Node):
    # The loader (see gateway.loaders.RESOURCES) that reads this type by REST id.
    loader_name: ClassVar[str]

    key: relay.NodeID[str]
    data: strawberry.Private[Record]

    @strawberry.field(description="The id of this object in its service's REST API.")
    def rest_id(self) -> str:
        return self.key

    @classmethod
    def from_rest(cls, data: Record) -> Self:
        """The GraphQL object for a REST record."""
        return cls(key=str(data["id"]), data=data)

    @classmethod
    def from_rest_many(cls, records: Iterable[Record]) -> list[Self]:
        return [cls.from_rest(data) for data in records]

    @classmethod
    def build(cls, data: Record | None) -> Self | None:
        return None if data is None else cls.from_rest(data)

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Self | None]:
        loader = info.context.loaders[cls.loader_name]
        records: list[Any] = await loader.load_many([str(node_id) for node_id in node_ids])
        return [cls.build(record) for record in records]
