"""Per-request loaders: every batch of ids of one resource is ONE `?ids=` call.

The resolvers of one level of a query all ask their loader before the loader
dispatches (gateway/levels.py: once the level is complete, not when the event loop turns),
so 50 pledges asking for their contributor cost one call to the organisations endpoint,
not 50, and the same query always costs the same calls. Loaders live in the request's
Context (never at module level): they cache what the caller may see, and a cache shared
between callers would leak one caller's data to another.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from gateway.errors import GatewayError
from gateway.levels import LevelLoader, Levels
from gateway.types.base import is_uuid
from gateway.upstream import ParamValue, Upstream

Record = dict[str, Any]
T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Resource:
    """A collection a service can read in batches with `?ids=a,b,c`."""

    service: str
    path: str
    key: str = "id"
    # The ids parameter's name, and how many ids one call may carry.
    ids_param: str = "ids"
    max_batch: int = 100
    # Where the records are in the answer (`items` for a page, a report's own name).
    list_key: str = "items"
    # Whether the read takes `limit` (a page); a report answers the whole batch at once,
    # and a service refuses a parameter its operation does not declare.
    paged: bool = True


# Every resource the graph resolves by id.
RESOURCES: Mapping[str, Resource] = {
    "organisation": Resource("pledges", "/v1/organisations"),
    "objective": Resource("pledges", "/v1/objectives"),
    "pledge": Resource("pledges", "/v1/pledges"),
    "practice": Resource("practices", "/v1/practices"),
    "inventory_item": Resource("practices", "/v1/inventory-items"),
    "event": Resource("events", "/v1/events"),
    "registration_counts": Resource(
        "events", "/v1/registration-counts", key="event_id", ids_param="event_ids", paged=False
    ),
    # The gap report reads a batch of objectives' rows with `?ids=` too.
    "objective_gap": Resource(
        "pledges", "/v1/reports/gaps", key="objective_id", list_key="objectives", paged=False
    ),
}


@dataclass(frozen=True, slots=True)
class Children:
    """A list filtered by parent, read for many parents at once (`?param=a,b,c`).

    One call asks for the children of every parent of a level; the answer is split by
    `parents_of` (the parent ids a record belongs to). A page holds `page_size` records,
    the services' maximum; more children than that cost one more call per page (each
    counted against the request's call budget), never one call per parent.
    """

    service: str
    path: str
    param: str
    parents_of: Callable[[Record], Iterable[str]]
    # The parents' ids are UUIDs: other keys have no children (and are not sent).
    uuid_keys: bool = True
    # The by-id loader the children are primed into, if any.
    prime_as: str | None = None
    page_size: int = 200
    max_batch: int = 100
    # Whether the list takes `limit`/`cursor`; an unpaged one answers every match at once.
    paged: bool = True


def one_id(field: str) -> Callable[[Record], list[str]]:
    """The id a record holds in `field`, as a list (empty when it holds none)."""
    return lambda record: [] if record.get(field) is None else [str(record[field])]


def each_id(field: str) -> Callable[[Record], list[str]]:
    """The ids a record holds in list `field`."""
    return lambda record: [str(value) for value in record.get(field) or []]


# Every nested list the graph reads for a whole level at once.
CHILDREN: Mapping[str, Children] = {
    "pledges_by_contributor": Children(
        "pledges", "/v1/pledges", "contributor_id", one_id("contributor_id"), prime_as="pledge"
    ),
    "pledges_by_objective": Children(
        "pledges", "/v1/pledges", "objective_id", each_id("objective_ids"), prime_as="pledge"
    ),
    "pledges_by_event": Children(
        "pledges",
        "/v1/pledges",
        "announced_at",
        one_id("announced_at"),
        uuid_keys=False,
        prime_as="pledge",
    ),
    "outcomes_by_event": Children("events", "/v1/outcomes", "event_id", one_id("event_id")),
    "documents_by_event": Children("events", "/v1/documents", "parent_id", one_id("parent_id")),
    "documents_by_practice": Children(
        "practices", "/v1/documents", "parent_id", one_id("parent_id")
    ),
    "documents_by_pledge": Children("pledges", "/v1/documents", "parent_id", one_id("parent_id")),
    "registrations_by_event": Children(
        "events", "/v1/registrations", "event_id", one_id("event_id")
    ),
    "occurrences_by_event": Children("events", "/v1/occurrences", "event_id", one_id("event_id")),
    "entries_by_pledge": Children("pledges", "/v1/entries", "pledge_id", one_id("pledge_id")),
    "matches_by_pledge": Children("pledges", "/v1/matches", "pledge_id", each_id("pledge_ids")),
    "history_by_pledge": Children(
        "pledges", "/v1/pledge-history", "pledge_id", one_id("pledge_id")
    ),
    "versions_by_practice": Children(
        "practices", "/v1/practice-versions", "practice_id", one_id("practice_id")
    ),
    "transitions_by_practice": Children(
        "practices", "/v1/practice-transitions", "practice_id", one_id("practice_id")
    ),
    "events_by_featured_practice": Children(
        "events",
        "/v1/events",
        "featured_practice_id",
        each_id("featured_practice_ids"),
        uuid_keys=False,
        prime_as="event",
    ),
    "events_by_host": Children(
        "events", "/v1/events", "host", each_id("hosts"), uuid_keys=False, prime_as="event"
    ),
    "indicators_by_country": Children(
        "results", "/v1/indicators", "country", one_id("country"), uuid_keys=False, paged=False
    ),
    "indicators_by_objective": Children(
        "results", "/v1/indicators", "objective_id", one_id("objective_id"), paged=False
    ),
    "practices_by_organisation": Children(
        "practices",
        "/v1/practices",
        "organisation",
        lambda record: [
            str(item["id"])
            for item in record.get("implementing_organisations") or []
            if isinstance(item, dict) and item.get("id")
        ],
        uuid_keys=False,
        prime_as="practice",
    ),
}


@dataclass(frozen=True, slots=True)
class Matches:
    """A list filtered by some of its records' attributes (all of them must match), read
    for many parents at once.

    A parent asks with one value per attribute (None: any value). One call carries every
    value a level asks for (`?theme=a,b&country=x,y`); the answer, a superset of what each
    parent wants, is split by checking each record against each parent's values, so every
    parent gets exactly its own list, in the service's order. Pages as `Children` do.
    """

    service: str
    path: str
    # (query parameter, the record's field holding a value or a list of values)
    attributes: tuple[tuple[str, str], ...]
    prime_as: str | None = None
    page_size: int = 200
    max_batch: int = 100


# Every list the graph reads for a level by matching attributes.
MATCHES: Mapping[str, Matches] = {
    # An objective's practices: its theme, and its country when asked for.
    "practices_by_theme_and_country": Matches(
        "practices",
        "/v1/practices",
        (("theme", "themes"), ("country", "country")),
        prime_as="practice",
    ),
}

MatchKey = tuple[str | None, ...]


def _matches(record: Record, field: str, value: str) -> bool:
    held = record.get(field)
    if isinstance(held, list):
        return value in {str(item) for item in held}
    return held is not None and str(held) == value


def matches_loader(
    upstream: Upstream,
    matches: Matches,
    filters: Mapping[str, ParamValue],
    prime: Callable[[str, Record], None],
    levels: Levels,
) -> LevelLoader[MatchKey, list[Record]]:
    """A loader answering each tuple of values with the records matching all of them."""

    async def load(keys: list[MatchKey]) -> Sequence[list[Record] | BaseException]:
        wanted = list(dict.fromkeys(keys))
        params: dict[str, ParamValue] = dict(filters)
        for index, (param, _) in enumerate(matches.attributes):
            values = [key[index] for key in wanted]
            # A parent that takes any value leaves the attribute out of the call.
            if all(value is not None for value in values):
                params[param] = ",".join(sorted({str(value) for value in values}))
        grouped: dict[MatchKey, list[Record]] = {key: [] for key in wanted}
        cursor: str | None = None
        while True:
            try:
                page = await upstream.get(
                    matches.service,
                    matches.path,
                    {**params, "limit": matches.page_size, "cursor": cursor},
                )
            except GatewayError as error:
                return [error for _ in keys]
            for record in _items(page, "items"):
                if matches.prime_as is not None:
                    prime(matches.prime_as, record)
                for key in wanted:
                    if all(
                        value is None or _matches(record, field, value)
                        for value, (_, field) in zip(key, matches.attributes, strict=True)
                    ):
                        grouped[key].append(record)
            cursor = page.get("next_cursor") if isinstance(page, dict) else None
            if cursor is None:
                break
        return [list(grouped[key]) for key in keys]

    return LevelLoader(load, levels, matches.max_batch)


def children_loader(
    upstream: Upstream,
    children: Children,
    filters: Mapping[str, ParamValue],
    prime: Callable[[str, Record], None],
    levels: Levels,
) -> LevelLoader[str, list[Record]]:
    """A loader answering each parent id with its children, in the service's order."""

    async def load(keys: list[str]) -> Sequence[list[Record] | BaseException]:
        wanted = [key for key in dict.fromkeys(keys) if not children.uuid_keys or is_uuid(key)]
        grouped: dict[str, list[Record]] = {key: [] for key in wanted}
        cursor: str | None = None
        while wanted:
            params: dict[str, ParamValue] = {**filters, children.param: ",".join(wanted)}
            if children.paged:
                params |= {"limit": children.page_size, "cursor": cursor}
            try:
                page = await upstream.get(children.service, children.path, params)
            except GatewayError as error:
                return [error for _ in keys]
            for record in _items(page, "items"):
                if children.prime_as is not None:
                    prime(children.prime_as, record)
                for parent in children.parents_of(record):
                    if parent in grouped:
                        grouped[parent].append(record)
            cursor = page.get("next_cursor") if isinstance(page, dict) else None
            if cursor is None:
                break
        return [list(grouped.get(key, [])) for key in keys]

    return LevelLoader(load, levels, children.max_batch)


def batch_loader(
    upstream: Upstream, resource: Resource, levels: Levels
) -> LevelLoader[str, Record | None]:
    """A loader answering each key with its record, or None when absent or invisible."""

    async def load(keys: list[str]) -> Sequence[Record | BaseException | None]:
        # Opaque references (another service's ids) may be anything; a service keyed by
        # UUIDs would refuse the whole batch for one malformed id, so those are absent.
        wanted = [key for key in dict.fromkeys(keys) if is_uuid(key)]
        if not wanted:
            return [None for _ in keys]
        params: dict[str, ParamValue] = {resource.ids_param: ",".join(wanted)}
        if resource.paged:
            params["limit"] = len(wanted)
        try:
            page = await upstream.get(resource.service, resource.path, params)
        except GatewayError as error:
            # The batch failed as a whole: each field that asked gets the error (and null).
            return [error for _ in keys]
        found = {str(item[resource.key]): item for item in _items(page, resource.list_key)}
        return [found.get(key) for key in keys]

    return LevelLoader(load, levels, resource.max_batch)


def _items(page: Any, list_key: str) -> Iterable[Record]:
    if isinstance(page, dict):
        items: Iterable[Record] = page.get(list_key, [])
        return items
    if isinstance(page, list):
        return page
    return []


class Loaders:
    """The request's loaders, made on first use."""

    def __init__(self, upstream: Upstream) -> None:
        self._upstream = upstream
        self._levels = Levels(upstream.in_flight)
        self._loaders: dict[str, LevelLoader[str, Record | None]] = {}
        self._children: dict[str, LevelLoader[str, list[Record]]] = {}
        self._matches: dict[str, LevelLoader[MatchKey, list[Record]]] = {}

    def __getitem__(self, name: str) -> LevelLoader[str, Record | None]:
        loader = self._loaders.get(name)
        if loader is None:
            loader = batch_loader(self._upstream, RESOURCES[name], self._levels)
            self._loaders[name] = loader
        return loader

    async def one(self, name: str, key: str | None) -> Record | None:
        """The record with id `key` (None when there is no key or no such record)."""
        if key is None:
            return None
        return await self[name].load(str(key))

    def one_now(self, name: str, key: str | None) -> Record | Awaitable[Record | None] | None:
        """As `one`, but the record itself when it is already in the loader (primed or
        read earlier in this request), so a resolver needs no coroutine for it."""
        if key is None:
            return None
        return _now_or_later(self[name].load(str(key)))

    def many_now(self, name: str, keys: Iterable[str]) -> list[Record] | Awaitable[list[Record]]:
        """As `many`, but the records themselves when all are already in the loader."""
        keys = [str(key) for key in keys]
        if not keys:
            return []
        loader = self[name]
        futures = [loader.load(key) for key in keys]
        if all(_finished(future) for future in futures):
            found = [future.result() for future in futures]
            return [record for record in found if record is not None]
        return self._many_later(futures)

    @staticmethod
    async def _many_later(futures: Sequence[Awaitable[Record | None]]) -> list[Record]:
        records = await asyncio.gather(*futures)
        return [record for record in records if record is not None]

    async def many(self, name: str, keys: Iterable[str]) -> list[Record]:
        """The records with these ids, in the ids' order, skipping the absent ones."""
        keys = [str(key) for key in keys]
        if not keys:
            return []
        records = await self[name].load_many(keys)
        return [record for record in records if record is not None]

    async def preload(self, name: str, keys: Iterable[str | None]) -> None:
        """Read these records now, in one batch, so later `one_now` calls find them.

        A failed batch is not raised here: each field that reads one of the records gets
        the error then (and only that field is null).
        """
        loader = self[name]
        wanted = dict.fromkeys(str(key) for key in keys if key is not None)
        await asyncio.gather(*(loader.load(key) for key in wanted), return_exceptions=True)

    async def children(
        self, name: str, parent: str, filters: Mapping[str, ParamValue] | None = None
    ) -> list[Record]:
        """The children of `parent` in list `name` (one call for the whole level)."""
        filters = {key: value for key, value in (filters or {}).items() if value is not None}
        key = name + json.dumps(filters, sort_keys=True, default=str)
        loader = self._children.get(key)
        if loader is None:
            loader = children_loader(
                self._upstream, CHILDREN[name], filters, self.prime, self._levels
            )
            self._children[key] = loader
        return await loader.load(str(parent))

    async def matching(
        self,
        name: str,
        values: Sequence[str | None],
        filters: Mapping[str, ParamValue] | None = None,
    ) -> list[Record]:
        """The records of list `name` matching `values` (one call for the whole level)."""
        filters = {key: value for key, value in (filters or {}).items() if value is not None}
        key = name + json.dumps(filters, sort_keys=True, default=str)
        loader = self._matches.get(key)
        if loader is None:
            loader = matches_loader(
                self._upstream, MATCHES[name], filters, self.prime, self._levels
            )
            self._matches[key] = loader
        return await loader.load(tuple(None if value is None else str(value) for value in values))

    def prime(self, name: str, record: Record) -> None:
        """Remember a record read by a list call, so a later lookup by id is free."""
        resource = RESOURCES[name]
        self[name].prime(str(record[resource.key]), record)


def _finished(future: Awaitable[Any]) -> bool:
    """True for a loader's future that already holds its value (not an error)."""
    return (
        isinstance(future, asyncio.Future)
        and future.done()
        and not future.cancelled()
        and future.exception() is None
    )


def _now_or_later(future: Awaitable[T]) -> T | Awaitable[T]:
    if _finished(future):
        return cast("asyncio.Future[T]", future).result()
    return future


def build_now(found: T | Awaitable[T], build: Callable[[T], R]) -> R:
    """`build(found)`, at once when `found` is a value, else when it arrives.

    A resolver returning this is synchronous for records already read (graphql-core
    then needs no task for the field); otherwise it returns an awaitable, which
    graphql-core awaits like an async resolver's result. The cast keeps the resolver's
    declared (GraphQL) type.
    """
    if isinstance(found, Awaitable):

        async def later() -> R:
            return build(await found)

        return cast(R, later())
    return build(found)
