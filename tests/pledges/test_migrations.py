"""The pledges migrations build exactly the tables the models declare."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from services.common.db import UTCDateTime, make_engine, make_sessionmaker
from services.common.migrations import alembic_config, upgrade_to_head
from services.pledges import reports, rollups
from services.pledges.models import MONEY, RATE, Base
from services.pledges.schemas import Dimension
from tests.conftest import Databases


async def test_migrations_match_the_models(
    database_url_for: Callable[[str], Awaitable[str]],
) -> None:
    engine = make_engine(await database_url_for("pledges"))
    try:
        async with engine.connect() as connection:

            def diff(sync_connection: Any) -> list[Any]:
                context = MigrationContext.configure(
                    sync_connection,
                    opts={"compare_type": True, "version_table": "alembic_version_pledges"},
                )
                return list(compare_metadata(context, Base.metadata))

            differences = await connection.run_sync(diff)
    finally:
        await engine.dispose()
    assert differences == []


def _table(name: str, *columns: tuple[str, Any]) -> sa.TableClause:
    return sa.table(name, *(sa.column(column, kind) for column, kind in columns))


ORGANISATIONS = _table(
    "organisations",
    ("id", sa.Uuid()),
    ("name", sa.String()),
    ("kind", sa.String()),
    ("created_at", UTCDateTime()),
    ("updated_at", UTCDateTime()),
    ("version", sa.Integer()),
)
OBJECTIVES = _table(
    "objectives",
    *[(c, sa.String()) for c in ("country", "pillar", "theme", "title_en")],
    ("id", sa.Uuid()),
    ("requirement_amount", MONEY),
    ("requirement_currency", sa.String()),
    ("requirement_rate_to_usd", RATE),
    ("requirement_usd", MONEY),
    ("requirement_rate_date", sa.Date()),
    ("start_year", sa.Integer()),
    ("end_year", sa.Integer()),
    ("created_at", UTCDateTime()),
    ("updated_at", UTCDateTime()),
    ("version", sa.Integer()),
)
PLEDGES = _table(
    "pledges",
    *[(c, sa.String()) for c in ("kind", "title_en", "currency", "implementation_status")],
    *[(c, sa.String()) for c in ("visibility", "created_by")],
    ("id", sa.Uuid()),
    ("contributor_id", sa.Uuid()),
    ("amount", MONEY),
    ("rate_to_usd", RATE),
    ("amount_usd", MONEY),
    ("regional", sa.Boolean()),
    ("announced_on", sa.Date()),
    ("created_at", UTCDateTime()),
    ("updated_at", UTCDateTime()),
    ("version", sa.Integer()),
)
ENTRIES = _table(
    "ledger_entries",
    *[(c, sa.String()) for c in ("entry_type", "effect", "currency", "recipient_country")],
    ("recorded_by", sa.String()),
    ("id", sa.Uuid()),
    ("pledge_id", sa.Uuid()),
    ("objective_id", sa.Uuid()),
    *[(c, MONEY) for c in ("amount", "amount_usd", "pledge_amount", "signed_usd")],
    ("signed_pledge_amount", MONEY),
    ("rate_to_usd", RATE),
    ("value_date", sa.Date()),
    ("period_date", sa.Date()),
    ("recorded_at", UTCDateTime()),
)


async def test_existing_ledgers_get_their_allocation_lines_and_rollups(
    databases: Databases,
) -> None:
    """A ledger written before allocation lines (revision pledges_0004) upgrades to lines
    of the equal split, entries drawn on them, and rollups equal to a recomputation."""
    url = databases.create("pledges_upgrade")
    await asyncio.to_thread(command.upgrade, alembic_config("pledges", url), "pledges_0004")
    now = datetime(2024, 1, 1, tzinfo=UTC)
    stamps = {"created_at": now, "updated_at": now, "version": 1}
    org, objective, usd_pledge, eur_pledge = (uuid.uuid4() for _ in range(4))
    pledge = {"kind": "financial", "title_en": "Old", "implementation_status": "planning"}
    pledge |= {"visibility": "public", "created_by": "t", "regional": False, **stamps}
    pledge |= {"contributor_id": org, "announced_on": date(2023, 1, 1)}
    entry = {"recorded_by": "t", "recorded_at": now, "amount_usd": Decimal(0)}
    engine = make_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                ORGANISATIONS.insert(), [{"id": org, "name": "Old", "kind": "state", **stamps}]
            )
            await connection.execute(
                OBJECTIVES.insert(),
                [
                    {
                        "id": objective, "country": "GTM", "pillar": "durable_solutions",
                        "theme": "health", "title_en": "Old",
                        "requirement_amount": Decimal(5000), "requirement_currency": "USD",
                        "requirement_rate_to_usd": Decimal(1), "requirement_usd": Decimal(5000),
                        "requirement_rate_date": date(2023, 1, 1), "start_year": 2023,
                        "end_year": 2024, **stamps,
                    }
                ],
            )  # fmt: skip
            await connection.execute(
                PLEDGES.insert(),
                [
                    {**pledge, "id": usd_pledge, "amount": Decimal(1000), "currency": "USD",
                     "rate_to_usd": Decimal(1), "amount_usd": Decimal(1000)},
                    {**pledge, "id": eur_pledge, "amount": Decimal(500), "currency": "EUR",
                     "rate_to_usd": Decimal("1.1"), "amount_usd": Decimal(550)},
                ],
            )  # fmt: skip
            countries = _table(
                "pledge_countries", ("pledge_id", sa.Uuid()), ("country", sa.String())
            )
            await connection.execute(
                countries.insert(),
                [
                    {"pledge_id": usd_pledge, "country": "GTM"},
                    {"pledge_id": usd_pledge, "country": "HND"},
                    {"pledge_id": eur_pledge, "country": "HND"},
                ],
            )
            links = _table(
                "pledge_objectives", ("pledge_id", sa.Uuid()), ("objective_id", sa.Uuid())
            )
            await connection.execute(
                links.insert(), [{"pledge_id": usd_pledge, "objective_id": objective}]
            )
            rows = [
                (usd_pledge, "commitment", Decimal(300), "USD", "GTM", objective, 1),
                (usd_pledge, "disbursement", Decimal(100), "USD", "GTM", None, 2),
                (eur_pledge, "commitment", Decimal(200), "EUR", "HND", None, 3),
            ]
            await connection.execute(
                ENTRIES.insert(),
                [
                    {**entry, "id": uuid.uuid4(), "pledge_id": p, "entry_type": kind,
                     "effect": kind, "amount": amount, "currency": currency,
                     "pledge_amount": amount, "signed_usd": amount,
                     "signed_pledge_amount": amount, "rate_to_usd": Decimal(1),
                     "recipient_country": country, "objective_id": objective_id,
                     "value_date": date(2023, month, 1), "period_date": date(2023, month, 1)}
                    for p, kind, amount, currency, country, objective_id, month in rows
                ],
            )  # fmt: skip
    finally:
        await engine.dispose()
    await asyncio.to_thread(upgrade_to_head, "pledges", url)
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as session:
            assert await rollups.check(session) == []
            report = await reports.summary(session, [Dimension.COUNTRY], reports.ReportFilters())
    finally:
        await engine.dispose()
    figures = {
        row.group["country"]: (row.pledged_usd, row.committed_usd, row.disbursed_usd)
        for row in report.rows
    }
    # USD: the objective's line (GTM) holds the whole 1000; the EUR pledge's HND line 550.
    assert figures == {
        "GTM": (Decimal("1000.00"), Decimal("300.00"), Decimal("100.00")),
        "HND": (Decimal("550.00"), Decimal("220.00"), Decimal("0.00")),
    }
