"""Ids a client may give for any object: a global id, or a plain REST id.

A global id names its type. A plain REST id does not, but every REST id of the platform is
a UUID drawn at random (demo records: a UUID derived from kind and slug), so the record it
names is found by asking each candidate type's loader for it, in parallel and batched with
the rest of the request: one record found is the answer; none is null; more than one
(never seen in practice, but possible across services) is a BAD_USER_INPUT that lists the
types, to be resolved with a global id or the type's own field.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from strawberry import relay

from gateway.context import Info
from gateway.errors import BadUserInput
from gateway.types.base import checked_rest_id, is_uuid
from gateway.types.events import Event
from gateway.types.nodes import ResourceNode
from gateway.types.pledges import Objective, Organisation, Pledge
from gateway.types.practices import InventoryItem, Practice

# Every Node type a plain REST id may name, by its GraphQL name.
NODE_TYPES: dict[str, type[ResourceNode]] = {
    node.__name__: node
    for node in (Organisation, Objective, Pledge, Practice, InventoryItem, Event)
}


def _global_id(value: str) -> relay.GlobalID | None:
    try:
        return relay.GlobalID.from_id(value)
    except (ValueError, TypeError):
        return None


async def find_node(
    info: Info,
    value: str,
    argument: str = "id",
    types: Sequence[str] = tuple(NODE_TYPES),
) -> ResourceNode | None:
    """The object behind a global id or a plain REST id of one of `types`; None if absent.

    A global id of another type, or a value that is neither kind of id, is a BAD_USER_INPUT
    naming `argument`; so is a plain id found in more than one type.
    """
    names = " or ".join(types)
    global_id = None if is_uuid(value) else _global_id(value)
    if global_id is None and not is_uuid(value):
        raise BadUserInput(
            f"`{argument}` is neither a global id nor a REST id (a UUID) of {names}",
            argument=argument,
        )
    if global_id is not None:
        if global_id.type_name not in types:
            raise BadUserInput(
                f"`{argument}` must be the id of {names}, not of {global_id.type_name!r}",
                argument=argument,
            )
        key = checked_rest_id(global_id.node_id, global_id.type_name, argument)
        return await _read(info, NODE_TYPES[global_id.type_name], key)
    found = await asyncio.gather(*(_read(info, NODE_TYPES[name], value) for name in types))
    nodes = [node for node in found if node is not None]
    if len(nodes) > 1:
        kinds = ", ".join(type(node).__name__ for node in nodes)
        raise BadUserInput(
            f"`{argument}` is the REST id of more than one object ({kinds}): give the global "
            "id, or read it with its type's own field",
            argument=argument,
            types=[type(node).__name__ for node in nodes],
        )
    return nodes[0] if nodes else None


async def _read(info: Info, node_type: type[ResourceNode], key: str) -> ResourceNode | None:
    return node_type.build(await info.context.loaders.one(node_type.loader_name, key))


async def node_key(info: Info, value: str, types: Sequence[str], argument: str) -> tuple[str, str]:
    """The type and REST id behind a global id (no call) or a plain REST id (looked up as
    `find_node` does; NOT_FOUND-like BAD_USER_INPUT when no object of `types` has it)."""
    global_id = None if is_uuid(value) else _global_id(value)
    if global_id is not None and global_id.type_name in types:
        key = checked_rest_id(global_id.node_id, global_id.type_name, argument)
        return global_id.type_name, key
    node = await find_node(info, value, argument, types)
    if node is None:
        raise BadUserInput(
            f"`{argument}` names no {' or '.join(types)} you may see", argument=argument
        )
    return type(node).__name__, node.key
