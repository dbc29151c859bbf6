"""Events, their occurrences (series expanded in UTC), registrations and outcomes.

Revision ID: events_0002
Revises: events_0001
Create Date: 2026-11-28 04:17:32.026362+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "events_0002"
down_revision: str | None = "events_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("title", sa.JSON(), nullable=False),
        sa.Column("description", sa.JSON(), nullable=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("mode", sa.String(length=20), nullable=False),
        sa.Column("city", sa.String(length=200), nullable=True),
        sa.Column("country", sa.String(length=3), nullable=True),
        sa.Column("online_url", sa.String(length=2000), nullable=True),
        sa.Column("working_group", sa.String(length=100), nullable=True),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("cancellation_reason", sa.Text(), nullable=True),
        sa.Column("rrule", sa.String(length=1000), nullable=True),
        sa.Column("exdates", sa.JSON(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "capacity IS NULL OR capacity >= 0", name=op.f("ck_events_capacity_not_negative")
        ),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_events_ends_after_start")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    op.create_index(op.f("ix_events_country"), "events", ["country"], unique=False)
    op.create_index(op.f("ix_events_kind"), "events", ["kind"], unique=False)
    op.create_index(op.f("ix_events_starts_at"), "events", ["starts_at"], unique=False)
    op.create_index(op.f("ix_events_status"), "events", ["status"], unique=False)
    op.create_index(op.f("ix_events_working_group"), "events", ["working_group"], unique=False)
    op.create_table(
        "event_countries",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("country", sa.String(length=3), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_event_countries_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("event_id", "country", name=op.f("pk_event_countries")),
    )
    op.create_index(
        op.f("ix_event_countries_country"), "event_countries", ["country"], unique=False
    )
    op.create_table(
        "event_featured_practices",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("practice_id", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_event_featured_practices_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "event_id", "practice_id", name=op.f("pk_event_featured_practices")
        ),
    )
    op.create_index(
        op.f("ix_event_featured_practices_practice_id"),
        "event_featured_practices",
        ["practice_id"],
        unique=False,
    )
    op.create_table(
        "event_hosts",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_event_hosts_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("event_id", "organisation_id", name=op.f("pk_event_hosts")),
    )
    op.create_index(
        op.f("ix_event_hosts_organisation_id"), "event_hosts", ["organisation_id"], unique=False
    )
    op.create_table(
        "event_occurrences",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("recurrence_id", sa.DateTime(timezone=True), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("local_month", sa.String(length=7), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("cancellation_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_event_occurrences_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_occurrences")),
        sa.UniqueConstraint(
            "event_id", "recurrence_id", name=op.f("uq_event_occurrences_event_id_recurrence_id")
        ),
    )
    op.create_index(
        "ix_event_occurrences_local_month", "event_occurrences", ["local_month"], unique=False
    )
    op.create_index(
        "ix_event_occurrences_span", "event_occurrences", ["starts_at", "ends_at"], unique=False
    )
    op.create_table(
        "event_themes",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("theme", sa.String(length=60), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_event_themes_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("event_id", "theme", name=op.f("pk_event_themes")),
    )
    op.create_index(op.f("ix_event_themes_theme"), "event_themes", ["theme"], unique=False)
    op.create_table(
        "outcomes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("country", sa.String(length=3), nullable=True),
        sa.Column("organisation_id", sa.String(length=100), nullable=True),
        sa.Column("description", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("pledge_id", sa.String(length=100), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_outcomes_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outcomes")),
    )
    op.create_index(op.f("ix_outcomes_country"), "outcomes", ["country"], unique=False)
    op.create_index(op.f("ix_outcomes_event_id"), "outcomes", ["event_id"], unique=False)
    op.create_index(op.f("ix_outcomes_kind"), "outcomes", ["kind"], unique=False)
    op.create_index(op.f("ix_outcomes_status"), "outcomes", ["status"], unique=False)
    op.create_table(
        "registrations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("organisation_id", sa.String(length=100), nullable=True),
        sa.Column("country", sa.String(length=3), nullable=True),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_registrations_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registrations")),
        sa.UniqueConstraint("event_id", "email", name=op.f("uq_registrations_event_id_email")),
    )
    op.create_index(op.f("ix_registrations_event_id"), "registrations", ["event_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_registrations_event_id"), table_name="registrations")
    op.drop_table("registrations")
    op.drop_index(op.f("ix_outcomes_status"), table_name="outcomes")
    op.drop_index(op.f("ix_outcomes_kind"), table_name="outcomes")
    op.drop_index(op.f("ix_outcomes_event_id"), table_name="outcomes")
    op.drop_index(op.f("ix_outcomes_country"), table_name="outcomes")
    op.drop_table("outcomes")
    op.drop_index(op.f("ix_event_themes_theme"), table_name="event_themes")
    op.drop_table("event_themes")
    op.drop_index("ix_event_occurrences_span", table_name="event_occurrences")
    op.drop_index("ix_event_occurrences_local_month", table_name="event_occurrences")
    op.drop_table("event_occurrences")
    op.drop_index(op.f("ix_event_hosts_organisation_id"), table_name="event_hosts")
    op.drop_table("event_hosts")
    op.drop_index(
        op.f("ix_event_featured_practices_practice_id"), table_name="event_featured_practices"
    )
    op.drop_table("event_featured_practices")
    op.drop_index(op.f("ix_event_countries_country"), table_name="event_countries")
    op.drop_table("event_countries")
    op.drop_index(op.f("ix_events_working_group"), table_name="events")
    op.drop_index(op.f("ix_events_status"), table_name="events")
    op.drop_index(op.f("ix_events_starts_at"), table_name="events")
    op.drop_index(op.f("ix_events_kind"), table_name="events")
    op.drop_index(op.f("ix_events_country"), table_name="events")
    op.drop_table("events")
