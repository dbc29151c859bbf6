"""The illustrative demo data loads once and gives facets and priorities something to show."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx
from fastapi import FastAPI

from services.common.db import make_engine, make_sessionmaker
from services.common.vocabulary import MIRPS_COUNTRIES
from services.practices.app import create_app
from services.practices.config import Settings
from services.practices.demo import load_demo
from tests.conftest import TEST_COMMON_SETTINGS


async def test_demo_covers_every_mirps_country_and_loads_only_once(
    database_url_for: Callable[[str], Awaitable[str]],
    run_app: Callable[[FastAPI], Awaitable[httpx.AsyncClient]],
) -> None:
    url = await database_url_for("practices")
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as session:
            assert await load_demo(session) is True
            await session.commit()
        async with make_sessionmaker(engine)() as session:
            assert await load_demo(session) is False
    finally:
        await engine.dispose()

    client = await run_app(create_app(Settings(database_url=url, mirps=TEST_COMMON_SETTINGS)))
    page = (await client.get("/v1/practices")).json()
    countries = {row["value"] for row in page["facets"]["country"]}
    assert set(MIRPS_COUNTRIES) <= countries
    assert len(countries - set(MIRPS_COUNTRIES)) >= 3  # several SP members
    assert {row["value"] for row in page["facets"]["origin"]} == {"mirps_country", "sp_member"}
    searched = (await client.get("/v1/practices", params={"q": "refugiados empleo"})).json()
    assert searched["total"] >= 1
    priorities = (await client.get("/v1/topics/priorities")).json()["items"]
    assert len(priorities) >= 5
    assert priorities[0]["score"] > priorities[-1]["score"]
