"""The demo data: minutes of a working-group meeting and a material of a practice."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from services.common.db import make_engine, make_sessionmaker
from services.common.storage import LocalStorage
from services.events.demo import load_demo as load_events_demo
from services.practices.demo import load_demo as load_practices_demo
from tests.documents.conftest import Services


async def run(url: str, loader: Any, *args: Any) -> None:
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as session:
            assert await loader(session, *args) is True
            await session.commit()
    finally:
        await engine.dispose()


async def test_the_employment_working_group_has_downloadable_minutes(
    services: Services, tmp_path: Path
) -> None:
    client = await services.start("events", documents_dir=tmp_path)
    url = services.apps["events"].state.settings.database_url
    await run(url, load_events_demo, LocalStorage(tmp_path))

    events = (await client.get("/v1/events", params={"kind": "working_group_meeting"})).json()
    (employment,) = [e for e in events["items"] if e["working_group"] == "employment"]
    (minutes,) = (await client.get(f"/v1/events/{employment['id']}/documents")).json()["items"]
    assert minutes["kind"] == "minutes"
    assert "ilustrativa" in minutes["title"]["es"]
    download = await client.get(minutes["content_url"])
    assert download.headers["content-type"].startswith("text/markdown")
    assert "ILUSTRATIVA" in download.text


async def test_a_published_practice_has_a_material(services: Services, tmp_path: Path) -> None:
    client = await services.start("practices", documents_dir=tmp_path)
    await run(services.apps["practices"].state.settings.database_url, load_practices_demo)

    practices = (await client.get("/v1/practices", params={"limit": 200})).json()["items"]
    materials = [
        document
        for practice in practices
        for document in (await client.get(f"/v1/practices/{practice['id']}/documents")).json()[
            "items"
        ]
    ]
    assert [document["kind"] for document in materials] == ["material"]
    assert materials[0]["url"].startswith("https://")
