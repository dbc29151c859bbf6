"""Alembic per service: its own scripts folder and version table, run programmatically.

`upgrade_to_head` is what the runner, `mirps migrate` and the tests call; each service's
`migrations/env.py` is three lines that hand its metadata to `run_migrations`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection, make_url

from services.common.db import make_engine

SERVICES_ROOT = Path(__file__).resolve().parent.parent
FILE_TEMPLATE = "%%(year)d_%%(month).2d_%%(day).2d_%%(hour).2d%%(minute).2d-%%(rev)s_%%(slug)s"


def version_table(service: str) -> str:
    return f"alembic_version_{service}"


def alembic_config(service: str, database_url: str) -> Config:
    """An Alembic Config for `service` pointed at `database_url` (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(SERVICES_ROOT / service / "migrations"))
    config.set_main_option("file_template", FILE_TEMPLATE)
    config.set_main_option("timezone", "UTC")
    config.attributes["database_url"] = database_url
    config.attributes["service"] = service
    return config


def upgrade_to_head(service: str, database_url: str) -> None:
    command.upgrade(alembic_config(service, database_url), "head")


def downgrade_to_base(service: str, database_url: str) -> None:
    command.downgrade(alembic_config(service, database_url), "base")


async def upgrade_to_head_async(service: str, database_url: str) -> None:
    """For callers already inside an event loop: Alembic runs its own loop in a thread."""
    await asyncio.to_thread(upgrade_to_head, service, database_url)


def include_name_for(metadata: MetaData) -> Callable[[str | None, str, Any], bool]:
    """Alembic `include_name` that skips what a service's migrations own outside the ORM.

    A service lists such objects (e.g. a full-text index, an FTS5 table and its shadow
    tables) in `metadata.info["migration_only"]`; autogenerate and the models-vs-migrations
    test then leave them alone. The version table is never compared.
    """
    owned: frozenset[str] = frozenset(metadata.info.get("migration_only", ()))

    def include_name(name: str | None, kind: str, _parent: Any) -> bool:
        if name is None:
            return True
        if kind == "table" and name.startswith("alembic_version"):
            return False
        shadow_table = kind == "table" and any(name.startswith(f"{o}_") for o in owned)
        return name not in owned and not shadow_table

    return include_name


def run_migrations(metadata: MetaData) -> None:
    """Body of a service's env.py: online migrations over the async engine."""
    config = context.config
    database_url: str = config.attributes["database_url"]
    service: str = config.attributes["service"]
    is_sqlite = make_url(database_url).get_backend_name() == "sqlite"

    def migrate(connection: Connection) -> None:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            version_table=version_table(service),
            render_as_batch=is_sqlite,
            compare_type=True,
            include_name=include_name_for(metadata),
        )
        with context.begin_transaction():
            context.run_migrations()

    async def run() -> None:
        engine = make_engine(database_url)
        try:
            async with engine.connect() as connection:
                await connection.run_sync(migrate)
                await connection.commit()
        finally:
            await engine.dispose()

    asyncio.run(run())


# --- shared revisions --------------------------------------------------------------------
# A step that several services take in the same shape. Each function is frozen once a
# revision calls it: a later change to a documents table is a new revision, not an edit here.


def create_documents_table(table: str, parent_table: str) -> None:
    """The documents table of revision `<service>_documents` (services.common.documents)."""
    import sqlalchemy as sa
    from alembic import op

    op.create_table(
        table,
        sa.Column("parent_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title", sa.JSON(), nullable=False),
        sa.Column("content_key", sa.String(length=64), nullable=True),
        sa.Column("media_type", sa.String(length=100), nullable=True),
        sa.Column("size_bytes", sa.Integer(), nullable=True),
        sa.Column("filename", sa.String(length=255), nullable=True),
        sa.Column("url", sa.String(length=2000), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(content_key IS NULL) <> (url IS NULL)", name=op.f(f"ck_{table}_upload_or_link")
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            [f"{parent_table}.id"],
            name=op.f(f"fk_{table}_parent_id_{parent_table}"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    )
    for column in ("content_key", "parent_id"):
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column], unique=False)


def drop_documents_table(table: str) -> None:
    """Undo `create_documents_table`."""
    from alembic import op

    for column in ("parent_id", "content_key"):
        op.drop_index(op.f(f"ix_{table}_{column}"), table_name=table)
    op.drop_table(table)
