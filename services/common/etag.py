"""Optimistic concurrency for updates: ETag out, If-Match in.

A versioned model has an integer `version` column declared as SQLAlchemy's
`version_id_col`, so the UPDATE itself carries `WHERE version = :read_version`: two
concurrent editors cannot both win, even between the check below and the flush. The
loser's StaleDataError is mapped to 412 by the error handlers.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Header, Response

from services.common.errors import MISSING_IF_MATCH, PreconditionFailed, PreconditionRequired

IfMatchHeader = Annotated[
    str | None,
    Header(
        alias="If-Match",
        description="The ETag from your last read of this object; required for updates.",
        examples=['"3"'],
    ),
]


RequiredIfMatchHeader = Annotated[
    str,
    Header(
        alias="If-Match",
        description=(
            "The ETag from your last read of this object. Required: without it the answer "
            "is 428, with another version's ETag 412."
        ),
        examples=['"3"'],
    ),
]
"""If-Match on an update that needs it: declared required, and its absence is a 428
(`services.common.errors.on_validation_error`), not a 422."""


def etag_for(version: int) -> str:
    return f'"{version}"'


def set_etag(response: Response, version: int) -> None:
    response.headers["ETag"] = etag_for(version)


def check_if_match(if_match: str | None, current_version: int) -> None:
    """428 without If-Match; 412 when it names another version than the current one."""
    if if_match is None:
        raise PreconditionRequired(MISSING_IF_MATCH)
    accepted = {tag.strip().removeprefix("W/") for tag in if_match.split(",")}
    if "*" not in accepted and etag_for(current_version) not in accepted:
        raise PreconditionFailed(
            f"the object changed since you read it (current ETag {etag_for(current_version)}); "
            "read it again and reapply your change",
            current_etag=etag_for(current_version),
        )
