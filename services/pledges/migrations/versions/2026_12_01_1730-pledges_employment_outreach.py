"""Employment pledges (hiring practice, countries with jobs targeted, companies), the
outreach pipeline (prospects, interactions, status changes) and the `illustrative` flag
of pledges whose figures are invented.

Revision ID: pledges_employment_outreach
Revises: pledges_0010_shares_matches
Create Date: 2026-12-01 17:30:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "pledges_employment_outreach"
down_revision: str | None = "pledges_0010_shares_matches"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _pledge_key(table: str) -> list[Any]:
    return [
        sa.Column("pledge_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["pledge_id"],
            ["pledges.id"],
            name=op.f(f"fk_{table}_pledge_id_pledges"),
            ondelete="CASCADE",
        ),
    ]


def upgrade() -> None:
    # A plain ADD COLUMN (with its default) on both databases: no table rebuild.
    op.add_column(
        "pledges",
        sa.Column("illustrative", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "employment_terms",
        *_pledge_key("employment_terms"),
        sa.Column("hiring_practice", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("pledge_id", name=op.f("pk_employment_terms")),
    )
    op.create_table(
        "employment_hiring_countries",
        *_pledge_key("employment_hiring_countries"),
        sa.Column("country", sa.String(length=3), nullable=False),
        sa.Column("jobs_targeted", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "jobs_targeted > 0",
            name=op.f("ck_employment_hiring_countries_jobs_targeted_positive"),
        ),
        sa.PrimaryKeyConstraint(
            "pledge_id", "country", name=op.f("pk_employment_hiring_countries")
        ),
    )
    op.create_index(
        op.f("ix_employment_hiring_countries_country"), "employment_hiring_countries", ["country"]
    )
    op.create_table(
        "employment_companies",
        *_pledge_key("employment_companies"),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_employment_companies_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint(
            "pledge_id", "organisation_id", name=op.f("pk_employment_companies")
        ),
    )
    op.create_index(
        op.f("ix_employment_companies_organisation_id"),
        "employment_companies",
        ["organisation_id"],
    )
    _create_prospects()


def _create_prospects() -> None:
    op.create_table(
        "prospects",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=True),
        sa.Column("name", sa.String(length=300), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=True),
        sa.Column("country", sa.String(length=3), nullable=True),
        sa.Column("owner_sub", sa.String(length=200), nullable=False),
        sa.Column("owner_organisation_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("pledge_id", sa.Uuid(), nullable=True),
        sa.Column("next_step", sa.Text(), nullable=True),
        sa.Column("next_step_on", sa.Date(), nullable=True),
        sa.Column("contact_name", sa.String(length=200), nullable=True),
        sa.Column("contact_job_title", sa.String(length=200), nullable=True),
        sa.Column("contact_email", sa.String(length=320), nullable=True),
        sa.Column("contact_phone", sa.String(length=50), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_prospects_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_organisation_id"],
            ["organisations.id"],
            name=op.f("fk_prospects_owner_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["pledge_id"], ["pledges.id"], name=op.f("fk_prospects_pledge_id_pledges")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prospects")),
    )
    op.create_index(op.f("ix_prospects_organisation_id"), "prospects", ["organisation_id"])
    op.create_index(op.f("ix_prospects_status"), "prospects", ["status"])
    op.create_index(op.f("ix_prospects_pledge_id"), "prospects", ["pledge_id"])
    op.create_index(op.f("ix_prospects_created_at"), "prospects", ["created_at"])
    op.create_index("ix_prospects_owner_sub_status", "prospects", ["owner_sub", "status"])
    op.create_table(
        "prospect_interactions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("prospect_id", sa.Uuid(), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["prospect_id"],
            ["prospects.id"],
            name=op.f("fk_prospect_interactions_prospect_id_prospects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prospect_interactions")),
    )
    op.create_index(
        "ix_prospect_interactions_prospect_id_occurred_on",
        "prospect_interactions",
        ["prospect_id", "occurred_on"],
    )
    op.create_table(
        "prospect_status_changes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("prospect_id", sa.Uuid(), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=True),
        sa.Column("to_status", sa.String(length=20), nullable=False),
        sa.Column("pledge_id", sa.Uuid(), nullable=True),
        sa.Column("changed_by", sa.String(length=200), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["prospect_id"],
            ["prospects.id"],
            name=op.f("fk_prospect_status_changes_prospect_id_prospects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prospect_status_changes")),
    )
    op.create_index(
        op.f("ix_prospect_status_changes_prospect_id"), "prospect_status_changes", ["prospect_id"]
    )


def downgrade() -> None:
    op.drop_table("prospect_status_changes")
    op.drop_table("prospect_interactions")
    op.drop_table("prospects")
    op.drop_table("employment_companies")
    op.drop_table("employment_hiring_countries")
    op.drop_table("employment_terms")
    with op.batch_alter_table("pledges") as batch:
        batch.drop_column("illustrative")
