"""The per-request GraphQL context: clients, and what is forwarded to the services."""

from __future__ import annotations

from dataclasses import dataclass

from strawberry.fastapi import BaseContext

from gateway.clients import ServiceClients


@dataclass
class Context(BaseContext):
    clients: ServiceClients
    authorization: str | None
    request_id: str | None

    def forward_headers(self) -> dict[str, str]:
        """The caller's token and request id, passed on to every service call."""
        headers: dict[str, str] = {}
        if self.authorization:
            headers["Authorization"] = self.authorization
        if self.request_id:
            headers["X-Request-ID"] = self.request_id
        return headers
