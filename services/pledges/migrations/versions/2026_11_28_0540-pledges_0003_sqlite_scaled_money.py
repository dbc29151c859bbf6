"""SQLite: money and rates as scaled 64-bit integers instead of floats.

Revision ID: pledges_0003
Revises: pledges_0002
Create Date: 2026-11-28 05:40:00+00:00

On SQLite, `Amount` columns held floats (REAL, or INTEGER for whole numbers); they now
hold the value x 10^scale as an INTEGER (money scale 4, rates scale 10), so that sums are
exact. The declared column types do not change (NUMERIC(p, s), whose affinity keeps
integers as INTEGER). PostgreSQL stores NUMERIC already: nothing to do there.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "pledges_0003"
down_revision: str | None = "pledges_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, column, scale) of every Amount column as of this revision.
AMOUNT_COLUMNS = (
    ("exchange_rates", "rate_to_usd", 10),
    ("objectives", "requirement_amount", 4),
    ("objectives", "requirement_rate_to_usd", 10),
    ("objectives", "requirement_usd", 4),
    ("pledges", "amount", 4),
    ("pledges", "rate_to_usd", 10),
    ("pledges", "amount_usd", 4),
    ("ledger_entries", "amount", 4),
    ("ledger_entries", "rate_to_usd", 10),
    ("ledger_entries", "amount_usd", 4),
    ("ledger_entries", "pledge_amount", 4),
    ("ledger_entries", "signed_usd", 4),
    ("ledger_entries", "signed_pledge_amount", 4),
)


def _column(table: str, column: str) -> tuple[sa.TableClause, sa.ColumnClause[Any]]:
    value: sa.ColumnClause[Any] = sa.column(column)
    return sa.table(table, value), value


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table, column, scale in AMOUNT_COLUMNS:
        rows, value = _column(table, column)
        # A whole number was kept as an INTEGER: scale it exactly. A float is the nearest
        # double to a decimal of at most `scale` places: round it to the nearest unit.
        scaled = sa.case(
            (sa.func.typeof(value) == "integer", value * 10**scale),
            else_=sa.cast(sa.func.round(value * 10**scale), sa.Integer),
        )
        op.execute(rows.update().where(value.is_not(None)).values({column: scaled}))


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table, column, scale in AMOUNT_COLUMNS:
        rows, value = _column(table, column)
        op.execute(
            rows.update()
            .where(value.is_not(None))
            .values({column: value / sa.literal(float(10**scale))})
        )
