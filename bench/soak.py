"""Soak: a bounded mixed load on PostgreSQL, then the same load through a database outage.

    .venv/bin/python bench/soak.py                      # 2 x 60 s, 8 clients
    .venv/bin/python bench/soak.py --seconds 180 --clients 16 --outage-seconds 10

1. Starts a PRIVATE PostgreSQL cluster (initdb + pg_ctl from --pg-bin, as the `postgres`
   OS user when run as root, on a free port, in a temporary folder, fsync on): never the
   machine's own server. Creates one database per service, migrates it, loads the demo.
2. Starts the three services and the gateway with uvicorn, with their default limits.
3. Steady run: --clients clients, each its own secretariat token, loop for --seconds over
   a mix: 50 % REST reads (pledges, practices, events pages), 25 % REST writes (a pledge,
   with an Idempotency-Key), 25 % GraphQL (20 pledges with their contributors). Prints
   throughput, p50/p95/p99 per kind, answers by status, and each process's RSS at the
   start and the end of the run.
4. Outage run: the same load; in the middle the cluster is stopped the hard way
   (`pg_ctl stop -m immediate`, as a crash), kept down --outage-seconds, and started
   again. Prints answers by status, the time from the restart to the first successful
   write and to the last failure, and the acknowledged writes missing afterwards (every
   pledge answered 201 is read back; must be 0).

Not run by the test suite; the figures go in docs/security.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.gateway import free_port, start, wait_healthy  # noqa: E402
from services.cli import load_demo  # noqa: E402
from services.common.auth import mint_token  # noqa: E402
from services.common.migrations import upgrade_to_head  # noqa: E402
from services.common.settings import CommonSettings  # noqa: E402

SERVICES = ("pledges", "practices", "events")
PG_BIN = Path("/usr/lib/postgresql/15/bin")
GRAPHQL_QUERY = "{ pledges(first: 20) { nodes { id title { en } contributor { name } } } }"
READS = (("pledges", "/v1/pledges"), ("practices", "/v1/practices"), ("events", "/v1/events"))
CLIENT_TIMEOUT = 15.0


class PrivateCluster:
    """A throw-away PostgreSQL cluster in a temporary folder, on its own port."""

    def __init__(self, pg_bin: Path) -> None:
        self.pg_bin = pg_bin
        self.folder = Path(tempfile.mkdtemp(prefix="mirps-soak-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()

    def _run(self, *command: str, check: bool = True) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *command], check=check, capture_output=True)

    def init(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        self._run(
            str(self.pg_bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres"
        )
        self.start()

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
        log = str(self.folder / "postgres.log")
        self._run(str(self.pg_bin / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", log,
                  "-w", "start")  # fmt: skip

    def crash(self) -> None:
        self._run(str(self.pg_bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")

    def remove(self) -> None:
        # check=False: after a failed restart the cluster may already be down.
        self._run(
            str(self.pg_bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "stop", check=False
        )
        shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, database: str) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"


@dataclass
class Sample:
    kind: str
    started: float
    seconds: float
    status: str


@dataclass
class Load:
    """What one run observed."""

    samples: list[Sample] = field(default_factory=list)
    acknowledged: list[str] = field(default_factory=list)


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def one_request(
    client: httpx.AsyncClient, urls: dict[str, str], rng: random.Random, contributors: list[str]
) -> tuple[str, httpx.Response]:
    roll = rng.random()
    if roll < 0.5:
        service, path = rng.choice(READS)
        return "read", await client.get(f"{urls[service]}{path}", params={"limit": 20})
    if roll < 0.75:
        body = {
            "contributor_id": rng.choice(contributors),
            "kind": "financial",
            "title": {"es": "Promesa de carga", "en": "Soak pledge"},
            "amount": {"amount": f"{rng.randint(1, 500) * 1000}", "currency": "USD"},
            "recipient_countries": ["GTM"],
            "announced_on": "2023-03-01",
        }
        headers = {"Idempotency-Key": uuid.uuid4().hex}
        return "write", await client.post(
            f"{urls['pledges']}/v1/pledges", json=body, headers=headers
        )
    response = await client.post(f"{urls['gateway']}/graphql", json={"query": GRAPHQL_QUERY})
    if response.status_code == 200 and response.json().get("errors"):
        response.status_code = 299  # a GraphQL answer with errors: counted apart
    return "graphql", response


async def client_loop(
    index: int, urls: dict[str, str], contributors: list[str], until: float, load: Load
) -> None:
    token = mint_token(CommonSettings(), roles=["secretariat"], sub=f"soak-{index}", ttl_minutes=60)
    rng = random.Random(index)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(headers=headers, timeout=CLIENT_TIMEOUT) as client:
        while time.monotonic() < until:
            started = time.monotonic()
            try:
                kind, response = await one_request(client, urls, rng, contributors)
                status = str(response.status_code)
                if kind == "write" and response.status_code == 201:
                    load.acknowledged.append(response.json()["id"])
            except httpx.TimeoutException:
                kind, status = "?", "timeout"
            except httpx.TransportError as exc:
                kind, status = "?", type(exc).__name__
            load.samples.append(Sample(kind, started, time.monotonic() - started, status))
            if not status.startswith("2"):
                await asyncio.sleep(0.05)  # a failing client backs off a little


def percentile(values: list[float], share: float) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[int(share * 100) - 1]


def report(title: str, load: Load, seconds: float) -> None:
    samples = load.samples
    ok = [sample for sample in samples if sample.status.startswith("2")]
    print(f"\n== {title}: {len(samples)} requests in {seconds:.0f} s = "
          f"{len(samples) / seconds:.1f} req/s ({len(ok) / seconds:.1f} successful/s)")  # fmt: skip
    for kind in ("read", "write", "graphql"):
        times = [s.seconds * 1000 for s in ok if s.kind == kind]
        if times:
            p50, p95, p99 = (percentile(times, share) for share in (0.5, 0.95, 0.99))
            print(f"  {kind:<8} n={len(times):>6}  p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  "
                  f"p99 {p99:7.1f} ms")  # fmt: skip
    statuses = Counter(sample.status for sample in samples)
    print("  answers by status: " + ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items())))


async def missing_writes(urls: dict[str, str], ids: list[str]) -> int:
    token = mint_token(CommonSettings(), roles=["secretariat"], sub="soak-check")
    semaphore = asyncio.Semaphore(8)
    async with httpx.AsyncClient(
        headers={"Authorization": f"Bearer {token}"}, timeout=30
    ) as client:

        async def missing(pledge_id: str) -> bool:
            async with semaphore:
                response = await client.get(f"{urls['pledges']}/v1/pledges/{pledge_id}")
                return response.status_code != 200

        return sum(await asyncio.gather(*(missing(pledge_id) for pledge_id in ids)))


async def run_load(
    urls: dict[str, str], contributors: list[str], args: argparse.Namespace
) -> tuple[Load, float]:
    load = Load()
    started = time.monotonic()
    until = started + args.seconds
    await asyncio.gather(
        *(client_loop(i, urls, contributors, until, load) for i in range(args.clients))
    )
    return load, time.monotonic() - started


async def outage(cluster: PrivateCluster, args: argparse.Namespace) -> tuple[float, float]:
    """Crash the cluster half-way through the run, restart it; (down at, up at)."""
    await asyncio.sleep(max(args.seconds / 2 - args.outage_seconds / 2, 1))
    down = time.monotonic()
    await asyncio.to_thread(cluster.crash)
    print(f"  database crashed (pg_ctl stop -m immediate) for {args.outage_seconds} s")
    await asyncio.sleep(args.outage_seconds)
    await asyncio.to_thread(cluster.start)
    return down, time.monotonic()


def recovery(load: Load, up: float) -> None:
    after = [sample for sample in load.samples if sample.started >= up]
    writes = [s for s in after if s.kind == "write" and s.status == "201"]
    failures = [s for s in load.samples if not s.status.startswith("2")]
    first_write = min((s.started + s.seconds for s in writes), default=float("nan")) - up
    last_failure = max((s.started + s.seconds for s in failures), default=up) - up
    slowest = max((s.seconds for s in failures), default=0.0)
    print(f"  {len(failures)} failed requests, the slowest answered in {slowest:.2f} s")
    print(f"  first acknowledged write {first_write:.2f} s after the database was back; "
          f"last failure {max(last_failure, 0):.2f} s after")  # fmt: skip


async def contributors_of(urls: dict[str, str]) -> list[str]:
    token = mint_token(CommonSettings(), roles=["secretariat"], sub="soak-setup")
    async with httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"}) as client:
        response = await client.get(f"{urls['pledges']}/v1/organisations", params={"limit": 50})
        response.raise_for_status()
        return [item["id"] for item in response.json()["items"]]


async def soak(cluster: PrivateCluster, args: argparse.Namespace) -> None:
    import asyncpg

    admin = await asyncpg.connect(host="127.0.0.1", port=cluster.port, user="postgres")
    for service in SERVICES:
        await admin.execute(f'CREATE DATABASE "mirps_soak_{service}"')
    await admin.close()
    env = dict(os.environ, MIRPS_ENVIRONMENT="development", MIRPS_LOG_LEVEL="WARNING")
    ports = {name: free_port() for name in (*SERVICES, "gateway")}
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    for service in SERVICES:
        url = cluster.url(f"mirps_soak_{service}")
        await asyncio.to_thread(upgrade_to_head, service, url)
        await load_demo(service, url)
        env[f"{service.upper()}_DATABASE_URL"] = url
        env[f"GATEWAY_{service.upper()}_URL"] = urls[service]
    processes = {s: start(f"services.{s}.app:create_app", ports[s], env) for s in SERVICES}
    processes["gateway"] = start("gateway.app:create_app", ports["gateway"], env)
    try:
        wait_healthy(list(urls.values()))
        contributors = await contributors_of(urls)
        before = {name: rss_mib(process.pid) for name, process in processes.items()}
        load, seconds = await run_load(urls, contributors, args)
        after = {name: rss_mib(process.pid) for name, process in processes.items()}
        report(f"steady, {args.clients} clients", load, seconds)
        for name in processes:
            print(
                f"  RSS {name:<9} {before[name]:6.1f} MiB at start, {after[name]:6.1f} MiB at end"
            )
        print(f"  acknowledged writes missing: {await missing_writes(urls, load.acknowledged)}"
              f" of {len(load.acknowledged)}")  # fmt: skip

        print(f"\n== outage run, {args.clients} clients")
        (load, seconds), (_down, up) = await asyncio.gather(
            run_load(urls, contributors, args), outage(cluster, args)
        )
        report(f"with a {args.outage_seconds} s database outage", load, seconds)
        recovery(load, up)
        missing = await missing_writes(urls, load.acknowledged)
        print(f"  acknowledged writes missing: {missing} of {len(load.acknowledged)} (must be 0)")
        for name, process in processes.items():
            if process.poll() is None:
                rss = rss_mib(process.pid)
                print(f"  {name:<9} still running without a restart, RSS {rss:.1f} MiB")
            else:
                print(f"  {name:<9} exited with code {process.returncode}")
    finally:
        for process in processes.values():
            process.terminate()
        for process in processes.values():
            process.wait(timeout=20)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=60, help="Length of each run.")
    parser.add_argument("--clients", type=int, default=8, help="Concurrent clients.")
    parser.add_argument("--outage-seconds", type=float, default=10)
    parser.add_argument("--pg-bin", type=Path, default=PG_BIN, help="initdb and pg_ctl here.")
    args = parser.parse_args()
    cluster = PrivateCluster(args.pg_bin)
    cluster.init()
    print(f"private PostgreSQL cluster on port {cluster.port} in {cluster.folder}")
    try:
        asyncio.run(soak(cluster, args))
    finally:
        cluster.remove()


if __name__ == "__main__":
    main()
