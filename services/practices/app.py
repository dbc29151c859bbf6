"""The good-practices catalogue and integration inventory service."""

from __future__ import annotations

from fastapi import FastAPI

from services.common.app import ServiceInfo, build_service_app
from services.practices import documents
from services.practices.api import router
from services.practices.changes import outbox, webhooks
from services.practices.config import Settings

INFO = ServiceInfo(
    name="practices",
    title="MIRPS good-practices catalogue and integration inventory",
    description=(
        "Bilingual good practices from MIRPS countries and Support Platform members, "
        "reviewed before publication and searchable in Spanish and English, and the "
        "inventory of services, programmes and gaps that sets learning-event priorities."
    ),
    tags=(
        {"name": "practices", "description": "Good practices: search, read, write."},
        {"name": "practice workflow", "description": "draft → submitted → published → archived."},
        {"name": "inventory", "description": "Services, programmes and gaps per country."},
        {"name": "documents", "description": "Materials attached to practices: uploads or links."},
        {"name": "priorities", "description": "Learning-event topics from the gaps."},
        {"name": "taxonomies", "description": "Themes, populations and MIRPS pillars."},
    ),
)


def create_app(settings: Settings | None = None) -> FastAPI:
    """App factory: `uvicorn --factory services.practices.app:create_app`."""
    return build_service_app(
        INFO,
        settings or Settings(),
        [router, *documents.routers, outbox.router(), webhooks.router()],
    )
