"""Settings of the events service (prefix EVENTS_)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.common.settings import default_sqlite_url
from services.common.storage import DocumentSettings


class Settings(DocumentSettings):
    model_config = SettingsConfigDict(env_prefix="EVENTS_", extra="ignore")

    database_url: str = Field(
        default=default_sqlite_url("events"),
        description="Database of the events service (EVENTS_DATABASE_URL).",
    )
    pledges_url: str = Field(
        default="http://127.0.0.1:8001",
        description="Base URL of the pledges service, whose change feed fills the table of "
        "its records this service may name (mirps references sync, mirps worker).",
    )
    practices_url: str = Field(
        default="http://127.0.0.1:8002",
        description="Base URL of the practices service, whose change feed fills the table of "
        "its records this service may name (mirps references sync, mirps worker).",
    )
