"""`mirps up` as real processes: four services and the gateway, health through the gateway,
clean stop."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time

import pytest

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


def test_up_runs_four_services_and_the_gateway_and_survives_a_dead_service(tmp_path) -> None:
    platform = start_platform(tmp_path / "data")
    try:
        pids = platform.pids()
        assert set(pids) == {"gateway", "pledges", "practices", "events", "results"}
        assert set(_readiness(platform).values()) == {True}

        os.kill(pids["pledges"], signal.SIGKILL)
        deadline = time.monotonic() + 10
        while _readiness(platform)["pledges"] and time.monotonic() < deadline:
            time.sleep(0.2)
        readiness = _readiness(platform)
        assert readiness.pop("pledges") is False
        assert set(readiness.values()) == {True}
    finally:
        code = platform.stop()
    assert code == 0
    deadline = time.monotonic() + 10
    while not all(_gone(pid) for pid in pids.values()) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert all(_gone(pid) for pid in pids.values()), "Ctrl-C left processes running"


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
