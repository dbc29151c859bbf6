"""Titles sort by a case-folded, accent-free key, compared bytewise on both databases.

`practice.sort_title` held the raw title, so "ética" sorted after "zona" on SQLite (binary)
and wherever the PostgreSQL collation put it. It now holds `search.title_sort_key(...)`,
backfilled here for existing rows; on PostgreSQL the column collates as "C", like SQLite.

Revision ID: practices_0003
Revises: practices_0002
Create Date: 2026-11-28 05:00:00+00:00
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

# Frozen copy of the sort key as it was when this revision was written: a migration must
# not change meaning when the app's code (services/practices/search.py) later changes.
SORT_KEY_LENGTH = 300


def title_sort_key(title_es: str | None, title_en: str | None) -> str:
    """Spanish title (else English), case-folded, accents removed, cut to 300 characters."""
    decomposed = unicodedata.normalize("NFKD", title_es or title_en or "")
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return unicodedata.normalize("NFC", bare.casefold())[:SORT_KEY_LENGTH]


revision: str = "practices_0003"
down_revision: str | None = "practices_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 500
_practice = sa.table(
    "practice",
    sa.column("id", sa.Uuid),
    sa.column("title_es", sa.Text),
    sa.column("title_en", sa.Text),
    sa.column("sort_title", sa.String),
)


def _set_collation(collation: str | None) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column(
            "practice",
            "sort_title",
            type_=sa.String(SORT_KEY_LENGTH, collation=collation),
            existing_nullable=False,
        )


def _rewrite_sort_titles(key: Callable[[str | None, str | None], str]) -> None:
    """Recompute every row's sort_title with `key(title_es, title_en)`, in batches."""
    connection = op.get_bind()
    rows = connection.execute(sa.select(_practice.c.id, _practice.c.title_es, _practice.c.title_en))
    updates = [{"row_id": row.id, "value": key(row.title_es, row.title_en)} for row in rows]
    statement = (
        sa.update(_practice)
        .where(_practice.c.id == sa.bindparam("row_id"))
        .values(sort_title=sa.bindparam("value"))
    )
    for start in range(0, len(updates), _BATCH):
        connection.execute(statement, updates[start : start + _BATCH])


def _raw_title(title_es: str | None, title_en: str | None) -> str:
    return (title_es or title_en or "")[:SORT_KEY_LENGTH]


def upgrade() -> None:
    _set_collation("C")
    _rewrite_sort_titles(title_sort_key)


def downgrade() -> None:
    _rewrite_sort_titles(_raw_title)
    _set_collation(None)
