"""Relay connections over the services' cursor pages.

A service page is `limit` + `cursor` in, `items` + `next_cursor` out; a service only
hands out a cursor for the END of a page. A gateway cursor therefore names a service
cursor plus how many items after it to skip: the last edge of a page carries the
service's `next_cursor` (skip 0), the others the page's starting cursor and their
position. `after:` any edge's cursor continues exactly after that edge.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Annotated, Any, Generic, TypeVar

import strawberry
from strawberry import relay
from strawberry.types.nodes import SelectedField, Selection

from gateway.context import Context, Info
from gateway.errors import BadUserInput
from gateway.upstream import ParamValue

NodeT = TypeVar("NodeT")
DEFAULT_PAGE_SIZE = 20

First = Annotated[
    int | None,
    strawberry.argument(description="Page size: 20 by default, at most the gateway's maximum."),
]
After = Annotated[
    str | None,
    strawberry.argument(description="Continue after this cursor (an edge's or `endCursor`)."),
]


@strawberry.type(description="An item of a list with the cursor that continues after it.")
class Edge(Generic[NodeT]):
    node: NodeT = strawberry.field(description="The item.")
    # (service cursor, skip): the cursor is encoded only when a query asks for it.
    position: strawberry.Private[tuple[str | None, int]]

    @strawberry.field(description="Pass as `after` to continue after this item.")
    def cursor(self) -> str:
        return encode_cursor(*self.position)


@strawberry.type(description="One page of a list, Relay style.")
class Connection(Generic[NodeT]):
    edges: list[Edge[NodeT]] = strawberry.field(
        description="The items of this page with their cursors, in the list's order."
    )
    page_info: relay.PageInfo = strawberry.field(description="Where this page sits in the list.")
    total_count: int | None = strawberry.field(
        description="How many items match in all pages, where the service counts them."
    )

    @strawberry.field(description="The items of this page (the edges' nodes), for convenience.")
    def nodes(self) -> list[NodeT]:
        return [edge.node for edge in self.edges]


ConnectionT = TypeVar("ConnectionT", bound=Connection[Any])


def _fields(selections: Iterable[Selection]) -> Iterator[SelectedField]:
    """The fields of a selection set, fragments flattened."""
    for selection in selections:
        if isinstance(selection, SelectedField):
            yield selection
        else:
            yield from _fields(selection.selections)


def node_fields(info: Info) -> set[str]:
    """The fields the query reads on a connection's nodes (`edges { node }` or `nodes`)."""
    names: set[str] = set()
    for connection_field in info.selected_fields:
        for child in _fields(connection_field.selections):
            if child.name == "nodes":
                names.update(field.name for field in _fields(child.selections))
            elif child.name == "edges":
                for node in _fields(child.selections):
                    if node.name == "node":
                        names.update(field.name for field in _fields(node.selections))
    return names


def object_fields(info: Info) -> set[str]:
    """The fields the query reads on a single object (`pledge(id:) { ... }`)."""
    return {child.name for field in info.selected_fields for child in _fields(field.selections)}


def encode_cursor(service_cursor: str | None, skip: int) -> str:
    raw = json.dumps([service_cursor, skip], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str | None, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        service_cursor, skip = json.loads(raw)
    except (ValueError, TypeError, binascii.Error) as exc:
        raise BadUserInput(
            "`after` is not a cursor of this list; use a cursor from pageInfo or an edge",
            argument="after",
        ) from exc
    if not (service_cursor is None or isinstance(service_cursor, str)) or not (
        isinstance(skip, int) and skip >= 0
    ):
        raise BadUserInput("`after` is not a cursor of this list", argument="after")
    return service_cursor, skip


def page_size(context: Context, first: int | None) -> int:
    """`first`, checked against the gateway's maximum page size."""
    if first is None:
        return min(DEFAULT_PAGE_SIZE, context.max_page_size)
    if first < 0 or first > context.max_page_size:
        raise BadUserInput(
            f"`first` must be between 0 and {context.max_page_size}",
            argument="first",
            maximum=context.max_page_size,
        )
    return first


async def fetch_page(
    context: Context,
    service: str,
    path: str,
    params: Mapping[str, ParamValue],
    *,
    first: int | None,
    after: str | None,
) -> tuple[list[dict[str, Any]], dict[str, Any], str | None, int]:
    """One service page for `first`/`after`: (items, page body, start cursor, skip)."""
    size = page_size(context, first)
    start, skip = decode_cursor(after) if after else (None, 0)
    if skip > context.max_page_size:
        # Cursors this gateway makes skip at most one page into a service page; a larger
        # skip is forged and would fetch more than the maximum page size from the service.
        raise BadUserInput("`after` is not a cursor of this list", argument="after")
    if skip + size > context.max_page_size:
        # This page's edge cursors would skip past the bound (a client continuing again
        # and again from middle edges): first the service's own cursor at the edge, so
        # they count from there.
        # Only where the cursor falls matters here: nothing embedded (`include`) is wanted.
        lookup = {name: value for name, value in params.items() if name != "include"}
        before = await context.upstream.get(
            service, path, {**lookup, "limit": skip, "cursor": start}
        )
        if before.get("next_cursor") is None:
            return [], {**before, "items": []}, start, skip
        start, skip = before["next_cursor"], 0
    query: dict[str, ParamValue] = {**params, "limit": max(size + skip, 1), "cursor": start}
    body = await context.upstream.get(service, path, query)
    items = list(body.get("items", []))[skip : skip + size]
    return items, body, start, skip


def connection(
    connection_type: type[ConnectionT],
    items: list[dict[str, Any]],
    body: dict[str, Any],
    start: str | None,
    skip: int,
    build: Callable[[dict[str, Any]], Any],
    **extra: Any,
) -> ConnectionT:
    """A connection of the page's items (built with `build`) and the page's position."""
    next_cursor: str | None = body.get("next_cursor")
    edges = []
    for index, item in enumerate(items):
        last = index == len(items) - 1 and next_cursor is not None
        position = (next_cursor, 0) if last else (start, skip + index + 1)
        edges.append(Edge(node=build(item), position=position))
    total = body.get("total_count", body.get("total"))
    return connection_type(
        edges=edges,
        page_info=relay.PageInfo(
            has_next_page=next_cursor is not None,
            has_previous_page=start is not None or skip > 0,
            start_cursor=edges[0].cursor() if edges else None,
            end_cursor=edges[-1].cursor() if edges else None,
        ),
        total_count=total if isinstance(total, int) else None,
        **extra,
    )


def grouped_connection(
    context: Context,
    connection_type: type[ConnectionT],
    records: list[dict[str, Any]],
    first: int | None,
    build: Callable[[dict[str, Any]], Any],
    **extra: Any,
) -> ConnectionT:
    """The first page of one parent's children, read for the whole level at once.

    `records` is every child of the parent in the service's order, so the count is exact
    and an edge's cursor (no service cursor, skip = position) continues exactly after it
    through the per-parent list call.
    """
    size = page_size(context, first)
    items = records[:size]
    edges = [Edge(node=build(item), position=(None, index + 1)) for index, item in enumerate(items)]
    return connection_type(
        edges=edges,
        page_info=relay.PageInfo(
            has_next_page=len(records) > size,
            has_previous_page=False,
            start_cursor=edges[0].cursor() if edges else None,
            end_cursor=edges[-1].cursor() if edges else None,
        ),
        total_count=len(records),
        **extra,
    )
