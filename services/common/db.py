"""Async engine, session factory and the one-session-per-request dependency."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import DateTime, Dialect, MetaData, TypeDecorator, event, exc
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import NullPool

from services.common.settings import ServiceSettings

logger = logging.getLogger("mirps.db")
# How much longer than the server's statement_timeout the client waits for an answer.
CLIENT_GRACE_SECONDS = 0.5

# The execution option that marks a read-only request's connection.
READ_ONLY = "mirps_read_only"

# Explicit constraint names so migrations are deterministic on both databases.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def naming_metadata(migration_only: frozenset[str] = frozenset()) -> MetaData:
    """A MetaData with the platform's constraint naming convention.

    `migration_only` names objects the migrations create outside the ORM (a full-text
    index, an FTS5 table): comparisons of models and migrations leave them alone.
    """
    return MetaData(naming_convention=NAMING_CONVENTION, info={"migration_only": migration_only})


def _prepare_sqlite(engine: AsyncEngine) -> None:
    """Foreign keys, WAL, a busy timeout, and BEGIN IMMEDIATE.

    BEGIN IMMEDIATE takes SQLite's write lock at the start of every transaction, so a
    read-then-write (checking headroom before a disbursement) cannot interleave with
    another writer: SQLite's equivalent of locking the row. A read-only request (GET, HEAD)
    begins a deferred transaction instead: WAL lets it read beside the writer.
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A read-only request's transaction takes no write lock, so reads run beside a writer.
        read_only = connection.get_execution_options().get(READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back aware (SQLite keeps no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("timestamps must carry an offset; they are stored in UTC")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _make_parent_folder(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # the process still starts; /readyz reports the database as down
        logger.warning("cannot create the folder of %s: %s", path, exc)


def make_engine(database_url: str, settings: ServiceSettings | None = None) -> AsyncEngine:
    """Build an engine: tuned SQLite, or PostgreSQL with the pool sized by `settings`.

    Without settings (migrations, one-off scripts) PostgreSQL gets no pool at all.
    """
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            _make_parent_folder(Path(url.database))
        engine = create_async_engine(url, connect_args={"timeout": 30})
        _prepare_sqlite(engine)
        return engine
    if settings is None:
        return create_async_engine(url, poolclass=NullPool)
    engine = create_async_engine(
        url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout,
        pool_recycle=settings.db_pool_recycle,
        connect_args=_postgres_timeouts(settings),
    )
    _ping_after_idle(engine, settings.db_ping_after_idle)
    return engine


IDLE_SINCE = "mirps_idle_since"


def _ping_after_idle(engine: AsyncEngine, idle_seconds: float) -> None:
    """Ping a pooled connection on checkout only if it sat idle longer than `idle_seconds`.

    `pool_pre_ping` costs a round trip on every request; a connection returned a moment
    ago is almost always alive. One that was idle (the server may have restarted) is
    pinged, and a dead one is discarded: the pool then opens a fresh connection before the
    request runs. A connection that dies while in steady use fails its statement; that
    error is a disconnect, so SQLAlchemy discards the whole pool and the request is a 503
    (issue 12's database-fault behaviour), and the next request connects afresh.
    """
    dialect = engine.dialect

    @event.listens_for(engine.sync_engine.pool, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            record.info[IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine.sync_engine.pool, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get(IDLE_SINCE)
        if idle_since is None or time.monotonic() - idle_since <= idle_seconds:
            return
        try:
            alive = dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            if not dialect.is_disconnect(error, dbapi_connection, None):
                raise
            alive = False
        if not alive:
            raise exc.DisconnectionError("the pooled connection was dropped while idle")


def _postgres_timeouts(settings: ServiceSettings) -> dict[str, Any]:
    """asyncpg arguments that bound every wait on the server.

    The server cancels a statement after `statement_timeout`; the client gives up a little
    later on its own (`command_timeout`), which is what ends the wait when the server is
    frozen and cannot cancel anything. Either way the request fails with a 503, fast.
    """
    statement_ms = int(settings.db_statement_timeout * 1000)
    return {
        "timeout": settings.db_connect_timeout,
        "command_timeout": settings.db_statement_timeout + CLIENT_GRACE_SECONDS,
        "server_settings": {"statement_timeout": str(statement_ms)},
    }


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


READ_METHODS = frozenset({"GET", "HEAD"})


def _read_options(session: AsyncSession) -> dict[str, Any]:
    """How a read-only request's connection runs: no transaction round trips if possible.

    On PostgreSQL it skips BEGIN/COMMIT (AUTOCOMMIT): under READ COMMITTED, the default,
    each statement already sees its own snapshot, so a read loses no consistency and saves
    two round trips. SQLite keeps a local, deferred transaction (no write lock).
    """
    bind = session.bind
    if bind is not None and bind.dialect.name == "postgresql":
        return {"isolation_level": "AUTOCOMMIT"}
    return {READ_ONLY: True}


async def request_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One session per request: committed when the handler succeeds, rolled back otherwise.

    Service and repository code only flushes. Used with `scope="function"` so the commit
    happens before the response is sent: a failed commit is the client's error response.
    GET and HEAD run without an explicit transaction on PostgreSQL (see `_autocommit_reads`).
    """
    sessionmaker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    async with sessionmaker() as session:
        if request.method in READ_METHODS:
            await session.connection(execution_options=_read_options(session))
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        await session.commit()


SessionDep = Annotated[AsyncSession, Depends(request_session, scope="function")]
