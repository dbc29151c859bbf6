"""Progress updates: dated narrative updates on a pledge (the GRF's pledge update form).

Revision ID: pledges_0009_progress_updates
Revises: pledges_0008_regional_objectives
Create Date: 2026-12-01 16:20:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "pledges_0009_progress_updates"
down_revision: str | None = "pledges_0008_regional_objectives"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "progress_updates",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("pledge_id", sa.Uuid(), nullable=False),
        sa.Column("reported_on", sa.Date(), nullable=False),
        sa.Column("narrative_es", sa.Text(), nullable=True),
        sa.Column("narrative_en", sa.Text(), nullable=True),
        sa.Column("implementation_status", sa.String(length=20), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["pledge_id"],
            ["pledges.id"],
            name=op.f("fk_progress_updates_pledge_id_pledges"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_progress_updates")),
    )
    with op.batch_alter_table("progress_updates") as batch:
        batch.create_index(
            "ix_progress_updates_pledge_id_reported_on", ["pledge_id", "reported_on"]
        )
        batch.create_index(batch.f("ix_progress_updates_reported_on"), ["reported_on"])


def downgrade() -> None:
    op.drop_table("progress_updates")
