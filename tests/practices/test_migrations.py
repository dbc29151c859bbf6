"""The migrations build exactly what the models declare (plus the search index)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect, text

from services.common.db import make_engine
from services.common.migrations import downgrade_to_base, upgrade_to_head, version_table
from services.practices.models import Base

# Created by the migration on purpose and kept out of the ORM metadata (see search.py).
SEARCH_OBJECTS = {"practice_fts", "search_document", "ix_practice_search_document"}


def _include_name(name: str | None, kind: str, _parent: Any) -> bool:
    if name is None:
        return True
    if kind == "table" and (name.startswith("practice_fts") or name == version_table("practices")):
        return False
    return name not in SEARCH_OBJECTS


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "include_name": _include_name}
    )
    return list(compare_metadata(context, Base.metadata))


async def test_migrated_schema_matches_the_models(
    database_url_for: Callable[[str], Awaitable[str]],
) -> None:
    engine = make_engine(await database_url_for("practices"))
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(_differences) == []
    finally:
        await engine.dispose()


async def test_search_index_exists_on_each_backend(
    database_url_for: Callable[[str], Awaitable[str]], backend: str
) -> None:
    engine = make_engine(await database_url_for("practices"))
    try:
        async with engine.connect() as connection:
            if backend == "postgresql":
                indexes = await connection.run_sync(
                    lambda c: {i["name"] for i in inspect(c).get_indexes("practice")}
                )
                assert "ix_practice_search_document" in indexes
                configurations = (
                    await connection.execute(
                        text("SELECT cfgname FROM pg_ts_config WHERE cfgname LIKE 'mirps_%'")
                    )
                ).scalars()
                assert set(configurations) == {"mirps_es", "mirps_en"}
            else:
                triggers = (
                    await connection.execute(
                        text("SELECT name FROM sqlite_master WHERE type = 'trigger'")
                    )
                ).scalars()
                assert set(triggers) == {
                    "practice_fts_insert",
                    "practice_fts_update",
                    "practice_fts_delete",
                }
    finally:
        await engine.dispose()


async def test_migrations_downgrade_and_upgrade_again(databases: Any) -> None:
    url = await asyncio.to_thread(databases.create, "practices_roundtrip")
    await asyncio.to_thread(upgrade_to_head, "practices", url)
    await asyncio.to_thread(downgrade_to_base, "practices", url)
    await asyncio.to_thread(upgrade_to_head, "practices", url)
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(_differences) == []
    finally:
        await engine.dispose()
