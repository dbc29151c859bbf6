"""Routes of matches: propose, move, list, and the GRF announcements view."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import StringConstraints

from services.common.auth import OptionalPrincipalDep, PrincipalDep
from services.common.db import SessionDep
from services.common.errors import problem_responses
from services.common.etag import RequiredIfMatchHeader, set_etag
from services.common.filters import Values
from services.common.idempotency import IdempotencyKeyHeader
from services.common.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery, Page
from services.common.vocabulary import MirpsCountryCode
from services.pledges import matches
from services.pledges.api import idempotent
from services.pledges.matches import (
    Announcements,
    MatchCreate,
    MatchFilters,
    MatchRead,
    MatchTransition,
)
from services.pledges.models import MatchStatus

router = APIRouter(prefix="/v1")
EventQuery = Annotated[str, StringConstraints(min_length=1, max_length=100)]


@router.post(
    "/matches",
    tags=["matching"],
    status_code=201,
    response_model=MatchRead,
    responses=problem_responses(401, 403, 409, 422),
    summary="Propose a match",
    description=(matches.__doc__ or "").split("\n", 1)[1]
    + "\nBad input names its field: two need sides or none (`need_pledge_id`), a pledge "
    "paired with itself or a need-side pledge given as support (`support_pledge_ids`).",
)
async def propose_match(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    body: MatchCreate,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    """Propose a match between a need side and support pledges (status proposed)."""
    return await idempotent(
        request,
        session,
        principal,
        idempotency_key,
        body,
        lambda: matches.propose(session, principal, body),
    )


@router.get(
    "/matches",
    tags=["matching"],
    response_model=Page[MatchRead],
    responses=problem_responses(401, 422),
    summary="List matches",
)
async def list_matches(
    session: SessionDep,
    principal: OptionalPrincipalDep,
    status: Annotated[
        Values[MatchStatus] | None, Query(description="Only these statuses (comma-separated).")
    ] = None,
    country: Annotated[
        MirpsCountryCode | None, Query(description="Matches whose need side is in this country.")
    ] = None,
    event: Annotated[
        EventQuery | None, Query(description="Matches meant to be announced at this event.")
    ] = None,
    pledge_id: Annotated[
        Values[uuid.UUID] | None,
        Query(description="Matches any of these pledges is in, on either side."),
    ] = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = DEFAULT_LIMIT,
) -> Page[MatchRead]:
    """Matches whose every pledge the caller may see, newest first."""
    filters = MatchFilters(status=status, country=country, event=event, pledge_ids=pledge_id)
    return await matches.list_matches(session, principal, filters, cursor, limit)


@router.get(
    "/matches/announcements",
    tags=["matching"],
    response_model=Announcements,
    responses=problem_responses(401, 422),
    summary="What is agreed for announcement at an event",
)
async def match_announcements(
    session: SessionDep,
    principal: OptionalPrincipalDep,
    event: Annotated[EventQuery, Query(description="The event, e.g. the GRF's id.")],
) -> Announcements:
    """The GRF view: matches agreed for announcement at the event, and those announced."""
    return await matches.announcements(session, principal, event)


@router.get(
    "/matches/{match_id}",
    tags=["matching"],
    response_model=MatchRead,
    responses=problem_responses(401, 404),
    summary="Get a match",
)
async def get_match(
    match_id: uuid.UUID, session: SessionDep, principal: OptionalPrincipalDep, response: Response
) -> MatchRead:
    """One match with its history (404 unless the caller may see every pledge in it)."""
    found = await matches.get_match(session, principal, match_id)
    set_etag(response, found.version)
    return found


@router.post(
    "/matches/{match_id}/transitions",
    tags=["matching"],
    response_model=MatchRead,
    responses=problem_responses(401, 403, 404, 409, 412, 422, 428),
    summary="Move a match to its next status",
    description=(
        "proposed → under_discussion → agreed → announced, or declined from any open "
        "status; any other move is a 409 naming `status`. Announcing needs an event (in "
        "the body or set before). Send If-Match with the match's ETag (428 without it, 412 "
        "when stale)."
    ),
)
async def transition_match(
    match_id: uuid.UUID,
    body: MatchTransition,
    session: SessionDep,
    principal: PrincipalDep,
    response: Response,
    if_match: RequiredIfMatchHeader,
) -> MatchRead:
    """Move a match (a party to it or the secretariat), kept in its history."""
    moved = await matches.transition(session, principal, match_id, body, if_match)
    set_etag(response, moved.version)
    return moved
