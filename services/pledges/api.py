"""Routes of the ledger: parse, authorise, call one service function, return."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Body, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, StringConstraints

from services.common.auth import OptionalPrincipalDep, Principal, PrincipalDep
from services.common.csvsafe import csv_attachment
from services.common.db import SessionDep
from services.common.errors import Unprocessable, problem_responses
from services.common.etag import RequiredIfMatchHeader, set_etag
from services.common.filters import Ids, IdsQuery, UpdatedSinceQuery, Values
from services.common.idempotency import (
    IdempotencyKeyHeader,
    run_idempotent_request,
)
from services.common.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery, Page
from services.common.safeguards import read_limited
from services.common.schemas import BoundedDate
from services.common.vocabulary import CurrencyCode, MirpsCountryCode, PillarCode, ThemeCode
from services.pledges import iati, imports, jobs, matching, reports, service
from services.pledges.models import (
    IdempotencyRecord,
    OrganisationKind,
    PledgeKind,
    PledgeStage,
    Visibility,
)
from services.pledges.reports import GapFilters, ReportFilters
from services.pledges.repository import PledgeFilters
from services.pledges.schemas import (
    AllocationUpdate,
    Announcement,
    BulkResult,
    CountryRead,
    Dimension,
    EntryCreate,
    EntryRead,
    ExchangeRateCreate,
    ExchangeRateRead,
    GapsReport,
    ImportJobRead,
    MatchingSuggestions,
    ObjectiveCreate,
    ObjectiveRead,
    ObjectiveUpdate,
    OrganisationCreate,
    OrganisationRead,
    OrganisationUpdate,
    PledgeChangeRead,
    PledgeCreate,
    PledgeInclude,
    PledgeListItem,
    PledgeRead,
    PledgeUpdate,
    ProgressUpdateCreate,
    ProgressUpdateRead,
    SummaryReport,
    SynthesisReport,
    Withdrawal,
)

router = APIRouter(prefix="/v1")

Limit = LimitQuery
CREATE_ERRORS = problem_responses(401, 403, 409, 422)
UPDATE_ERRORS = problem_responses(401, 403, 404, 409, 412, 422, 428)


async def idempotent(
    request: Request,
    session: SessionDep,
    principal: Principal,
    key: str | None,
    body: BaseModel | bytes,
    action: Callable[[], Awaitable[Any]],
    status_code: int = 201,
) -> JSONResponse:
    """Run a creating POST under its Idempotency-Key: a retry replays the first response."""
    caller = principal.sub
    return await run_idempotent_request(
        request, session, IdempotencyRecord, caller, key, body, action, status_code=status_code
    )


# ---------------------------------------------------------------- countries


@router.get(
    "/countries",
    tags=["countries"],
    response_model=list[CountryRead],
    summary="List the MIRPS countries",
)
async def list_countries() -> list[CountryRead]:
    """The seven MIRPS countries (ISO alpha-3) with names in Spanish and English."""
    return service.list_countries()


# ---------------------------------------------------------------- organisations


@router.get(
    "/organisations",
    tags=["organisations"],
    response_model=Page[OrganisationRead],
    responses=problem_responses(422),
    summary="List organisations",
)
async def list_organisations(
    session: SessionDep,
    kind: Annotated[OrganisationKind | None, Query(description="Only this kind.")] = None,
    sp_member: Annotated[
        bool | None, Query(description="true: SP members only; false: non-members only.")
    ] = None,
    ids: IdsQuery = None,
    cursor: CursorQuery = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[OrganisationRead]:
    """Contributors and partners, ordered by name; filter by kind and SP membership."""
    return await service.list_organisations(
        session,
        kind=kind.value if kind else None,
        sp_member=sp_member,
        ids=ids,
        cursor=cursor,
        limit=limit,
    )


@router.post(
    "/organisations",
    tags=["organisations"],
    status_code=201,
    response_model=OrganisationRead,
    responses=CREATE_ERRORS,
    summary="Register an organisation",
)
async def create_organisation(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    body: OrganisationCreate,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    """Register a contributor or partner organisation (secretariat only)."""
    return await idempotent(
        request,
        session,
        principal,
        idempotency_key,
        body,
        lambda: service.create_organisation(session, principal, body),
    )


@router.get(
    "/organisations/{organisation_id}",
    tags=["organisations"],
    response_model=OrganisationRead,
    responses=problem_responses(404, 422),
    summary="Read an organisation",
)
async def get_organisation(
    organisation_id: uuid.UUID, session: SessionDep, response: Response
) -> OrganisationRead:
    """One organisation; its ETag is the version to send back in If-Match."""
    organisation = await service.get_organisation(session, organisation_id)
    set_etag(response, organisation.version)
    return service.organisation_read(organisation)


@router.patch(
    "/organisations/{organisation_id}",
    tags=["organisations"],
    response_model=OrganisationRead,
    responses=UPDATE_ERRORS,
    summary="Change an organisation",
)
async def update_organisation(
    organisation_id: uuid.UUID,
    body: OrganisationUpdate,
    session: SessionDep,
    principal: PrincipalDep,
    response: Response,
    if_match: RequiredIfMatchHeader,
) -> OrganisationRead:
    """Change an organisation's fields (secretariat only; If-Match required)."""
    updated = await service.update_organisation(session, principal, organisation_id, body, if_match)
    set_etag(response, updated.version)
    return updated


# ---------------------------------------------------------------- objectives


@router.get(
    "/objectives",
    tags=["objectives"],
    response_model=Page[ObjectiveRead],
    responses=problem_responses(422),
    summary="List action-plan objectives",
)
async def list_objectives(
    session: SessionDep,
    country: Annotated[MirpsCountryCode | None, Query(description="Only this country.")] = None,
    pillar: Annotated[PillarCode | None, Query(description="Only this pillar.")] = None,
    theme: Annotated[ThemeCode | None, Query(description="Only this theme.")] = None,
    ids: IdsQuery = None,
    cursor: CursorQuery = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[ObjectiveRead]:
    """Costed National Action Plan objectives; filter by country, pillar and theme."""
    return await service.list_objectives(
        session,
        country=country,
        pillar=pillar,
        theme=theme,
        ids=ids,
        cursor=cursor,
        limit=limit,
    )


@router.post(
    "/objectives",
    tags=["objectives"],
    status_code=201,
    response_model=ObjectiveRead,
    responses=CREATE_ERRORS,
    summary="Record a costed objective",
)
async def create_objective(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    body: ObjectiveCreate,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    """Record an objective (secretariat, or a focal point of its country)."""
    return await idempotent(
        request,
        session,
        principal,
        idempotency_key,
        body,
        lambda: service.create_objective(session, principal, body),
    )


@router.get(
    "/objectives/{objective_id}",
    tags=["objectives"],
    response_model=ObjectiveRead,
    responses=problem_responses(404, 422),
    summary="Read an objective",
)
async def get_objective(
    objective_id: uuid.UUID, session: SessionDep, response: Response
) -> ObjectiveRead:
    """One objective with its requirement in its currency and in USD."""
    objective = await service.get_objective(session, objective_id)
    set_etag(response, objective.version)
    return service.objective_read(objective)


@router.patch(
    "/objectives/{objective_id}",
    tags=["objectives"],
    response_model=ObjectiveRead,
    responses=UPDATE_ERRORS,
    summary="Change an objective",
)
async def update_objective(
    objective_id: uuid.UUID,
    body: ObjectiveUpdate,
    session: SessionDep,
    principal: PrincipalDep,
    response: Response,
    if_match: RequiredIfMatchHeader,
) -> ObjectiveRead:
    """Change an objective (secretariat or the country's focal point; If-Match required)."""
    updated = await service.update_objective(session, principal, objective_id, body, if_match)
    set_etag(response, updated.version)
    return updated


# ---------------------------------------------------------------- pledges


@router.get(
    "/pledges",
    tags=["pledges"],
    response_model=Page[PledgeListItem],
    responses=problem_responses(401, 422),
    summary="List pledges",
)
async def list_pledges(
    session: SessionDep,
    principal: OptionalPrincipalDep,
    contributor_id: Annotated[
        Values[uuid.UUID] | None, Query(description="Pledges of any of these organisations.")
    ] = None,
    country: Annotated[
        MirpsCountryCode | None, Query(description="Pledges to this recipient country.")
    ] = None,
    objective_id: Annotated[
        Values[uuid.UUID] | None, Query(description="Pledges linked to any of these objectives.")
    ] = None,
    announced_at: Annotated[
        Values[Annotated[str, StringConstraints(max_length=100)]] | None,
        Query(description="Pledges announced at any of these event ids."),
    ] = None,
    kind: Annotated[PledgeKind | None, Query(description="Only this kind.")] = None,
    visibility: Annotated[Visibility | None, Query(description="Only this visibility.")] = None,
    stage: Annotated[
        PledgeStage | None,
        Query(description="Only this stage (cultivating pledges are listed to their parties)."),
    ] = None,
    include_withdrawn: Annotated[bool, Query(description="false hides withdrawn pledges.")] = True,
    ids: IdsQuery = None,
    updated_since: UpdatedSinceQuery = None,
    include: Annotated[
        Values[PledgeInclude] | None,
        Query(
            description="Embed each pledge's `contributor` and/or `objectives` (repeated or "
            "comma-separated), saving the lookups that would follow.",
            examples=["contributor,objectives"],
        ),
    ] = None,
    cursor: CursorQuery = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[PledgeListItem]:
    """Pledges the caller may see (anonymous: public ones), with derived financial status."""
    filters = PledgeFilters(
        contributor_id=contributor_id,
        country=country,
        objective_id=objective_id,
        announced_at=announced_at,
        kind=kind.value if kind else None,
        visibility=visibility.value if visibility else None,
        stage=stage.value if stage is not None else None,
        include_withdrawn=include_withdrawn,
        ids=ids,
        updated_since=updated_since,
    )
    return await service.list_pledges(session, principal, filters, cursor, limit, include or ())


@router.post(
    "/pledges",
    tags=["pledges"],
    status_code=201,
    response_model=PledgeRead,
    responses=CREATE_ERRORS,
    summary="Announce a pledge",
)
async def create_pledge(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    body: PledgeCreate,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    """Announce a pledge (secretariat, or a member/partner for its own organisation)."""
    return await idempotent(
        request,
        session,
        principal,
        idempotency_key,
        body,
        lambda: service.create_pledge(session, principal, body),
    )


@router.get(
    "/pledges/{pledge_id}",
    tags=["pledges"],
    response_model=PledgeRead,
    responses=problem_responses(401, 404, 422),
    summary="Read a pledge",
)
async def get_pledge(
    pledge_id: uuid.UUID, session: SessionDep, principal: OptionalPrincipalDep, response: Response
) -> PledgeRead:
    """One pledge with its balances and derived financial status."""
    pledge = await service.get_pledge(session, principal, pledge_id)
    set_etag(response, pledge.version)
    return pledge


@router.patch(
    "/pledges/{pledge_id}",
    tags=["pledges"],
    response_model=PledgeRead,
    responses=UPDATE_ERRORS,
    summary="Change a pledge",
)
async def update_pledge(
    pledge_id: uuid.UUID,
    body: PledgeUpdate,
    session: SessionDep,
    principal: PrincipalDep,
    response: Response,
    if_match: RequiredIfMatchHeader,
) -> PledgeRead:
    """Change a pledge (If-Match required); the change is kept in its history."""
    updated = await service.update_pledge(session, principal, pledge_id, body, if_match)
    set_etag(response, updated.version)
    return updated


@router.post(
    "/pledges/{pledge_id}/withdrawal",
    tags=["pledges"],
    response_model=PledgeRead,
    responses=UPDATE_ERRORS,
    summary="Withdraw a pledge",
)
async def withdraw_pledge(
    pledge_id: uuid.UUID,
    body: Withdrawal,
    session: SessionDep,
    principal: PrincipalDep,
    response: Response,
    if_match: RequiredIfMatchHeader,
) -> PledgeRead:
    """Withdraw a pledge with a reason; its undisbursed remainder stops counting."""
    updated = await service.withdraw_pledge(session, principal, pledge_id, body, if_match)
    set_etag(response, updated.version)
    return updated


@router.post(
    "/pledges/{pledge_id}/announce",
    tags=["pledges"],
    response_model=PledgeRead,
    responses=UPDATE_ERRORS,
    summary="Announce a cultivating pledge",
)
async def announce_pledge(
    pledge_id: uuid.UUID,
    body: Announcement,
    session: SessionDep,
    principal: PrincipalDep,
    response: Response,
    if_match: RequiredIfMatchHeader,
) -> PledgeRead:
    """Announce a cultivating pledge at an event and date (409 if withdrawn or already
    announced); from then on it is public per its visibility and counts in reports."""
    updated = await service.announce_pledge(session, principal, pledge_id, body, if_match)
    set_etag(response, updated.version)
    return updated


@router.put(
    "/pledges/{pledge_id}/allocation",
    tags=["pledges"],
    response_model=PledgeRead,
    responses=UPDATE_ERRORS,
    summary="State a pledge's allocation lines",
    description=(
        "Where the pledge's amount is meant to go: lines naming a country and/or one of "
        "its objectives, each with an amount (summing to the pledge's amount) or a share "
        "(summing to 1), in the pledge's currency. `lines: null` returns to the equal split "
        "over the objectives (else countries). Every commitment, disbursement and "
        "expenditure draws on one line, and per line committed ≤ allocated, disbursed ≤ "
        "committed and expenditure ≤ disbursed. A line may not be allocated less than it "
        "has committed (409 naming the line and the numbers). The secretariat or the "
        "contributor's members/partners; the change is kept in the pledge's history."
    ),
)
async def reallocate_pledge(
    pledge_id: uuid.UUID,
    body: AllocationUpdate,
    session: SessionDep,
    principal: PrincipalDep,
    response: Response,
    if_match: RequiredIfMatchHeader,
) -> PledgeRead:
    """Replace the pledge's allocation lines (If-Match)."""
    updated = await service.reallocate(session, principal, pledge_id, body, if_match)
    set_etag(response, updated.version)
    return updated


@router.get(
    "/pledges/{pledge_id}/history",
    tags=["pledges"],
    response_model=list[PledgeChangeRead],
    responses=problem_responses(401, 403, 404, 422),
    summary="Read a pledge's history",
)
async def pledge_history(
    pledge_id: uuid.UUID, session: SessionDep, principal: PrincipalDep
) -> list[PledgeChangeRead]:
    """Every change to the pledge: who, when, what (secretariat and the contributor)."""
    return await service.pledge_history(session, principal, pledge_id)


@router.get(
    "/pledge-history",
    tags=["pledges"],
    response_model=Page[PledgeChangeRead],
    responses=problem_responses(401, 422),
    summary="Read the histories of several pledges",
)
async def pledge_history_of(
    session: SessionDep,
    principal: PrincipalDep,
    pledge_id: Annotated[
        Ids,
        Query(
            description="The pledges (comma-separated or repeated, at most 200); changes of "
            "pledges whose history the caller may not read are absent.",
            examples=["3f6c1a52-8a43-4c8e-9b8e-0c9c2d7f5a11,8b1e2c44-1d3a-4f0e-8f7a-2a5b6c7d8e90"],
        ),
    ],
    cursor: CursorQuery = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[PledgeChangeRead]:
    """Several pledges' changes in one list (secretariat and each contributor's own people)."""
    return await service.pledge_history_of(session, principal, pledge_id, cursor, limit)


@router.post(
    "/pledges/{pledge_id}/updates",
    tags=["pledges"],
    status_code=201,
    response_model=ProgressUpdateRead,
    responses=problem_responses(401, 403, 404, 409, 422),
    summary="Report progress on a pledge",
)
async def add_progress_update(
    pledge_id: uuid.UUID, body: ProgressUpdateCreate, session: SessionDep, principal: PrincipalDep
) -> ProgressUpdateRead:
    """A dated narrative update (es/en, optional figures) on an announced pledge, by whoever
    may write it; kept in the pledge's history and public when the pledge is."""
    return await service.add_progress_update(session, principal, pledge_id, body)


@router.get(
    "/pledges/{pledge_id}/updates",
    tags=["pledges"],
    response_model=list[ProgressUpdateRead],
    responses=problem_responses(404, 422),
    summary="Read a pledge's progress updates",
)
async def list_progress_updates(
    pledge_id: uuid.UUID, session: SessionDep, principal: OptionalPrincipalDep
) -> list[ProgressUpdateRead]:
    """A pledge's progress updates, latest first (whoever may see the pledge)."""
    return await service.list_progress_updates(session, principal, pledge_id)


# ---------------------------------------------------------------- ledger entries


@router.get(
    "/pledges/{pledge_id}/entries",
    tags=["ledger"],
    response_model=Page[EntryRead],
    responses=problem_responses(401, 404, 422),
    summary="List a pledge's ledger entries",
)
async def list_entries(
    pledge_id: uuid.UUID,
    session: SessionDep,
    principal: OptionalPrincipalDep,
    cursor: CursorQuery = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[EntryRead]:
    """The pledge's append-only ledger; notes are shown only to parties to the pledge."""
    return await service.list_entries(session, principal, pledge_id, cursor, limit)


@router.get(
    "/entries",
    tags=["ledger"],
    response_model=Page[EntryRead],
    responses=problem_responses(401, 422),
    summary="List the ledger entries of several pledges",
)
async def list_entries_of(
    session: SessionDep,
    principal: OptionalPrincipalDep,
    pledge_id: Annotated[
        Ids,
        Query(
            description="The pledges (comma-separated or repeated, at most 200); entries of "
            "pledges the caller may not see are absent.",
            examples=["3f6c1a52-8a43-4c8e-9b8e-0c9c2d7f5a11,8b1e2c44-1d3a-4f0e-8f7a-2a5b6c7d8e90"],
        ),
    ],
    cursor: CursorQuery = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[EntryRead]:
    """Several pledges' ledgers in one list; notes only on pledges the caller is party to."""
    return await service.list_entries_of(session, principal, pledge_id, cursor, limit)


@router.post(
    "/pledges/{pledge_id}/entries",
    tags=["ledger"],
    status_code=201,
    response_model=EntryRead,
    responses=problem_responses(401, 403, 404, 409, 422),
    summary="Record a ledger entry",
)
async def record_entry(
    request: Request,
    pledge_id: uuid.UUID,
    session: SessionDep,
    principal: PrincipalDep,
    body: Annotated[
        EntryCreate,
        Body(
            openapi_examples={
                "commitment": {
                    "summary": "A commitment in EUR",
                    "value": {
                        "entry_type": "commitment",
                        "amount": {"amount": "2000000.00", "currency": "EUR"},
                        "value_date": "2023-01-15",
                        "recipient_country": "GTM",
                    },
                },
                "reversal": {
                    "summary": "Cancel an entry",
                    "value": {
                        "entry_type": "reversal",
                        "reverses_entry_id": "e1f2a3b4-5c6d-4e7f-8a9b-0c1d2e3f4a5b",
                        "value_date": "2023-02-01",
                        "note": "Entered twice by mistake.",
                    },
                },
            }
        ),
    ],
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    """Append a commitment, disbursement, expenditure or reversal; 409 if a rule breaks."""
    return await idempotent(
        request,
        session,
        principal,
        idempotency_key,
        body,
        lambda: service.record_entry(session, principal, pledge_id, body),
    )


@router.get(
    "/pledges/{pledge_id}/entries/{entry_id}",
    tags=["ledger"],
    response_model=EntryRead,
    responses=problem_responses(401, 404, 422),
    summary="Read a ledger entry",
)
async def get_entry(
    pledge_id: uuid.UUID,
    entry_id: uuid.UUID,
    session: SessionDep,
    principal: OptionalPrincipalDep,
) -> EntryRead:
    """One entry, with the exchange rate and USD amount it stored."""
    return await service.get_entry(session, principal, pledge_id, entry_id)


# ---------------------------------------------------------------- exchange rates


@router.get(
    "/exchange-rates",
    tags=["exchange rates"],
    response_model=Page[ExchangeRateRead],
    responses=problem_responses(422),
    summary="List exchange rates",
)
async def list_exchange_rates(
    session: SessionDep,
    currency: Annotated[CurrencyCode | None, Query(description="Only this currency.")] = None,
    cursor: CursorQuery = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[ExchangeRateRead]:
    """Rates to USD by currency and date; an entry uses the latest on or before its date."""
    return await service.list_exchange_rates(session, currency, cursor, limit)


@router.post(
    "/exchange-rates",
    tags=["exchange rates"],
    status_code=201,
    response_model=ExchangeRateRead,
    responses=CREATE_ERRORS,
    summary="Record an exchange rate",
)
async def add_exchange_rate(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    body: ExchangeRateCreate,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    """Record USD per unit of a currency from a date (secretariat only)."""
    return await idempotent(
        request,
        session,
        principal,
        idempotency_key,
        body,
        lambda: service.add_exchange_rate(session, principal, body),
    )


CSV_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "text/csv": {
                "schema": {"type": "string"},
                "example": "currency,rate_date,rate_to_usd,source\n"
                "EUR,2023-01-01,1.0700,ECB\nEUR,2023-07-01,1.0900,ECB\n",
            }
        },
    }
}


@router.post(
    "/exchange-rates/bulk",
    tags=["exchange rates"],
    response_model=BulkResult,
    responses=CREATE_ERRORS,
    openapi_extra=CSV_BODY,
    summary="Upload exchange rates as CSV",
)
async def upload_exchange_rates(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    dry_run: Annotated[bool, Query(description="Check every row, write nothing.")] = False,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    """CSV `currency,rate_date,rate_to_usd,source`; a file with any bad row writes nothing."""
    content = await request.body()
    return await idempotent(
        request,
        session,
        principal,
        idempotency_key,
        content,
        lambda: service.upload_exchange_rates(session, principal, content, dry_run=dry_run),
        status_code=200,
    )


# ---------------------------------------------------------------- reports


_DIMENSION = "(" + "|".join(d.value for d in Dimension) + ")"
_GROUP_BY_PATTERN = f"^ *{_DIMENSION} *(, *{_DIMENSION} *)?$"


def _dimensions(raw: str) -> list[Dimension]:
    try:
        return [Dimension(part.strip()) for part in raw.split(",") if part.strip()]
    except ValueError as exc:
        choices = ", ".join(d.value for d in Dimension)
        raise Unprocessable(f"group_by takes one or two of: {choices} ({exc})") from exc


@router.get(
    "/reports/summary",
    tags=["reports"],
    response_model=SummaryReport,
    responses=problem_responses(401, 422),
    summary="Pledged, committed and disbursed in USD",
    description=(
        "Pledged, committed and disbursed USD grouped by one or two dimensions, summed by "
        "the database. Totals count every pledge, restricted ones included; a restricted "
        "pledge the caller may not see (anonymous callers, and anyone who is neither the "
        "secretariat, the contributor's member/partner nor a focal point of a recipient "
        "country) counts under contributor `null` — undisclosed — so its amount is never "
        "shown against its contributor. A joint pledge counts here under its lead; "
        "`GET /v1/reports/contributor-shares` splits it by its contributors' shares."
    ),
)
async def summary_report(
    session: SessionDep,
    principal: OptionalPrincipalDep,
    group_by: Annotated[
        str,
        Query(
            pattern=_GROUP_BY_PATTERN,
            description="One or two of country, contributor, contributor_kind, pledge_kind, "
            "funding_mechanism, objective, pillar, year (comma-separated). Country and "
            "objective follow the pledges' allocation lines.",
            examples=["country", "contributor_kind,year"],
        ),
    ],
    date_from: Annotated[
        BoundedDate | None, Query(alias="from", description="Flows on or after this date.")
    ] = None,
    date_to: Annotated[
        BoundedDate | None, Query(alias="to", description="Flows on or before this date.")
    ] = None,
    old_from: Annotated[
        BoundedDate | None, Query(alias="date_from", deprecated=True, description="Use `from`.")
    ] = None,
    old_to: Annotated[
        BoundedDate | None, Query(alias="date_to", deprecated=True, description="Use `to`.")
    ] = None,
    country: Annotated[MirpsCountryCode | None, Query(description="Only this country.")] = None,
    kind: Annotated[PledgeKind | None, Query(description="Only pledges of this kind.")] = None,
) -> SummaryReport:
    """USD totals grouped by one or two dimensions, summed by the database."""
    filters = ReportFilters(
        date_from=date_from or old_from,
        date_to=date_to or old_to,
        country=country,
        kind=kind.value if kind else None,
        viewer=principal,
    )
    return await reports.summary(session, _dimensions(group_by), filters)


@router.get(
    "/reports/gaps",
    tags=["reports"],
    response_model=GapsReport,
    responses=problem_responses(422),
    summary="Resource gaps per objective and country",
)
async def gaps_report(
    session: SessionDep,
    country: Annotated[MirpsCountryCode | None, Query(description="Only this country.")] = None,
    pillar: Annotated[PillarCode | None, Query(description="Only this pillar.")] = None,
    theme: Annotated[ThemeCode | None, Query(description="Only this theme.")] = None,
    ids: IdsQuery = None,
) -> GapsReport:
    """Requirement, committed, disbursed, gap and coverage per objective, largest gap first."""
    filters = GapFilters(country=country, pillar=pillar, theme=theme, ids=ids)
    return await reports.gaps(session, filters)


@router.get(
    "/reports/synthesis",
    tags=["reports"],
    response_model=SynthesisReport,
    responses={
        **problem_responses(422),
        200: {
            "description": "The synthesis as JSON, or CSV with `Accept: text/csv`.",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        },
    },
    summary="Semi-annual public synthesis",
    description=(
        "The semi-annual public synthesis: totals and change against the previous half-year, "
        "new pledges and new partners, breakdowns per country and contributor kind, the "
        "largest gaps and the exchange-rate date used. It is the public document, the same "
        "for every caller: totals count restricted pledges, but new pledges lists public "
        "ones only, and new partners lists only contributors whose first pledge falls in "
        "the period and who have a public pledge by its end (with the date of their first "
        "public pledge).\n\n"
        "Published periods can be restated: the figures are always today's knowledge of "
        "each period. A reversal counts in the period of the entry it cancels (not on its own "
        "value date), a withdrawal restates the pledge as what was disbursed, and an entry "
        "recorded late counts on its value date. `as_of` says when the figures were "
        "computed; `restated` is true when anything recorded after the period ended changed "
        "figures dated within or before it."
    ),
)
async def synthesis_report(
    request: Request,
    session: SessionDep,
    period: Annotated[
        str,
        Query(
            pattern=r"^(190[1-9]|19[1-9][0-9]|2[01][0-9]{2})-H[12]$",
            description="Half-year of a year from 1901 to 2199, e.g. 2023-H1.",
            examples=["2023-H1"],
        ),
    ],
) -> Response:
    """Totals and change against the previous half, new pledges and partners, gaps."""
    report = await reports.synthesis(session, period)
    if "text/csv" in request.headers.get("accept", ""):
        return Response(
            reports.synthesis_csv(report),
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="synthesis-{period}.csv"'},
        )
    return JSONResponse(report.model_dump(mode="json"))


@router.get(
    "/matching/suggestions",
    tags=["matching"],
    response_model=MatchingSuggestions,
    responses=problem_responses(401, 422),
    summary="Pledge-objective matching suggestions",
    description=(matching.__doc__ or "").split("\n", 1)[1],
)
async def matching_suggestions(
    session: SessionDep,
    principal: OptionalPrincipalDep,
    objective_id: Annotated[
        uuid.UUID | None, Query(description="Rank open pledges for this objective.")
    ] = None,
    pledge_id: Annotated[
        uuid.UUID | None, Query(description="Rank objectives for this pledge.")
    ] = None,
) -> MatchingSuggestions:
    """Ranked candidates for pre-matching, each with a score out of 100 and its reasons."""
    return await matching.suggestions(
        session, principal, objective_id=objective_id, pledge_id=pledge_id
    )


# ---------------------------------------------------------------- exports and imports

CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "CSV in the import layout (record_type, id, pledge_id, …).",
        "content": {"text/csv": {"schema": {"type": "string"}}},
    }
}


BomQuery = Annotated[
    bool,
    Query(
        description="Start the file with a UTF-8 byte order mark, so Excel reads accents "
        "right; imports accept the file either way."
    ),
]


@router.get(
    "/exports/pledges",
    tags=["exports and imports"],
    response_class=Response,
    responses={**CSV_RESPONSE, **problem_responses(401)},
    summary="Export pledges as CSV",
)
async def export_pledges(
    session: SessionDep, principal: OptionalPrincipalDep, bom: BomQuery = False
) -> Response:
    """The pledges the caller may see, one CSV row each, in the layout imports accept."""
    return csv_attachment(await imports.export_pledges(session, principal), "pledges.csv", bom=bom)


@router.get(
    "/exports/entries",
    tags=["exports and imports"],
    response_class=Response,
    responses={**CSV_RESPONSE, **problem_responses(401)},
    summary="Export ledger entries as CSV",
)
async def export_entries(
    session: SessionDep, principal: OptionalPrincipalDep, bom: BomQuery = False
) -> Response:
    """The ledger entries of the pledges the caller may see, in the layout imports accept."""
    return csv_attachment(await imports.export_entries(session, principal), "entries.csv", bom=bom)


@router.get(
    "/exports/iati/activities.xml",
    tags=["exports and imports"],
    response_class=Response,
    responses={
        200: {
            "description": "An IATI 2.03 `iati-activities` document: each pledge an "
            "`iati-activity`, each ledger entry a `transaction` (type 2 commitment, "
            "3 disbursement, 4 expenditure).",
            "content": {"application/xml": {"schema": {"type": "string"}}},
        },
        **problem_responses(401, 404, 422),
    },
    summary="Export pledges as IATI 2.03 activities",
)
async def export_iati(
    request: Request,
    session: SessionDep,
    principal: OptionalPrincipalDep,
    reporting_org: Annotated[
        uuid.UUID | None,
        Query(description="Only the pledges of this contributing organisation (its id)."),
    ] = None,
) -> Response:
    """The pledges the caller may see, valid against the IATI 2.03 activities schema;
    restricted pledges only for those who may read them. No pledge selected is a 404
    (the schema requires at least one activity in a document)."""
    prefix = request.app.state.settings.iati_org_prefix
    return Response(
        await iati.export_activities(session, principal, reporting_org, prefix),
        media_type="application/xml",
        headers={"Content-Disposition": 'attachment; filename="activities.xml"'},
    )


IMPORT_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "text/csv": {
                "schema": {"type": "string"},
                "example": "record_type,id,pledge_id,contributor_id,kind,title_en,amount,currency,"
                "recipient_countries,announced_on,entry_type,value_date,recipient_country\n"
                "pledge,c2d3e4f5-0a1b-4c2d-8e3f-4a5b6c7d8e9f,,3f6c1a52-8a43-4c8e-9b8e-0c9c2d7f5a11,"
                "financial,Livelihoods,5000000,EUR,GTM,2022-09-28,,,\n"
                "entry,,c2d3e4f5-0a1b-4c2d-8e3f-4a5b6c7d8e9f,,,,2000000,EUR,,,commitment,"
                "2023-01-15,GTM\n",
            }
        },
    }
}


@router.post(
    "/imports",
    tags=["exports and imports"],
    status_code=202,
    response_model=ImportJobRead,
    responses=problem_responses(401, 403, 413, 422),
    openapi_extra=IMPORT_BODY,
    summary="Import pledges and entries from CSV (a background job)",
)
async def import_pledges(
    request: Request,
    background: BackgroundTasks,
    session: SessionDep,
    principal: PrincipalDep,
    dry_run: Annotated[
        bool, Query(description="Check every row and report its errors; write nothing.")
    ] = False,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    """Queue the export CSV for import and answer 202 with the job; poll
    GET /v1/imports/{id}. Rows whose `id` is stored with the same values are left alone
    (re-importing an export is a no-op), changed pledges are updated; any bad row means
    nothing is written and the job fails listing each. The file may be up to
    PLEDGES_MAX_IMPORT_BYTES, read as a stream."""
    limit = request.app.state.settings.max_import_bytes
    content = await read_limited(request, limit)

    async def submit() -> ImportJobRead:
        job = await jobs.submit(session, principal, content, dry_run=dry_run)
        background.add_task(jobs.launch, request.app, job.id)  # runs after the commit
        return jobs.job_read(job)

    # A retry with the same Idempotency-Key replays the first 202: no second job.
    return await idempotent(
        request, session, principal, idempotency_key, content, submit, status_code=202
    )


@router.get(
    "/imports/{job_id}",
    tags=["exports and imports"],
    response_model=ImportJobRead,
    responses=problem_responses(401, 404, 422),
    summary="An import job's state and progress",
)
async def get_import(
    request: Request, job_id: uuid.UUID, session: SessionDep, principal: PrincipalDep
) -> ImportJobRead:
    """For the one who submitted it and the secretariat."""
    return await jobs.get_job(session, request.app, principal, job_id)
