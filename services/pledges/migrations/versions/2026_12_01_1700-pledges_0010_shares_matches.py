"""Joint pledges (contributors with shares) and matches between need and support sides.

Every existing pledge gets one row: its contributor, lead, with a 100 % share.

Revision ID: pledges_0010_shares_matches
Revises: pledges_0009_progress_updates
Create Date: 2026-12-01 17:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from services.pledges.models import MONEY, SHARE

revision: str = "pledges_0010_shares_matches"
down_revision: str | None = "pledges_0009_progress_updates"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# SQLite stores an Amount(12, 6) as value x 10^6 (see models.Amount).
SHARE_SCALE = 6


def upgrade() -> None:
    op.create_table(
        "pledge_contributors",
        sa.Column("pledge_id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("lead", sa.Boolean(), nullable=False),
        sa.Column("share_percent", SHARE, nullable=False),
        sa.Column("share_amount", MONEY, nullable=True),
        sa.ForeignKeyConstraint(
            ["pledge_id"],
            ["pledges.id"],
            name=op.f("fk_pledge_contributors_pledge_id_pledges"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_pledge_contributors_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint(
            "pledge_id", "organisation_id", name=op.f("pk_pledge_contributors")
        ),
    )
    with op.batch_alter_table("pledge_contributors") as batch:
        batch.create_index(batch.f("ix_pledge_contributors_organisation_id"), ["organisation_id"])
    hundred = 100 * 10**SHARE_SCALE if op.get_bind().dialect.name == "sqlite" else 100
    op.execute(
        sa.text(
            "INSERT INTO pledge_contributors "
            "(pledge_id, organisation_id, lead, share_percent, share_amount) "
            "SELECT id, contributor_id, :lead, :hundred, NULL FROM pledges"
        ).bindparams(sa.bindparam("lead", True, sa.Boolean()), hundred=hundred)
    )
    op.create_table(
        "matches",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("need_pledge_id", sa.Uuid(), nullable=True),
        sa.Column("need_objective_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("event", sa.String(length=100), nullable=True),
        sa.Column("notes_es", sa.Text(), nullable=True),
        sa.Column("notes_en", sa.Text(), nullable=True),
        sa.Column("score", MONEY, nullable=True),
        sa.Column("proposed_by", sa.String(length=200), nullable=False),
        sa.Column("proposed_by_org", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "(need_pledge_id IS NULL) <> (need_objective_id IS NULL)",
            name=op.f("ck_matches_one_need_side"),
        ),
        sa.ForeignKeyConstraint(
            ["need_pledge_id"], ["pledges.id"], name=op.f("fk_matches_need_pledge_id_pledges")
        ),
        sa.ForeignKeyConstraint(
            ["need_objective_id"],
            ["objectives.id"],
            name=op.f("fk_matches_need_objective_id_objectives"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_matches")),
    )
    with op.batch_alter_table("matches") as batch:
        batch.create_index("ix_matches_status_event", ["status", "event"])
        batch.create_index(batch.f("ix_matches_need_pledge_id"), ["need_pledge_id"])
        batch.create_index(batch.f("ix_matches_need_objective_id"), ["need_objective_id"])
        batch.create_index(batch.f("ix_matches_created_at"), ["created_at"])
    op.create_table(
        "match_pledges",
        sa.Column("match_id", sa.Uuid(), nullable=False),
        sa.Column("pledge_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["match_id"],
            ["matches.id"],
            name=op.f("fk_match_pledges_match_id_matches"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["pledge_id"], ["pledges.id"], name=op.f("fk_match_pledges_pledge_id_pledges")
        ),
        sa.PrimaryKeyConstraint("match_id", "pledge_id", name=op.f("pk_match_pledges")),
    )
    with op.batch_alter_table("match_pledges") as batch:
        batch.create_index(batch.f("ix_match_pledges_pledge_id"), ["pledge_id"])
    op.create_table(
        "match_changes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("match_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=True),
        sa.Column("to_status", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("changed_by", sa.String(length=200), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["match_id"],
            ["matches.id"],
            name=op.f("fk_match_changes_match_id_matches"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match_changes")),
        sa.UniqueConstraint(
            "match_id", "position", name=op.f("uq_match_changes_match_id_position")
        ),
    )
    with op.batch_alter_table("match_changes") as batch:
        batch.create_index(batch.f("ix_match_changes_match_id"), ["match_id"])


def downgrade() -> None:
    op.drop_table("match_changes")
    op.drop_table("match_pledges")
    op.drop_table("matches")
    op.drop_table("pledge_contributors")
