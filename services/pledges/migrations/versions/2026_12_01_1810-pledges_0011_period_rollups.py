"""Period rollups: the per-country and per-objective rollups by month and by day, so
reports over dates off the half-year bounds are answered from rollups too.

Revision ID: pledges_0011_period_rollups
Revises: pledges_0010_count_rollups
Create Date: 2026-12-01 18:10:00+00:00

The tables are filled from the ledger here, by a frozen copy of the flows as this
revision defines them (not by services.pledges.rollups, which may change later).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from alembic import op

from services.pledges.models import MONEY

revision: str = "pledges_0011_period_rollups"
down_revision: str | None = "pledges_0010_count_rollups"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MEASURES = ("pledged", "committed", "disbursed")
KINDS = ("contributor_kind", "pledge_kind", "funding_mechanism")
TABLES = {
    "country_period_rollups": ("country", *KINDS),
    "objective_period_rollups": ("objective_id",),
}


def _create(name: str, *dimensions: sa.Column[Any]) -> None:
    op.create_table(
        name,
        sa.Column("grain", sa.String(length=300), nullable=False),
        sa.Column("span", sa.String(length=5), nullable=False),
        sa.Column("period", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("pledged", sa.Numeric(precision=20, scale=4), nullable=False),
        sa.Column("committed", sa.Numeric(precision=20, scale=4), nullable=False),
        sa.Column("disbursed", sa.Numeric(precision=20, scale=4), nullable=False),
        *dimensions,
        sa.PrimaryKeyConstraint("grain", name=op.f(f"pk_{name}")),
    )
    op.create_index(f"ix_{name}_span_period", name, ["span", "period"])


def _target(name: str, dimensions: Sequence[str]) -> sa.TableClause:
    """The table to insert into, its measures typed MONEY (scaled integers on SQLite)."""
    types: dict[str, Any] = {"objective_id": sa.Uuid(), "period": sa.Integer()}
    types["year"] = sa.Integer()
    columns = ["grain", *dimensions, "span", "period", "year"]
    return sa.table(
        name,
        *(sa.column(n, types.get(n, sa.String())) for n in columns),
        *(sa.column(m, MONEY) for m in MEASURES),
    )


def upgrade() -> None:
    _create(
        "country_period_rollups",
        sa.Column("country", sa.String(length=3), nullable=True),
        sa.Column("contributor_kind", sa.String(length=40), nullable=False),
        sa.Column("pledge_kind", sa.String(length=20), nullable=False),
        sa.Column("funding_mechanism", sa.String(length=20), nullable=True),
    )
    _create("objective_period_rollups", sa.Column("objective_id", sa.Uuid(), nullable=True))
    connection = op.get_bind()
    for name, dimensions in TABLES.items():
        dated = [dict(row._mapping) for row in connection.execute(_dated(dimensions))]
        rows = _summed(dated, dimensions)
        for start in range(0, len(rows), 10_000):
            connection.execute(sa.insert(_target(name, dimensions)), rows[start : start + 10_000])


def _summed(dated: list[dict[str, Any]], dimensions: Sequence[str]) -> list[dict[str, Any]]:
    """Each day's flows counted in their month and in their day, keyed by grain."""
    summed: dict[str, dict[str, Any]] = {}
    for row in dated:
        day = row["day"]
        for span, period in (
            ("month", day.year * 100 + day.month),
            ("day", day.year * 10000 + day.month * 100 + day.day),
        ):
            values = {n: row[n] for n in dimensions}
            values |= {"span": span, "period": period, "year": day.year}
            key = "|".join("" if v is None else str(v) for v in values.values())
            into = summed.setdefault(key, {**values, **dict.fromkeys(MEASURES, Decimal(0))})
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
    *(sa.column(n, sa.String()) for n in ("kind", "funding_mechanism", "implementation_status")),
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


def _columns(when: Any) -> list[Any]:
    return [
        _lines.c.country.label("country"),
        _lines.c.objective_id.label("objective_id"),
        _organisations.c.kind.label("contributor_kind"),
        _pledges.c.kind.label("pledge_kind"),
        _pledges.c.funding_mechanism.label("funding_mechanism"),
        when.label("day"),
    ]


def _dated(dimensions: Sequence[str]) -> Any:
    """The flows (as of this revision: announcements per line of an announced pledge not
    withdrawn; commitments and disbursements per entry, a withdrawn pledge restated as
    what was disbursed) summed per day and `dimensions`."""
    withdrawn = _pledges.c.withdrawn_on.is_not(None)
    announced = _pledges.c.implementation_status != "cultivating"
    announcements = (
        sa.select(
            *_columns(_pledges.c.announced_on),
            _lines.c.amount_usd.label("pledged"),
            sa.literal(0).label("committed"),
            sa.literal(0).label("disbursed"),
        )
        .select_from(_lines)
        .join(_pledges, _pledges.c.id == _lines.c.pledge_id)
        .join(_organisations, _organisations.c.id == _pledges.c.contributor_id)
        .where(~withdrawn, announced)
    )
    commitment = _entries.c.effect == "commitment"
    disbursement = _entries.c.effect == "disbursement"
    usd = _entries.c.report_usd
    entries = (
        sa.select(
            *_columns(_entries.c.period_date),
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
        .where(_entries.c.effect != "expenditure", announced)
    )
    flows = sa.union_all(announcements, entries).subquery("flows")
    columns = [flows.c[n] for n in dimensions] + [flows.c.day]
    sums = [
        sa.func.coalesce(sa.func.sum(flows.c[name]), 0).cast(MONEY).label(name) for name in MEASURES
    ]
    return sa.select(*columns, *sums).group_by(*columns)


def downgrade() -> None:
    for name in TABLES:
        op.drop_index(f"ix_{name}_span_period", table_name=name)
        op.drop_table(name)
