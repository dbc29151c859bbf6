"""Scheduling benchmark: conflicts and suggestions through the API on PostgreSQL.

Loads 20,000 events into a throw-away PostgreSQL database (19,500 single events spread
over 2022-2026 and 500 recurring working-group series over the same five years, expanded
into their occurrence rows exactly as the service stores them), then measures, through
the HTTP API (in-process ASGI, so no network), the latency of:

- GET /v1/schedule/conflicts for a random 2-hour slot in a random MIRPS zone, with and
  without a `countries` filter;
- POST /v1/schedule/suggestions over a three-month window (two countries, one working
  group, two kinds to avoid, first 5 slots of 60 minutes);
- POST /v1/events of a new weekly five-year series (260 occurrences clash-checked).

Each suggestion request's SELECTs are recorded and replayed right after it on a bare
asyncpg connection: `API p50 / SQL p50` says what the service adds to its own SQL in the
same run (target: dense suggestions p95 ≤ 150 ms).

Usage:
    .venv/bin/python bench/scheduling.py \
        --postgres postgresql+asyncpg://postgres@127.0.0.1:5432/postgres [--events 20000]
        [--series 500] [--queries 300] [--keep]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
import httpx
from asgi_lifespan import LifespanManager
from sqlalchemy import event, insert, text
from sqlalchemy.engine import make_url

from services.common.auth import mint_token
from services.common.db import make_engine
from services.common.migrations import upgrade_to_head
from services.common.settings import CommonSettings
from services.events.app import create_app
from services.events.config import Settings
from services.events.models import EventCountry, EventHost, LearningEvent, Occurrence
from services.events.recurrence import expand, to_utc
from services.events.schemas import EventKind

ZONES = [
    "America/Mexico_City",
    "America/Tijuana",
    "America/Guatemala",
    "America/El_Salvador",
    "America/Tegucigalpa",
    "America/Costa_Rica",
    "America/Panama",
    "America/Belize",
    "America/New_York",
]
COUNTRIES = ["BLZ", "CRI", "SLV", "GTM", "HND", "MEX", "PAN"]
WORKING_GROUPS = ["employment", "education", "health", "local_governance", "protection"]
SINGLE_KINDS = [kind.value for kind in EventKind if kind != EventKind.WORKING_GROUP_MEETING]
FIRST_DAY = date(2022, 1, 3)
DAYS = 5 * 365
RULES = [
    ("FREQ=WEEKLY;BYDAY={day};UNTIL=20261231T235959Z", 0.2),
    ("FREQ=WEEKLY;INTERVAL=2;BYDAY={day};UNTIL=20261231T235959Z", 0.3),
    ("FREQ=MONTHLY;BYDAY=2{day};UNTIL=20261231T235959Z", 0.5),
]


def _admin_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _event_row(rng: random.Random, *, series: bool) -> dict[str, Any]:
    zone = rng.choice(ZONES)
    day = FIRST_DAY + timedelta(days=rng.randrange(DAYS if not series else 60))
    while day.weekday() > 4:
        day += timedelta(days=1)
    hour = rng.randrange(8, 17)
    local = datetime(day.year, day.month, day.day, hour, rng.choice((0, 30)))
    duration = timedelta(minutes=rng.choice((60, 90, 120, 180)))
    starts = to_utc(local, zone)
    now = datetime.now(UTC)
    rule = None
    if series:
        weekday = ("MO", "TU", "WE", "TH", "FR")[day.weekday()]
        template = rng.choices([r for r, _ in RULES], weights=[w for _, w in RULES])[0]
        rule = template.format(day=weekday)
    return {
        "id": uuid.uuid4(),
        "kind": EventKind.WORKING_GROUP_MEETING.value if series else rng.choice(SINGLE_KINDS),
        "title": {"es": "Reunión", "en": "Meeting"},
        "description": None,
        "starts_at": starts,
        "ends_at": starts + duration,
        "timezone": zone,
        "mode": "virtual",
        "city": None,
        "country": None,
        "online_url": "https://meet.example.org/x",
        "working_group": rng.choice(WORKING_GROUPS) if series else None,
        "capacity": None,
        "status": rng.choices(["scheduled", "held", "proposed", "cancelled"], [70, 20, 7, 3])[0],
        "cancellation_reason": None,
        "rrule": rule,
        "exdates": [],
        "sequence": 0,
        "version": 1,
        "created_by": "bench",
        "created_at": now,
        "updated_at": now,
    }


async def load(url: str, events: int, series: int, seed: int) -> int:
    rng = random.Random(seed)
    engine = make_engine(url)
    occurrence_count = 0
    try:
        batch_events: list[dict[str, Any]] = []
        batch_countries: list[dict[str, Any]] = []
        batch_hosts: list[dict[str, Any]] = []
        batch_occurrences: list[dict[str, Any]] = []

        async def flush() -> None:
            async with engine.begin() as connection:
                for model, rows in (
                    (LearningEvent, batch_events),
                    (EventCountry, batch_countries),
                    (EventHost, batch_hosts),
                    (Occurrence, batch_occurrences),
                ):
                    for start in range(0, len(rows), 2000):
                        await connection.execute(insert(model), rows[start : start + 2000])
            for rows in (batch_events, batch_countries, batch_hosts, batch_occurrences):
                rows.clear()

        for index in range(events):
            is_series = index < series
            row = _event_row(rng, series=is_series)
            batch_events.append(row)
            if rng.random() > 0.1:  # 10% regional events involve no country
                for country in rng.sample(COUNTRIES, rng.randint(1, 3)):
                    batch_countries.append({"event_id": row["id"], "country": country})
            batch_hosts.append(
                {"event_id": row["id"], "organisation_id": f"org-{rng.randrange(40)}"}
            )
            for item in expand(
                starts_at=row["starts_at"],
                ends_at=row["ends_at"],
                timezone=row["timezone"],
                rule=row["rrule"],
            ):
                batch_occurrences.append(
                    {
                        "id": uuid.uuid4(),
                        "event_id": row["id"],
                        "recurrence_id": item.recurrence_id,
                        "starts_at": item.starts_at,
                        "ends_at": item.ends_at,
                        "local_month": item.local_month,
                        "status": "scheduled",
                        "cancellation_reason": None,
                    }
                )
                occurrence_count += 1
            if len(batch_occurrences) >= 20_000 or len(batch_events) >= 5000:
                await flush()
        await flush()
        async with engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text("ANALYZE"))
    finally:
        await engine.dispose()
    return occurrence_count


def _percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p50 = statistics.median(ordered)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return f"p50 {p50:6.1f} ms   p95 {p95:6.1f} ms   max {ordered[-1]:6.1f} ms   n={len(ordered)}"


async def measure(url: str, queries: int, seed: int) -> None:
    rng = random.Random(seed + 1)
    settings = Settings(database_url=url, mirps=CommonSettings(environment="test"))
    app = create_app(settings)
    bare = await asyncpg.connect(_admin_dsn(url))
    try:
        await _measure_app(app, settings, bare, rng, queries)
    finally:
        await bare.close()


async def _measure_app(
    app: Any, settings: Settings, bare: asyncpg.Connection, rng: random.Random, queries: int
) -> None:
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:

            def slot() -> dict[str, str]:
                day = date(2023, 1, 2) + timedelta(days=rng.randrange(3 * 365))
                hour = rng.randrange(8, 16)
                return {
                    "starts_at": f"{day.isoformat()}T{hour:02d}:00:00",
                    "ends_at": f"{day.isoformat()}T{hour + 2:02d}:00:00",
                    "timezone": rng.choice(ZONES),
                }

            async def timed(call: Any) -> tuple[float, httpx.Response]:
                started = time.perf_counter()
                response = await call()
                return (time.perf_counter() - started) * 1000, response

            for _ in range(20):  # warm up pools and caches
                await client.get("/v1/schedule/conflicts", params=slot())

            results: dict[str, list[float]] = {}
            floors: dict[str, list[float]] = {}
            sizes: dict[str, list[int]] = {}
            conflict_cases: list[tuple[str, dict[str, Any]]] = [
                ("conflicts (all)", {}),
                ("conflicts (countries=PAN,CRI)", {"countries": "PAN,CRI"}),
            ]
            for name, extra in conflict_cases:
                for _ in range(queries):
                    params = {**slot(), **extra}
                    elapsed, response = await timed(
                        lambda params=params: client.get("/v1/schedule/conflicts", params=params)
                    )
                    assert response.status_code == 200, response.text
                    results.setdefault(name, []).append(elapsed)
                    sizes.setdefault(name, []).append(len(response.json()["items"]))

            suggestion_cases: list[tuple[str, dict[str, Any]]] = [
                (
                    "suggestions (3 months, 2 countries + WG + kinds)",
                    {
                        "countries": ["PAN", "CRI"],
                        "working_groups": ["employment"],
                        "avoid_kinds": ["sp_quarterly_meeting", "troika_meeting"],
                    },
                ),
                ("suggestions (3 months, one working group)", {"working_groups": ["education"]}),
            ]
            for name, extra in suggestion_cases:
                for _ in range(max(20, queries // 3)):
                    start = date(2023, 1, 2) + timedelta(days=rng.randrange(3 * 365))
                    body = {
                        "duration_minutes": 60,
                        "window_start": start.isoformat(),
                        "window_end": (start + timedelta(days=91)).isoformat(),
                        "timezone": rng.choice(ZONES),
                        "count": 5,
                        **extra,
                    }
                    recorded: list[tuple[str, Any]] = []

                    def record(
                        *event_args: Any, recorded: list[tuple[str, Any]] = recorded
                    ) -> None:
                        recorded.append((event_args[2], event_args[3]))

                    event.listen(app.state.engine.sync_engine, "before_cursor_execute", record)
                    try:
                        elapsed, response = await timed(
                            lambda body=body: client.post("/v1/schedule/suggestions", json=body)
                        )
                    finally:
                        event.remove(app.state.engine.sync_engine, "before_cursor_execute", record)
                    assert response.status_code == 200, response.text
                    results.setdefault(name, []).append(elapsed)
                    sizes.setdefault(name, []).append(len(response.json()["items"]))
                    # The same statements alone, on bare asyncpg, right after: the floor.
                    started = time.perf_counter()
                    for statement, parameters in recorded:
                        if statement.lstrip().upper().startswith("SELECT"):
                            await bare.fetch(statement, *(parameters or ()))
                    floors.setdefault(name, []).append((time.perf_counter() - started) * 1000)

            token = mint_token(settings.mirps, roles=["secretariat"], sub="bench")
            for _ in range(20):
                zone = rng.choice(ZONES)
                body = {
                    "kind": "working_group_meeting",
                    "title": {"en": "New five-year series"},
                    "starts_at": "2023-01-03T10:00:00",
                    "ends_at": "2023-01-03T11:30:00",
                    "timezone": zone,
                    "mode": "virtual",
                    "online_url": "https://meet.example.org/new",
                    "recurrence": {"rrule": "FREQ=WEEKLY;BYDAY=TU;UNTIL=20271231T235959Z"},
                }
                elapsed, response = await timed(
                    lambda body=body: client.post(
                        "/v1/events", json=body, headers={"Authorization": f"Bearer {token}"}
                    )
                )
                assert response.status_code == 201, response.text
                name = "create weekly 5-year series (clash warnings)"
                results.setdefault(name, []).append(elapsed)
                sizes.setdefault(name, []).append(len(response.json()["warnings"]))

    for name, samples in results.items():
        print(f"{name:52s} {_percentiles(samples)}   mean items {statistics.mean(sizes[name]):.1f}")
    for name, samples in floors.items():
        api, sql = statistics.median(results[name]), statistics.median(samples)
        print(
            f"{name:52s} its SELECTs alone on asyncpg: {_percentiles(samples)}"
            f"   API p50 / SQL p50 = {api / sql:.2f}"
        )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", required=True, help="async URL of an existing database")
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--series", type=int, default=500)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--seed", type=int, default=2023)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    name = f"mirps_bench_events_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(_admin_dsn(args.postgres))
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = make_url(args.postgres).set(database=name).render_as_string(hide_password=False)
    try:
        await asyncio.to_thread(upgrade_to_head, "events", url)
        started = time.perf_counter()
        occurrences = await load(url, args.events, args.series, args.seed)
        print(
            f"loaded {args.events} events ({args.series} series), {occurrences} occurrence rows "
            f"in {time.perf_counter() - started:.1f} s"
        )
        await measure(url, args.queries, args.seed)
    finally:
        if not args.keep:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    asyncio.run(main())
