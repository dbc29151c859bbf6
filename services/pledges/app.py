"""The pledge and contribution ledger service."""

from __future__ import annotations

from fastapi import FastAPI

from services.common.app import ServiceInfo, build_service_app
from services.pledges.api import router
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
        {"name": "matching", "description": "Suggested pledges for unfunded objectives."},
        {"name": "exports and imports", "description": "CSV exports and pledge imports."},
    ),
)


def create_app(settings: Settings | None = None) -> FastAPI:
    """App factory: `uvicorn --factory services.pledges.app:create_app`."""
    return build_service_app(INFO, settings or Settings(), [router])
