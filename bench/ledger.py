"""Benchmark of the pledge ledger on PostgreSQL: reports over HTTP vs the same SQL, and imports.

    .venv/bin/python bench/ledger.py                       # full scale: 1,000,000 entries
    .venv/bin/python bench/ledger.py --entries 100000 --pledges 1000 --import-rows 10000

1. Creates a throw-away database (default `mirps_bench_ledger`) on the server of
   --admin-url, migrates it, and loads organisations, objectives, pledges and
   --entries ledger entries (about entries / pledges per pledge, every ledger rule
   respected) with COPY.
2. Starts the pledges service with uvicorn on it, then times --repeat calls of
   `/v1/reports/summary?group_by=country`, `...group_by=contributor_kind,year` and
   `/v1/reports/gaps` over HTTP, alternating with the same aggregate statement (compiled
   from the service's own query builder) run as raw SQL through asyncpg; prints p50/p95 and
   the target: API p95 <= 1.5 x raw p95 + 10 ms.
3. POSTs a CSV of --import-rows rows (new pledges, each followed by its commitments and
   disbursements) to `/v1/imports` and reports rows/s.

Not run by the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from services.common.auth import mint_token  # noqa: E402
from services.common.migrations import upgrade_to_head  # noqa: E402
from services.common.settings import CommonSettings  # noqa: E402
from services.common.vocabulary import MIRPS_COUNTRIES  # noqa: E402
from services.pledges.reports import (  # noqa: E402
    GapFilters,
    ReportFilters,
    gaps_report_statement,
    summary_statement,
)
from services.pledges.schemas import Dimension  # noqa: E402

KINDS = ("state", "multilateral_development_bank", "un_agency", "private_sector", "civil_society")
PILLARS = ("reception_admission", "immediate_needs", "host_support", "durable_solutions")
THEMES = ("access_to_asylum", "health", "local_governance", "employment_livelihoods")
EUR_RATE = Decimal("1.1000000000")
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def recreate_database(admin_url: str, name: str) -> str:
    connection = await asyncpg.connect(dsn(admin_url))
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def quantize(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.0001"))


async def load(url: str, pledges: int, entries: int, seed: int) -> None:
    """Organisations, objectives, pledges and entries by COPY, consistent with the rules."""
    rng = random.Random(seed)
    connection = await asyncpg.connect(dsn(url))
    try:
        org_ids = [uuid.uuid4() for _ in range(300)]
        await connection.copy_records_to_table(
            "organisations",
            columns=["id", "name", "kind", "created_at", "updated_at", "version"],
            records=[
                (org_id, f"Organisation {i}", KINDS[i % len(KINDS)], NOW, NOW, 1)
                for i, org_id in enumerate(org_ids)
            ],
        )
        objectives: dict[str, list[uuid.UUID]] = {c: [] for c in MIRPS_COUNTRIES}
        objective_rows = []
        for country in MIRPS_COUNTRIES:
            for p, pillar in enumerate(PILLARS):
                for n in range(5):
                    objective_id = uuid.uuid4()
                    objectives[country].append(objective_id)
                    requirement = Decimal(rng.randrange(1, 50) * 1_000_000)
                    objective_rows.append(
                        (
                            objective_id, country, pillar, THEMES[p], f"Objective {n}",
                            requirement, "USD", Decimal(1), requirement, date(2026, 1, 1),
                            2023, 2026, NOW, NOW, 1,
                        )
                    )  # fmt: skip
        await connection.copy_records_to_table(
            "objectives",
            columns=[
                "id", "country", "pillar", "theme", "title_en", "requirement_amount",
                "requirement_currency", "requirement_rate_to_usd", "requirement_usd",
                "requirement_rate_date", "start_year", "end_year", "created_at", "updated_at",
                "version",
            ],
            records=objective_rows,
        )  # fmt: skip
        await connection.copy_records_to_table(
            "exchange_rates",
            columns=["id", "currency", "rate_date", "rate_to_usd", "source", "recorded_by",
                     "recorded_at"],
            records=[(uuid.uuid4(), "EUR", date(2019, 1, 1), EUR_RATE, "bench", "bench", NOW)],
        )  # fmt: skip
        per_pledge = max(entries // pledges, 3)
        pledge_rows, country_rows, link_rows, entry_rows = [], [], [], []
        for i in range(pledges):
            pledge_id = uuid.uuid4()
            currency = "EUR" if i % 3 == 0 else "USD"
            rate = EUR_RATE if currency == "EUR" else Decimal(1)
            amount = Decimal(rng.randrange(100, 1000) * 10_000)
            announced = date(2020, 1, 1) + timedelta(days=rng.randrange(0, 5 * 365))
            countries = rng.sample(MIRPS_COUNTRIES, rng.randint(1, 2))
            pledge_rows.append(
                (
                    pledge_id, rng.choice(org_ids), "financial", f"Pledge {i}", amount, currency,
                    rate, quantize(amount * rate), False, announced, "planning", "public",
                    "bench", NOW, NOW, 1,
                )
            )  # fmt: skip
            country_rows.extend((pledge_id, c) for c in countries)
            linked = [rng.choice(objectives[c]) for c in countries]
            link_rows.extend((pledge_id, o) for o in dict.fromkeys(linked))
            commitments = per_pledge * 2 // 5
            disbursements = per_pledge - commitments
            for n in range(per_pledge):
                effect = "commitment" if n < commitments else "disbursement"
                share = Decimal(2) if effect == "commitment" else Decimal(1)
                # commitments sum to 0.8 x pledged, disbursements to at most 0.4 x ...
                value = quantize(amount * share / (5 * max(commitments, disbursements)))
                value_date = announced + timedelta(days=rng.randrange(1, 900))
                usd = quantize(value * rate)
                entry_rows.append(
                    (
                        uuid.uuid4(), pledge_id, effect, effect, value, currency, value_date,
                        rate, usd, value, usd, value, rng.choice(countries),
                        linked[0] if n % 2 else None, "bench", NOW,
                    )
                )  # fmt: skip
        await connection.copy_records_to_table(
            "pledges",
            columns=[
                "id", "contributor_id", "kind", "title_en", "amount", "currency", "rate_to_usd",
                "amount_usd", "regional", "announced_on", "implementation_status", "visibility",
                "created_by", "created_at", "updated_at", "version",
            ],
            records=pledge_rows,
        )  # fmt: skip
        await connection.copy_records_to_table(
            "pledge_countries", columns=["pledge_id", "country"], records=country_rows
        )
        await connection.copy_records_to_table(
            "pledge_objectives", columns=["pledge_id", "objective_id"], records=link_rows
        )
        for start in range(0, len(entry_rows), 100_000):
            await connection.copy_records_to_table(
                "ledger_entries",
                columns=[
                    "id", "pledge_id", "entry_type", "effect", "amount", "currency",
                    "value_date", "rate_to_usd", "amount_usd", "pledge_amount", "signed_usd",
                    "signed_pledge_amount", "recipient_country", "objective_id", "recorded_by",
                    "recorded_at",
                ],
                records=entry_rows[start : start + 100_000],
            )  # fmt: skip
        await connection.execute("ANALYZE")
        print(
            f"loaded {len(pledge_rows):,} pledges, {len(entry_rows):,} entries, "
            f"{len(objective_rows)} objectives, {len(org_ids)} organisations"
        )
    finally:
        await connection.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_service(url: str, port: int) -> subprocess.Popen[bytes]:
    environment = {
        **os.environ,
        "PLEDGES_DATABASE_URL": url,
        "MIRPS_LOG_LEVEL": "WARNING",
        "MIRPS_ENVIRONMENT": "development",
        # A 100,000-row CSV is ~9 MB, above the default 5 MiB request limit.
        "MIRPS_MAX_BODY_BYTES": str(64 * 1024 * 1024),
        "MIRPS_RATE_LIMIT": "",  # throughput is measured without the per-caller limit
    }
    return subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "services.pledges.app:create_app",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
         "--no-access-log"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip


async def wait_ready(client: httpx.AsyncClient) -> None:
    for _ in range(200):
        try:
            if (await client.get("/readyz")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.1)
    raise RuntimeError("the pledges service did not become ready")


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


async def timed_pair(
    repeat: int, first: Callable[[], Awaitable[Any]], second: Callable[[], Awaitable[Any]]
) -> tuple[list[float], list[float]]:
    """Alternate the two calls, so load from other processes weighs on both alike."""
    await first()  # warm-up
    await second()
    samples: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        for call, into in ((first, samples[0]), (second, samples[1])):
            start = time.perf_counter()
            await call()
            into.append((time.perf_counter() - start) * 1000)
    return samples


def raw_sql(statement: Any) -> str:
    return str(
        statement.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True})
    )


def import_csv(rows: int, contributor_id: str, seed: int) -> str:
    """New pledges, each followed by 50 commitments and 49 disbursements that fit it."""
    rng = random.Random(seed)
    lines = [
        "record_type,id,pledge_id,contributor_id,kind,title_en,amount,currency,"
        "recipient_countries,announced_on,entry_type,value_date,recipient_country"
    ]
    while len(lines) - 1 < rows:
        pledge_id = uuid.uuid4()
        country = rng.choice(MIRPS_COUNTRIES)
        lines.append(
            f"pledge,{pledge_id},,{contributor_id},financial,Imported,1000000,USD,"
            f"{country},2024-01-01,,,"
        )
        for n in range(99):
            if len(lines) - 1 >= rows:
                break
            entry_type = "commitment" if n < 50 else "disbursement"
            lines.append(f"entry,,{pledge_id},,,,10000,USD,,,{entry_type},2024-02-01,{country}")
    return "\n".join(lines) + "\n"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--admin-url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
    )
    parser.add_argument("--database", default="mirps_bench_ledger")
    parser.add_argument("--pledges", type=int, default=10_000)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="Keep the database afterwards.")
    args = parser.parse_args()

    url = await recreate_database(args.admin_url, args.database)
    started = time.perf_counter()
    await asyncio.to_thread(upgrade_to_head, "pledges", url)
    await load(url, args.pledges, args.entries, args.seed)
    print(f"migrate + load: {time.perf_counter() - started:.1f} s")

    port = free_port()
    process = start_service(url, port)
    token = mint_token(CommonSettings(), roles=["secretariat"], sub="bench", ttl_minutes=600)
    headers = {"Authorization": f"Bearer {token}"}
    connection = await asyncpg.connect(dsn(url))
    try:
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}", timeout=3600, headers=headers
        ) as client:
            await wait_ready(client)
            cases = [
                (
                    "summary by country",
                    "/v1/reports/summary?group_by=country",
                    summary_statement([Dimension.COUNTRY], ReportFilters()),
                ),
                (
                    "summary by contributor kind x year",
                    "/v1/reports/summary?group_by=contributor_kind,year",
                    summary_statement(
                        [Dimension.CONTRIBUTOR_KIND, Dimension.YEAR], ReportFilters()
                    ),
                ),
                ("gaps", "/v1/reports/gaps", gaps_report_statement(GapFilters())),
            ]
            print(f"\n{args.repeat} sequential calls each, API and SQL alternating (ms)")
            print(
                f"{'report':38} {'API p50':>9} {'API p95':>9} {'SQL p50':>9} {'SQL p95':>9}  target"
            )
            for name, path, statement in cases:
                sql = raw_sql(statement)

                async def api_call(path: str = path) -> None:
                    response = await client.get(path)
                    response.raise_for_status()

                async def sql_call(sql: str = sql) -> None:
                    await connection.fetch(sql)

                api_samples, sql_samples = await timed_pair(args.repeat, api_call, sql_call)
                api, raw = percentiles(api_samples), percentiles(sql_samples)
                target = 1.5 * raw[1] + 10
                verdict = "met" if api[1] <= target else "MISSED"
                print(
                    f"{name:38} {api[0]:9.1f} {api[1]:9.1f} {raw[0]:9.1f} {raw[1]:9.1f}  "
                    f"<= {target:.1f}: {verdict}"
                )
            organisation = await client.post(
                "/v1/organisations", json={"name": "Importer", "kind": "private_sector"}
            )
            organisation.raise_for_status()
            content = import_csv(args.import_rows, organisation.json()["id"], args.seed)
            start = time.perf_counter()
            response = await client.post(
                "/v1/imports", content=content, headers={"Content-Type": "text/csv"}
            )
            elapsed = time.perf_counter() - start
            if response.status_code != 200:
                raise RuntimeError(f"import failed: {response.text[:2000]}")
            written = response.json()["written"]
            print(
                f"\nPOST /v1/imports: {written:,} rows in {elapsed:.1f} s = "
                f"{written / elapsed:,.0f} rows/s ({len(content) / 1e6:.1f} MB)"
            )
    finally:
        await connection.close()
        process.terminate()
        process.wait(timeout=30)
        if not args.keep:
            admin = await asyncpg.connect(dsn(args.admin_url))
            try:
                await admin.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
            finally:
                await admin.close()


if __name__ == "__main__":
    asyncio.run(main())
