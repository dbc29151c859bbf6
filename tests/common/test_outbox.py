"""The outbox's position order is its commit order, so a reader resuming after a position
never skips an event that was still being written when it read."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy import select

from services.common.auth import Principal
from services.common.db import make_engine, make_sessionmaker
from services.common.outbox import Audience, may_read
from services.pledges.changes import outbox
from services.pledges.models import OutboxEvent


async def test_positions_are_taken_in_commit_order(
    backend: str, database_url_for: Callable[[str], Awaitable[str]]
) -> None:
    if backend == "sqlite":
        pytest.skip("SQLite's BEGIN IMMEDIATE serialises whole write transactions already")
    url = await database_url_for("pledges")
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    try:
        async with sessions() as first, sessions() as second:
            await outbox.record(first, "test.first", "t/1", {})
            # The second writer must wait for the first to commit before taking a position.
            late = asyncio.create_task(outbox.record(second, "test.second", "t/2", {}))
            await asyncio.sleep(0.3)
            assert not late.done()
            async with sessions() as reader:
                assert (await outbox.read(reader, None, 0)).items == []
            await first.commit()
            await late
            await second.commit()
        async with sessions() as reader:
            rows = (await reader.scalars(select(OutboxEvent).order_by(OutboxEvent.position))).all()
        assert [row.type for row in rows] == ["org.mirps.test.first", "org.mirps.test.second"]
    finally:
        await engine.dispose()


def test_audience_rules() -> None:
    stored = Audience(organisations=["org-a"], subjects=["ana"], countries=["GTM"]).as_json()
    assert may_read(Principal(sub="x", roles=frozenset({"secretariat"})), stored)
    assert may_read(Principal(sub="ana"), stored)
    assert may_read(Principal(sub="y", roles=frozenset({"member"}), org_id="org-a"), stored)
    assert may_read(
        Principal(sub="z", roles=frozenset({"country_focal_point"}), countries=frozenset({"GTM"})),
        stored,
    )
    assert not may_read(None, stored)
    assert not may_read(Principal(sub="y", roles=frozenset({"member"}), org_id="org-b"), stored)
    # An organisation id in the token is not enough without a member or partner role.
    assert not may_read(Principal(sub="y", org_id="org-a"), stored)
    assert may_read(None, Audience(public=True).as_json())
