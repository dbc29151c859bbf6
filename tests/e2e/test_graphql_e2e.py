"""The frontend guide's Guatemala query over HTTP, through real processes started by `mirps up`,
and the strategy's progress measured by the results service from the other three."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from services.cli import SERVICE_PORT_OFFSETS
from services.common.auth import mint_token
from services.common.settings import CommonSettings
from tests.e2e.runner import start_platform
from tests.gateway.test_guide_queries import guide_queries

pytestmark = pytest.mark.e2e

STRATEGY = """{ strategy { objectives { activities { outcomes {
  code status indicators { latest { value } } } } } } }"""


def _measure(port: int) -> Any:
    """Measure every computed indicator now, as the secretariat (dev token)."""
    token = mint_token(CommonSettings(environment="development"), roles=["secretariat"])
    response = httpx.post(
        f"http://127.0.0.1:{port}/v1/measure",
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )
    response.raise_for_status()
    return response.json()


def test_the_guatemala_query_answers_with_linked_data_through_the_real_platform(
    tmp_path: Path,
) -> None:
    platform = start_platform(tmp_path / "data")
    try:
        body: dict[str, Any] = platform.graphql(guide_queries()["Guatemala"])
        measured = _measure(platform.base_port + SERVICE_PORT_OFFSETS["results"])
        strategy: dict[str, Any] = platform.graphql(STRATEGY)
    finally:
        platform.stop()

    assert measured == {"errors": {}}
    assert "errors" not in strategy, strategy.get("errors")
    outcomes = {
        outcome["code"]: outcome
        for objective in strategy["data"]["strategy"]["objectives"]
        for activity in objective["activities"]
        for outcome in activity["outcomes"]
    }
    assert outcomes["2.1.4"]["status"] == "ACHIEVED"
    (commitments,) = outcomes["2.1.4"]["indicators"]
    # Hand-counted in tests/results/test_computed.py: AEE's employment and material
    # pledges and the hotel network's apprenticeships (21 Sep 2022), and the two
    # illustrative companies' employment pledges of 9 May 2023 -> 5 in 2022/2023.
    assert commitments["latest"]["value"] == "5"
    learning = outcomes["3.3.1"]["indicators"][0]
    assert learning["latest"]["value"] == "1"

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
