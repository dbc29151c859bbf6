"""A service started the way its container starts it: production settings, PostgreSQL, uvicorn."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.deploy.conftest import PROCESSES, REPO, option
from tests.deploy.test_observability import parse_exposition

STARTUP_SECONDS = 30.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def production_environment(database_url: str) -> dict[str, str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("MIRPS_", "PLEDGES_", "OTEL_"))
    }
    environment.update(
        {
            "MIRPS_ENVIRONMENT": "production",
            # Only fetched when a bearer token arrives; nothing listens there.
            "MIRPS_JWT_JWKS_URL": "http://127.0.0.1:9/.well-known/jwks.json",
            "MIRPS_JWT_ISSUER": "https://login.example.org/",
            "PLEDGES_DATABASE_URL": database_url,
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    return environment


def container_command(port: int) -> list[str]:
    """The command the manifests give the pledges container, on another port."""
    target, _ = PROCESSES["pledges"]
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        target,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-access-log",
        "--timeout-graceful-shutdown",
        "5",
    ]


@pytest.fixture
def log_file(tmp_path: Path) -> Path:
    return tmp_path / "pledges.log"


def wait_until_healthy(process: subprocess.Popen[bytes], base_url: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the service exited with {process.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"{base_url}/healthz", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    pytest.fail(f"the service did not answer /healthz in {STARTUP_SECONDS} s:\n{log.read_text()}")


def test_production_service_on_postgresql_serves_and_exposes_metrics(
    backend: str, databases: object, log_file: Path
) -> None:
    if backend != "postgresql":
        pytest.skip("production runs on PostgreSQL; the SQLite refusal has its own test")
    url = databases.migrated("pledges")  # type: ignore[attr-defined]
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    with log_file.open("wb") as log:
        process = subprocess.Popen(
            container_command(port),
            cwd=REPO,
            env=production_environment(url),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_healthy(process, base_url, log_file)
        assert httpx.get(f"{base_url}/readyz", timeout=5).json() == {"status": "ready"}
        assert httpx.get(f"{base_url}/docs", timeout=5).status_code == 200

        scraped = httpx.get(f"{base_url}/metrics", timeout=5)
        assert scraped.status_code == 200
        metrics = parse_exposition(scraped.text)
        ready = {"method": "GET", "route": "/readyz", "status": "200"}
        assert metrics.get_sample_value("mirps_http_requests_total", ready) == 1
        assert metrics.get_sample_value("mirps_http_request_duration_seconds_count", ready) == 1
        assert metrics.get_sample_value("mirps_db_pool_connections_in_use") == 0
        assert metrics.get_sample_value("mirps_db_pool_connections_max") == 20
        assert (metrics.get_sample_value("process_resident_memory_bytes") or 0) > 0

        process.send_signal(signal.SIGTERM)
        # uvicorn finishes in-flight requests, runs the lifespan's shutdown, then re-raises
        # the signal so the exit status tells how it stopped.
        assert process.wait(timeout=15) in (0, -signal.SIGTERM)
        assert "Application shutdown complete" in log_file.read_text()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_production_service_refuses_to_start_on_sqlite(tmp_path: Path) -> None:
    environment = production_environment(f"sqlite+aiosqlite:///{tmp_path / 'pledges.db'}")
    result = subprocess.run(
        container_command(free_port()),
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode != 0
    assert "refuses SQLite" in result.stdout + result.stderr
    assert option(container_command(1), "--timeout-graceful-shutdown") == "5"


def test_sigterm_lets_in_flight_requests_finish(tmp_path: Path, log_file: Path) -> None:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    command = container_command(port)
    command[command.index(PROCESSES["pledges"][0])] = "tests.deploy.slow_app:create_app"
    environment = production_environment(f"sqlite+aiosqlite:///{tmp_path / 'slow.db'}")
    environment["MIRPS_ENVIRONMENT"] = "development"
    with log_file.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=REPO, env=environment, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        wait_until_healthy(process, base_url, log_file)
        with httpx.Client(timeout=10) as client:
            pending = ThreadPoolExecutor(max_workers=1).submit(
                client.get, f"{base_url}/slow", params={"seconds": 1.5}
            )
            time.sleep(0.5)  # the request is in flight
            process.send_signal(signal.SIGTERM)
            response = pending.result(timeout=10)
        assert response.status_code == 200
        assert response.json() == {"slept": 1.5}
        assert process.wait(timeout=10) in (0, -signal.SIGTERM)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
