"""A small GraphQL client for the gateway, anonymous, with a short cache per query and variables."""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

# Searches make many distinct queries: keep the cache bounded, dropping the oldest first.
MAX_CACHED_ANSWERS = 512


@dataclass(frozen=True)
class Answer:
    """What the gateway answered: the data it has, and the errors for what it has not."""

    data: dict[str, Any]
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def missing_services(self) -> list[str]:
        """The services (or the gateway itself) whose fields are missing, in order of mention."""
        names: list[str] = []
        for error in self.errors:
            extensions = error.get("extensions") or {}
            if extensions.get("code") == "BAD_USER_INPUT":
                continue
            service = str(extensions.get("service") or "gateway")
            if service not in names:
                names.append(service)
        return names

    @property
    def rejected(self) -> list[str]:
        """Why the gateway refused the reader's input (a bad filter or cursor), if it did."""
        return [
            str(error.get("message", ""))
            for error in self.errors
            if (error.get("extensions") or {}).get("code") == "BAD_USER_INPUT"
        ]


class GatewayClient:
    """Posts queries to the gateway without any token: the portal shows public data only."""

    def __init__(
        self,
        url: str,
        *,
        cache_seconds: float,
        stale_seconds: float = 0.0,
        timeout_seconds: float,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.url = url
        self.cache_seconds = cache_seconds
        self.stale_seconds = stale_seconds
        self._http = httpx.AsyncClient(timeout=timeout_seconds, transport=transport)
        self._cache: dict[str, tuple[float, Answer]] = {}
        # One request to the gateway per query at a time; the others wait for its answer.
        self._in_flight: dict[str, asyncio.Task[Answer]] = {}

    async def aclose(self) -> None:
        for task in self._in_flight.values():
            task.cancel()
        await self._http.aclose()

    async def query(self, document: str, variables: dict[str, Any] | None = None) -> Answer:
        """The answer to `document`.

        A complete answer is reused for `cache_seconds`; after that, for `stale_seconds`
        more, it is still served while a fresh one is fetched in the background, so no
        reader waits for the gateway once a page has been read.
        """
        variables = variables or {}
        key = _cache_key(document, variables)
        cached = self._cache.get(key)
        if cached is not None:
            age = time.monotonic() - cached[0]
            if age < self.cache_seconds:
                return cached[1]
            if age < self.cache_seconds + self.stale_seconds:
                self._fetch(key, document, variables)
                return cached[1]
        # Shielded: a reader who leaves does not cancel the answer others are waiting for.
        return await asyncio.shield(self._fetch(key, document, variables))

    def _fetch(self, key: str, document: str, variables: dict[str, Any]) -> asyncio.Task[Answer]:
        task = self._in_flight.get(key)
        if task is None:
            task = asyncio.create_task(self._fetch_and_keep(key, document, variables))
            self._in_flight[key] = task
            task.add_done_callback(lambda _: self._in_flight.pop(key, None))
        return task

    async def _fetch_and_keep(self, key: str, document: str, variables: dict[str, Any]) -> Answer:
        answer = await self._post(document, variables)
        if not answer.errors and self.cache_seconds > 0:
            if len(self._cache) >= MAX_CACHED_ANSWERS and key not in self._cache:
                self._cache.pop(next(iter(self._cache)))
            self._cache[key] = (time.monotonic(), answer)
        return answer

    async def _post(self, document: str, variables: dict[str, Any]) -> Answer:
        try:
            response = await self._http.post(
                self.url, json={"query": document, "variables": variables}
            )
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            return _unreachable(f"the gateway did not answer ({type(exc).__name__})")
        if not isinstance(body, dict) or ("data" not in body and "errors" not in body):
            return _unreachable(f"the gateway answered HTTP {response.status_code}")
        return Answer(data=body.get("data") or {}, errors=list(body.get("errors") or []))


def _unreachable(message: str) -> Answer:
    return Answer(
        data={},
        errors=[{"message": message, "extensions": {"code": "SERVICE_UNAVAILABLE"}}],
    )


def _cache_key(document: str, variables: dict[str, Any]) -> str:
    text = document + "\x00" + json.dumps(variables, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
