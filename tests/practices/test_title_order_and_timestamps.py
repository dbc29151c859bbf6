"""Title order is the same on both databases; timestamps come back from the database in UTC."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import httpx
import sqlalchemy as sa
from alembic import command
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.db import make_engine
from services.common.migrations import alembic_config, upgrade_to_head
from services.practices.models import Practice
from services.practices.search import fold
from tests.conftest import Databases
from tests.practices.conftest import create_practice, published_practice

TITLES = ["zona", "Ávila", "ética", "Bolsa"]


async def test_titles_sort_without_regard_to_case_or_accents(client: httpx.AsyncClient) -> None:
    for title in TITLES:
        await published_practice(client, title={"es": f"{title} de empleo"})
    await published_practice(client, title={"en": "Cash transfers"})  # no Spanish title
    page = (await client.get("/v1/practices", params={"sort": "title"})).json()
    shown = [item["title"]["es"] or item["title"]["en"] for item in page["items"]]
    assert shown == [
        "Ávila de empleo",
        "Bolsa de empleo",
        "Cash transfers",
        "ética de empleo",
        "zona de empleo",
    ]


def test_fold_removes_case_and_accents() -> None:
    assert [fold(title) for title in TITLES] == ["zona", "avila", "etica", "bolsa"]
    assert fold("Niñez ÉXODO straße") == "ninez exodo strasse"


def test_the_migration_backfills_and_restores_sort_titles(databases: Databases) -> None:
    url = databases.create("practices_sort_key")
    config = alembic_config("practices", url)
    command.upgrade(config, "practices_0002")
    now = datetime(2026, 11, 28, tzinfo=UTC)
    rows = [
        {
            "id": uuid.uuid4(),
            "status": "published",
            "title_es": title,
            "title_en": None,
            "sort_title": title,
            "country": "GTM",
            "origin": "mirps_country",
            "implementing_organisations": [],
            "links": [],
            "contacts": [],
            "shared_with": [],
            "created_by": "migration-test",
            "created_at": now,
            "updated_at": now,
            "version": 1,
        }
        for title in TITLES
    ]
    practice = Practice.__table__

    async def insert() -> None:
        engine = make_engine(url)
        try:
            async with engine.begin() as connection:
                await connection.execute(sa.insert(practice), rows)
        finally:
            await engine.dispose()

    async def sort_titles() -> list[str]:
        engine = make_engine(url)
        try:
            async with engine.connect() as connection:
                statement = sa.select(practice.c.sort_title).order_by(practice.c.sort_title)
                return list((await connection.execute(statement)).scalars())
        finally:
            await engine.dispose()

    asyncio.run(insert())
    upgrade_to_head("practices", url)
    assert asyncio.run(sort_titles()) == ["avila", "bolsa", "etica", "zona"]
    command.downgrade(config, "practices_0002")
    assert set(asyncio.run(sort_titles())) == set(TITLES)


async def test_timestamps_are_read_back_aware_in_utc(
    client: httpx.AsyncClient, database_url_for: Callable[[str], Awaitable[str]]
) -> None:
    engine = make_engine(await database_url_for("practices"))
    created = await create_practice(client)
    try:
        async with AsyncSession(engine) as session:
            stored = await session.get(Practice, uuid.UUID(created["id"]))
            assert stored is not None
            for value in (stored.created_at, stored.updated_at):
                assert value.utcoffset() is not None
                assert value.tzinfo == UTC
    finally:
        await engine.dispose()
    assert created["created_at"].endswith("Z") or created["created_at"].endswith("+00:00")
