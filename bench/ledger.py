"""Benchmark of the pledge ledger on PostgreSQL: reports over HTTP (from the rollups) beside
the old full-scan SQL and the rollup SQL, at several ledger sizes in one run; and imports.

    .venv/bin/python bench/ledger.py                              # 10k, 100k and 1M entries
    .venv/bin/python bench/ledger.py --entries 10000,100000 --import-rows 0

For each size:
1. Creates a throw-away database (default `mirps_bench_ledger`) on the server of
   --admin-url, migrates it, and loads organisations, objectives, pledges with their
   allocation lines, and that many ledger entries (every per-line ledger rule respected:
   commitments first, disbursements later, each line within its allocation) with COPY;
   then builds the report rollups from them (`mirps rollups rebuild`).
2. Starts the pledges service with uvicorn on it, then times --repeat calls of each report
   over HTTP, alternating with the report's rollup SQL, and --full-repeat runs of the
   same figures computed by the old full scan of the flows (raw SQL through asyncpg).
3. Optionally POSTs a CSV of --import-rows rows to `/v1/imports`, follows the job, and
   reports rows/s beside COPY of the same rows in the same run (target >= 25 % of COPY);
   `--import-only` skips the reports.

Targets (at the largest size): every report's API p95 <= 50 ms, >= 50x faster than the
full-scan SQL p50 of the same run, and API p95 growth from the smallest size < 3x.
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
from services.common.db import make_engine, make_sessionmaker  # noqa: E402
from services.common.migrations import upgrade_to_head  # noqa: E402
from services.common.settings import CommonSettings  # noqa: E402
from services.common.vocabulary import MIRPS_COUNTRIES  # noqa: E402
from services.pledges import rollups  # noqa: E402
from services.pledges.reports import (  # noqa: E402
    GapFilters,
    ReportFilters,
    gaps_report_statement,
    rollup_summary_statement,
    summary_statement,
)
from services.pledges.schemas import Dimension  # noqa: E402

KINDS = ("state", "multilateral_development_bank", "un_agency", "private_sector", "civil_society")
PILLARS = ("reception_admission", "immediate_needs", "host_support", "durable_solutions")
THEMES = ("access_to_asylum", "health", "local_governance", "employment_livelihoods")
MECHANISMS = ("grant", "loan", "trust_fund", "in_kind")
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
        per_pledge = entries // pledges
        pledge_rows, country_rows, link_rows, line_rows, entry_rows = [], [], [], [], []
        for i in range(pledges):
            pledge_id = uuid.uuid4()
            currency = "EUR" if i % 3 == 0 else "USD"
            rate = EUR_RATE if currency == "EUR" else Decimal(1)
            amount = Decimal(rng.randrange(100, 1000) * 10_000)
            announced = date(2020, 1, 1) + timedelta(days=rng.randrange(0, 5 * 365))
            countries = sorted(rng.sample(MIRPS_COUNTRIES, rng.randint(1, 2)))
            pledge_rows.append(
                (
                    pledge_id, rng.choice(org_ids), "financial", f"Pledge {i}", amount, currency,
                    rate, quantize(amount * rate), False, announced, "planning", "public",
                    MECHANISMS[i % len(MECHANISMS)], False, "bench", NOW, NOW, 1,
                )
            )  # fmt: skip
            country_rows.extend((pledge_id, c) for c in countries)
            linked = [rng.choice(objectives[c]) for c in countries]
            link_rows.extend((pledge_id, o) for o in linked)
            # The equal split over the linked objectives (one per country).
            share = quantize(amount / len(linked))
            lines = [uuid.uuid4() for _ in linked]
            for position, (line_id, country, objective_id) in enumerate(
                zip(lines, countries, linked, strict=True)
            ):
                line_amount = amount - share * (len(lines) - 1) if position else share
                line_rows.append(
                    (line_id, pledge_id, position, country, objective_id, line_amount,
                     quantize(line_amount * rate))
                )  # fmt: skip
            commitments = per_pledge * 2 // 5
            disbursements = per_pledge - commitments
            for n in range(per_pledge):
                effect = "commitment" if n < commitments else "disbursement"
                part = Decimal(2) if effect == "commitment" else Decimal(1)
                # Per line, commitments reach at most 0.8 x its allocation and disbursements
                # at most half of that; commitments are dated before every disbursement.
                value = quantize(share * part / (5 * max(commitments, disbursements)))
                days = rng.randrange(1, 300) if effect == "commitment" else rng.randrange(300, 900)
                value_date = announced + timedelta(days=days)
                usd = quantize(value * rate)
                line = n % len(lines)
                entry_rows.append(
                    (
                        uuid.uuid4(), pledge_id, effect, effect, value, currency, value_date,
                        value_date, rate, usd, value, usd, value, countries[line], linked[line],
                        lines[line], usd, "bench", NOW,
                    )
                )  # fmt: skip
        await connection.copy_records_to_table(
            "pledges",
            columns=[
                "id", "contributor_id", "kind", "title_en", "amount", "currency", "rate_to_usd",
                "amount_usd", "regional", "announced_on", "implementation_status", "visibility",
                "funding_mechanism", "allocation_stated", "created_by", "created_at",
                "updated_at", "version",
            ],
            records=pledge_rows,
        )  # fmt: skip
        await connection.copy_records_to_table(
            "pledge_countries", columns=["pledge_id", "country"], records=country_rows
        )
        await connection.copy_records_to_table(
            "pledge_objectives", columns=["pledge_id", "objective_id"], records=link_rows
        )
        await connection.copy_records_to_table(
            "allocation_lines",
            columns=["id", "pledge_id", "position", "country", "objective_id", "amount",
                     "amount_usd"],
            records=line_rows,
        )  # fmt: skip
        for start in range(0, len(entry_rows), 100_000):
            await connection.copy_records_to_table(
                "ledger_entries",
                columns=[
                    "id", "pledge_id", "entry_type", "effect", "amount", "currency",
                    "value_date", "period_date", "rate_to_usd", "amount_usd", "pledge_amount",
                    "signed_usd", "signed_pledge_amount", "recipient_country", "objective_id",
                    "allocation_line_id", "report_usd", "recorded_by", "recorded_at",
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
    await rebuild_rollups(url)


async def rebuild_rollups(url: str) -> None:
    """`mirps rollups rebuild`, then fresh planner statistics."""
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as session:
            rows = await rollups.rebuild(session)
            await session.commit()
        print(f"rollups: {rows:,} rows")
    finally:
        await engine.dispose()
    connection = await asyncpg.connect(dsn(url))
    try:
        await connection.execute("ANALYZE")
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


def report_cases() -> list[tuple[str, str, Any, Any]]:
    """(name, API path, full-scan statement, rollup statement) of each report."""
    gaps = GapFilters()
    return [
        (
            "summary by country",
            "/v1/reports/summary?group_by=country",
            summary_statement([Dimension.COUNTRY], ReportFilters()),
            rollup_summary_statement([Dimension.COUNTRY], ReportFilters()),
        ),
        (
            "summary by contributor kind x year",
            "/v1/reports/summary?group_by=contributor_kind,year",
            summary_statement([Dimension.CONTRIBUTOR_KIND, Dimension.YEAR], ReportFilters()),
            rollup_summary_statement([Dimension.CONTRIBUTOR_KIND, Dimension.YEAR], ReportFilters()),
        ),
        (
            "summary by funding mechanism",
            "/v1/reports/summary?group_by=funding_mechanism",
            summary_statement([Dimension.FUNDING_MECHANISM], ReportFilters()),
            rollup_summary_statement([Dimension.FUNDING_MECHANISM], ReportFilters()),
        ),
        (
            "gaps",
            "/v1/reports/gaps",
            gaps_report_statement(gaps, full_scan=True),
            gaps_report_statement(gaps),
        ),
        (
            "synthesis 2023-H1",
            "/v1/reports/synthesis?period=2023-H1",
            summary_statement([Dimension.COUNTRY], ReportFilters(date_to=date(2023, 6, 30))),
            rollup_summary_statement([Dimension.COUNTRY], ReportFilters(date_to=date(2023, 6, 30))),
        ),
    ]


async def timed(repeat: int, call: Callable[[], Awaitable[Any]]) -> list[float]:
    await call()  # warm-up
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


async def measure_size(args: argparse.Namespace, entries: int) -> dict[str, tuple[float, ...]]:
    """Load a ledger of `entries` and time every report; name → (API p50, p95, rollup SQL
    p50, p95, full-scan SQL p50, p95)."""
    started = time.perf_counter()
    if args.reuse:
        # The database a --keep run left (of this size): migrated to head, rollups rebuilt.
        url = (
            make_url(args.admin_url)
            .set(database=args.database)
            .render_as_string(hide_password=False)
        )
        await asyncio.to_thread(upgrade_to_head, "pledges", url)
        await rebuild_rollups(url)
    else:
        url = await recreate_database(args.admin_url, args.database)
        await asyncio.to_thread(upgrade_to_head, "pledges", url)
        # At least three entries a pledge (a commitment before two disbursements).
        await load(url, min(args.pledges, entries // 3), entries, args.seed)
    print(f"migrate + load + rollups: {time.perf_counter() - started:.1f} s")
    port = free_port()
    process = start_service(url, port)
    token = mint_token(CommonSettings(), roles=["secretariat"], sub="bench", ttl_minutes=600)
    headers = {"Authorization": f"Bearer {token}"}
    connection = await asyncpg.connect(dsn(url))
    results: dict[str, tuple[float, ...]] = {}
    try:
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}", timeout=3600, headers=headers
        ) as client:
            await wait_ready(client)
            for name, path, full_scan, rollup in [] if args.import_only else report_cases():
                full_sql, rollup_sql = raw_sql(full_scan), raw_sql(rollup)

                async def api_call(path: str = path) -> None:
                    response = await client.get(path)
                    response.raise_for_status()

                async def rollup_call(sql: str = rollup_sql) -> None:
                    await connection.fetch(sql)

                async def full_call(sql: str = full_sql) -> None:
                    await connection.fetch(sql)

                api, rolled = await timed_pair(args.repeat, api_call, rollup_call)
                full = await timed(args.full_repeat, full_call)
                results[name] = (
                    *percentiles(api),
                    *percentiles(rolled),
                    *percentiles(full),
                )
            if args.import_rows:
                await time_import(client, connection, args)
    finally:
        await connection.close()
        process.terminate()
        process.wait(timeout=30)
        if not (args.keep or args.reuse):
            admin = await asyncpg.connect(dsn(args.admin_url))
            try:
                await admin.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
            finally:
                await admin.close()
    return results


async def time_import(
    client: httpx.AsyncClient, connection: asyncpg.Connection, args: argparse.Namespace
) -> None:
    """POST the CSV, follow the job to its end, then COPY the very rows it wrote into
    empty copies of the tables: import rows/s beside COPY rows/s of the same run."""
    organisation = await client.post(
        "/v1/organisations", json={"name": "Importer", "kind": "private_sector"}
    )
    organisation.raise_for_status()
    content = import_csv(args.import_rows, organisation.json()["id"], args.seed)
    start = time.perf_counter()
    response = await client.post(
        "/v1/imports", content=content, headers={"Content-Type": "text/csv"}
    )
    if response.status_code != 202:
        raise RuntimeError(f"import refused: {response.text[:2000]}")
    job = response.json()
    while job["state"] not in ("succeeded", "failed"):
        await asyncio.sleep(0.5)
        polled = await client.get(f"/v1/imports/{job['id']}")
        if polled.status_code == 200:  # a poll may time out (503) on a loaded machine
            job = polled.json()
    elapsed = time.perf_counter() - start
    if job["state"] != "succeeded":
        raise RuntimeError(f"import failed: {job['detail']} {job['errors'][:5]}")
    written = job["rows_written"]
    copy_seconds = await time_copy(connection, organisation.json()["id"])
    import_rate, copy_rate = written / elapsed, written / copy_seconds
    print(
        f"POST /v1/imports: {written:,} rows in {elapsed:.1f} s = {import_rate:,.0f} rows/s "
        f"({len(content) / 1e6:.1f} MB)\n"
        f"COPY of the same rows: {copy_seconds:.2f} s = {copy_rate:,.0f} rows/s\n"
        f"import / COPY: {import_rate / copy_rate:.1%} (target >= 25 %: "
        f"{'met' if import_rate >= 0.25 * copy_rate else 'MISSED'})"
    )


async def time_copy(connection: asyncpg.Connection, contributor_id: str) -> float:
    """Seconds to COPY the imported pledges, their links and lines, and entries."""
    tables = {
        "pledges": "contributor_id = $1",
        "pledge_countries": "pledge_id IN (SELECT id FROM pledges WHERE contributor_id = $1)",
        "allocation_lines": "pledge_id IN (SELECT id FROM pledges WHERE contributor_id = $1)",
        "ledger_entries": "pledge_id IN (SELECT id FROM pledges WHERE contributor_id = $1)",
    }
    records = {
        table: await connection.fetch(
            f"SELECT * FROM {table} WHERE {where}",  # noqa: S608 (fixed names)
            uuid.UUID(contributor_id),
        )
        for table, where in tables.items()
    }
    for table in tables:
        await connection.execute(f"CREATE TEMP TABLE copy_{table} (LIKE {table} INCLUDING ALL)")
    start = time.perf_counter()
    for table, rows in records.items():
        await connection.copy_records_to_table(
            f"copy_{table}", records=[tuple(row.values()) for row in rows]
        )
    return time.perf_counter() - start


def print_table(by_size: dict[int, dict[str, tuple[float, ...]]]) -> None:
    sizes = sorted(by_size)
    smallest, largest = sizes[0], sizes[-1]
    print(
        "\n| entries | report | API p50 | API p95 | rollup SQL p95 | full-scan SQL p50 "
        "| full scan / API p50 |\n|---:|---|---:|---:|---:|---:|---:|"
    )
    for size in sizes:
        for name, (a50, a95, _r50, r95, f50, _f95) in by_size[size].items():
            print(
                f"| {size:,} | {name} | {a50:.1f} | {a95:.1f} | {r95:.1f} | {f50:.1f} "
                f"| {f50 / a50:.0f}x |"
            )
    print(f"\nAt {largest:,} entries (ms; targets: API p95 <= 50, >= 50x, growth < 3x):")
    for name, figures in by_size[largest].items():
        growth = figures[1] / by_size[smallest][name][1]
        verdict = (
            "met" if figures[1] <= 50 and figures[4] / figures[1] >= 50 and growth < 3 else "MISSED"
        )
        print(
            f"  {name:36} API p95 {figures[1]:6.1f}  full-scan p50 / API p95 "
            f"{figures[4] / figures[1]:4.0f}x  growth {growth:.2f}x since {smallest:,}: {verdict}"
        )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--admin-url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
    )
    parser.add_argument("--database", default="mirps_bench_ledger")
    parser.add_argument("--pledges", type=int, default=10_000)
    parser.add_argument(
        "--entries", default="10000,100000,1000000", help="Comma-separated ledger sizes."
    )
    parser.add_argument(
        "--import-rows", type=int, default=0, help="Also time an import of this many rows."
    )
    parser.add_argument(
        "--import-only", action="store_true", help="Time the import only, not the reports."
    )
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--full-repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="Keep the database afterwards.")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="Measure the database a --keep run left (one size) instead of loading a new one.",
    )
    args = parser.parse_args()
    by_size = {}
    for size in (int(text) for text in args.entries.split(",")):
        print(f"\n== {size:,} entries")
        by_size[size] = await measure_size(args, size)
    if not args.import_only:
        print_table(by_size)


if __name__ == "__main__":
    asyncio.run(main())
