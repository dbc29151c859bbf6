"""Persisted queries (Apollo APQ) and a short-lived cache of anonymous answers.

Persisted queries: a client sends `extensions.persistedQuery.sha256Hash` instead of the
document; the first time, with the document too, which the gateway checks against the
hash and remembers. A hash the gateway does not know is answered `PersistedQueryNotFound`
(code PERSISTED_QUERY_NOT_FOUND), and the client sends the document again: what Apollo
Client's persisted-query link and others do. The parse and validation of each document
are cached by the schema's ParserCache and ValidationCache extensions.

The response cache keeps, for `GATEWAY_RESPONSE_CACHE_SECONDS`, the answer to a query
(never a mutation) asked without a token, keyed by the document, the variables and the
operation name; an answer with errors is never kept. Anonymous callers see only public
data, the same for all of them, so one caller's answer may be served to another; any
request with an `Authorization` header bypasses the cache.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import orjson
from cachetools import LRUCache, TTLCache
from cross_web import HTTPException
from graphql import GraphQLError, OperationDefinitionNode, OperationType, parse

PERSISTED_QUERY_NOT_FOUND = "PersistedQueryNotFound"


class PersistedQueryNotFound(HTTPException):
    """A hash without its document that the gateway has not seen (the client resends)."""

    code = "PERSISTED_QUERY_NOT_FOUND"

    def __init__(self) -> None:
        super().__init__(200, PERSISTED_QUERY_NOT_FOUND)


class PersistedQueryMismatch(HTTPException):
    """A document whose SHA-256 is not the hash sent with it, or an unknown APQ version."""

    code = "BAD_USER_INPUT"


class PersistedQueries:
    """Documents by their SHA-256 (hex), the most recently used `size` of them."""

    def __init__(self, size: int) -> None:
        self._documents: LRUCache[str, str] = LRUCache(maxsize=size)

    def resolve(self, operation: dict[str, Any]) -> None:
        """Fill in `query` from the hash in `extensions.persistedQuery`, or remember it."""
        extensions = operation.get("extensions")
        persisted = extensions.get("persistedQuery") if isinstance(extensions, dict) else None
        if persisted is None:
            return
        digest = persisted.get("sha256Hash") if isinstance(persisted, dict) else None
        if not isinstance(digest, str) or persisted.get("version", 1) != 1:
            raise PersistedQueryMismatch(
                400, "extensions.persistedQuery needs version 1 and a sha256Hash string"
            )
        query = operation.get("query")
        if isinstance(query, str):
            if hashlib.sha256(query.encode()).hexdigest() != digest.lower():
                raise PersistedQueryMismatch(400, "provided sha does not match query")
            self._documents[digest.lower()] = query
            return
        found = self._documents.get(digest.lower())
        if found is None:
            raise PersistedQueryNotFound
        operation["query"] = found


@lru_cache(maxsize=1024)
def only_queries(document: str) -> bool:
    """True when every operation of the document is a query (not a mutation), and it parses."""
    try:
        parsed = parse(document)
    except GraphQLError:
        return False
    operations = [node for node in parsed.definitions if isinstance(node, OperationDefinitionNode)]
    return bool(operations) and all(node.operation == OperationType.QUERY for node in operations)


class ResponseCache:
    """Answers to anonymous queries for a few seconds, keyed by document and variables."""

    def __init__(self, seconds: float, size: int) -> None:
        self.enabled = seconds > 0
        self._answers: TTLCache[bytes, bytes] = TTLCache(maxsize=size, ttl=max(seconds, 1e-9))

    def key(self, operation: Any, headers: Mapping[str, str]) -> bytes | None:
        """The cache key of a request, or None when it must not be cached."""
        if not self.enabled or "authorization" in headers or not isinstance(operation, dict):
            return None
        query = operation.get("query")
        if not isinstance(query, str) or not only_queries(query):
            return None
        parts = [query, operation.get("variables") or {}, operation.get("operationName")]
        return orjson.dumps(parts, option=orjson.OPT_SORT_KEYS)

    def get(self, key: bytes) -> bytes | None:
        return self._answers.get(key)

    def keep(self, key: bytes, status: int, body: bytes) -> None:
        """Remember an answer: a 200 whose body has data and no errors."""
        if status != 200:
            return
        try:
            answer = orjson.loads(body)
        except orjson.JSONDecodeError:
            return
        if isinstance(answer, dict) and not answer.get("errors") and "data" in answer:
            self._answers[key] = body
