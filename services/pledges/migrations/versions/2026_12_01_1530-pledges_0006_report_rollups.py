"""Report rollups (fine, per country, per objective), kept in step with every write.

Revision ID: pledges_0006
Revises: pledges_0005
Create Date: 2026-12-01 15:30:00+00:00

The tables are filled from the ledger here (a full recomputation, as `mirps rollups
rebuild` does), by a frozen copy of the flows as this revision defined them — not by
services.pledges.rollups, so a later change there never changes what this migration does.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from alembic import op

from services.pledges.models import MONEY

revision: str = "pledges_0006"
down_revision: str | None = "pledges_0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _rollup_table(name: str, *dimensions: sa.Column[object]) -> None:
    op.create_table(
        name,
        sa.Column("grain", sa.String(length=300), nullable=False),
        sa.Column("half", sa.Integer(), nullable=False),
        sa.Column("pledged", sa.Numeric(precision=20, scale=4), nullable=False),
        sa.Column("committed", sa.Numeric(precision=20, scale=4), nullable=False),
        sa.Column("disbursed", sa.Numeric(precision=20, scale=4), nullable=False),
        *dimensions,
        sa.PrimaryKeyConstraint("grain", name=op.f(f"pk_{name}")),
    )


def _kinds() -> list[sa.Column[object]]:
    return [
        sa.Column("contributor_kind", sa.String(length=40), nullable=False),
        sa.Column("pledge_kind", sa.String(length=20), nullable=False),
        sa.Column("funding_mechanism", sa.String(length=20), nullable=True),
    ]


def upgrade() -> None:
    _rollup_table(
        "report_rollups",
        sa.Column("country", sa.String(length=3), nullable=True),
        sa.Column("objective_id", sa.Uuid(), nullable=True),
        sa.Column("contributor_id", sa.Uuid(), nullable=False),
        sa.Column("visibility", sa.String(length=20), nullable=False),
        *_kinds(),
    )
    _rollup_table(
        "country_rollups", sa.Column("country", sa.String(length=3), nullable=True), *_kinds()
    )
    _rollup_table("objective_rollups", sa.Column("objective_id", sa.Uuid(), nullable=True))
    connection = op.get_bind()
    fine = [dict(row._mapping) for row in connection.execute(_fine_statement())]
    for name, dimensions in TABLES:
        rows = _summed(fine, dimensions)
        if rows:
            connection.execute(sa.insert(_rollup(name, dimensions)), rows)


DIMENSIONS = (
    "country",
    "objective_id",
    "contributor_id",
    "visibility",
    "contributor_kind",
    "pledge_kind",
    "funding_mechanism",
    "half",
)
MEASURES = ("pledged", "committed", "disbursed")
TABLES = (
    ("report_rollups", DIMENSIONS),
    (
        "country_rollups",
        ("country", "contributor_kind", "pledge_kind", "funding_mechanism", "half"),
    ),
    ("objective_rollups", ("objective_id", "half")),
)
_TYPES: dict[str, Any] = {
    "country": sa.String(),
    "objective_id": sa.Uuid(),
    "contributor_id": sa.Uuid(),
    "half": sa.Integer(),
}


def _rollup(name: str, dimensions: Sequence[str]) -> sa.TableClause:
    columns = [sa.column(n, _TYPES.get(n, sa.String())) for n in dimensions]
    return sa.table(
        name, sa.column("grain", sa.String()), *columns, *(sa.column(m, MONEY) for m in MEASURES)
    )


def _summed(fine: list[dict[str, Any]], dimensions: Sequence[str]) -> list[dict[str, Any]]:
    """The finest rows summed to `dimensions`, keyed by their grain."""
    summed: dict[str, dict[str, Any]] = {}
    for row in fine:
        key = "|".join("" if row[n] is None else str(row[n]) for n in dimensions)
        into = summed.setdefault(
            key, {n: row[n] for n in dimensions} | dict.fromkeys(MEASURES, Decimal(0))
        )
        for name in MEASURES:
            into[name] += row[name]
    return [{"grain": key, **row} for key, row in summed.items()]


_lines = sa.table(
    "allocation_lines",
    sa.column("id", sa.Uuid()),
    sa.column("pledge_id", sa.Uuid()),
    sa.column("country", sa.String()),
    sa.column("objective_id", sa.Uuid()),
    sa.column("amount_usd", MONEY),
)
_pledges = sa.table(
    "pledges",
    *(sa.column(n, sa.String()) for n in ("visibility", "kind", "funding_mechanism")),
    sa.column("id", sa.Uuid()),
    sa.column("contributor_id", sa.Uuid()),
    sa.column("announced_on", sa.Date()),
    sa.column("withdrawn_on", sa.Date()),
)
_organisations = sa.table(
    "organisations", sa.column("id", sa.Uuid()), sa.column("kind", sa.String())
)
_entries = sa.table(
    "ledger_entries",
    sa.column("pledge_id", sa.Uuid()),
    sa.column("allocation_line_id", sa.Uuid()),
    sa.column("effect", sa.String()),
    sa.column("period_date", sa.Date()),
    sa.column("report_usd", MONEY),
)


def _dimensions(when: Any) -> list[Any]:
    return [
        _lines.c.country.label("country"),
        _lines.c.objective_id.label("objective_id"),
        _pledges.c.contributor_id.label("contributor_id"),
        _pledges.c.visibility.label("visibility"),
        _organisations.c.kind.label("contributor_kind"),
        _pledges.c.kind.label("pledge_kind"),
        _pledges.c.funding_mechanism.label("funding_mechanism"),
        when.label("flow_date"),
    ]


def _flows() -> Any:
    """Announcements per line of a pledge not withdrawn; commitments and disbursements per
    entry (a withdrawn pledge restated as what was disbursed), as of this revision."""
    withdrawn = _pledges.c.withdrawn_on.is_not(None)
    announcements = (
        sa.select(
            *_dimensions(_pledges.c.announced_on),
            _lines.c.amount_usd.label("pledged"),
            sa.literal(0).label("committed"),
            sa.literal(0).label("disbursed"),
        )
        .select_from(_lines)
        .join(_pledges, _pledges.c.id == _lines.c.pledge_id)
        .join(_organisations, _organisations.c.id == _pledges.c.contributor_id)
        .where(~withdrawn)
    )
    commitment = _entries.c.effect == "commitment"
    disbursement = _entries.c.effect == "disbursement"
    usd = _entries.c.report_usd
    entries = (
        sa.select(
            *_dimensions(_entries.c.period_date),
            sa.case((sa.and_(withdrawn, disbursement), usd), else_=0).label("pledged"),
            sa.case(
                (sa.and_(~withdrawn, commitment), usd),
                (sa.and_(withdrawn, disbursement), usd),
                else_=0,
            ).label("committed"),
            sa.case((disbursement, usd), else_=0).label("disbursed"),
        )
        .select_from(_entries)
        .join(_lines, _lines.c.id == _entries.c.allocation_line_id)
        .join(_pledges, _pledges.c.id == _entries.c.pledge_id)
        .join(_organisations, _organisations.c.id == _pledges.c.contributor_id)
        .where(_entries.c.effect != "expenditure")
    )
    return sa.union_all(announcements, entries).subquery("flows")


def _fine_statement() -> Any:
    """The flows summed per finest grain."""
    flows = _flows()
    year = sa.cast(sa.extract("year", flows.c.flow_date), sa.Integer)
    month = sa.cast(sa.extract("month", flows.c.flow_date), sa.Integer)
    half = year * 10 + sa.case((month <= 6, 1), else_=2)
    columns = [flows.c[n] for n in DIMENSIONS if n != "half"] + [half.label("half")]
    sums = [
        sa.func.coalesce(sa.func.sum(flows.c[name]), 0).cast(MONEY).label(name) for name in MEASURES
    ]
    return sa.select(*columns, *sums).group_by(*columns)


def downgrade() -> None:
    op.drop_table("objective_rollups")
    op.drop_table("country_rollups")
    op.drop_table("report_rollups")
