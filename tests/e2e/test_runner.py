"""`mirps up` as real processes: four services and the gateway, health through the gateway,
clean stop."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time

import httpx
import pytest

from services.cli import SERVICE_PORT_OFFSETS
from tests.e2e.runner import MIRPS, free_port_block, start_platform

pytestmark = pytest.mark.e2e

HEALTH = "{ health { service ready error } }"


def _readiness(platform) -> dict[str, bool]:
    body = platform.graphql(HEALTH)
    return {row["service"]: row["ready"] for row in body["data"]["health"]}


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def _answers(platform, name: str) -> bool:
    """The service's own /readyz answers (asked directly: the gateway may answer a health
    query from its short anonymous cache)."""
    port = platform.base_port + SERVICE_PORT_OFFSETS[name]
    try:
        return httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _restarted_pid(platform, name: str, old_pid: int, seconds: float = 30) -> int:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        pid = platform.pids()[name]
        if pid != old_pid and _answers(platform, name):
            return pid
        time.sleep(0.2)
    raise AssertionError(f"{name} was not restarted:\n{platform.log.read_text()}")


def test_up_runs_every_process_and_restarts_a_crashed_one(tmp_path) -> None:
    platform = start_platform(tmp_path / "data")
    try:
        pids = platform.pids()
        assert set(pids) == {
            "portal",
            "gateway",
            "pledges",
            "practices",
            "events",
            "results",
            "worker",
        }
        printed = platform.log.read_text()
        portal_line = f"portal    http://127.0.0.1:{platform.base_port + 5}/"
        assert printed.index(portal_line) < printed.index("gateway   http://"), "portal first"
        assert set(_readiness(platform).values()) == {True}

        os.kill(pids["pledges"], signal.SIGKILL)
        new_pid = _restarted_pid(platform, "pledges", pids["pledges"])

        assert set(_readiness(platform).values()) == {True}
        log = platform.log.read_text()
        assert "mirps: pledges exited with code -9" in log
        assert f"mirps: pledges restarted (pid {new_pid}, restart 1)" in log
        health = subprocess.run(
            [MIRPS, "health", "--data-dir", str(platform.data_dir)],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert health.returncode == 0, health.stdout + health.stderr
        rows = {line.split()[0]: line.split() for line in health.stdout.splitlines()[1:]}
        assert rows["pledges"] == ["pledges", str(new_pid), "1", "-9", "ok"]
        assert rows["events"] == ["events", str(pids["events"]), "0", "-", "ok"]
    finally:
        code = platform.stop()
    assert code == 0
    every_pid = [*pids.values(), new_pid]
    deadline = time.monotonic() + 10
    while not all(_gone(pid) for pid in every_pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert all(_gone(pid) for pid in every_pid), "Ctrl-C left processes running"


def test_up_refuses_a_taken_port_with_one_line(tmp_path) -> None:
    base = free_port_block()
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", base + 2))
        squatter.listen()
        result = subprocess.run(
            [MIRPS, "up", "--data-dir", str(tmp_path), "--port", str(base), "--no-demo"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"mirps: port {base + 2} (practices) is already in use; pick another base with --port"
    )
