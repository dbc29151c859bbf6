"""The pledge walkthrough (docs/walkthroughs/pledge-in-eur.sh) runs as written against a real
pledges service with no demo data — twice in a row, with the same results (fresh
Idempotency-Keys; nothing collides)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from services.common.migrations import upgrade_to_head
from tests.e2e.runner import MIRPS, free_port_block

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "docs" / "walkthroughs" / "pledge-in-eur.sh"


def start(url: str, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PLEDGES_DATABASE_URL": url, "MIRPS_LOG_LEVEL": "WARNING"}
    return subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "services.pledges.app:create_app",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip


def wait_ready(port: int) -> None:
    for _ in range(300):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError("the pledges service did not start")


def test_the_pledge_walkthrough_runs_twice_in_a_row(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'pledges.db'}"
    upgrade_to_head("pledges", url)
    port = free_port_block(1)
    service = start(url, port)
    try:
        wait_ready(port)
        outputs = [
            subprocess.run(
                ["bash", str(SCRIPT)],
                cwd=ROOT,
                env={
                    **os.environ,
                    "PLEDGES_API": f"http://127.0.0.1:{port}/v1",
                    "MIRPS": MIRPS,
                    "MIRPS_ENVIRONMENT": "development",
                },
                capture_output=True,
                text=True,
                timeout=120,
                check=True,
            ).stdout
            for _ in range(2)
        ]
    finally:
        service.terminate()
        service.wait(timeout=30)
    for output in outputs:
        assert '"type": "/problems/over-disbursement"' in output.replace('":"', '": "')
        assert '"financial_status": "partially_disbursed"' in output
        assert '"gap_usd": "1376000.00"' in output
        assert '"coverage_percent": "31.20"' in output
        assert "idempotency-key-reused" not in output
        assert "null/entries" not in output
