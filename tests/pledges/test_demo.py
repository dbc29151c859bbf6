"""The demo data set loads once, through the rules, and adds up to what it says."""

from __future__ import annotations

from services.common.db import make_engine, make_sessionmaker
from services.pledges.demo import SOLIDARITY_EVENT_2022, load_demo
from tests.pledges.conftest import Ledger


async def test_demo_loads_once_and_adds_up_to_210_million_usd(ledger: Ledger) -> None:
    engine = make_engine(ledger.database_url)
    try:
        for expected in (True, False):
            async with make_sessionmaker(engine)() as session:
                assert await load_demo(session) is expected
                await session.commit()
    finally:
        await engine.dispose()
    summary = (await ledger.client.get("/v1/reports/summary?group_by=contributor_kind")).json()
    assert summary["totals"]["pledged_usd"] == "210000000.00"
    announced = await ledger.client.get(
        f"/v1/pledges?announced_at={SOLIDARITY_EVENT_2022}&limit=200"
    )
    assert len(announced.json()["items"]) == 18
    members = (await ledger.client.get("/v1/organisations?sp_member=true")).json()["items"]
    assert len(members) == 14
    gaps = (await ledger.client.get("/v1/reports/gaps")).json()
    assert len(gaps["objectives"]) == 28
    assert {row["country"] for row in gaps["countries"]} == {
        "BLZ",
        "CRI",
        "SLV",
        "GTM",
        "HND",
        "MEX",
        "PAN",
    }
