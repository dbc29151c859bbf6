"""The GraphQL examples of the docs (the frontend guide, once the README's) answer, without
errors, over the demo data set."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from services.cli import load_demo
from tests.gateway.conftest import DatabaseUrlFor, RunApp, start_stack

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "guides" / "frontend.md"


def guide_queries() -> dict[str, str]:
    text = GUIDE.read_text(encoding="utf-8")
    section = text.split("<!-- section: graphql -->", 1)[1].split("<!-- end section: graphql -->")[
        0
    ]
    blocks = re.findall(r"```graphql\n(.*?)```", section, flags=re.S)
    return {re.search(r"query (\w+)", block).group(1): block for block in blocks}  # type: ignore[union-attr]


def test_the_guide_has_five_example_queries_with_the_guatemala_one() -> None:
    assert len(guide_queries()) == 5
    assert "Guatemala" in guide_queries()


@pytest.mark.parametrize("name", sorted(guide_queries()))
async def test_a_guide_query_answers_over_the_demo_data(
    name: str, run_app: RunApp, database_url_for: DatabaseUrlFor
) -> None:
    async def demo_database(service: str) -> str:
        url = await database_url_for(service)
        assert await load_demo(service, url) == "demo data loaded"
        return url

    stack = await start_stack(run_app, demo_database)

    data = await stack.data(guide_queries()[name])

    assert all(value is not None for value in data.values())
    if name == "Guatemala":
        objectives = data["country"]["objectives"]["nodes"]
        assert objectives
        assert all(objective["gap"] is not None for objective in objectives)
        assert any(objective["pledges"]["nodes"] for objective in objectives)
        assert any(objective["practices"]["totalCount"] for objective in objectives)
        # The demo data sets refer to one another, so the cross-service fields are linked.
        pledges = [pledge for objective in objectives for pledge in objective["pledges"]["nodes"]]
        assert all(pledge["contributor"] is not None for pledge in pledges)
        assert all(pledge["announcedAt"] is not None for pledge in pledges)
        (event,) = data["country"]["nextLearningEvent"]["nodes"]
        assert event["featuredPractices"]
    if name == "Practices":
        assert data["practices"]["totalCount"] > 0
        assert data["priorities"]
    if name == "Events":
        events = data["events"]["nodes"]
        assert events
        assert all(event["hosts"] for event in events)
        assert any(event["featuredPractices"] for event in events)
        assert any(event["pledgesAnnounced"]["nodes"] for event in events)
        outcomes = [outcome for event in events for outcome in event["outcomes"]["nodes"]]
        assert any(outcome["pledge"] is not None for outcome in outcomes)
    if name == "Synthesis":
        assert data["gaps"]["objectives"]
        # The solidarity event of September 2022 brought the demo's partners.
        assert data["synthesis"]["newPartners"]
