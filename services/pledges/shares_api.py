"""Routes of joint pledges: a pledge's contributors and shares, and reports split by them."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from services.common.auth import OptionalPrincipalDep, PrincipalDep
from services.common.csvsafe import csv_attachment
from services.common.db import SessionDep
from services.common.errors import problem_responses
from services.common.schemas import BoundedDate
from services.common.vocabulary import MirpsCountryCode
from services.pledges import service, shares
from services.pledges.api import CSV_RESPONSE, BomQuery
from services.pledges.models import PledgeKind
from services.pledges.schemas import ContributorShare
from services.pledges.shares import ContributorsUpdate, ShareGroup, ShareReport

router = APIRouter(prefix="/v1")


@router.get(
    "/pledges/{pledge_id}/contributors",
    tags=["pledges"],
    response_model=list[ContributorShare],
    responses=problem_responses(401, 404),
    summary="A pledge's contributors and shares",
)
async def list_contributors(
    pledge_id: uuid.UUID, session: SessionDep, principal: OptionalPrincipalDep
) -> list[ContributorShare]:
    """The pledge's contributors with their shares, lead first (whoever may see the pledge)."""
    pledge, _, _ = await service.visible_pledge(session, principal, pledge_id)
    return (await shares.contributors_of(session, [pledge.id]))[pledge.id]


@router.put(
    "/pledges/{pledge_id}/contributors",
    tags=["pledges"],
    response_model=list[ContributorShare],
    responses=problem_responses(401, 403, 404, 422),
    summary="Set a joint pledge's contributors and shares",
    description=(
        "Replaces the pledge's contributors: every one with a percentage (summing to 100) or "
        "an amount in the pledge's currency (summing to its amount), the lead — the "
        "pledge's `contributor_id` — among them. The lead and the secretariat may set them; "
        "co-contributors read the pledge but do not write it. A 422 names the field "
        "(`contributors`) and nothing is written. Reports by contributor and contributor "
        "kind split the pledge by these shares (`GET /v1/reports/contributor-shares`)."
    ),
)
async def set_contributors(
    pledge_id: uuid.UUID, body: ContributorsUpdate, session: SessionDep, principal: PrincipalDep
) -> list[ContributorShare]:
    """Set the contributors and shares of a pledge (its lead or the secretariat)."""
    pledge, countries, _ = await service.visible_pledge(session, principal, pledge_id, lock=True)
    await service.authorise_pledge_write(session, principal, pledge.contributor_id)
    return await shares.set_contributors(session, principal, pledge, countries, body)


@router.get(
    "/reports/contributor-shares",
    tags=["reports"],
    response_model=ShareReport,
    responses=problem_responses(401, 422),
    summary="Pledged, committed and disbursed USD by contributor, split by shares",
    description=(
        "Each pledge's figures split among its contributors by their shares, grouped by "
        "contributor or contributor kind. Rows sum to exactly the totals, which equal the "
        "summary report's totals for the same filters. A contributor of a pledge the caller "
        "may not see counts under `null` (undisclosed)."
    ),
)
async def contributor_shares_report(
    session: SessionDep,
    principal: OptionalPrincipalDep,
    group_by: Annotated[ShareGroup, Query(description="contributor or contributor_kind.")],
    date_from: Annotated[
        BoundedDate | None, Query(alias="from", description="Flows on or after this date.")
    ] = None,
    date_to: Annotated[
        BoundedDate | None, Query(alias="to", description="Flows on or before this date.")
    ] = None,
    country: Annotated[MirpsCountryCode | None, Query(description="Only this country.")] = None,
    kind: Annotated[PledgeKind | None, Query(description="Only pledges of this kind.")] = None,
) -> ShareReport:
    """Figures by contributor or contributor kind, joint pledges split by their shares."""
    filters = {
        "date_from": date_from,
        "date_to": date_to,
        "country": country,
        "kind": kind.value if kind else None,
    }
    return await shares.share_report(session, principal, group_by, filters)


@router.get(
    "/exports/pledge-contributors",
    tags=["exports and imports"],
    response_class=Response,
    responses={**CSV_RESPONSE, **problem_responses(401)},
    summary="Export pledges' contributors and shares as CSV",
)
async def export_contributors(
    session: SessionDep, principal: OptionalPrincipalDep, bom: BomQuery = False
) -> Response:
    """One CSV row per contributor of each pledge the caller may see, with its share."""
    rows = await shares.export_contributors(session, principal)
    return csv_attachment(rows, "pledge-contributors.csv", bom=bom)
