"""`make test` reports skips as one line per backend, not one line per skipped test."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import pytest_terminal_summary

REASON = "PostgreSQL tests need MIRPS_TEST_POSTGRES_URL (see README)"


class Reporter:
    def __init__(self, skipped: list[pytest.TestReport]) -> None:
        self.stats: dict[str, Any] = {"skipped": skipped}
        self.lines: list[str] = []

    def write_line(self, line: str) -> None:
        self.lines.append(line)


def _skip(nodeid: str, reason: str) -> pytest.TestReport:
    return pytest.TestReport(
        nodeid, ("f.py", 1, nodeid), {}, "skipped", ("f.py", 1, f"Skipped: {reason}"), "call"
    )


def test_three_hundred_skips_are_two_lines() -> None:
    skipped = [_skip(f"tests/a.py::test_{n}[postgresql]", REASON) for n in range(300)]
    skipped += [_skip("tests/b.py::test_x[sqlite-big]", "needs kubectl")]
    reporter = Reporter(skipped)

    pytest_terminal_summary(reporter)

    assert reporter.lines == [
        f"SKIPPED 300 on postgresql: 300 because {REASON}",
        "SKIPPED 1 on sqlite: 1 because needs kubectl",
    ]
