"""The process supervisor of `mirps up`: start each process, restart a crashed one with
exponential backoff, and keep a state file (`run.json`) that `mirps health` reads."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

BACKOFF_FIRST_SECONDS = 0.5
BACKOFF_MAX_SECONDS = 30.0
# A process that ran this long before exiting crashed afresh: its backoff starts over.
STABLE_SECONDS = 60.0
STOP_GRACE_SECONDS = 15.0


def backoff_seconds(consecutive_crashes: int) -> float:
    """0.5 s after the first crash in a row, then 1, 2, 4 … up to 30 s."""
    exponent = max(consecutive_crashes - 1, 0)
    return float(min(BACKOFF_FIRST_SECONDS * 2**exponent, BACKOFF_MAX_SECONDS))


@dataclass
class Child:
    """One supervised process and its history."""

    name: str
    command: list[str]
    url: str
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    restarts: int = 0
    consecutive_crashes: int = 0
    last_exit_code: int | None = None
    restart_at: float | None = None

    def state(self) -> dict[str, object]:
        return {
            "pid": self.process.pid if self.process else None,
            "url": self.url,
            "restarts": self.restarts,
            "last_exit_code": self.last_exit_code,
        }


class Supervisor:
    """Runs the children; `tick()` notices exits and restarts them when their backoff is up."""

    def __init__(
        self,
        commands: Mapping[str, list[str]],
        urls: Mapping[str, str],
        env: Mapping[str, str],
        state_file: Path,
        report: Callable[[str], None],
    ) -> None:
        self.children = {
            name: Child(name, list(command), urls[name]) for name, command in commands.items()
        }
        self.env = dict(env)
        self.state_file = state_file
        self.report = report

    def processes(self) -> dict[str, subprocess.Popen[bytes]]:
        return {name: child.process for name, child in self.children.items() if child.process}

    def start_all(self) -> None:
        for child in self.children.values():
            self._start(child)

    def _start(self, child: Child) -> None:
        child.process = subprocess.Popen(child.command, env=self.env)  # noqa: S603 - our own
        child.started_at = time.monotonic()
        child.restart_at = None

    def tick(self) -> None:
        """Handle every child that exited or whose restart is due."""
        now = time.monotonic()
        for child in self.children.values():
            if child.restart_at is not None:
                if now >= child.restart_at:
                    self._restart(child)
            elif child.process is not None and child.process.poll() is not None:
                self._schedule_restart(child, now)

    def _schedule_restart(self, child: Child, now: float) -> None:
        assert child.process is not None
        child.last_exit_code = child.process.returncode
        ran_for = now - child.started_at
        child.consecutive_crashes = (
            1 if ran_for >= STABLE_SECONDS else child.consecutive_crashes + 1
        )
        delay = backoff_seconds(child.consecutive_crashes)
        child.restart_at = now + delay
        self.report(
            f"mirps: {child.name} exited with code {child.last_exit_code} after {ran_for:.1f} s; "
            f"restarting in {delay:g} s"
        )
        self.write_state()

    def _restart(self, child: Child) -> None:
        self._start(child)
        child.restarts += 1
        assert child.process is not None
        self.report(
            f"mirps: {child.name} restarted (pid {child.process.pid}, restart {child.restarts})"
        )
        self.write_state()

    def write_state(self) -> None:
        states = {name: child.state() for name, child in self.children.items()}
        temporary = self.state_file.with_suffix(".tmp")
        temporary.write_text(json.dumps(states))
        temporary.replace(self.state_file)  # readers never see half a file

    def stop_all(self) -> None:
        """SIGTERM every running child, then SIGKILL what is left after the grace period."""
        running = [p for p in self.processes().values() if p.poll() is None]
        for process in running:
            process.terminate()
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for process in running:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
