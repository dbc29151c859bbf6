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


def upgrade() -> None:
    op.create_table(
        "report_rollups",
        sa.Column("grain", sa.String(length=300), nullable=False),
        sa.Column("country", sa.String(length=3), nullable=True),
        sa.Column("objective_id", sa.Uuid(), nullable=True),
        sa.Column("contributor_id", sa.Uuid(), nullable=False),
        sa.Column("visibility", sa.String(length=20), nullable=False),
        sa.Column("contributor_kind", sa.String(length=40), nullable=False),
        sa.Column("pledge_kind", sa.String(length=20), nullable=False),
        sa.Column("funding_mechanism", sa.String(length=20), nullable=True),
        sa.Column("half", sa.Integer(), nullable=False),
        sa.Column("pledged", sa.Numeric(precision=20, scale=4), nullable=False),
        sa.Column("committed", sa.Numeric(precision=20, scale=4), nullable=False),
        sa.Column("disbursed", sa.Numeric(precision=20, scale=4), nullable=False),
        sa.PrimaryKeyConstraint("grain", name=op.f("pk_report_rollups")),
    )
    op.create_table(
        "country_rollups",
        sa.Column("grain", sa.String(length=300), nullable=False),
        sa.Column("country", sa.String(length=3), nullable=True),
        sa.Column("contributor_kind", sa.String(length=40), nullable=False),
        sa.Column("pledge_kind", sa.String(length=20), nullable=False),
        sa.Column("funding_mechanism", sa.String(length=20), nullable=True),
        sa.Column("half", sa.Integer(), nullable=False),
        sa.Column("pledged", sa.Numeric(precision=20, scale=4), nullable=False),
        sa.Column("committed", sa.Numeric(precision=20, scale=4), nullable=False),
        sa.Column("disbursed", sa.Numeric(precision=20, scale=4), nullable=False),
        sa.PrimaryKeyConstraint("grain", name=op.f("pk_country_rollups")),
    )
    op.create_table(
        "objective_rollups",
        sa.Column("grain", sa.String(length=300), nullable=False),
        sa.Column("objective_id", sa.Uuid(), nullable=True),
        sa.Column("half", sa.Integer(), nullable=False),
        sa.Column("pledged", sa.Numeric(precision=20, scale=4), nullable=False),
        sa.Column("committed", sa.Numeric(precision=20, scale=4), nullable=False),
        sa.Column("disbursed", sa.Numeric(precision=20, scale=4), nullable=False),
        sa.PrimaryKeyConstraint("grain", name=op.f("pk_objective_rollups")),
    )
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
