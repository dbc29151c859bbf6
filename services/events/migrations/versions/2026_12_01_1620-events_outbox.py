"""The transactional outbox (one CloudEvents row per change, in commit order) and the
webhook subscriptions and deliveries fed from it.

Revision ID: events_outbox
Revises: events_documents
Create Date: 2026-12-01 16:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from services.common.outbox import create_outbox_table, drop_outbox_table
from services.common.webhooks import create_webhook_tables, drop_webhook_tables

revision: str = "events_outbox"
down_revision: str | None = "events_documents"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_outbox_table(op)
    create_webhook_tables(op)


def downgrade() -> None:
    drop_webhook_tables(op)
    drop_outbox_table(op)
