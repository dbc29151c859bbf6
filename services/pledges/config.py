"""Settings of the pledges service (prefix PLEDGES_)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.common.settings import default_sqlite_url
from services.common.storage import DocumentSettings


class Settings(DocumentSettings):
    model_config = SettingsConfigDict(env_prefix="PLEDGES_", extra="ignore")

    database_url: str = Field(
        default=default_sqlite_url("pledges"),
        description="Database of the pledges service (PLEDGES_DATABASE_URL).",
    )
