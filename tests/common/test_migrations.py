"""Each service's migrations upgrade, agree with its models, and downgrade cleanly."""

from __future__ import annotations

import asyncio
import importlib

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from services.common.db import make_engine
from services.common.migrations import (
    downgrade_to_base,
    include_name_for,
    upgrade_to_head,
    version_table,
)

SERVICES = ("pledges", "practices", "events")


def _model_differences(service: str, database_url: str) -> list[object]:
    metadata = importlib.import_module(f"services.{service}.models").Base.metadata

    def compare(connection: Connection) -> list[object]:
        context = MigrationContext.configure(
            connection,
            opts={
                "version_table": version_table(service),
                "compare_type": True,
                "include_name": include_name_for(metadata),
            },
        )
        return list(compare_metadata(context, metadata))

    async def run() -> list[object]:
        engine = make_engine(database_url)
        try:
            async with engine.connect() as connection:
                return await connection.run_sync(compare)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def _tables(database_url: str) -> set[str]:
    async def run() -> set[str]:
        engine = make_engine(database_url)
        try:
            async with engine.connect() as connection:
                return set(await connection.run_sync(lambda c: inspect(c).get_table_names()))
        finally:
            await engine.dispose()

    return asyncio.run(run())


@pytest.mark.parametrize("service", SERVICES)
def test_migrations_upgrade_match_models_and_downgrade(service: str, databases) -> None:
    url = databases.create(f"migrate_{service}")
    upgrade_to_head(service, url)
    assert version_table(service) in _tables(url)
    assert _model_differences(service, url) == [], "models and migrations disagree"

    downgrade_to_base(service, url)
    assert _tables(url) - {version_table(service)} == set()

    upgrade_to_head(service, url)
    assert _model_differences(service, url) == []
