"""The demo data set loads once and gives the timeline, conflicts and outcomes content."""

from __future__ import annotations

import httpx

from services.common.db import make_engine, make_sessionmaker
from services.events.demo import load_demo
from tests.events.conftest import SECRETARIAT


async def load(url: str) -> bool:
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as session:
            loaded = await load_demo(session)
            await session.commit()
            return loaded
    finally:
        await engine.dispose()


async def test_demo_loads_once_and_shows_the_2023_timeline(
    events_url: str, client: httpx.AsyncClient
) -> None:
    assert await load(events_url) is True
    assert await load(events_url) is False
    timeline = (await client.get("/v1/timeline?year=2023")).json()
    months = {month["month"]: month["counts"] for month in timeline["months"]}
    assert months["2023-05"]["learning_event"] == 1
    assert months["2023-05"]["summit"] == 1
    assert months["2023-03"]["sp_quarterly_meeting"] == 1
    # The proposed solidarity event is a draft: public timeline omits it, the secretariat sees it.
    assert "solidarity_event" not in months["2023-11"]
    private = (await client.get("/v1/timeline?year=2023", headers=SECRETARIAT)).json()
    assert {m["month"]: m["counts"] for m in private["months"]}["2023-11"]["solidarity_event"] == 1
    # 10:30-11:30 in Panama meets the quarterly meeting (10:00-12:00 New York, already on
    # daylight time) and the employment working group (second Tuesday, 10:00 Mexico City).
    clashes = (
        await client.get(
            "/v1/schedule/conflicts",
            params={
                "starts_at": "2023-03-14T10:30:00",
                "ends_at": "2023-03-14T11:30:00",
                "timezone": "America/Panama",
            },
        )
    ).json()["items"]
    assert {clash["working_group"] for clash in clashes} == {"employment", None}
    outcomes = (await client.get("/v1/outcomes?kind=resource_commitment")).json()["items"]
    assert len(outcomes) == 2
