"""Calls to the services on behalf of one GraphQL request.

Every call carries the caller's `Authorization`, `X-Request-ID` and address
(`X-Forwarded-For`, for the services' per-caller rate limits), so the services
decide what the caller may see and do (the gateway never widens anyone's rights), and
their logs line up with ours. A problem+json answer becomes an `UpstreamError` with its
code; a service that cannot be reached or is too slow becomes `ServiceUnavailable`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import aiohttp
import httpx
import orjson

from gateway.caching import UpstreamValidators
from gateway.clients import ServiceClients
from gateway.errors import BadUserInput, ServiceUnavailable, Unauthenticated, UpstreamError
from gateway.levels import Calls

logger = logging.getLogger("mirps.gateway.upstream")

ParamValue = str | int | float | bool | Sequence[str] | None


def _query_params(
    params: Mapping[str, ParamValue] | None,
) -> list[tuple[str, str | int | float | bool | None]]:
    """Query parameters without the unset ones; lists repeat the parameter."""
    pairs: list[tuple[str, str | int | float | bool | None]] = []
    for name, value in (params or {}).items():
        if value is None:
            continue
        if isinstance(value, bool):
            pairs.append((name, "true" if value else "false"))
        elif isinstance(value, str | int | float):
            pairs.append((name, str(value)))
        else:
            pairs.extend((name, str(item)) for item in value)
    return pairs


class Upstream:
    """The services, as seen by one GraphQL request (with the caller's headers)."""

    def __init__(
        self,
        clients: ServiceClients,
        *,
        authorization: str | None,
        request_id: str | None,
        max_calls: int | None = None,
        client_address: str | None = None,
        validators: UpstreamValidators | None = None,
    ) -> None:
        self._clients = clients
        self._validators = validators
        self._max_calls = max_calls
        self.calls = 0
        self.in_flight = Calls()
        self._headers: dict[str, str] = {}
        self._refused_token = _refused_authorization(authorization)
        if authorization and not self._refused_token:
            self._headers["Authorization"] = authorization
        if request_id:
            self._headers["X-Request-ID"] = request_id
        if client_address:
            # Services rate-limit anonymous callers by address: the caller's, not ours.
            self._headers["X-Forwarded-For"] = client_address

    @property
    def forwarded_headers(self) -> dict[str, str]:
        """The caller's token and request id, as passed to every service."""
        return dict(self._headers)

    async def call(
        self,
        service: str,
        method: str,
        path: str,
        *,
        params: Mapping[str, ParamValue] | None = None,
        json: Any = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """One request to `service`; a 2xx response, or a GatewayError (`content`: a raw
        body, e.g. a CSV, sent instead of `json`)."""
        if self._refused_token:
            raise Unauthenticated(self._refused_token)
        self.calls += 1
        if self._max_calls is not None and self.calls > self._max_calls:
            raise BadUserInput(
                f"this query needs more than {self._max_calls} service calls; ask for fewer "
                "or smaller nested lists",
                maximum=self._max_calls,
            )
        client = self._clients[service]
        pairs = _query_params(params)
        validator_key = self._validator_key(service, method, path, pairs)
        stored = None if validator_key is None else self._stored(validator_key)
        conditional = {"If-None-Match": stored[0]} if stored else {}
        self.in_flight.started()
        try:
            response = await _send(
                client,
                method,
                path,
                params=pairs,
                json=json,
                content=content,
                headers={**self._headers, **(headers or {}), **conditional},
            )
        except httpx.InvalidURL as exc:  # a value too long or malformed for a URL
            raise BadUserInput(
                f"an argument cannot be sent to the {service} service: {exc}"
            ) from exc
        except httpx.TimeoutException as exc:
            logger.warning("%s %s %s timed out", service, method, path, exc_info=exc)
            raise ServiceUnavailable(service, "timed out") from exc
        except httpx.TransportError as exc:
            logger.warning("%s %s %s unreachable", service, method, path, exc_info=exc)
            raise ServiceUnavailable(service, "unreachable") from exc
        finally:
            self.in_flight.finished()
        if validator_key is not None:
            response = self._revalidated(validator_key, stored, response)
        if response.is_success:
            return response
        # Writes come from mutations, whose arguments travel in one `input` argument.
        input_argument = None if method == "GET" else "input"
        raise UpstreamError(service, response.status_code, _problem(response), input_argument)

    def _validator_key(
        self, service: str, method: str, path: str, pairs: Sequence[tuple[str, object]]
    ) -> str | None:
        """The key of an anonymous GET's kept validator (None: not conditional)."""
        if self._validators is None or method != "GET" or "Authorization" in self._headers:
            return None
        return orjson.dumps([service, path, pairs]).decode()

    def _stored(self, key: str) -> tuple[str, bytes] | None:
        assert self._validators is not None
        return self._validators.get(key)

    def _revalidated(
        self, key: str, stored: tuple[str, bytes] | None, response: httpx.Response
    ) -> httpx.Response:
        """A 304 answered with the kept body; a new 200 with an ETag kept for next time."""
        assert self._validators is not None
        if response.status_code == 304 and stored is not None:
            self._validators.reused += 1
            return httpx.Response(
                200, headers=response.headers, content=stored[1], request=response.request
            )
        etag = response.headers.get("etag")
        if response.status_code == 200 and etag:
            self._validators.remember(key, etag, response.content)
        return response

    async def get(
        self, service: str, path: str, params: Mapping[str, ParamValue] | None = None
    ) -> Any:
        """GET a JSON document."""
        return _json(service, await self.call(service, "GET", path, params=params))

    async def send(
        self,
        service: str,
        method: str,
        path: str,
        body: Any = None,
        *,
        params: Mapping[str, ParamValue] | None = None,
        headers: Mapping[str, str] | None = None,
        content: bytes | None = None,
    ) -> Any:
        """A write; returns the JSON answer (None for an empty one)."""
        response = await self.call(
            service, method, path, params=params, json=body, content=content, headers=headers
        )
        if not response.content:
            return None
        return _json(service, response)


async def _send(
    client: httpx.AsyncClient, method: str, path: str, **request: Any
) -> httpx.Response:
    """One request; a GET whose pooled connection was dropped is sent once more.

    A service may close a kept-alive connection just as the gateway reuses it (a restart,
    its keep-alive running out): the request got no answer, and a read can be repeated
    safely. aiohttp's transport already retries such a request once; httpx's does not.
    A timeout is never retried (the service may be working on it).
    """
    try:
        return await client.request(method, path, **request)
    except httpx.TransportError as exc:
        if method != "GET" or not _dropped_connection(exc):
            raise
        logger.info("%s %s: connection dropped (%r); sent once more", method, path, exc)
        return await client.request(method, path, **request)


def _dropped_connection(exc: httpx.TransportError) -> bool:
    """The connection closed under the request (not a timeout, not a refused connect)."""
    if isinstance(exc, httpx.ReadError | httpx.WriteError | httpx.RemoteProtocolError):
        return True
    # httpx_aiohttp reports aiohttp's ServerDisconnectedError as a ConnectTimeout.
    cause = exc.__cause__
    if isinstance(cause, aiohttp.ClientConnectorError):  # refused or unresolvable
        return False
    return isinstance(cause, aiohttp.ServerDisconnectedError | aiohttp.ClientOSError)


def _refused_authorization(authorization: str | None) -> str | None:
    """Why an `Authorization` header is unusable (a scheme without a token, or blank), or None.

    `Bearer ` with nothing after it cannot even be sent on (HTTP forbids a header value
    ending in a space); it is the caller's mistake, not a service being down.
    """
    if authorization is None:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if not scheme:
        return "the Authorization header is empty: send `Bearer <token>` or leave it out"
    if not token.strip():
        return f"the Authorization header holds no token after `{scheme}`: send `Bearer <token>`"
    return None


def _json(service: str, response: httpx.Response) -> Any:
    """The JSON body (orjson: the services' pages are the gateway's largest inputs)."""
    try:
        return orjson.loads(response.content)
    except orjson.JSONDecodeError as exc:
        logger.warning("%s answered %s with a body that is not JSON", service, response.url)
        raise ServiceUnavailable(service, "its answer was not JSON") from exc


def _problem(response: httpx.Response) -> dict[str, Any]:
    """The problem+json body, or a minimal one when the body is something else."""
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        body = None
    if isinstance(body, dict):
        return body
    return {"title": response.reason_phrase or f"HTTP {response.status_code}"}
