"""Small conversions every type module uses: REST values to Python, global ids to REST ids."""

from __future__ import annotations

import re
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


# What a REST id looks like: a UUID, or an opaque organisation id such as `org-usa`. It
# starts with a letter or digit (so never `.` or `..`) and holds no `/`, `?`, `#`, `%` or
# space, so an id can never leave the path segment it is put in.
_REST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}")


def rest_id(value: relay.GlobalID | str, type_name: str, argument: str = "id") -> str:
    """The REST id behind a global id of `type_name` (a bare REST id is accepted too).

    Checked before it goes into any URL: anything else is a BAD_USER_INPUT naming the
    argument, and no service is called.
    """
    if isinstance(value, relay.GlobalID):
        global_id = value
    else:
        try:
            global_id = relay.GlobalID.from_id(value)
        except (ValueError, TypeError):
            return checked_rest_id(str(value), type_name, argument)
    if global_id.type_name != type_name:
        raise BadUserInput(
            f"`{argument}` must be the id of a {type_name}, not of a {global_id.type_name}",
            argument=argument,
        )
    return checked_rest_id(global_id.node_id, type_name, argument)


def checked_rest_id(key: str, type_name: str, argument: str) -> str:
    """`key`, when it can safely go into a REST path; else BAD_USER_INPUT naming `argument`."""
    if not _REST_ID.fullmatch(key):
        raise BadUserInput(
            f"`{argument}` is not the id of a {type_name}: give its global id or its REST id "
            "(letters, digits, `-`, `_`, `.`, `:`; at most 100)",
            argument=argument,
        )
    return key


def rest_ids(values: list[relay.GlobalID] | list[str], type_name: str, argument: str) -> list[str]:
    return [rest_id(value, type_name, argument) for value in values]


def if_match(version: int | None) -> dict[str, str]:
    """The If-Match header for an update at `version` (services' ETag is the quoted version)."""
    return {} if version is None else {"If-Match": etag_for(version)}


def precondition(version: int | None) -> dict[str, str]:
    """If-Match for an update at `version`; without one, `*`: whatever is current (last
    writer wins — the service's version column still refuses a concurrent write)."""
    return {"If-Match": etag_for(version) if version is not None else "*"}
