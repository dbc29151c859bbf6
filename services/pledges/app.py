"""The pledge and contribution ledger service."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from services.common.app import ServiceInfo, build_service_app
from services.pledges import documents, jobs, matches_api, outreach_api, shares_api
from services.pledges.api import router
from services.pledges.changes import outbox, webhooks
from services.pledges.config import Settings

INFO = ServiceInfo(
    name="pledges",
    title="MIRPS pledge and contribution ledger",
    description=(
        "Pledges, commitments and disbursements to the MIRPS countries, in any currency, "
        "linked to National Action Plan objectives, with resource gaps, a public "
        "semi-annual synthesis and pledge matching."
    ),
    tags=(
        {"name": "countries", "description": "The MIRPS countries and their codes."},
        {"name": "organisations", "description": "Contributors and implementing partners."},
        {"name": "objectives", "description": "National Action Plan objectives and needs."},
        {"name": "pledges", "description": "Pledges: what a contributor announced, and to what."},
        {"name": "ledger", "description": "Commitments, disbursements and expenditure."},
        {"name": "exchange rates", "description": "Rates to USD by currency and day."},
        {"name": "reports", "description": "Summaries, resource gaps and the public synthesis."},
        {
            "name": "matching",
            "description": "Suggested pledges for unfunded objectives, and matches: need "
            "sides paired with support pledges on their way to the GRF.",
        },
        {"name": "exports and imports", "description": "CSV exports and pledge imports."},
        {
            "name": "outreach",
            "description": "The outreach pipeline: prospective partners, owners, status, "
            "interactions and next steps (secretariat and owners only).",
        },
    ),
)


@asynccontextmanager
async def import_jobs(app: FastAPI) -> AsyncIterator[None]:
    """Import jobs run in this process: left-over ones are settled at start (see jobs)."""
    jobs.start(app)
    try:
        yield
    finally:
        await jobs.stop(app)


def create_app(settings: Settings | None = None) -> FastAPI:
    """App factory: `uvicorn --factory services.pledges.app:create_app`."""
    return build_service_app(
        INFO,
        settings or Settings(),
        [
            router,
            outreach_api.router,
            matches_api.router,
            shares_api.router,
            *documents.routers,
            outbox.router(),
            webhooks.router(),
        ],
        running=import_jobs,
        own_body_limit=frozenset({"/v1/imports"}),
    )
