"""Settings of the practices service (prefix PRACTICES_)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.common.settings import ServiceSettings, default_sqlite_url


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PRACTICES_", extra="ignore")

    database_url: str = Field(
        default=default_sqlite_url("practices"),
        description="Database of the practices service (PRACTICES_DATABASE_URL).",
    )
