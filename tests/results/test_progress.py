"""The progress rule at its boundaries, the roll-up, and the semi-annual snapshots."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest

from services.results.models import Indicator
from services.results.progress import indicator_status, roll_up
from services.results.schemas import Status
from tests.results.conftest import (
    SECRETARIAT,
    STRATEGY,
    build_framework,
    create_indicator,
    post,
)

S = Status


def _indicator(target: str | None = "100", direction: str = "increase") -> Indicator:
    return Indicator(
        target=target,
        baseline="0",
        direction=direction,
        period_start=date(2023, 1, 1),
        period_end=date(2023, 12, 31),
    )


# 2023 has 364 days between its ends: 1 July 2023 is day 181, 49.7 % of the way.
@pytest.mark.parametrize(
    ("value", "as_of", "expected"),
    [
        (None, date(2023, 7, 1), S.NOT_STARTED),
        ("100", date(2023, 1, 1), S.ACHIEVED),
        ("99.99", date(2023, 12, 31), S.AT_RISK),  # the last day, not reached: not yet over
        ("0", date(2023, 1, 1), S.ON_TRACK),  # nothing expected on the first day
        ("50", date(2023, 7, 1), S.ON_TRACK),  # 50 % done, 49.7 % elapsed
        ("49", date(2023, 7, 1), S.AT_RISK),  # 49 % < 49.7 %
        ("25", date(2023, 7, 1), S.AT_RISK),  # within 25 points
        ("24", date(2023, 7, 1), S.OFF_TRACK),
        ("99", date(2024, 1, 1), S.OFF_TRACK),  # the period is over
        ("100", date(2024, 1, 1), S.ACHIEVED),
    ],
)
def test_the_status_of_an_indicator_that_should_increase(
    value: str | None, as_of: date, expected: Status
) -> None:
    number = Decimal(value) if value is not None else None
    assert indicator_status(_indicator(), number, as_of) == expected


def test_a_decrease_is_achieved_at_or_below_its_target() -> None:
    record = _indicator(target="10", direction="decrease")
    record.baseline = "50"
    assert indicator_status(record, Decimal("10"), date(2023, 3, 1)) == S.ACHIEVED
    assert indicator_status(record, Decimal("30"), date(2023, 7, 1)) == S.ON_TRACK
    assert indicator_status(record, Decimal("45"), date(2023, 7, 1)) == S.OFF_TRACK


def test_an_indicator_without_target_is_not_rated() -> None:
    assert indicator_status(_indicator(target=None), Decimal(5), date(2024, 1, 1)) == S.ON_TRACK


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        ([], S.NOT_STARTED),
        ([S.NOT_STARTED, S.NOT_STARTED], S.NOT_STARTED),
        ([S.ACHIEVED, S.ACHIEVED], S.ACHIEVED),
        ([S.ACHIEVED, S.NOT_STARTED], S.ON_TRACK),
        ([S.ACHIEVED, S.AT_RISK, S.ON_TRACK], S.AT_RISK),
        ([S.OFF_TRACK, S.ACHIEVED, S.NOT_STARTED], S.OFF_TRACK),
    ],
)
def test_a_parent_takes_the_worst_of_its_measured_parts(
    parts: list[Status], expected: Status
) -> None:
    assert roll_up(parts) == expected


async def _reported(
    client: httpx.AsyncClient, indicator: dict[str, Any], value: str, period: str
) -> None:
    path = f"/v1/indicators/{indicator['id']}/measurements"
    body = {"value": value, "period": period, "evidence_reference": "Nota 1"}
    reported = await post(client, path, body)
    await post(client, f"{path}/{reported['id']}/validation", {}, expect=200)


async def test_progress_rolls_up_to_outcome_and_objective_on_a_date(
    client: httpx.AsyncClient,
) -> None:
    await build_framework(client)
    jobs = await create_indicator(client)
    await _reported(client, jobs, "30", "2023-H1")
    await _reported(client, jobs, "100", "2023-H2")

    mid_year = (
        await client.get("/v1/progress", params={"strategy": STRATEGY, "as_of": "2023-07-01"})
    ).json()
    year_end = (
        await client.get("/v1/progress", params={"strategy": STRATEGY, "as_of": "2024-01-01"})
    ).json()

    [objective] = mid_year["objectives"]
    outcomes = {o["code"]: o for o in objective["outcomes"]}
    assert outcomes["1.1.1"]["indicators"][0]["value"] == "30"
    assert outcomes["1.1.1"]["status"] == "at_risk"
    assert outcomes["1.1.2"]["status"] == "not_started"
    assert objective["status"] == mid_year["status"] == "at_risk"
    year_end_outcomes = {o["code"]: o for o in year_end["objectives"][0]["outcomes"]}
    assert year_end_outcomes["1.1.1"]["status"] == "achieved"
    # 1.1.2 has nothing measured yet, so the objective is not achieved, only on track.
    assert year_end["status"] == "on_track"


async def test_a_closed_half_year_is_frozen_once_and_never_changes(
    client: httpx.AsyncClient,
) -> None:
    await build_framework(client)
    jobs = await create_indicator(client)
    await _reported(client, jobs, "30", "2023-H1")
    path = "/v1/progress/snapshots/2023-H1"
    params = {"strategy": STRATEGY}

    provisional = (await client.get(path, params=params)).json()
    frozen = await client.post(path, params=params, headers=SECRETARIAT)
    await _reported(client, jobs, "90", "2023-H1")
    again = await client.post(path, params=params, headers=SECRETARIAT)
    read = (await client.get(path, params=params)).json()

    assert provisional["frozen"] is False
    assert frozen.status_code == 201, frozen.text
    assert again.status_code == 409
    assert read == frozen.json()
    assert read["frozen"] is True
    assert read["as_of"] == "2023-06-30"
    assert read["objectives"][0]["outcomes"][0]["indicators"][0]["value"] == "30"
    live = (await client.get("/v1/progress", params={**params, "as_of": "2023-06-30"})).json()
    assert live["objectives"][0]["outcomes"][0]["indicators"][0]["value"] == "90"


async def test_an_open_half_year_cannot_be_frozen(client: httpx.AsyncClient) -> None:
    await build_framework(client)

    response = await client.post(
        "/v1/progress/snapshots/2199-H1", params={"strategy": STRATEGY}, headers=SECRETARIAT
    )

    assert response.status_code == 409
    assert (
        await client.post("/v1/progress/snapshots/2023-H3", headers=SECRETARIAT)
    ).status_code == 422


async def test_only_the_secretariat_freezes(client: httpx.AsyncClient) -> None:
    await build_framework(client)

    response = await client.post("/v1/progress/snapshots/2023-H1", params={"strategy": STRATEGY})

    assert response.status_code == 401


async def test_progress_comes_as_csv_too(client: httpx.AsyncClient) -> None:
    await build_framework(client)
    jobs = await create_indicator(client)
    await _reported(client, jobs, "30", "2023-H1")

    response = await client.get(
        "/v1/progress/snapshots/2023-H1",
        params={"strategy": STRATEGY},
        headers={"Accept": "text/csv"},
    )

    assert response.headers["content-type"].startswith("text/csv")
    lines = response.text.splitlines()
    assert lines[0].startswith("strategy,as_of,objective,objective_status,outcome")
    assert (
        "sp-test,2023-06-30,1,at_risk,1.1.1,at_risk,nap-gtm-jobs,30,100,2023-H1,false,at_risk"
        in lines
    )


async def test_an_unknown_strategy_is_a_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/progress", params={"strategy": "nope"})

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
