"""The migrations build the search index the models leave out.

(Models vs migrations, and downgrade/upgrade, are checked for every service in
tests/common/test_migrations.py.)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy import inspect, text

from services.common.db import make_engine


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
