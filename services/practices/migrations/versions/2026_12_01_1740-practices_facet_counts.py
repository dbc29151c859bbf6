"""Facet counts of the published catalogue, kept up to date instead of counted per request.

The unfiltered front page counted every published practice per theme, population,
country, origin and evidence level on each request (~740 ms at 100k practices). This
table holds those counts; the service adjusts them when a practice is published,
archived or edited while published. Backfilled here from the current rows.

Revision ID: practices_facet_counts
Revises: practices_outbox
Create Date: 2026-12-01 17:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "practices_facet_counts"
down_revision: str | None = "practices_outbox"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copy of the count as it was when this revision was written (the app's own is
# services/practices/repository.py: FACET_RECOUNT).
_RECOUNT = """
INSERT INTO practice_facet_count (facet, value, count)
SELECT 'theme', t.theme, count(*) FROM practice_theme t
  JOIN practice p ON p.id = t.practice_id WHERE p.status = 'published' GROUP BY t.theme
UNION ALL
SELECT 'population', x.population, count(*) FROM practice_population x
  JOIN practice p ON p.id = x.practice_id WHERE p.status = 'published' GROUP BY x.population
UNION ALL
SELECT 'country', country, count(*) FROM practice WHERE status = 'published' GROUP BY country
UNION ALL
SELECT 'origin', origin, count(*) FROM practice WHERE status = 'published' GROUP BY origin
UNION ALL
SELECT 'evidence', evidence_level, count(*) FROM practice
  WHERE status = 'published' AND evidence_level IS NOT NULL GROUP BY evidence_level
UNION ALL
SELECT 'total', '', count(*) FROM practice WHERE status = 'published'
"""


def upgrade() -> None:
    op.create_table(
        "practice_facet_count",
        sa.Column("facet", sa.String(16), nullable=False),
        sa.Column("value", sa.String(64), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("facet", "value", name=op.f("pk_practice_facet_count")),
    )
    op.execute(_RECOUNT)


def downgrade() -> None:
    op.drop_table("practice_facet_count")
