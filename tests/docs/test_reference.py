"""The REST and GraphQL reference pages of the docs site are the ones the code gives now."""

from __future__ import annotations

import pytest

from tools.api_reference import GENERATED, ROOT, pages


@pytest.fixture(scope="module")
def fresh() -> dict[str, str]:
    return {str(path.relative_to(ROOT)): text for path, text in pages().items()}


def test_there_is_a_page_per_service_and_one_for_graphql(fresh: dict[str, str]) -> None:
    assert sorted(fresh) == [
        "docs/reference/graphql.md",
        "docs/reference/rest/events.md",
        "docs/reference/rest/pledges.md",
        "docs/reference/rest/practices.md",
        "docs/reference/rest/results.md",
    ]


def test_the_committed_reference_pages_are_the_generated_ones(fresh: dict[str, str]) -> None:
    for relative, text in fresh.items():
        committed = (ROOT / relative).read_text(encoding="utf-8")
        assert committed == text, (
            f"{relative} is stale: run `.venv/bin/python -m tools.api_reference --write`"
        )


def test_the_pages_show_what_a_reader_looks_up(fresh: dict[str, str]) -> None:
    pledges = fresh["docs/reference/rest/pledges.md"]
    assert pledges.startswith(GENERATED)
    assert "### `GET /v1/pledges/{pledge_id}`" in pledges
    assert "- operationId: `getPledge`" in pledges
    assert "| 404 | `application/problem+json` [Problem](#problem) |" in pledges
    assert "### PledgeRead" in pledges
    graphql = fresh["docs/reference/graphql.md"]
    assert "## Mutations" in graphql
    assert "| `recordLedgerEntry` |" in graphql
    assert "### RecordLedgerEntryInput" in graphql
