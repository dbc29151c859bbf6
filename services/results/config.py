"""Settings of the results service (prefix RESULTS_)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.common.settings import ServiceSettings, default_sqlite_url


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="RESULTS_", extra="ignore")

    database_url: str = Field(
        default=default_sqlite_url("results"),
        description="Database of the results service (RESULTS_DATABASE_URL).",
    )
    pledges_url: str = Field(
        default="http://127.0.0.1:8001",
        description="Base URL of the pledges service, read for computed indicators.",
    )
    practices_url: str = Field(
        default="http://127.0.0.1:8002",
        description="Base URL of the practices service, read for computed indicators.",
    )
    events_url: str = Field(
        default="http://127.0.0.1:8003",
        description="Base URL of the events service, read for computed indicators.",
    )
    upstream_timeout: float = Field(
        default=10.0, gt=0, description="Seconds to wait for another service's answer."
    )
    refresh_interval_seconds: float = Field(
        default=0,
        ge=0,
        description="Re-measure every computed indicator this often; 0 turns the scheduled "
        "refresh off (measure on demand with POST /v1/indicators/{id}/measure).",
    )

    def upstream_urls(self) -> dict[str, str]:
        return {
            "pledges": self.pledges_url,
            "practices": self.practices_url,
            "events": self.events_url,
        }
