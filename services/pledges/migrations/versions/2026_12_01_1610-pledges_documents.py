"""Documents attached to pledges: uploads (content-addressed) or links.

Revision ID: pledges_documents
Revises: pledges_0007
Create Date: 2026-12-01 15:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

from services.common.migrations import create_documents_table, drop_documents_table

revision: str = "pledges_documents"
down_revision: str | None = "pledges_0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_documents_table("pledge_documents", parent_table="pledges")


def downgrade() -> None:
    drop_documents_table("pledge_documents")
