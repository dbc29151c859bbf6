"""The results framework: strategies, indicators, measurements, workplan, snapshots.

Revision ID: results_0001
Revises:
Create Date: 2026-12-01 14:22:32.521425+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "results_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "governance_roles",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_governance_roles")),
    )
    with op.batch_alter_table("governance_roles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_governance_roles_role"), ["role"], unique=False)

    op.create_table(
        "idempotency_keys",
        sa.Column("caller", sa.String(length=200), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("response_body", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("caller", "key", name=op.f("pk_idempotency_keys")),
    )
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_idempotency_keys_expires_at"), ["expires_at"], unique=False
        )

    op.create_table(
        "strategies",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("title", sa.JSON(), nullable=False),
        sa.Column("chair", sa.String(length=200), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_strategies")),
        sa.UniqueConstraint("code", name=op.f("uq_strategies_code")),
    )
    op.create_table(
        "framework_elements",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("strategy_id", sa.Uuid(), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("parent_id", sa.Uuid(), nullable=True),
        sa.Column("title", sa.JSON(), nullable=False),
        sa.Column("description", sa.JSON(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["framework_elements.id"],
            name=op.f("fk_framework_elements_parent_id_framework_elements"),
        ),
        sa.ForeignKeyConstraint(
            ["strategy_id"],
            ["strategies.id"],
            name=op.f("fk_framework_elements_strategy_id_strategies"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_framework_elements")),
        sa.UniqueConstraint(
            "strategy_id", "code", name=op.f("uq_framework_elements_strategy_id_code")
        ),
    )
    with op.batch_alter_table("framework_elements", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_framework_elements_parent_id"), ["parent_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_framework_elements_strategy_id"), ["strategy_id"], unique=False
        )

    op.create_table(
        "milestones",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("strategy_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("title", sa.JSON(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("outcome_codes", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["strategy_id"], ["strategies.id"], name=op.f("fk_milestones_strategy_id_strategies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_milestones")),
        sa.UniqueConstraint("strategy_id", "code", name=op.f("uq_milestones_strategy_id_code")),
    )
    with op.batch_alter_table("milestones", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_milestones_strategy_id"), ["strategy_id"], unique=False
        )

    op.create_table(
        "progress_snapshots",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("strategy_id", sa.Uuid(), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("frozen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["strategy_id"],
            ["strategies.id"],
            name=op.f("fk_progress_snapshots_strategy_id_strategies"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_progress_snapshots")),
        sa.UniqueConstraint(
            "strategy_id", "period", name=op.f("uq_progress_snapshots_strategy_id_period")
        ),
    )
    with op.batch_alter_table("progress_snapshots", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_progress_snapshots_strategy_id"), ["strategy_id"], unique=False
        )

    op.create_table(
        "indicators",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("strategy_id", sa.Uuid(), nullable=False),
        sa.Column("outcome_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.JSON(), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column("direction", sa.String(length=20), nullable=False),
        sa.Column("baseline", sa.String(length=40), nullable=True),
        sa.Column("target", sa.String(length=40), nullable=True),
        sa.Column("period", sa.String(length=20), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("disaggregation", sa.JSON(), nullable=False),
        sa.Column("responsible_organisations", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("query", sa.String(length=60), nullable=True),
        sa.Column("country", sa.String(length=3), nullable=True),
        sa.Column("objective_id", sa.String(length=100), nullable=True),
        sa.Column("illustrative", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["outcome_id"],
            ["framework_elements.id"],
            name=op.f("fk_indicators_outcome_id_framework_elements"),
        ),
        sa.ForeignKeyConstraint(
            ["strategy_id"], ["strategies.id"], name=op.f("fk_indicators_strategy_id_strategies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicators")),
        sa.UniqueConstraint("strategy_id", "code", name=op.f("uq_indicators_strategy_id_code")),
    )
    with op.batch_alter_table("indicators", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_indicators_country"), ["country"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_indicators_objective_id"), ["objective_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_indicators_outcome_id"), ["outcome_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_indicators_strategy_id"), ["strategy_id"], unique=False
        )

    op.create_table(
        "measurements",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("indicator_id", sa.Uuid(), nullable=False),
        sa.Column("value", sa.String(length=40), nullable=False),
        sa.Column("period", sa.String(length=20), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source_call", sa.Text(), nullable=True),
        sa.Column("inputs_hash", sa.String(length=64), nullable=True),
        sa.Column("record_refs", sa.JSON(), nullable=False),
        sa.Column("breakdown", sa.JSON(), nullable=False),
        sa.Column("stale", sa.Boolean(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("evidence_url", sa.String(length=2000), nullable=True),
        sa.Column("evidence_reference", sa.String(length=500), nullable=True),
        sa.Column("review_status", sa.String(length=20), nullable=True),
        sa.Column("submitted_by", sa.String(length=200), nullable=True),
        sa.Column("reviewed_by", sa.String(length=200), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["indicator_id"],
            ["indicators.id"],
            name=op.f("fk_measurements_indicator_id_indicators"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_measurements")),
    )
    with op.batch_alter_table("measurements", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_measurements_computed_at"), ["computed_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_measurements_indicator_id"), ["indicator_id"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("measurements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_measurements_indicator_id"))
        batch_op.drop_index(batch_op.f("ix_measurements_computed_at"))

    op.drop_table("measurements")
    with op.batch_alter_table("indicators", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_indicators_strategy_id"))
        batch_op.drop_index(batch_op.f("ix_indicators_outcome_id"))
        batch_op.drop_index(batch_op.f("ix_indicators_objective_id"))
        batch_op.drop_index(batch_op.f("ix_indicators_country"))

    op.drop_table("indicators")
    with op.batch_alter_table("progress_snapshots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_progress_snapshots_strategy_id"))

    op.drop_table("progress_snapshots")
    with op.batch_alter_table("milestones", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_milestones_strategy_id"))

    op.drop_table("milestones")
    with op.batch_alter_table("framework_elements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_framework_elements_strategy_id"))
        batch_op.drop_index(batch_op.f("ix_framework_elements_parent_id"))

    op.drop_table("framework_elements")
    op.drop_table("strategies")
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_idempotency_keys_expires_at"))

    op.drop_table("idempotency_keys")
    with op.batch_alter_table("governance_roles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_governance_roles_role"))

    op.drop_table("governance_roles")
