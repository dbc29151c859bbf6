"""Schemathesis with every check against each service's OpenAPI document.

Each service runs in a real uvicorn server (in a thread) on a fresh migrated SQLite database
and the Schemathesis CLI drives it as a partner would: all phases (the documents' examples,
coverage of every declared constraint, fuzzing, stateful sequences through the links), all
checks (status codes, content types, headers and bodies conform to the document; valid data
is accepted and invalid data refused; missing auth and unsupported methods are refused;
deleted resources stay gone), signed in as the secretariat so writes are exercised. Settings
are in schemathesis.toml next to this file; the few refusals no schema can express are named
in schemathesis_hooks.py.

The contract is the same on PostgreSQL; the database-level behaviour under generated input
is covered on both backends by test_no_server_errors.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Databases, auth_headers
from tests.contract.conftest import SERVICES, served
from tests.results.conftest import UPSTREAMS, DownTransport

HERE = Path(__file__).parent
ROOT = HERE.parent.parent
SECRETARIAT = auth_headers("secretariat", sub="schemathesis")["Authorization"]


@pytest.fixture(params=SERVICES)
def service_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The service on a fresh migrated SQLite database, served by uvicorn on a free port."""
    name: str = request.param
    extra = {"transports": dict.fromkeys(UPSTREAMS, DownTransport())} if name == "results" else {}
    with served(name, Databases("sqlite", tmp_path), **extra) as base:
        yield base


def test_every_check_passes(service_url: str, tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(HERE / "schemathesis.toml"),
        "--no-color",
        "run",
        f"{service_url}/openapi.json",
        "--checks",
        "all",
        "--header",
        f"Authorization: {SECRETARIAT}",
        "--no-shrink",
        "--report",
        "json",
        "--report-json-path",
        str(report),
    ]
    environment = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "tests.contract.schemathesis_hooks",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    run = subprocess.run(
        command, cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=600
    )
    sections = [run.stdout.find(f"=== {name}") for name in ("ERRORS", "FAILURES", "SUMMARY")]
    findings = run.stdout[min(at for at in sections if at >= 0) :] if max(sections) >= 0 else ""
    assert run.returncode == 0, f"{findings}\n{run.stderr[-3000:]}"
    totals = json.loads(report.read_text())
    print(findings[findings.find("=== SUMMARY") :], json.dumps(totals)[:300])
