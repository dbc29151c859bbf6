"""The per-request GraphQL context: what is forwarded to the services, and the loaders."""

from __future__ import annotations

from dataclasses import dataclass, field

from strawberry.fastapi import BaseContext
from strawberry.types import Info as StrawberryInfo

from gateway.caching import UpstreamValidators
from gateway.clients import ServiceClients
from gateway.loaders import Loaders
from gateway.upstream import Upstream


@dataclass
class Context(BaseContext):
    """Built for each GraphQL request; nothing in it outlives the request."""

    clients: ServiceClients
    authorization: str | None
    request_id: str | None
    max_page_size: int = 100
    max_upstream_calls: int | None = None
    client_address: str | None = None
    # Shared by the requests of the process: anonymous GETs are asked conditionally.
    validators: UpstreamValidators | None = None
    upstream: Upstream = field(init=False)
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        super().__init__()
        self.upstream = Upstream(
            self.clients,
            authorization=self.authorization,
            request_id=self.request_id,
            max_calls=self.max_upstream_calls,
            client_address=self.client_address,
            validators=self.validators,
        )
        self.loaders = Loaders(self.upstream)

    def forward_headers(self) -> dict[str, str]:
        """The caller's token and request id, passed on to every service call."""
        return self.upstream.forwarded_headers


Info = StrawberryInfo[Context, None]
