"""Ledger entries carry the date of the period they count in (`period_date`).

Revision ID: pledges_0004
Revises: pledges_0003
Create Date: 2026-12-01 14:30:00+00:00

A movement counts on its value date; a reversal counts in the period of the entry it
reverses (its own value date stays as recorded), so a year's figures never go negative.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "pledges_0004"
down_revision: str | None = "pledges_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("ledger_entries", sa.Column("period_date", sa.Date(), nullable=True))
    entries = sa.table(
        "ledger_entries",
        sa.column("id", sa.Uuid()),
        sa.column("value_date", sa.Date()),
        sa.column("period_date", sa.Date()),
        sa.column("reverses_entry_id", sa.Uuid()),
    )
    original = entries.alias("original")
    op.execute(entries.update().values(period_date=entries.c.value_date))
    op.execute(
        entries.update()
        .where(entries.c.reverses_entry_id.is_not(None))
        .values(
            period_date=sa.select(original.c.value_date)
            .where(original.c.id == entries.c.reverses_entry_id)
            .scalar_subquery()
        )
    )
    with op.batch_alter_table("ledger_entries") as batch:
        batch.alter_column("period_date", existing_type=sa.Date(), nullable=False)
        batch.create_index("ix_ledger_entries_pledge_id_period_date", ["pledge_id", "period_date"])


def downgrade() -> None:
    with op.batch_alter_table("ledger_entries") as batch:
        batch.drop_index("ix_ledger_entries_pledge_id_period_date")
        batch.drop_column("period_date")
