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
    events_url: str = Field(
        default="http://127.0.0.1:8003",
        description="Base URL of the events service, whose change feed fills the table of "
        "its records this service may name (mirps references sync, mirps worker).",
    )
    max_import_bytes: int = Field(
        default=200 * 1024 * 1024,
        gt=0,
        description="Largest CSV file POST /v1/imports accepts, in bytes (read as a stream; "
        "the general body limit does not apply to imports) (PLEDGES_MAX_IMPORT_BYTES).",
    )
    iati_org_prefix: str = Field(
        default="XM-MIRPS",
        pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{0,40}$",
        description="Prefix of the IATI organisation identifiers of the IATI export: an "
        "organisation is `<prefix>-<its id>` (PLEDGES_IATI_ORG_PREFIX).",
    )
    import_statement_timeout: float = Field(
        default=600.0,
        gt=0,
        description="Seconds one SQL statement of an import job may run (its bulk inserts "
        "and rollup updates take longer than a request's; PLEDGES_IMPORT_STATEMENT_TIMEOUT).",
    )
