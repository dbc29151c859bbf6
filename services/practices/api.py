"""HTTP routes of the practices service: parse, authorise, call one service function, return."""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import OptionalPrincipalDep, Principal, PrincipalDep
from services.common.db import SessionDep
from services.common.errors import problem_responses
from services.common.etag import IfMatchHeader, RequiredIfMatchHeader, set_etag
from services.common.filters import MAX_IDS, Ids, IdsQuery, UpdatedSinceQuery, Values
from services.common.idempotency import (
    IdempotencyKeyHeader,
    run_idempotent_request,
)
from services.common.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery
from services.common.vocabulary import (
    CountryCode,
    MirpsCountryCode,
    PillarCode,
    PopulationCode,
    ThemeCode,
    Vocabulary,
    pillars,
    populations,
    themes,
)
from services.practices import schemas, service
from services.practices.models import IdempotencyRecord, PracticeStatus

router = APIRouter(prefix="/v1")


async def _idempotent(
    request: Request,
    session: AsyncSession,
    principal: Principal,
    key: str | None,
    body: BaseModel,
    action: Callable[[], Awaitable[Any]],
) -> JSONResponse:
    """Run a creating POST under its Idempotency-Key: a retry replays the first response."""
    return await run_idempotent_request(
        request, session, IdempotencyRecord, principal.sub, key, body, action
    )


def _created(response: JSONResponse, collection: str) -> JSONResponse:
    """Location and ETag of a created object, from its body (also on a replay)."""
    created = json.loads(bytes(response.body))
    response.headers["Location"] = f"{collection}/{created['id']}"
    set_etag(response, int(created["version"]))
    return response


# --- taxonomies --------------------------------------------------------------------------


def _terms(vocabulary: Vocabulary) -> schemas.TermList:
    return schemas.TermList(
        items=[schemas.Term(code=term.code, es=term.es, en=term.en) for term in vocabulary.values()]
    )


@router.get(
    "/taxonomies/themes",
    tags=["taxonomies"],
    response_model=schemas.TermList,
    description="The theme codes shared by practices, inventory, objectives and events.",
)
async def list_themes() -> schemas.TermList:
    """Themes, with Spanish and English labels."""
    return _terms(themes)


@router.get(
    "/taxonomies/populations",
    tags=["taxonomies"],
    response_model=schemas.TermList,
    description="Population codes: refugees, asylum seekers, internally displaced people…",
)
async def list_populations() -> schemas.TermList:
    """Populations, with Spanish and English labels."""
    return _terms(populations)


@router.get(
    "/taxonomies/pillars",
    tags=["taxonomies"],
    response_model=schemas.TermList,
    description="The four MIRPS pillars.",
)
async def list_pillars() -> schemas.TermList:
    """MIRPS pillars, with Spanish and English labels."""
    return _terms(pillars)


# --- practices ---------------------------------------------------------------------------


@router.get(
    "/practices",
    tags=["practices"],
    response_model=schemas.PracticeSearchPage,
    responses=problem_responses(401, 422),
    description=(
        "Full text over Spanish and English (title weighted over summary over description, "
        "accents ignored, words stemmed), filters (repeat a parameter for any-of), total "
        "count and facet counts for the current filter. Anonymous callers see published "
        "practices only; authors also see their own drafts, the secretariat sees all."
    ),
)
async def search_practices(
    session: SessionDep,
    principal: OptionalPrincipalDep,
    q: Annotated[
        str | None,
        Query(
            max_length=500,
            description="Words to find, in Spanish or English.",
            examples=["integración laboral"],
        ),
    ] = None,
    prefix: Annotated[
        bool, Query(description="Type-ahead: the last word may be unfinished (`refug`).")
    ] = False,
    theme: Annotated[Values[ThemeCode] | None, Query(description="Theme code.")] = None,
    country: Annotated[Values[CountryCode] | None, Query(description="ISO alpha-3.")] = None,
    population: Annotated[Values[PopulationCode] | None, Query()] = None,
    origin: Annotated[Values[schemas.OriginName] | None, Query()] = None,
    pillar: Annotated[Values[PillarCode] | None, Query()] = None,
    evidence: Annotated[Values[schemas.EvidenceLevelName] | None, Query()] = None,
    status_: Annotated[Values[schemas.PracticeStatusName] | None, Query(alias="status")] = None,
    organisation: Annotated[
        Values[str] | None, Query(description="Implementing organisation id.")
    ] = None,
    ids: IdsQuery = None,
    updated_since: UpdatedSinceQuery = None,
    sort: Annotated[
        schemas.SortName | None,
        Query(description="relevance (default with q), newest (default without), title."),
    ] = None,
    facets: Annotated[
        bool,
        Query(
            description="Compute facet counts (default). false skips them (the lists come "
            "back empty) and saves time, e.g. on the next pages of a result."
        ),
    ] = True,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> schemas.PracticeSearchPage:
    """Search and list practices."""
    filters = schemas.PracticeFilters(
        q=q,
        prefix=prefix,
        themes=theme or [],
        countries=country or [],
        populations=population or [],
        origins=origin or [],
        pillars=pillar or [],
        evidence_levels=evidence or [],
        statuses=status_ or [],
        organisation_ids=organisation or [],
        ids=ids or [],
        updated_since=updated_since,
        sort=sort,
        facets=facets,
    )
    if ids:  # a batch read answers in one page, as in every service
        cursor, limit = None, MAX_IDS
    return await service.search_practices(session, principal, filters, cursor=cursor, limit=limit)


@router.post(
    "/practices",
    tags=["practices"],
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.Practice,
    responses=problem_responses(401, 403, 422),
    description="Members, partners, focal points (their countries) and the secretariat "
    "write practices; a new practice is a draft that only its authors and the secretariat see.",
)
async def create_practice(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    data: schemas.PracticeCreate,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    """Create a draft practice."""

    async def create() -> schemas.Practice:
        practice = await service.create_practice(session, principal, data)
        return await service.present_practice(session, practice, principal)

    response = await _idempotent(request, session, principal, idempotency_key, data, create)
    return _created(response, "/v1/practices")


@router.get(
    "/practices/{practice_id}",
    tags=["practices"],
    response_model=schemas.Practice,
    responses=problem_responses(401, 404, 422),
    description="Contacts are shown to signed-in callers only; drafts to their authors and "
    "the secretariat only (404 for anyone else).",
)
async def get_practice(
    session: SessionDep,
    principal: OptionalPrincipalDep,
    practice_id: uuid.UUID,
    response: Response,
) -> schemas.Practice:
    """Read one practice (its ETag in the header)."""
    practice = await service.visible_practice(session, principal, practice_id)
    set_etag(response, practice.version)
    return await service.present_practice(session, practice, principal)


@router.patch(
    "/practices/{practice_id}",
    tags=["practices"],
    response_model=schemas.Practice,
    responses=problem_responses(401, 403, 404, 409, 412, 422, 428),
    description="Merge the fields sent. Drafts are edited by their authors; published "
    "practices by the secretariat, each change kept as a version. Needs If-Match.",
)
async def update_practice(
    session: SessionDep,
    principal: PrincipalDep,
    practice_id: uuid.UUID,
    data: schemas.PracticeUpdate,
    response: Response,
    if_match: RequiredIfMatchHeader,
) -> schemas.Practice:
    """Edit a practice."""
    practice = await service.update_practice(session, principal, practice_id, data, if_match)
    set_etag(response, practice.version)
    return await service.present_practice(session, practice, principal)


_TRANSITION_ERRORS = problem_responses(401, 403, 404, 409, 412, 422)


async def _move(
    session: SessionDep,
    principal: PrincipalDep,
    practice_id: uuid.UUID,
    to_status: PracticeStatus,
    if_match: str | None,
    response: Response,
    comment: str | None = None,
) -> schemas.Practice:
    practice = await service.transition(
        session, principal, practice_id, to_status, if_match, comment
    )
    set_etag(response, practice.version)
    return await service.present_practice(session, practice, principal)


@router.post(
    "/practices/{practice_id}/submit",
    tags=["practice workflow"],
    response_model=schemas.Practice,
    responses=_TRANSITION_ERRORS,
    description="draft → submitted, by the practice's authors. If-Match is checked when sent.",
)
async def submit_practice(
    session: SessionDep,
    principal: PrincipalDep,
    practice_id: uuid.UUID,
    response: Response,
    if_match: IfMatchHeader = None,
) -> schemas.Practice:
    """Submit a draft for review."""
    return await _move(
        session, principal, practice_id, PracticeStatus.SUBMITTED, if_match, response
    )


@router.post(
    "/practices/{practice_id}/request-changes",
    tags=["practice workflow"],
    response_model=schemas.Practice,
    responses=problem_responses(401, 403, 404, 409, 412, 422),
    description="submitted → draft with the reviewer's comments, by the secretariat.",
)
async def request_changes(
    session: SessionDep,
    principal: PrincipalDep,
    practice_id: uuid.UUID,
    data: schemas.ChangesRequested,
    response: Response,
    if_match: IfMatchHeader = None,
) -> schemas.Practice:
    """Send a submission back to its authors."""
    return await _move(
        session, principal, practice_id, PracticeStatus.DRAFT, if_match, response, data.comment
    )


@router.post(
    "/practices/{practice_id}/publish",
    tags=["practice workflow"],
    response_model=schemas.Practice,
    responses=_TRANSITION_ERRORS,
    description="submitted → published, by the secretariat; records version 1 (or the next).",
)
async def publish_practice(
    session: SessionDep,
    principal: PrincipalDep,
    practice_id: uuid.UUID,
    response: Response,
    if_match: IfMatchHeader = None,
) -> schemas.Practice:
    """Publish a reviewed practice."""
    return await _move(
        session, principal, practice_id, PracticeStatus.PUBLISHED, if_match, response
    )


@router.post(
    "/practices/{practice_id}/archive",
    tags=["practice workflow"],
    response_model=schemas.Practice,
    responses=_TRANSITION_ERRORS,
    description="published → archived, by the secretariat; it leaves the public catalogue.",
)
async def archive_practice(
    session: SessionDep,
    principal: PrincipalDep,
    practice_id: uuid.UUID,
    response: Response,
    if_match: IfMatchHeader = None,
) -> schemas.Practice:
    """Archive a published practice."""
    return await _move(session, principal, practice_id, PracticeStatus.ARCHIVED, if_match, response)


@router.get(
    "/practices/{practice_id}/versions",
    tags=["practices"],
    response_model=schemas.PracticeVersionList,
    responses=problem_responses(401, 404, 422),
    description="One version per published change: publication, each edit, archiving.",
)
async def list_practice_versions(
    session: SessionDep, principal: OptionalPrincipalDep, practice_id: uuid.UUID
) -> schemas.PracticeVersionList:
    """Versions of a practice: who, when, what changed."""
    return schemas.PracticeVersionList(
        items=await service.practice_versions(session, principal, practice_id)
    )


@router.get(
    "/practices/{practice_id}/transitions",
    tags=["practice workflow"],
    response_model=schemas.PracticeTransitionList,
    responses=problem_responses(401, 404, 422),
    description="Every workflow step with who and when; comments for authors and reviewers.",
)
async def list_practice_transitions(
    session: SessionDep, principal: OptionalPrincipalDep, practice_id: uuid.UUID
) -> schemas.PracticeTransitionList:
    """Workflow history of a practice."""
    return schemas.PracticeTransitionList(
        items=await service.practice_transitions(session, principal, practice_id)
    )


_PRACTICE_IDS_EXAMPLE = "3f6c1a52-8a43-4c8e-9b8e-0c9c2d7f5a11,8b1e2c44-1d3a-4f0e-8f7a-2a5b6c7d8e90"

PracticeIdsQuery = Annotated[
    Ids,
    Query(
        description=f"The practices (comma-separated or repeated, at most {MAX_IDS}); "
        "practices the caller may not see are absent.",
        examples=[_PRACTICE_IDS_EXAMPLE],
    ),
]


@router.get(
    "/practice-versions",
    tags=["practices"],
    response_model=schemas.PracticeVersionPage,
    responses=problem_responses(401, 422),
    description="The versions of several practices in one list, each practice's oldest first, "
    "each shown as its own `/practices/{id}/versions` shows it; in pages of `limit`.",
)
async def list_versions_of_practices(
    session: SessionDep,
    principal: OptionalPrincipalDep,
    practice_id: PracticeIdsQuery,
    cursor: CursorQuery = None,
    limit: LimitQuery = DEFAULT_LIMIT,
) -> schemas.PracticeVersionPage:
    """Versions of several practices."""
    return await service.versions_of_practices(session, principal, practice_id, cursor, limit)


@router.get(
    "/practice-transitions",
    tags=["practice workflow"],
    response_model=schemas.PracticeTransitionPage,
    responses=problem_responses(401, 422),
    description="The workflow steps of several practices in one list, each practice's oldest "
    "first, each shown as its own `/practices/{id}/transitions` shows it (comments for that "
    "practice's authors and reviewers); in pages of `limit`.",
)
async def list_transitions_of_practices(
    session: SessionDep,
    principal: OptionalPrincipalDep,
    practice_id: PracticeIdsQuery,
    cursor: CursorQuery = None,
    limit: LimitQuery = DEFAULT_LIMIT,
) -> schemas.PracticeTransitionPage:
    """Workflow histories of several practices."""
    return await service.transitions_of_practices(session, principal, practice_id, cursor, limit)


# --- inventory ---------------------------------------------------------------------------


@router.get(
    "/inventory-items",
    tags=["inventory"],
    response_model=schemas.InventoryPage,
    responses=problem_responses(401, 422),
    description="Services, programmes and gaps, newest first. Public; contacts only for "
    "signed-in callers.",
)
async def list_inventory_items(
    session: SessionDep,
    principal: OptionalPrincipalDep,
    country: Annotated[Values[MirpsCountryCode] | None, Query()] = None,
    theme: Annotated[Values[ThemeCode] | None, Query()] = None,
    kind: Annotated[Values[schemas.InventoryKindName] | None, Query()] = None,
    severity: Annotated[Values[schemas.SeverityName] | None, Query()] = None,
    ids: IdsQuery = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> schemas.InventoryPage:
    """List inventory items."""
    if ids:  # a batch read answers in one page, as in every service
        cursor, limit = None, MAX_IDS
    return await service.list_inventory_items(
        session,
        principal,
        schemas.InventoryFilters(
            countries=country or [],
            themes=theme or [],
            kinds=kind or [],
            severities=severity or [],
            ids=ids or [],
        ),
        cursor=cursor,
        limit=limit,
    )


@router.post(
    "/inventory-items",
    tags=["inventory"],
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.InventoryItem,
    responses=problem_responses(401, 403, 422),
    description="Written by the country's focal point or the secretariat. Gaps need a severity.",
)
async def create_inventory_item(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    data: schemas.InventoryItemCreate,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    """Record a service, programme or gap."""

    async def create() -> schemas.InventoryItem:
        item = await service.create_inventory_item(session, principal, data)
        return service.inventory_view(item, principal)

    response = await _idempotent(request, session, principal, idempotency_key, data, create)
    return _created(response, "/v1/inventory-items")


@router.get(
    "/inventory-items/{item_id}",
    tags=["inventory"],
    response_model=schemas.InventoryItem,
    responses=problem_responses(401, 404, 422),
    description="Public; contacts only for signed-in callers.",
)
async def get_inventory_item(
    session: SessionDep, principal: OptionalPrincipalDep, item_id: uuid.UUID, response: Response
) -> schemas.InventoryItem:
    """Read one inventory item."""
    item = await service.get_inventory_item(session, item_id)
    set_etag(response, item.version)
    return service.inventory_view(item, principal)


@router.patch(
    "/inventory-items/{item_id}",
    tags=["inventory"],
    response_model=schemas.InventoryItem,
    responses=problem_responses(401, 403, 404, 412, 422, 428),
    description="Merge the fields sent; needs If-Match.",
)
async def update_inventory_item(
    session: SessionDep,
    principal: PrincipalDep,
    item_id: uuid.UUID,
    data: schemas.InventoryItemUpdate,
    response: Response,
    if_match: RequiredIfMatchHeader,
) -> schemas.InventoryItem:
    """Edit an inventory item."""
    item = await service.update_inventory_item(session, principal, item_id, data, if_match)
    set_etag(response, item.version)
    return service.inventory_view(item, principal)


@router.delete(
    "/inventory-items/{item_id}",
    tags=["inventory"],
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 404, 412, 422),
    description="By the country's focal point or the secretariat; If-Match checked when sent.",
)
async def delete_inventory_item(
    session: SessionDep,
    principal: PrincipalDep,
    item_id: uuid.UUID,
    if_match: IfMatchHeader = None,
) -> Response:
    """Delete an inventory item."""
    await service.delete_inventory_item(session, principal, item_id, if_match)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- priorities --------------------------------------------------------------------------


@router.get(
    "/topics/priorities",
    tags=["priorities"],
    response_model=schemas.PriorityList,
    responses=problem_responses(422),
    description=(
        "Themes ranked for learning events: score = severity points of the theme's gaps "
        "(low 1, medium 2, high 3, critical 5) x countries reporting them ÷ (1 + published "
        "practices on the theme). With `country`, only that country's gaps AND only the "
        "practices published for that country count (several `country` values: any of "
        "them); without it, every country. Each row says why, in Spanish and English."
    ),
)
async def list_priorities(
    session: SessionDep,
    country: Annotated[
        Values[MirpsCountryCode] | None, Query(description="Only gaps of these countries.")
    ] = None,
) -> schemas.PriorityList:
    """Learning-event priorities from the inventory's gaps."""
    return schemas.PriorityList(items=await service.priorities(session, country or []))
