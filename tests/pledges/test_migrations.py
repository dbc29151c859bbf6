"""The pledges migrations build exactly the tables the models declare."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from services.common.db import make_engine
from services.pledges.models import Base


async def test_migrations_match_the_models(
    database_url_for: Callable[[str], Awaitable[str]],
) -> None:
    engine = make_engine(await database_url_for("pledges"))
    try:
        async with engine.connect() as connection:

            def diff(sync_connection: Any) -> list[Any]:
                context = MigrationContext.configure(
                    sync_connection,
                    opts={"compare_type": True, "version_table": "alembic_version_pledges"},
                )
                return list(compare_metadata(context, Base.metadata))

            differences = await connection.run_sync(diff)
    finally:
        await engine.dispose()
    assert differences == []
