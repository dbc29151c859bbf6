"""Documents attached to practices: uploads (content-addressed) or links.

Revision ID: practices_documents
Revises: practices_0003
Create Date: 2026-12-01 15:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

from services.common.migrations import create_documents_table, drop_documents_table

revision: str = "practices_documents"
down_revision: str | None = "practices_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_documents_table("practice_documents", parent_table="practice")


def downgrade() -> None:
    drop_documents_table("practice_documents")
