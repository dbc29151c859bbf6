"""The pledge and contribution ledger service."""

from __future__ import annotations

from fastapi import FastAPI

from services.common.app import ServiceInfo, build_service_app
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
)


def create_app(settings: Settings | None = None) -> FastAPI:
    """App factory: `uvicorn --factory services.pledges.app:create_app`."""
    return build_service_app(
        INFO, settings or Settings(), [router, outbox.router(), webhooks.router()]
    )
