"""Report rollups (fine, per country, per objective), kept in step with every write.

Revision ID: pledges_0006
Revises: pledges_0005
Create Date: 2026-12-01 15:30:00+00:00

The table is filled from the ledger here (a full recomputation, as `mirps rollups
rebuild` does).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from services.pledges.rollups import TABLES, as_figures, rollup_statement

revision: str = "pledges_0006"
down_revision: str | None = "pledges_0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _rollup_table(name: str, *dimensions: sa.Column[object]) -> None:
    op.create_table(
        name,
        sa.Column("grain", sa.String(length=300), nullable=False),
        sa.Column("half", sa.Integer(), nullable=False),
        sa.Column("pledged", sa.Numeric(precision=20, scale=4), nullable=False),
        sa.Column("committed", sa.Numeric(precision=20, scale=4), nullable=False),
        sa.Column("disbursed", sa.Numeric(precision=20, scale=4), nullable=False),
        *dimensions,
        sa.PrimaryKeyConstraint("grain", name=op.f(f"pk_{name}")),
    )


def _kinds() -> list[sa.Column[object]]:
    return [
        sa.Column("contributor_kind", sa.String(length=40), nullable=False),
        sa.Column("pledge_kind", sa.String(length=20), nullable=False),
        sa.Column("funding_mechanism", sa.String(length=20), nullable=True),
    ]


def upgrade() -> None:
    _rollup_table(
        "report_rollups",
        sa.Column("country", sa.String(length=3), nullable=True),
        sa.Column("objective_id", sa.Uuid(), nullable=True),
        sa.Column("contributor_id", sa.Uuid(), nullable=False),
        sa.Column("visibility", sa.String(length=20), nullable=False),
        *_kinds(),
    )
    _rollup_table(
        "country_rollups", sa.Column("country", sa.String(length=3), nullable=True), *_kinds()
    )
    _rollup_table("objective_rollups", sa.Column("objective_id", sa.Uuid(), nullable=True))
    connection = op.get_bind()
    fine = as_figures(connection.execute(rollup_statement()).all())
    for table in TABLES:
        rows = table.rows(fine)
        if rows:
            connection.execute(sa.insert(table.model), rows)


def downgrade() -> None:
    op.drop_table("objective_rollups")
    op.drop_table("country_rollups")
    op.drop_table("report_rollups")
