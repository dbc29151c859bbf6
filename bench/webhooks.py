"""Benchmark of webhook delivery latency on PostgreSQL under a steady write load.

    .venv/bin/python bench/webhooks.py                       # 20 writes/s for 30 s
    .venv/bin/python bench/webhooks.py --rate 50 --seconds 60 --poll 0.1

1. Creates a throw-away pledges database on the server of --admin-url and migrates it.
2. Starts the pledges service with uvicorn on it, a webhook receiver on a free port, and
   the worker's delivery loop (services.worker, one dispatcher) with --poll seconds
   between idle rounds (the worker's default is 0.5 s).
3. Subscribes the receiver, then POSTs --rate organisations per second for --seconds.
   Latency of an event = the receiver's clock when the signed POST arrives minus the
   event's `time` (taken inside the writing transaction, just before its commit).

Prints p50/p95/max of the latency, and as a floor measured in the same run the p50 of a
signed POST of the same size straight to the receiver (what one delivery costs without
the outbox, the queue and the poll). Not run by the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from services.common.auth import mint_token  # noqa: E402
from services.common.db import make_engine, make_sessionmaker  # noqa: E402
from services.common.dispatcher import DeliveryPolicy, Dispatcher  # noqa: E402
from services.common.migrations import upgrade_to_head  # noqa: E402
from services.common.settings import CommonSettings  # noqa: E402
from services.pledges.changes import webhooks  # noqa: E402
from services.worker import _loop  # noqa: E402

DEFAULT_ADMIN = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Receiver:
    """A webhook endpoint that notes when each event arrived."""

    def __init__(self) -> None:
        self.arrivals: list[tuple[float, dict[str, Any]]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                receiver.arrivals.append((time.time(), json.loads(body)))
                self.send_response(204)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return None

        class Server(ThreadingHTTPServer):
            request_queue_size = 256

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.server.shutdown()
        self.server.server_close()


async def admin(url: str, statement: str) -> None:
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def start_service(database_url: str, port: int) -> subprocess.Popen[bytes]:
    env = {
        "PATH": "/usr/bin:/bin",
        "PLEDGES_DATABASE_URL": database_url,
        "MIRPS_ENVIRONMENT": "development",
        "MIRPS_RATE_LIMIT": "",
        "MIRPS_LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "uvicorn", "--factory", "services.pledges.app:create_app"]
    command += ["--port", str(port), "--no-access-log", "--log-level", "warning"]
    return subprocess.Popen(command, cwd=ROOT, env=env)


async def wait_healthy(base: str) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(300):
            try:
                if (await client.get(f"{base}/healthz")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError("the pledges service did not start")


async def write_load(base: str, headers: dict[str, str], rate: float, seconds: float) -> int:
    """POST `rate` organisations per second for `seconds`; returns how many were written."""
    written = 0
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=10) as client:
        start = time.perf_counter()
        total = int(rate * seconds)
        for number in range(total):
            await asyncio.sleep(max(0.0, start + number / rate - time.perf_counter()))
            body = {"name": f"Bench org {number}", "kind": "civil_society"}
            response = await client.post("/v1/organisations", json=body)
            response.raise_for_status()
            written += 1
    return written


async def floor_ms(url: str, samples: int = 200) -> float:
    """p50 of a signed-size POST straight to the receiver, in ms."""
    body = json.dumps({"specversion": "1.0", "id": str(uuid.uuid4()), "data": {"x": "y" * 200}})
    timings = []
    async with httpx.AsyncClient() as client:
        for _ in range(samples):
            start = time.perf_counter()
            await client.post(url, content=body, headers={"content-type": "application/json"})
            timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def run(args: argparse.Namespace) -> None:
    name = f"mirps_bench_webhooks_{uuid.uuid4().hex[:8]}"
    await admin(args.admin_url, f'CREATE DATABASE "{name}"')
    database_url = make_url(args.admin_url).set(database=name).render_as_string(False)
    service: subprocess.Popen[bytes] | None = None
    try:
        await asyncio.to_thread(upgrade_to_head, "pledges", database_url)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        service = start_service(database_url, port)
        await wait_healthy(base)
        token = mint_token(CommonSettings(environment="development"), roles=("secretariat",))
        headers = {"Authorization": f"Bearer {token}"}
        with Receiver() as receiver:
            async with httpx.AsyncClient() as http:
                answer = await http.post(
                    f"{base}/v1/webhook-subscriptions",
                    json={"url": receiver.url},
                    headers=headers,
                )
                answer.raise_for_status()
                floor = await floor_ms(receiver.url)
                receiver.arrivals.clear()
                engine = make_engine(database_url)
                dispatcher = Dispatcher(
                    webhooks,
                    make_sessionmaker(engine),
                    http,
                    allow_private=True,
                    policy=DeliveryPolicy(),
                )
                loop = asyncio.create_task(_loop([dispatcher], args.poll))
                written = await write_load(base, headers, args.rate, args.seconds)
                for _ in range(300):  # at most 30 s for the last deliveries
                    if len(receiver.arrivals) >= written:
                        break
                    await asyncio.sleep(0.1)
                loop.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await loop
                await engine.dispose()
        latencies = [
            (arrived - datetime.fromisoformat(event["time"]).astimezone(UTC).timestamp()) * 1000
            for arrived, event in receiver.arrivals
        ]
        print(f"writes: {written} at {args.rate}/s for {args.seconds:g} s; poll {args.poll:g} s")
        print(f"delivered: {len(latencies)}")
        p50, p95 = statistics.median(latencies), percentile(latencies, 0.95)
        print(
            f"event-to-webhook latency: p50 {p50:.1f} ms, p95 {p95:.1f} ms, "
            f"max {max(latencies):.1f} ms"
        )
        print(f"floor (direct POST to the receiver, p50): {floor:.2f} ms")
        print(f"ratios: p50/floor {p50 / floor:.0f}x, p95/floor {p95 / floor:.0f}x")
    finally:
        if service is not None:
            service.terminate()
            service.wait(10)
        await admin(args.admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--admin-url", default=DEFAULT_ADMIN)
    parser.add_argument("--rate", type=float, default=20.0, help="writes per second")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--poll", type=float, default=0.5, help="worker idle pause, seconds")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
