"""The learning events and meeting scheduling service."""

from __future__ import annotations

from fastapi import FastAPI

from services.common.app import ServiceInfo, build_service_app
from services.events import documents
from services.events.api import router
from services.events.changes import outbox, webhooks
from services.events.config import Settings

INFO = ServiceInfo(
    name="events",
    title="MIRPS learning events and meeting scheduling",
    description=(
        "Learning events, Support Platform meetings and working-group series: clash "
        "checks across time zones, registrations with capacity, outcomes, and "
        "iCalendar feeds."
    ),
    tags=(
        {
            "name": "events",
            "description": "Events and recurring series, their status and occurrences.",
        },
        {"name": "scheduling", "description": "Clash checks, free-slot suggestions, the timeline."},
        {"name": "registrations", "description": "Registration with capacity and waitlist."},
        {"name": "outcomes", "description": "What events produced (Outcomes 3.3.1 to 3.3.3)."},
        {"name": "calendars", "description": "iCalendar (RFC 5545) feeds."},
        {"name": "documents", "description": "Minutes and materials: uploads or links."},
    ),
)


def create_app(settings: Settings | None = None) -> FastAPI:
    """App factory: `uvicorn --factory services.events.app:create_app`."""
    return build_service_app(
        INFO,
        settings or Settings(),
        [router, *documents.routers, outbox.router(), webhooks.router()],
    )
