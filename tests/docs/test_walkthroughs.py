"""Every shell walkthrough of the docs runs, as written, against a live platform on SQLite
with the demo data (`mirps up` on free ports), so the docs cannot rot."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.cli import SERVICE_PORT_OFFSETS
from tests.e2e.runner import MIRPS, RunningPlatform, start_platform

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
WALKTHROUGHS = ROOT / "docs" / "walkthroughs"

# What a reader of each walkthrough sees when it worked (the comments in the scripts say so).
EXPECTED: dict[str, list[str]] = {
    "tokens.sh": ["IDB is ", "pledges anyone sees: ", "pledges SECRETARIAT sees: "],
    "pledge-in-eur.sh": [
        '"type": "/problems/over-disbursement"',
        '"financial_status": "partially_disbursed"',
        '"gap_usd": "1376000.00"',
        '"coverage_percent": "31.20"',
    ],
    "bulk-import.sh": [
        "'state': 'succeeded'",
        "'rows_written': 0",
        "'errors': []",
        "iati-activities 2.03 ",
    ],
    "grf-pledge-cycle.sh": [
        "/problems/pledge-not-found",
        "match: under_discussion\nmatch: agreed\n",
        "agreed for the GRF: True",
        "announced: announced 2023-12-14 500000.0000",
        "announced at the GRF: True",
        "2024-06-30\n",
        "in the 2023-H2 synthesis: True",
    ],
    "partner-sync.sh": [
        "subscribed: active secret whsec_",
        "received: org.mirps.pledge.entry_recorded pledges/",
        "fetched: commitment",
        '"state": "delivered"',
        '"last_status": 204',
    ],
    "practice-review.sh": [
        "/problems/practice-not-found",
        "published\n",
        "/problems/invalid-transition",
        '"total": 1,',
        '"contacts": null',
    ],
    "documents.sh": [
        "minutes Acta de la reunión\n",
        "1. Compromisos anunciados.",
    ],
    "event-organiser.sh": [
        '"warnings"',
        "scheduled\nregistered\nregistered\nwaitlisted\n",
        '"waitlisted": 0',
        "held\nplanned\n",
        "BEGIN:VCALENDAR",
        "SUMMARY:Evento de aprendizaje: inclusión financiera",
    ],
    "results-progress.sh": [
        '{"errors": {}}',
        "2.1.4,achieved,private-sector-commitments,",
    ],
    "graphql-first-steps.sh": [
        '"service": "pledges","ready": true',
        '"financialStatus": "PARTIALLY_COMMITTED"',
        '"amountUsd": "250000.0000"',
    ],
}


def scripts() -> list[str]:
    return sorted(path.name for path in WALKTHROUGHS.glob("*.sh") if path.name != "common.sh")


def test_every_walkthrough_has_its_expectations() -> None:
    assert scripts() == sorted(EXPECTED)


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningPlatform]:
    running = start_platform(tmp_path_factory.mktemp("walkthroughs") / "data")
    yield running
    running.stop()


def environment(platform: RunningPlatform) -> dict[str, str]:
    base = platform.base_port
    apis = {
        f"{service.upper()}_API": f"http://127.0.0.1:{base + offset}/v1"
        for service, offset in SERVICE_PORT_OFFSETS.items()
    }
    return {
        **os.environ,
        **apis,
        "GRAPHQL_URL": f"{platform.gateway}/graphql",
        "MIRPS": MIRPS,
        "MIRPS_ENVIRONMENT": "development",
    }


@pytest.mark.parametrize("script", sorted(EXPECTED))
def test_the_walkthrough_runs_against_the_demo_platform(
    script: str, platform: RunningPlatform
) -> None:
    text = (WALKTHROUGHS / script).read_text(encoding="utf-8")
    assert "set -euo pipefail" in text
    assert "<" + "organisation-id>" not in text
    done = subprocess.run(
        ["bash", str(WALKTHROUGHS / script)],
        cwd=ROOT,
        env=environment(platform),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr + done.stdout
    output = re.sub(r'":(\S)', r'": \1', done.stdout)  # compact and indented JSON alike
    for expected in EXPECTED[script]:
        assert expected in output, f"{script}: {expected!r} not in its output:\n{output}"


def test_the_secretariat_sees_the_restricted_pledges_anonymous_callers_do_not(
    platform: RunningPlatform,
) -> None:
    done = subprocess.run(
        ["bash", str(WALKTHROUGHS / "tokens.sh")],
        cwd=ROOT,
        env=environment(platform),
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    seen = dict(
        re.findall(r"pledges (\w+) sees: +(\d+)", done.stdout)  # e.g. "pledges anyone sees: 19"
    )
    assert int(seen["SECRETARIAT"]) > int(seen["anyone"])
