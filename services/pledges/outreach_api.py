"""Routes of the private-sector work (Activity 2.1): the employment report and the
outreach pipeline. Parse, authorise, call one function, return."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from services.common.auth import PrincipalDep
from services.common.db import SessionDep
from services.common.errors import problem_responses
from services.common.etag import RequiredIfMatchHeader, set_etag
from services.common.filters import IdsQuery, Values
from services.common.idempotency import IdempotencyKeyHeader
from services.common.inputs import Line
from services.common.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery, Page
from services.common.schemas import BoundedDate
from services.common.vocabulary import CountryCode
from services.pledges import employment, prospects
from services.pledges.api import idempotent
from services.pledges.models import ProspectStatus
from services.pledges.schemas import (
    EmploymentReport,
    InteractionCreate,
    InteractionRead,
    ProspectCreate,
    ProspectDetail,
    ProspectRead,
    ProspectStatusMove,
    ProspectUpdate,
)

router = APIRouter(prefix="/v1")
PROSPECT_ERRORS = problem_responses(401, 403, 404, 409, 412, 422, 428)


@router.get(
    "/reports/employment",
    tags=["reports"],
    response_model=EmploymentReport,
    responses=problem_responses(422),
    summary="Companies hiring refugees, and where",
)
async def employment_report(
    session: SessionDep,
    announced_from: Annotated[
        BoundedDate | None,
        Query(alias="from", description="Pledges announced on or after this day."),
    ] = None,
    announced_to: Annotated[
        BoundedDate | None,
        Query(alias="to", description="Pledges announced on or before this day."),
    ] = None,
) -> EmploymentReport:
    """Outcome 2.1.3: how many companies committed to hire refugees in two or more MIRPS
    countries, each hiring company with its countries, and jobs targeted per country.
    Public, announced, not withdrawn employment pledges only, whoever asks."""
    return await employment.report(
        session, employment.EmploymentFilters(announced_from, announced_to)
    )


@router.get(
    "/prospects",
    tags=["outreach"],
    response_model=Page[ProspectRead],
    responses=problem_responses(401, 422),
    summary="List prospects",
)
async def list_prospects(
    session: SessionDep,
    principal: PrincipalDep,
    status: Annotated[
        Values[ProspectStatus] | None, Query(description="Only these statuses.")
    ] = None,
    owner: Annotated[
        Line | None, Query(max_length=200, description="Only this owner's (token subject).")
    ] = None,
    country: Annotated[
        CountryCode | None, Query(description="Only prospects of this country.")
    ] = None,
    ids: IdsQuery = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = DEFAULT_LIMIT,
) -> Page[ProspectRead]:
    """The outreach pipeline: all of it for the secretariat, one's own prospects for
    anyone else (an empty list if none)."""
    filters = prospects.ProspectFilters(
        status=[s.value for s in status] if status else None,
        owner=owner,
        country=country,
        ids=ids,
    )
    return await prospects.list_prospects(session, principal, filters, cursor, limit)


@router.post(
    "/prospects",
    tags=["outreach"],
    status_code=201,
    response_model=ProspectDetail,
    responses=problem_responses(401, 403, 409, 422),
    summary="Add a prospect",
)
async def create_prospect(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    body: ProspectCreate,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    """A prospective partner at status identified (secretariat, or a person of an SP
    member organisation, who then owns it)."""
    return await idempotent(
        request,
        session,
        principal,
        idempotency_key,
        body,
        lambda: prospects.create_prospect(session, principal, body),
    )


@router.get(
    "/prospects/{prospect_id}",
    tags=["outreach"],
    response_model=ProspectDetail,
    responses=problem_responses(401, 404, 422),
    summary="Read a prospect",
)
async def get_prospect(
    prospect_id: uuid.UUID, session: SessionDep, principal: PrincipalDep, response: Response
) -> ProspectDetail:
    """One prospect with its contact, interactions and status history (secretariat or
    owner; 404 for anyone else)."""
    found = await prospects.get_prospect(session, principal, prospect_id)
    set_etag(response, found.version)
    return found


@router.patch(
    "/prospects/{prospect_id}",
    tags=["outreach"],
    response_model=ProspectDetail,
    responses=PROSPECT_ERRORS,
    summary="Change a prospect",
)
async def update_prospect(
    prospect_id: uuid.UUID,
    body: ProspectUpdate,
    session: SessionDep,
    principal: PrincipalDep,
    response: Response,
    if_match: RequiredIfMatchHeader,
) -> ProspectDetail:
    """Change details, contact, next step or (secretariat) owner; If-Match required."""
    updated = await prospects.update_prospect(session, principal, prospect_id, body, if_match)
    set_etag(response, updated.version)
    return updated


@router.post(
    "/prospects/{prospect_id}/status",
    tags=["outreach"],
    response_model=ProspectDetail,
    responses=PROSPECT_ERRORS,
    summary="Move a prospect through the pipeline",
)
async def move_prospect(
    prospect_id: uuid.UUID,
    body: ProspectStatusMove,
    session: SessionDep,
    principal: PrincipalDep,
    response: Response,
    if_match: RequiredIfMatchHeader,
) -> ProspectDetail:
    """identified → approached → interested → pledged (naming the pledge), or declined
    from any open status; anything else is 409. If-Match required."""
    updated = await prospects.move_status(session, principal, prospect_id, body, if_match)
    set_etag(response, updated.version)
    return updated


@router.post(
    "/prospects/{prospect_id}/interactions",
    tags=["outreach"],
    status_code=201,
    response_model=InteractionRead,
    responses=problem_responses(401, 404, 422),
    summary="Record an interaction with a prospect",
)
async def add_interaction(
    request: Request,
    prospect_id: uuid.UUID,
    body: InteractionCreate,
    session: SessionDep,
    principal: PrincipalDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    """A dated contact (date, channel, summary), by the secretariat or the owner. A retry
    with the same Idempotency-Key replays the first answer instead of recording it twice."""
    return await idempotent(
        request,
        session,
        principal,
        idempotency_key,
        body,
        lambda: prospects.add_interaction(session, principal, prospect_id, body),
    )
