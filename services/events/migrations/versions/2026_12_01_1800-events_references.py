"""Checked references: the other services' records this one may name, read from their
change feeds, and how far each feed has been read.

Revision ID: events_references
Revises: events_outbox
Create Date: 2026-12-01 18:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from services.common.references import create_reference_tables, drop_reference_tables

revision: str = "events_references"
down_revision: str | None = "events_outbox"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_reference_tables(op)


def downgrade() -> None:
    drop_reference_tables(op)
