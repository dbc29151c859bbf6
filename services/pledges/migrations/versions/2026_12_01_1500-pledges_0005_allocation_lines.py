"""Allocation lines: where each pledge's amount is meant to go; entries draw on one line.

Revision ID: pledges_0005
Revises: pledges_0004
Create Date: 2026-12-01 15:00:00+00:00

Existing pledges get the equal split they were reported with (over their objectives,
else their countries, else one regional line); existing entries draw on the line of their
objective, else of their country, else the regional or first line; and each entry's
`report_usd` (its part of its line's figure at the pledge's announcement rate) is
computed in the order the entries count (period date, then recording).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal
from typing import Any

import sqlalchemy as sa
from alembic import op

from services.pledges.models import MONEY, RATE

revision: str = "pledges_0005"
down_revision: str | None = "pledges_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the allocation arithmetic as it was at this revision (not imported
# from services.pledges.allocation), so a later change there never changes what this
# migration does to an existing database.
UNIT = Decimal("0.0001")
CENT = Decimal("0.01")


def equal_split(amount: Decimal, parts: int) -> list[Decimal]:
    """`amount` in `parts` shares that differ by at most 0.0001 and sum to it exactly."""
    base = (amount / parts).quantize(UNIT, rounding=ROUND_DOWN)
    extra = int((amount - base * parts) / UNIT)
    return [base + UNIT if index < extra else base for index in range(parts)]


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_EVEN)


def usd_delta(before: Decimal, after: Decimal, rate: Decimal) -> Decimal:
    """What a line's USD figure (whole cents) gains when its sum goes from `before` to
    `after`."""
    return _cents(after * rate) - _cents(before * rate)


def line_usd(amounts: Sequence[Decimal], rate: Decimal) -> list[Decimal]:
    """The lines' USD figures: the running sum at `rate` in cents, differenced."""
    figures, running = [], Decimal(0)
    for amount in amounts:
        figures.append(usd_delta(running, running + amount, rate))
        running += amount
    return figures


lines_table = sa.table(
    "allocation_lines",
    sa.column("id", sa.Uuid()),
    sa.column("pledge_id", sa.Uuid()),
    sa.column("position", sa.Integer()),
    sa.column("country", sa.String()),
    sa.column("objective_id", sa.Uuid()),
    sa.column("amount", MONEY),
    sa.column("amount_usd", MONEY),
)
pledges = sa.table(
    "pledges",
    sa.column("id", sa.Uuid()),
    sa.column("amount", MONEY),
    sa.column("rate_to_usd", RATE),
)
entries = sa.table(
    "ledger_entries",
    sa.column("id", sa.Uuid()),
    sa.column("pledge_id", sa.Uuid()),
    sa.column("effect", sa.String()),
    sa.column("signed_pledge_amount", MONEY),
    sa.column("recipient_country", sa.String()),
    sa.column("objective_id", sa.Uuid()),
    sa.column("recorded_at", sa.DateTime()),
    sa.column("period_date", sa.Date()),
    sa.column("allocation_line_id", sa.Uuid()),
    sa.column("report_usd", MONEY),
)


def upgrade() -> None:
    op.create_table(
        "allocation_lines",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("pledge_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("country", sa.String(length=3), nullable=True),
        sa.Column("objective_id", sa.Uuid(), nullable=True),
        sa.Column("amount", sa.Numeric(precision=20, scale=4), nullable=False),
        sa.Column("amount_usd", sa.Numeric(precision=20, scale=4), nullable=False),
        sa.ForeignKeyConstraint(
            ["objective_id"],
            ["objectives.id"],
            name=op.f("fk_allocation_lines_objective_id_objectives"),
        ),
        sa.ForeignKeyConstraint(
            ["pledge_id"],
            ["pledges.id"],
            name=op.f("fk_allocation_lines_pledge_id_pledges"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allocation_lines")),
    )
    op.create_index(op.f("ix_allocation_lines_objective_id"), "allocation_lines", ["objective_id"])
    op.create_index(
        "ix_allocation_lines_pledge_id_position", "allocation_lines", ["pledge_id", "position"]
    )
    op.add_column(
        "pledges",
        sa.Column("allocation_stated", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column("ledger_entries", sa.Column("allocation_line_id", sa.Uuid(), nullable=True))
    op.add_column(
        "ledger_entries",
        sa.Column("report_usd", sa.Numeric(precision=20, scale=4), nullable=True),
    )
    _backfill(op.get_bind())
    with op.batch_alter_table("ledger_entries") as batch:
        batch.alter_column("allocation_line_id", existing_type=sa.Uuid(), nullable=False)
        batch.alter_column(
            "report_usd", existing_type=sa.Numeric(precision=20, scale=4), nullable=False
        )
        batch.create_foreign_key(
            op.f("fk_ledger_entries_allocation_line_id_allocation_lines"),
            "allocation_lines",
            ["allocation_line_id"],
            ["id"],
        )
        batch.create_index(op.f("ix_ledger_entries_allocation_line_id"), ["allocation_line_id"])


def _targets(connection: Any) -> dict[uuid.UUID, list[tuple[str | None, uuid.UUID | None]]]:
    """Each pledge's equal-split targets, as the reports attributed it before."""
    by_objective: dict[uuid.UUID, list[tuple[str | None, uuid.UUID | None]]] = defaultdict(list)
    for row in connection.execute(
        sa.text(
            "SELECT l.pledge_id, o.country, l.objective_id FROM pledge_objectives l "
            "JOIN objectives o ON o.id = l.objective_id"
        )
    ):
        by_objective[_uuid(row[0])].append((row[1], _uuid(row[2])))
    by_country: dict[uuid.UUID, list[tuple[str | None, uuid.UUID | None]]] = defaultdict(list)
    for row in connection.execute(sa.text("SELECT pledge_id, country FROM pledge_countries")):
        by_country[_uuid(row[0])].append((row[1], None))
    targets = {}
    for pledge_id in {*by_objective, *by_country}:
        found = by_objective.get(pledge_id) or by_country.get(pledge_id) or []
        targets[pledge_id] = sorted(found, key=lambda t: (t[0] or "", str(t[1] or "")))
    return targets


def _uuid(value: Any) -> Any:
    return value if value is None or isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _backfill(connection: Any) -> None:
    targets = _targets(connection)
    lines_of: dict[uuid.UUID, list[dict[str, Any]]] = {}
    for pledge in connection.execute(
        sa.select(pledges.c.id, pledges.c.amount, pledges.c.rate_to_usd).where(
            pledges.c.amount.is_not(None)
        )
    ):
        pledge_id = _uuid(pledge.id)
        wanted = targets.get(pledge_id) or [(None, None)]
        rate = pledge.rate_to_usd or Decimal(0)
        amounts = equal_split(pledge.amount, len(wanted))
        figures = line_usd(amounts, rate)
        rows = [
            {
                "id": uuid.uuid4(),
                "pledge_id": pledge_id,
                "position": position,
                "country": country,
                "objective_id": objective_id,
                "amount": amount,
                "amount_usd": figure,
                "rate": figure / amount if amount else Decimal(0),
            }
            for position, ((country, objective_id), amount, figure) in enumerate(
                zip(wanted, amounts, figures, strict=True)
            )
        ]
        lines_of[pledge_id] = rows
        if rows:
            connection.execute(
                lines_table.insert(), [{k: v for k, v in r.items() if k != "rate"} for r in rows]
            )
    running: dict[tuple[Any, str], Decimal] = defaultdict(Decimal)
    for entry in connection.execute(
        sa.select(entries).order_by(entries.c.period_date, entries.c.recorded_at, entries.c.id)
    ):
        lines = lines_of[_uuid(entry.pledge_id)]
        line = _line_of(lines, entry.recipient_country, _uuid(entry.objective_id))
        key = (line["id"], entry.effect)
        before = running[key]
        running[key] = before + entry.signed_pledge_amount
        connection.execute(
            entries.update()
            .where(entries.c.id == entry.id)
            .values(
                allocation_line_id=line["id"],
                report_usd=usd_delta(before, running[key], line["rate"]),
            )
        )


def _line_of(
    lines: list[dict[str, Any]], country: str, objective_id: uuid.UUID | None
) -> dict[str, Any]:
    for line in lines:
        if objective_id is not None and line["objective_id"] == objective_id:
            return line
    in_country = [line for line in lines if line["country"] == country]
    regional = [line for line in lines if line["country"] is None]
    return (in_country or regional or lines)[0]


def downgrade() -> None:
    with op.batch_alter_table("ledger_entries") as batch:
        batch.drop_index(op.f("ix_ledger_entries_allocation_line_id"))
        batch.drop_constraint(
            op.f("fk_ledger_entries_allocation_line_id_allocation_lines"), type_="foreignkey"
        )
        batch.drop_column("report_usd")
        batch.drop_column("allocation_line_id")
    with op.batch_alter_table("pledges") as batch:
        batch.drop_column("allocation_stated")
    op.drop_index("ix_allocation_lines_pledge_id_position", "allocation_lines")
    op.drop_index(op.f("ix_allocation_lines_objective_id"), "allocation_lines")
    op.drop_table("allocation_lines")
