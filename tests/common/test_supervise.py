"""The supervisor of `mirps up`: a process that keeps crashing is restarted ever more slowly."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from services.supervise import BACKOFF_MAX_SECONDS, Supervisor, backoff_seconds


def test_backoff_doubles_up_to_a_ceiling() -> None:
    assert [backoff_seconds(n) for n in (1, 2, 3, 4)] == [0.5, 1.0, 2.0, 4.0]
    assert backoff_seconds(20) == BACKOFF_MAX_SECONDS


def test_a_crashing_process_is_restarted_with_growing_delays(tmp_path: Path) -> None:
    reports: list[str] = []
    supervisor = Supervisor(
        {"crasher": [sys.executable, "-c", "raise SystemExit(3)"]},
        {"crasher": "http://127.0.0.1:9"},
        {},
        tmp_path / "run.json",
        reports.append,
    )
    supervisor.start_all()
    deadline = time.monotonic() + 20
    while supervisor.children["crasher"].restarts < 2 and time.monotonic() < deadline:
        supervisor.tick()
        time.sleep(0.05)
    supervisor.stop_all()

    exits = [line for line in reports if "exited" in line]
    assert all("exited with code 3" in line for line in exits)
    assert exits[0].endswith("restarting in 0.5 s")
    assert exits[1].endswith("restarting in 1 s")
    assert "mirps: crasher restarted" in reports[1]
    state = json.loads((tmp_path / "run.json").read_text())
    assert state["crasher"]["restarts"] == 2
    assert state["crasher"]["last_exit_code"] == 3
