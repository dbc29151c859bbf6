"""Regional objectives: an objective of the Regional Action Plan has no country.

Revision ID: pledges_0008_regional_objectives
Revises: pledges_outbox
Create Date: 2026-12-01 16:10:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "pledges_0008_regional_objectives"
down_revision: str | None = "pledges_outbox"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _foreign_keys(enforced: bool) -> None:
    """SQLite recreates the table to change a column: the tables referencing it would
    block its DROP, so their checks are off meanwhile. SQLite ignores the pragma inside a
    transaction: the one under way is committed and a new one begun around it (the
    driver leaves transactions to these statements; the rows and ids are copied as they
    are, and `foreign_key_check` proves nothing dangles)."""
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("COMMIT")
    op.execute(f"PRAGMA foreign_keys={'ON' if enforced else 'OFF'}")
    op.execute("BEGIN IMMEDIATE")
    if enforced:
        dangling = op.get_bind().exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if dangling:
            raise RuntimeError(f"foreign keys left dangling: {dangling}")


def _country_nullable(nullable: bool) -> None:
    _foreign_keys(False)
    with op.batch_alter_table("objectives") as batch:
        batch.alter_column("country", existing_type=sa.String(length=3), nullable=nullable)
    _foreign_keys(True)


def upgrade() -> None:
    _country_nullable(True)


def downgrade() -> None:
    _country_nullable(False)
