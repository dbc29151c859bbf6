"""Computed indicators: named queries over the other services' public HTTP APIs.

A query fetches the records it counts (pledges, events, outcomes, practices...) through
the owning service's public REST API — never its database — as an anonymous caller, so
every computed figure is built from published data anyone can re-read. Each record has a
reference (`service:kind:id`), the date it counts on, and the attributes the rule needs.

A measurement of an indicator for a period counts the records dated from the start of
the indicator's period to the end of the measured one (cumulative within the indicator's
period); records without a date (a stock, such as the catalogue of published practices)
count whenever measured. The hash of a measurement is SHA-256 over the query name, the
window and the records counted, in a canonical JSON form: the same inputs give the same
hash, so a published figure can be re-checked.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import httpx

from services.results.periods import Period, parse_period
from services.results.schemas import Unit

PAGE_SIZE = 200
MAX_PAGES = 100
PRIVATE_SECTOR = "private_sector"
NEW_PARTNER_KINDS = frozenset({"private_sector", "civil_society", "multilateral_development_bank"})


class UpstreamError(Exception):
    """A service could not be read: down, timing out, or answering with an error."""

    def __init__(self, service: str, message: str) -> None:
        super().__init__(f"{service}: {message}")
        self.service = service


@dataclass(frozen=True, slots=True)
class Record:
    """One thing a query counts."""

    ref: str
    on: date | None
    value: Decimal = Decimal(1)
    attrs: Mapping[str, str] = field(default_factory=dict)

    def canonical(self) -> dict[str, Any]:
        return {
            "ref": self.ref,
            "on": self.on.isoformat() if self.on else None,
            "value": format(self.value, "f"),
            "attrs": dict(sorted(self.attrs.items())),
        }


class Upstream:
    """Reads the other services' public APIs; each GET is made once per refresh."""

    def __init__(self, clients: Mapping[str, httpx.AsyncClient]) -> None:
        self._clients = clients
        self._seen: dict[str, Any] = {}
        self.calls: list[str] = []

    async def get(self, service: str, path: str, params: Mapping[str, str] | None = None) -> Any:
        target = f"{path}?{urlencode(sorted((params or {}).items()))}" if params else path
        key = f"{service} {target}"
        if key not in self._seen:
            self._seen[key] = await self._fetch(service, target)
        if key not in self.calls:
            self.calls.append(key)
        return self._seen[key]

    async def _fetch(self, service: str, target: str) -> Any:
        try:
            response = await self._clients[service].get(target)
        except httpx.HTTPError as exc:
            raise UpstreamError(service, f"{type(exc).__name__}: {exc}") from exc
        if response.status_code != 200:
            raise UpstreamError(service, f"GET {target} answered {response.status_code}")
        return response.json()

    async def get_all(
        self, service: str, path: str, params: Mapping[str, str] | None = None
    ) -> list[dict[str, Any]]:
        """Every item of a cursor-paginated list."""
        items: list[dict[str, Any]] = []
        query = {**(params or {}), "limit": str(PAGE_SIZE)}
        for _ in range(MAX_PAGES):
            page = await self.get(service, path, query)
            items.extend(page["items"])
            if not page.get("next_cursor"):
                return items
            query = {**query, "cursor": page["next_cursor"]}
        raise UpstreamError(service, f"{path} has more than {MAX_PAGES} pages")

    def take_calls(self) -> list[str]:
        calls, self.calls = self.calls, []
        return calls


Fetch = Callable[[Upstream, Period], Awaitable[list[Record]]]
Aggregate = Callable[[Sequence[Record]], Decimal]


def count(records: Sequence[Record]) -> Decimal:
    return Decimal(len(records))


def total(records: Sequence[Record]) -> Decimal:
    return sum((record.value for record in records), Decimal(0))


def distinct_countries(records: Sequence[Record]) -> Decimal:
    return Decimal(len({record.attrs["country"] for record in records}))


@dataclass(frozen=True, slots=True)
class NamedQuery:
    name: str
    service: str
    unit: Unit
    rule: str
    fetch: Fetch
    aggregate: Aggregate = count


def _day(value: str) -> date:
    return date.fromisoformat(value[:10])


# ---------------------------------------------------------------- pledges


def _summary(column: str) -> Fetch:
    async def fetch(upstream: Upstream, window: Period) -> list[Record]:
        # The report sums flows by date in the database; one call per end date.
        halves = [half.end for half in window.halves()] or [window.end]
        records = []
        for end in halves:
            report = await upstream.get(
                "pledges",
                "/v1/reports/summary",
                {
                    "group_by": "year",
                    "date_from": window.start.isoformat(),
                    "date_to": end.isoformat(),
                },
            )
            records.append(
                Record(f"pledges:summary:{end.isoformat()}", end, Decimal(report["totals"][column]))
            )
        return records

    return fetch


def _latest(records: Sequence[Record]) -> Decimal:
    """For cumulative totals read per end date: the one of the latest date."""
    dated = [record for record in records if record.on is not None]
    return max(dated, key=lambda record: record.on or date.min).value if dated else Decimal(0)


async def _pledges(
    upstream: Upstream, params: Mapping[str, str] | None = None
) -> list[dict[str, Any]]:
    query = {"include": "contributor", "include_withdrawn": "false", **(params or {})}
    return await upstream.get_all("pledges", "/v1/pledges", query)


async def _private_sector_pledges(upstream: Upstream, window: Period) -> list[Record]:
    return [
        Record(
            f"pledges:pledge:{pledge['id']}",
            _day(pledge["announced_on"]),
            attrs={
                "contributor_kind": PRIVATE_SECTOR,
                "country": ",".join(pledge["recipient_countries"]),
            },
        )
        for pledge in await _pledges(upstream)
        if pledge["contributor"]["kind"] == PRIVATE_SECTOR
    ]


async def _employment_companies(upstream: Upstream, window: Period) -> list[Record]:
    """One record per company, dated when its employment pledges reached a second country."""
    by_company: dict[str, list[tuple[date, list[str]]]] = {}
    for pledge in await _pledges(upstream, {"kind": "employment"}):
        if pledge["contributor"]["kind"] == PRIVATE_SECTOR:
            day = _day(pledge["announced_on"])
            by_company.setdefault(pledge["contributor_id"], []).append(
                (day, pledge["recipient_countries"])
            )
    records: list[Record] = []
    for company, pledges in sorted(by_company.items()):
        countries: set[str] = set()
        for day, recipients in sorted(pledges):
            if day < window.start:
                continue
            countries.update(recipients)
            if len(countries) >= 2:
                records.append(Record(f"pledges:organisation:{company}", day))
                break
    return records


async def _new_partners(upstream: Upstream, window: Period) -> list[Record]:
    records: list[Record] = []
    for half in window.halves():
        report = await upstream.get("pledges", "/v1/reports/synthesis", {"period": half.label})
        records.extend(
            Record(
                f"pledges:organisation:{partner['id']}",
                _day(partner["first_pledge_on"]),
                attrs={"contributor_kind": partner["kind"]},
            )
            for partner in report["new_partners"]
            if partner["kind"] in NEW_PARTNER_KINDS
        )
    return records


def _grf_pledges(kinds: frozenset[str]) -> Fetch:
    async def fetch(upstream: Upstream, window: Period) -> list[Record]:
        forums = await _events(upstream, {"kind": "global_refugee_forum"})
        ids = [event.ref.rsplit(":", 1)[1] for event in forums if _within(event, window)]
        if not ids:
            return []
        pledges = await _pledges(upstream, {"announced_at": ",".join(ids)})
        return [
            Record(f"pledges:pledge:{pledge['id']}", _day(pledge["announced_on"]))
            for pledge in pledges
            if pledge["kind"] in kinds
        ]

    return fetch


# ---------------------------------------------------------------- events


async def _events(upstream: Upstream, params: Mapping[str, str]) -> list[Record]:
    events = await upstream.get_all("events", "/v1/events", params)
    return [
        Record(
            f"events:event:{event['id']}",
            _day(event["starts_at"]),
            attrs={"status": event["status"]},
        )
        for event in events
    ]


def _within(record: Record, window: Period) -> bool:
    return record.on is not None and window.start <= record.on <= window.end


async def _learning_events_held(upstream: Upstream, window: Period) -> list[Record]:
    return await _events(upstream, {"kind": "learning_event", "status": "held,reported"})


def _event_outcomes(kind: str) -> Fetch:
    async def fetch(upstream: Upstream, window: Period) -> list[Record]:
        outcomes = await upstream.get_all("events", "/v1/outcomes", {"kind": kind})
        event_ids = sorted({outcome["event_id"] for outcome in outcomes})
        if not event_ids:
            return []
        events = await upstream.get("events", "/v1/events", {"ids": ",".join(event_ids)})
        held_on = {event["id"]: _day(event["starts_at"]) for event in events["items"]}
        return [
            Record(
                f"events:outcome:{outcome['id']}",
                held_on.get(outcome["event_id"]),
                attrs={"country": outcome["country"]} if outcome["country"] else {},
            )
            for outcome in outcomes
            if outcome["event_id"] in held_on
        ]

    return fetch


def _countries_with_policy_action(records: Sequence[Record]) -> Decimal:
    return distinct_countries([record for record in records if "country" in record.attrs])


# ---------------------------------------------------------------- practices


async def _countries_with_inventory(upstream: Upstream, window: Period) -> list[Record]:
    items = await upstream.get_all("practices", "/v1/inventory-items")
    return [
        Record(
            f"practices:inventory-item:{item['id']}",
            _day(item["as_of_date"]),
            attrs={"country": item["country"]},
        )
        for item in items
    ]


def _published_practices(origin: str) -> Fetch:
    async def fetch(upstream: Upstream, window: Period) -> list[Record]:
        practices = await upstream.get_all(
            "practices",
            "/v1/practices",
            {"status": "published", "origin": origin, "facets": "false", "sort": "title"},
        )
        return [
            Record(
                f"practices:practice:{practice['id']}", None, attrs={"country": practice["country"]}
            )
            for practice in practices
        ]

    return fetch


QUERIES: dict[str, NamedQuery] = {
    query.name: query
    for query in (
        NamedQuery(
            "usd_pledged",
            "pledges",
            Unit.USD,
            "USD pledged from the start of the period to its end, every pledge counted "
            "(GET /v1/reports/summary, its totals.pledged_usd).",
            _summary("pledged_usd"),
            _latest,
        ),
        NamedQuery(
            "usd_committed",
            "pledges",
            Unit.USD,
            "USD committed in the period (commitment entries by value date, reversals "
            "netted; GET /v1/reports/summary, totals.committed_usd).",
            _summary("committed_usd"),
            _latest,
        ),
        NamedQuery(
            "usd_disbursed",
            "pledges",
            Unit.USD,
            "USD disbursed in the period (GET /v1/reports/summary, totals.disbursed_usd).",
            _summary("disbursed_usd"),
            _latest,
        ),
        NamedQuery(
            "new_partners",
            "pledges",
            Unit.COUNT,
            "Private-sector, civil-society and development-bank organisations whose first "
            "public pledge falls in the period (new_partners of GET /v1/reports/synthesis "
            "for each half-year); disaggregated by contributor kind.",
            _new_partners,
        ),
        NamedQuery(
            "private_sector_commitments",
            "pledges",
            Unit.COUNT,
            "Public, not withdrawn pledges of any kind by private-sector organisations, "
            "announced in the period (GET /v1/pledges?include=contributor).",
            _private_sector_pledges,
        ),
        NamedQuery(
            "employment_companies_two_countries",
            "pledges",
            Unit.COUNT,
            "Private-sector organisations whose public employment pledges announced in the "
            "period name at least two MIRPS countries (GET /v1/pledges?kind=employment), "
            "dated when the second country is reached.",
            _employment_companies,
        ),
        NamedQuery(
            "grf_policy_pledges",
            "pledges",
            Unit.COUNT,
            "Public policy pledges announced at a Global Refugee Forum held in the period "
            "(events of kind global_refugee_forum, then GET /v1/pledges?announced_at=...).",
            _grf_pledges(frozenset({"policy"})),
        ),
        NamedQuery(
            "grf_funding_pledges",
            "pledges",
            Unit.COUNT,
            "Public financial or material pledges announced at a Global Refugee Forum held "
            "in the period (as grf_policy_pledges).",
            _grf_pledges(frozenset({"financial", "material"})),
        ),
        NamedQuery(
            "learning_events_held",
            "events",
            Unit.COUNT,
            "Public events of kind learning_event with status held or reported whose first "
            "day falls in the period (GET /v1/events).",
            _learning_events_held,
        ),
        NamedQuery(
            "takeaways_shared",
            "events",
            Unit.COUNT,
            "Event outcomes of kind takeaway, dated by their event (GET /v1/outcomes).",
            _event_outcomes("takeaway"),
        ),
        NamedQuery(
            "countries_with_policy_action",
            "events",
            Unit.COUNT,
            "MIRPS countries with at least one event outcome of kind policy_action, dated by "
            "its event (GET /v1/outcomes?kind=policy_action).",
            _event_outcomes("policy_action"),
            _countries_with_policy_action,
        ),
        NamedQuery(
            "resource_commitments_from_events",
            "events",
            Unit.COUNT,
            "Event outcomes of kind resource_commitment, dated by their event "
            "(GET /v1/outcomes?kind=resource_commitment).",
            _event_outcomes("resource_commitment"),
        ),
        NamedQuery(
            "countries_with_inventory",
            "practices",
            Unit.COUNT,
            "MIRPS countries with at least one inventory item (service, programme or gap) "
            "dated (as_of_date) in the period (GET /v1/inventory-items).",
            _countries_with_inventory,
            distinct_countries,
        ),
        NamedQuery(
            "practices_published_mirps",
            "practices",
            Unit.COUNT,
            "Good practices of MIRPS countries published in the catalogue when measured "
            "(GET /v1/practices?status=published&origin=mirps_country).",
            _published_practices("mirps_country"),
        ),
        NamedQuery(
            "practices_published_sp_members",
            "practices",
            Unit.COUNT,
            "Good practices of SP members published in the catalogue when measured "
            "(GET /v1/practices?status=published&origin=sp_member).",
            _published_practices("sp_member"),
        ),
    )
}


@dataclass(frozen=True, slots=True)
class Result:
    """A computed value for one period, with what it rests on."""

    value: Decimal
    period: Period
    records: list[Record]
    source_call: str
    inputs_hash: str
    breakdown: dict[str, dict[str, int]]


def inputs_hash(query: str, window: Period, cut: Period, records: Sequence[Record]) -> str:
    canonical = {
        "query": query,
        "from": window.start.isoformat(),
        "to": cut.end.isoformat(),
        "records": sorted((record.canonical() for record in records), key=lambda r: r["ref"]),
    }
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def counted(records: Sequence[Record], window: Period, cut: Period) -> list[Record]:
    """The records a measurement for `cut` counts: dated from the window's start to cut's end."""
    return [
        record
        for record in records
        if record.on is None or window.start <= record.on <= min(cut.end, window.end)
    ]


def breakdown(records: Sequence[Record], dimensions: Sequence[str]) -> dict[str, dict[str, int]]:
    """Records counted per value of each dimension (country, contributor_kind).

    A record with several values (a pledge to several countries) counts under each; one
    without the attribute counts under `unspecified`.
    """
    result: dict[str, dict[str, int]] = {}
    for dimension in dimensions:
        counts: dict[str, int] = {}
        for record in records:
            values = [v for v in record.attrs.get(dimension, "").split(",") if v]
            for value in values or ["unspecified"]:
                counts[value] = counts.get(value, 0) + 1
        result[dimension] = dict(sorted(counts.items()))
    return result


async def run_query(
    query: NamedQuery,
    upstream: Upstream,
    window: Period,
    cuts: Sequence[Period],
    dimensions: Sequence[str] = (),
) -> list[Result]:
    """One result per cut (a sub-period of the window), from one fetch."""
    records = await query.fetch(upstream, window)
    source = "; ".join(f"GET {call}" for call in upstream.take_calls())
    results = []
    for cut in cuts:
        kept = counted(records, window, cut)
        results.append(
            Result(
                value=query.aggregate(kept),
                period=cut,
                records=kept,
                source_call=source,
                inputs_hash=inputs_hash(query.name, window, cut, kept),
                breakdown=breakdown(kept, dimensions),
            )
        )
    return results


def cuts_of(window: Period, today: date, only: str | None = None) -> list[Period]:
    """The periods to measure: the one asked, or each begun half-year and the whole window."""
    if only is not None:
        return [parse_period(only)]
    halves = [half for half in window.halves() if half.start <= today]
    whole = [window] if window.label not in {half.label for half in halves} else []
    return [*halves, *whole]
