"""Small conversions every type module uses: REST values to Python, global ids to REST ids."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import Enum
from typing import Any, TypeVar

from strawberry import relay

from gateway.errors import BadUserInput
from services.common.etag import etag_for

EnumT = TypeVar("EnumT", bound=Enum)


def to_datetime(value: Any) -> datetime | None:
    if value is None:
        return None
    return datetime.fromisoformat(str(value))


def to_date(value: Any) -> date | None:
    if value is None:
        return None
    return date.fromisoformat(str(value)[:10])


def to_enum(enum: type[EnumT], value: Any) -> EnumT | None:
    """The enum member for a REST value; None when absent."""
    if value is None:
        return None
    return enum(value)


def is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def rest_id(value: relay.GlobalID | str, type_name: str, argument: str = "id") -> str:
    """The REST id behind a global id of `type_name` (a bare REST id is accepted too)."""
    if isinstance(value, relay.GlobalID):
        global_id = value
    else:
        try:
            global_id = relay.GlobalID.from_id(value)
        except (ValueError, TypeError):
            return str(value)
    if global_id.type_name != type_name:
        raise BadUserInput(
            f"`{argument}` must be the id of a {type_name}, not of a {global_id.type_name}",
            argument=argument,
        )
    return global_id.node_id


def rest_ids(values: list[relay.GlobalID] | list[str], type_name: str, argument: str) -> list[str]:
    return [rest_id(value, type_name, argument) for value in values]


def if_match(version: int | None) -> dict[str, str]:
    """The If-Match header for an update at `version` (services' ETag is the quoted version)."""
    return {} if version is None else {"If-Match": etag_for(version)}


def precondition(version: int | None) -> dict[str, str]:
    """If-Match for an update at `version`; without one, `*`: whatever is current (last
    writer wins — the service's version column still refuses a concurrent write)."""
    return {"If-Match": etag_for(version) if version is not None else "*"}
