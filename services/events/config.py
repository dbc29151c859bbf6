"""Settings of the events service (prefix EVENTS_)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.common.settings import ServiceSettings, default_sqlite_url


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="EVENTS_", extra="ignore")

    database_url: str = Field(
        default=default_sqlite_url("events"),
        description="Database of the events service (EVENTS_DATABASE_URL).",
    )
