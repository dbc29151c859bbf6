"""Settings shared by every process (prefix MIRPS_) and the base of each service's own."""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Self

from limits import parse_many
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_JWT_SECRET = "mirps-development-secret-do-not-use-in-production"  # noqa: S105
DATA_DIR = Path("var")

Environment = Literal["development", "test", "production"]


class CommonSettings(BaseSettings):
    """Settings every service and the gateway read, from `MIRPS_*` variables."""

    model_config = SettingsConfigDict(env_prefix="MIRPS_", extra="ignore")

    environment: Environment = Field(
        default="development", description="development, test or production."
    )
    jwt_secret: SecretStr = Field(
        default=SecretStr(DEVELOPMENT_JWT_SECRET),
        description="HS256 secret for tokens in development and test.",
    )
    jwt_jwks_url: str | None = Field(
        default=None,
        description="JWKS URL of the identity provider (RS256); required in production.",
    )
    jwt_issuer: str = Field(default="mirps-dev", description="Expected `iss` claim.")
    jwt_audience: str = Field(default="mirps-platform", description="Expected `aud` claim.")
    log_level: str = Field(default="INFO", description="Python log level.")
    cors_origins: list[str] = Field(
        default_factory=list, description="Origins allowed by CORS; empty turns CORS off."
    )
    max_body_bytes: int = Field(
        default=5 * 1024 * 1024, ge=1024, description="Largest request body accepted, in bytes."
    )
    max_header_bytes: int = Field(
        default=8 * 1024,
        ge=1024,
        description="Largest total size of a request's header names and values, in bytes "
        "(431 above it).",
    )
    max_header_count: int = Field(
        default=100, ge=10, description="Most header fields one request may carry (431 above it)."
    )
    max_concurrent_requests: int = Field(
        default=200,
        ge=0,
        description="Requests one process handles at once; past it, 503 with Retry-After "
        "(health probes exempt). 0 turns load shedding off.",
    )
    overload_retry_after_seconds: int = Field(
        default=1, ge=1, description="Retry-After of the 503 a process answers when overloaded."
    )
    rate_limit: str = Field(
        default="6000/minute",
        description="Requests one caller (token subject, or client IP when anonymous) may make "
        "to one service or the gateway, in `limits` notation; several separated by `;`, e.g. "
        "`20/second;1000/minute`. Empty turns rate limiting off.",
    )
    redis_url: str | None = Field(
        default=None,
        description="Redis URL (`redis://host:6379/0`) where replicas share rate-limit "
        "counters; unset, each process counts in its own memory.",
    )
    otel_enabled: bool = Field(
        default=False,
        description="Turn OpenTelemetry tracing on (exporter from the standard OTEL_* variables).",
    )

    references_token: SecretStr | None = Field(
        default=None,
        description="Bearer token (secretariat role) with which a service's reference tables "
        "read the other services' change feeds. Unset: a development token is minted, "
        "except in production, where the feeds are then read anonymously (public records "
        "only).",
    )
    webhook_private_targets: bool | None = Field(
        default=None,
        description="Whether webhooks may go to loopback, private, link-local or reserved "
        "addresses. Unset: allowed in development and test, refused in production.",
    )

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def allows_private_webhook_targets(self) -> bool:
        if self.webhook_private_targets is not None:
            return self.webhook_private_targets
        return not self.is_production

    @field_validator("rate_limit")
    @classmethod
    def _parse_rate_limit(cls, value: str) -> str:
        if value.strip():
            try:
                parse_many(value)
            except ValueError as exc:
                raise ValueError(
                    f"not a rate limit like '6000/minute' or '20/second;1000/minute': {value!r}"
                ) from exc
        return value

    @model_validator(mode="after")
    def _refuse_development_secrets_in_production(self) -> Self:
        if not self.is_production:
            return self
        if self.jwt_secret.get_secret_value() == DEVELOPMENT_JWT_SECRET and not self.jwt_jwks_url:
            raise ValueError(
                "MIRPS_ENVIRONMENT=production refuses the development JWT secret: set "
                "MIRPS_JWT_JWKS_URL to your identity provider's JWKS endpoint (RS256)"
            )
        if not self.jwt_jwks_url:
            raise ValueError(
                "MIRPS_ENVIRONMENT=production verifies RS256 tokens only: set MIRPS_JWT_JWKS_URL"
            )
        return self


def default_sqlite_url(service: str) -> str:
    """The embedded default: one SQLite file per service under the git-ignored data folder."""
    return f"sqlite+aiosqlite:///{DATA_DIR / f'{service}.db'}"


class ServiceSettings(BaseSettings):
    """Base of a service's settings: its own database, plus the shared MIRPS_ settings.

    The three database timeouts bound a request's wait on a stalled server to at most
    pool + statement (+0.5 s client grace) + connect seconds, 4.5 s with the defaults: a
    pooled connection idle for longer than `db_ping_after_idle` is pinged (one round trip)
    and, if that fails, replaced by a new one; a connection in steady use is not pinged.

    Subclasses set `env_prefix` (PLEDGES_, PRACTICES_, EVENTS_) and the default URL.
    """

    model_config = SettingsConfigDict(extra="ignore")

    database_url: str = Field(description="SQLAlchemy async URL of this service's database.")
    db_pool_size: int = Field(default=10, ge=1, description="PostgreSQL pool size per process.")
    db_max_overflow: int = Field(default=10, ge=0, description="Extra connections under load.")
    db_pool_timeout: float = Field(
        default=1.0,
        gt=0,
        description="Seconds a request waits for a free pooled connection before a 503.",
    )
    db_connect_timeout: float = Field(
        default=1.0,
        gt=0,
        description="Seconds to open a PostgreSQL connection (a stalled server: a 503).",
    )
    db_statement_timeout: float = Field(
        default=2.0,
        gt=0,
        description="Seconds one SQL statement may run: PostgreSQL's statement_timeout, and "
        "the client's own limit when the server does not answer at all (then a 503).",
    )
    db_ping_after_idle: float = Field(
        default=10.0,
        ge=0,
        description="Seconds a pooled PostgreSQL connection may sit idle before it is pinged "
        "on checkout (0: ping every checkout). A connection in steady use is not pinged; one "
        "found dead is replaced before the request uses it.",
    )
    db_pool_recycle: float = Field(
        default=1800.0,
        gt=0,
        description="Seconds after which a pooled PostgreSQL connection is closed and reopened "
        "(bounds how long a connection lives behind a proxy or firewall that drops idle ones).",
    )
    mirps: CommonSettings = Field(default_factory=CommonSettings)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @model_validator(mode="after")
    def _refuse_sqlite_in_production(self) -> Self:
        if self.mirps.is_production and self.is_sqlite:
            variable = f"{self.model_config.get('env_prefix', '')}DATABASE_URL"
            raise ValueError(
                f"MIRPS_ENVIRONMENT=production refuses SQLite: set {variable} to a "
                "postgresql+asyncpg:// URL"
            )
        return self
