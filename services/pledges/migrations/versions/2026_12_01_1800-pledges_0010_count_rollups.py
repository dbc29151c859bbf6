"""Count rollups: announced pledges per contributor x country x kinds x half-year, so the
reports' pledges and contributors columns are no scan of every allocation line.

Revision ID: pledges_0010_count_rollups
Revises: pledges_employment_outreach
Create Date: 2026-12-01 18:00:00+00:00

The table is filled from the pledges here, by a frozen copy of the rule as this revision
defines it (not by services.pledges.rollups, which may change later).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "pledges_0010_count_rollups"
down_revision: str | None = "pledges_employment_outreach"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_DIMENSIONS = (
    "per_country",
    "country",
    "contributor_id",
    "contributor_kind",
    "pledge_kind",
    "funding_mechanism",
    "half",
)


def upgrade() -> None:
    table = op.create_table(
        "count_rollups",
        sa.Column("grain", sa.String(length=300), nullable=False),
        sa.Column("per_country", sa.Boolean(), nullable=False),
        sa.Column("country", sa.String(length=3), nullable=True),
        sa.Column("contributor_id", sa.Uuid(), nullable=False),
        sa.Column("contributor_kind", sa.String(length=40), nullable=False),
        sa.Column("pledge_kind", sa.String(length=20), nullable=False),
        sa.Column("funding_mechanism", sa.String(length=20), nullable=True),
        sa.Column("half", sa.Integer(), nullable=False),
        sa.Column("pledges", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("grain", name=op.f("pk_count_rollups")),
    )
    op.create_index("ix_count_rollups_per_country_half", "count_rollups", ["per_country", "half"])
    rows = _counted([dict(row._mapping) for row in op.get_bind().execute(_members())])
    if rows:
        op.get_bind().execute(sa.insert(table), rows)


def _members() -> Any:
    """(pledge, line country) of every announced pledge not withdrawn, with its attributes."""
    lines = sa.table(
        "allocation_lines", sa.column("pledge_id", sa.Uuid()), sa.column("country", sa.String())
    )
    pledges = sa.table(
        "pledges",
        sa.column("id", sa.Uuid()),
        sa.column("contributor_id", sa.Uuid()),
        sa.column("announced_on", sa.Date()),
        sa.column("withdrawn_on", sa.Date()),
        *(sa.column(n, sa.String()) for n in ("kind", "funding_mechanism")),
        sa.column("implementation_status", sa.String()),
    )
    organisations = sa.table(
        "organisations", sa.column("id", sa.Uuid()), sa.column("kind", sa.String())
    )
    return (
        sa.select(
            pledges.c.id.label("pledge_id"),
            lines.c.country,
            pledges.c.contributor_id,
            organisations.c.kind.label("contributor_kind"),
            pledges.c.kind.label("pledge_kind"),
            pledges.c.funding_mechanism,
            pledges.c.announced_on,
        )
        .distinct()
        .select_from(lines)
        .join(pledges, pledges.c.id == lines.c.pledge_id)
        .join(organisations, organisations.c.id == pledges.c.contributor_id)
        .where(pledges.c.withdrawn_on.is_(None), pledges.c.implementation_status != "cultivating")
    )


def _counted(members: list[dict[str, Any]]) -> list[dict[str, Any]]:
    counted: dict[str, dict[str, Any]] = {}
    seen: set[tuple[Any, ...]] = set()
    for member in members:
        day = member["announced_on"]
        half = day.year * 10 + (1 if day.month <= 6 else 2)
        for per_country in (True, False):
            row = {
                "per_country": per_country,
                "country": member["country"] if per_country else None,
                "contributor_id": member["contributor_id"],
                "contributor_kind": member["contributor_kind"],
                "pledge_kind": member["pledge_kind"],
                "funding_mechanism": member["funding_mechanism"],
                "half": half,
            }
            if (member["pledge_id"], per_country, row["country"]) in seen:
                continue
            seen.add((member["pledge_id"], per_country, row["country"]))
            key = "|".join("" if row[n] is None else str(row[n]) for n in _DIMENSIONS)
            into = counted.setdefault(key, {"grain": key, **row, "pledges": 0})
            into["pledges"] += 1
    return list(counted.values())


def downgrade() -> None:
    op.drop_index("ix_count_rollups_per_country_half", table_name="count_rollups")
    op.drop_table("count_rollups")
