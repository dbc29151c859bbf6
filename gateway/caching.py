"""Persisted queries (Apollo APQ) and a short-lived cache of anonymous answers.

Persisted queries: a client sends `extensions.persistedQuery.sha256Hash` instead of the
document; the first time, with the document too, which the gateway checks against the
hash and remembers. A hash the gateway does not know is answered `PersistedQueryNotFound`
(code PERSISTED_QUERY_NOT_FOUND), and the client sends the document again: what Apollo
Client's persisted-query link and others do. The parse and validation of each document
are cached by the schema's ParserCache and ValidationCache extensions.

The response cache keeps, for `GATEWAY_RESPONSE_CACHE_SECONDS`, the answer to a query
(never a mutation) asked without a token, keyed by the document, the variables and the
operation name; an answer with errors is never kept, nor one that asks for `health`
(readiness must be live). Anonymous callers see only public data, the same for all of
them, so one caller's answer may be served to another; any request with an
`Authorization` header bypasses the cache.

When an answer expires, the query runs again, but its anonymous service reads are
conditional: `UpstreamValidators` remembers the `ETag` and body of each anonymous GET,
sends `If-None-Match` next time, and reuses the body on a 304, so an unchanged answer
costs the services a comparison, not a serialisation, and the wire no body.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import orjson
from cachetools import LRUCache, TTLCache
from cross_web import HTTPException
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    parse,
)

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


# Root fields whose answer must be live: never served from the cache.
LIVE_FIELDS = frozenset({"health"})


@lru_cache(maxsize=1024)
def only_queries(document: str) -> bool:
    """True when every operation of the document is a query (not a mutation) that asks for
    no live field (`health`), and it parses."""
    try:
        parsed = parse(document)
    except GraphQLError:
        return False
    operations = [node for node in parsed.definitions if isinstance(node, OperationDefinitionNode)]
    fragments = {
        node.name.value: node
        for node in parsed.definitions
        if isinstance(node, FragmentDefinitionNode)
    }
    return bool(operations) and all(
        node.operation == OperationType.QUERY
        and not _asks_live_field(node.selection_set, fragments, set())
        for node in operations
    )


def _asks_live_field(
    selections: SelectionSetNode | None,
    fragments: Mapping[str, FragmentDefinitionNode],
    seen: set[str],
) -> bool:
    """True when a root selection (through fragments too) is a live field."""
    for selection in selections.selections if selections else ():
        if isinstance(selection, FieldNode) and selection.name.value in LIVE_FIELDS:
            return True
        if isinstance(selection, InlineFragmentNode) and _asks_live_field(
            selection.selection_set, fragments, seen
        ):
            return True
        if isinstance(selection, FragmentSpreadNode) and selection.name.value not in seen:
            seen.add(selection.name.value)
            fragment = fragments.get(selection.name.value)
            if fragment and _asks_live_field(fragment.selection_set, fragments, seen):
                return True
    return False


# What the kept bodies of anonymous reads may weigh together; the least recently used go
# first. A body larger than this is never kept.
VALIDATOR_BYTES = 32 * 1024 * 1024


class UpstreamValidators:
    """The last `ETag` and body of each anonymous service GET, to ask again conditionally.

    Only anonymous reads are kept: the services answer them alike for every anonymous
    caller, so a body kept for one is right for another once the service says it has
    not changed (304). Bounded by the bodies' total size, not their number.
    """

    def __init__(self, max_bytes: int = VALIDATOR_BYTES) -> None:
        self._entries: LRUCache[str, tuple[str, bytes]] = LRUCache(
            maxsize=max_bytes, getsizeof=lambda entry: len(entry[1]) + len(entry[0]) + 1
        )
        self.reused = 0

    def get(self, key: str) -> tuple[str, bytes] | None:
        return self._entries.get(key)

    def remember(self, key: str, etag: str, body: bytes) -> None:
        try:
            self._entries[key] = (etag, body)
        except ValueError:  # larger than the whole budget
            self._entries.pop(key, None)


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
