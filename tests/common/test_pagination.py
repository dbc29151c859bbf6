"""Keyset pagination: stable pages, opaque cursors, hostile cursors rejected."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import DateTime, String, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.common.db import make_engine, make_sessionmaker
from services.common.pagination import InvalidCursor, decode_cursor, encode_cursor, keyset_page


class _Base(DeclarativeBase):
    pass


class Item(_Base):
    """A throw-away table for exercising the pagination machinery alone."""

    __tablename__ = "pagination_item"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    name: Mapped[str] = mapped_column(String(20))


@pytest.fixture
async def session(databases):
    url = databases.create("pagination")
    engine = make_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(_Base.metadata.create_all)
    start = datetime(2023, 1, 1, tzinfo=UTC)
    async with make_sessionmaker(engine)() as session:
        # 25 rows, with ties on created_at so the id must break them.
        session.add_all(
            Item(id=uuid.uuid4(), created_at=start + timedelta(hours=n // 2), name=f"item-{n}")
            for n in range(25)
        )
        await session.commit()
        yield session
    await engine.dispose()


@pytest.mark.parametrize("descending", [False, True])
async def test_pages_cover_every_row_once_in_order(session, descending: bool) -> None:
    order = [Item.created_at, Item.id]
    seen: list[Item] = []
    cursor = None
    pages = 0
    while True:
        items, cursor = await keyset_page(
            session,
            select(Item),
            order_by=order,
            sort_key=lambda i: (i.created_at, i.id),
            cursor=cursor,
            limit=10,
            descending=descending,
        )
        seen.extend(items)
        pages += 1
        if cursor is None:
            break
    assert pages == 3
    assert len({item.id for item in seen}) == 25
    keys = [(item.created_at, str(item.id)) for item in seen]
    assert keys == sorted(keys, reverse=descending)


ORDER = [Item.created_at, Item.id]


def test_cursor_round_trips_typed_values() -> None:
    values = [datetime(2023, 5, 1, 12, tzinfo=UTC), uuid.uuid4()]
    assert decode_cursor(encode_cursor(values, ORDER), ORDER) == values


def test_cursor_of_another_ordering_is_422() -> None:
    by_name = encode_cursor(["item-3", uuid.uuid4()], [Item.name, Item.id])
    with pytest.raises(InvalidCursor, match="another list or another sort order"):
        decode_cursor(by_name, ORDER)
    ascending = encode_cursor([datetime(2023, 1, 1, tzinfo=UTC), uuid.uuid4()], ORDER)
    with pytest.raises(InvalidCursor):
        decode_cursor(ascending, ORDER, descending=True)


def _forged(values: list[list[object]]) -> str:
    genuine = encode_cursor([datetime(2023, 1, 1, tzinfo=UTC), uuid.uuid4()], ORDER)
    payload = json.loads(base64.urlsafe_b64decode(genuine + "=" * (-len(genuine) % 4)))
    payload["v"] = values
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode()


@pytest.mark.parametrize(
    "cursor",
    [
        "not-a-cursor",
        "e30",
        "%%%",
        "",
        _forged([["v", "yesterday"], ["u", str(uuid.uuid4())]]),
        _forged([["v", 1]]),
    ],
)
def test_hostile_cursors_are_422(cursor: str) -> None:
    with pytest.raises(InvalidCursor):
        decode_cursor(cursor, ORDER)
