"""Portal settings (prefix PORTAL_)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.common.settings import CommonSettings


class PortalSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PORTAL_", extra="ignore")

    gateway_url: str = Field(
        default="http://127.0.0.1:8000/graphql",
        description="The GraphQL endpoint the portal reads.",
    )
    calendar_url: str = Field(
        default="http://127.0.0.1:8003/v1/calendar.ics",
        description="Public URL of the events service's iCalendar feed (the subscribe links).",
    )
    cache_seconds: float = Field(
        default=30.0,
        ge=0,
        description="How long a complete gateway answer is reused for the same query and "
        "variables (answers with errors are never reused); 0 turns the cache off.",
    )
    stale_seconds: float = Field(
        default=300.0,
        ge=0,
        description="After cache_seconds, how long a complete answer is still served while "
        "a fresh one is fetched in the background.",
    )
    max_age_seconds: int = Field(
        default=60, ge=0, description="Cache-Control max-age of the pages, in seconds."
    )
    timeout_seconds: float = Field(
        default=10.0, gt=0, description="Seconds to wait for the gateway's answer."
    )
    first_period: str = Field(
        default="2022-H1", description="The first half-year the home page's series shows."
    )
    mirps: CommonSettings = Field(
        default_factory=CommonSettings,
        description="The platform-wide MIRPS_ settings: rate limit, header limits and load "
        "shedding apply to the portal as to every other public process.",
    )
