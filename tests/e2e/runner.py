"""Start `mirps up` as real processes on free ports, for end-to-end tests."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from services.cli import port_is_free

MIRPS = str(Path(sys.executable).parent / "mirps")
STARTUP_SECONDS = 180


def free_port_block(size: int = 5) -> int:
    """A base port whose next `size` ports are all free."""
    for _ in range(200):
        base = random.randrange(20_000, 60_000)
        if all(port_is_free("127.0.0.1", base + offset) for offset in range(size)):
            return base
    raise RuntimeError("no free block of ports")


@dataclass
class RunningPlatform:
    process: subprocess.Popen[bytes]
    base_port: int
    data_dir: Path
    log: Path

    @property
    def gateway(self) -> str:
        return f"http://127.0.0.1:{self.base_port}"

    def pids(self) -> dict[str, int]:
        run = json.loads((self.data_dir / "run.json").read_text())
        return {name: entry["pid"] for name, entry in run.items()}

    def graphql(self, query: str, variables: dict[str, object] | None = None) -> dict[str, object]:
        response = httpx.post(
            f"{self.gateway}/graphql",
            json={"query": query, "variables": variables or {}},
            timeout=30,
        )
        response.raise_for_status()
        body: dict[str, object] = response.json()
        return body

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


def start_platform(data_dir: Path, *extra: str) -> RunningPlatform:
    base = free_port_block(7)
    data_dir.mkdir(parents=True, exist_ok=True)
    log = data_dir / "mirps-up.log"
    env = {**os.environ, "MIRPS_ENVIRONMENT": "development"}
    with log.open("wb") as handle:
        process = subprocess.Popen(
            [MIRPS, "up", "--data-dir", str(data_dir), "--port", str(base), *extra],
            stdout=handle,
            stderr=subprocess.STDOUT,
            env=env,
        )
    platform = RunningPlatform(process, base, data_dir, log)
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"mirps up exited early:\n{log.read_text()}")
        if b"Ctrl-C stops everything" in log.read_bytes():
            return platform
        time.sleep(0.3)
    platform.stop()
    raise RuntimeError(f"mirps up did not come up in time:\n{log.read_text()}")
