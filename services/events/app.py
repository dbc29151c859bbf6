"""The learning events and meeting scheduling service."""

from __future__ import annotations

from fastapi import FastAPI

from services.common.app import ServiceInfo, build_service_app
from services.events.config import Settings

INFO = ServiceInfo(
    name="events",
    title="MIRPS learning events and meeting scheduling",
    description=(
        "Learning events, Support Platform meetings and working-group series: clash "
        "checks across time zones, registrations with capacity, outcomes, and "
        "iCalendar feeds."
    ),
)


def create_app(settings: Settings | None = None) -> FastAPI:
    """App factory: `uvicorn --factory services.events.app:create_app`."""
    return build_service_app(INFO, settings or Settings())
