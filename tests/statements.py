"""Count the SQL statements (and connection pings) a request costs, for budget assertions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine


@dataclass
class Statements:
    """What the engine sent while counting: each SQL statement's text, and the pings."""

    sql: list[str] = field(default_factory=list)
    pings: int = 0

    def __len__(self) -> int:
        return len(self.sql) + self.pings


@contextmanager
def count_statements(engine: AsyncEngine) -> Iterator[Statements]:
    """Record every statement `engine` executes inside the block (and every pool ping)."""
    seen = Statements()
    dialect = engine.dialect
    original_ping = dialect.do_ping

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.sql.append(statement)

    def ping(dbapi_connection: Any) -> bool:
        seen.pings += 1
        return original_ping(dbapi_connection)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    dialect.do_ping = ping  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)
        del dialect.do_ping
