"""The README's Guatemala query over HTTP, through real processes started by `mirps up`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e.runner import start_platform
from tests.gateway.test_readme_queries import readme_queries

pytestmark = pytest.mark.e2e


def test_the_guatemala_query_answers_with_linked_data_through_the_real_platform(
    tmp_path: Path,
) -> None:
    platform = start_platform(tmp_path / "data")
    try:
        body: dict[str, Any] = platform.graphql(readme_queries()["Guatemala"])
    finally:
        platform.stop()

    assert "errors" not in body, body.get("errors")
    country = body["data"]["country"]
    (objective,) = country["objectives"]["nodes"]
    assert objective["gap"]["gap"]["currency"] == "USD"
    assert objective["practices"]["totalCount"] > 0
    assert objective["practices"]["nodes"]
    pledges = objective["pledges"]["nodes"]
    assert pledges
    assert all(pledge["contributor"]["name"] for pledge in pledges)
    assert all(pledge["announcedAt"]["title"]["text"] for pledge in pledges)
    (event,) = country["nextLearningEvent"]["nodes"]
    assert event["title"]["text"]
    assert event["featuredPractices"]
