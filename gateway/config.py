"""Gateway settings (prefix GATEWAY_), plus the shared MIRPS_ settings."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.common.settings import CommonSettings


class GatewaySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    pledges_url: str = Field(
        default="http://127.0.0.1:8001", description="Base URL of the pledges service."
    )
    practices_url: str = Field(
        default="http://127.0.0.1:8002", description="Base URL of the practices service."
    )
    events_url: str = Field(
        default="http://127.0.0.1:8003", description="Base URL of the events service."
    )
    results_url: str = Field(
        default="http://127.0.0.1:8004", description="Base URL of the results service."
    )
    connect_timeout: float = Field(
        default=2.0, gt=0, description="Seconds to open a connection to a service."
    )
    read_timeout: float = Field(
        default=10.0, gt=0, description="Seconds to wait for a service's answer."
    )
    max_connections: int = Field(default=100, ge=1, description="Connection pool size per service.")
    graphiql: bool | None = Field(
        default=None, description="Serve GraphiQL; default: on in development only."
    )
    introspection: bool | None = Field(
        default=None,
        description="Answer introspection queries; default: off in production, on elsewhere.",
    )
    max_depth: int = Field(default=10, ge=2, description="Deepest selection nesting accepted.")
    max_aliases: int = Field(default=30, ge=0, description="Most aliases in one document.")
    max_tokens: int = Field(default=2000, ge=50, description="Most tokens in one document.")
    max_string_length: int = Field(
        default=20_000,
        ge=100,
        le=1_000_000,
        description="Longest string a variable may hold (the services' longest text field).",
    )
    max_query_length: int = Field(
        default=100_000, ge=1_000, description="Longest query document, in characters."
    )
    max_page_size: int = Field(
        default=100, ge=1, le=200, description="Largest `first` a connection accepts."
    )
    max_query_cost: int = Field(
        default=50_000,
        ge=100,
        description="Largest estimated answer size (values: page sizes x nesting x aliases) "
        "a query may have; above it the query is refused before any service is called.",
    )
    max_upstream_calls: int = Field(
        default=100,
        ge=1,
        description="Most service calls one GraphQL request may cause (nested lists fan out).",
    )
    max_batch_operations: int = Field(
        default=0,
        ge=0,
        description="Operations one HTTP request may batch; 0 turns batching off.",
    )
    http_transport: Literal["httpx", "aiohttp"] = Field(
        default="aiohttp",
        description="Transport of the clients to the services: aiohttp's (the default: it "
        "holds at 50 concurrent queries with no error) or httpx's own (see "
        "docs/guides/speed.md for how they compare).",
    )
    response_cache_seconds: float = Field(
        default=2.0,
        ge=0,
        description="Seconds an answer to a query asked without a token is reused for the "
        "same document and variables (0 turns the cache off). Answers with errors, "
        "mutations and requests with a token are never cached.",
    )
    response_cache_entries: int = Field(
        default=1000, ge=1, description="Most anonymous answers the response cache holds."
    )
    persisted_queries: int = Field(
        default=5000,
        ge=1,
        description="Most persisted-query documents (by SHA-256) the gateway remembers.",
    )
    mirps: CommonSettings = Field(default_factory=CommonSettings)

    def service_urls(self) -> dict[str, str]:
        return {
            "pledges": self.pledges_url,
            "practices": self.practices_url,
            "events": self.events_url,
            "results": self.results_url,
        }

    @property
    def graphiql_enabled(self) -> bool:
        if self.graphiql is None:
            return self.mirps.environment == "development"
        return self.graphiql

    @property
    def introspection_enabled(self) -> bool:
        if self.introspection is None:
            return not self.mirps.is_production
        return self.introspection
