"""All SQL of the results service."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.results.models import (
    FrameworkElement,
    GovernanceRole,
    Indicator,
    Measurement,
    Milestone,
    ProgressSnapshot,
    Strategy,
)


async def strategy_by_code(session: AsyncSession, code: str) -> Strategy | None:
    return await session.scalar(select(Strategy).where(Strategy.code == code))


async def strategies(session: AsyncSession) -> Sequence[Strategy]:
    return (await session.scalars(select(Strategy).order_by(Strategy.starts_on))).all()


async def elements(session: AsyncSession, strategy_id: uuid.UUID) -> Sequence[FrameworkElement]:
    statement = (
        select(FrameworkElement)
        .where(FrameworkElement.strategy_id == strategy_id)
        .order_by(FrameworkElement.position)
    )
    return (await session.scalars(statement)).all()


async def element_by_code(
    session: AsyncSession, strategy_id: uuid.UUID, code: str
) -> FrameworkElement | None:
    return await session.scalar(
        select(FrameworkElement).where(
            FrameworkElement.strategy_id == strategy_id, FrameworkElement.code == code
        )
    )


async def indicators(
    session: AsyncSession,
    *,
    strategy_id: uuid.UUID | None = None,
    countries: Sequence[str] | None = None,
    objective_ids: Sequence[str] | None = None,
    source: str | None = None,
    ids: Sequence[uuid.UUID] | None = None,
) -> Sequence[Indicator]:
    statement = select(Indicator).order_by(Indicator.code)
    if strategy_id is not None:
        statement = statement.where(Indicator.strategy_id == strategy_id)
    if countries is not None:
        statement = statement.where(Indicator.country.in_(countries))
    if objective_ids is not None:
        statement = statement.where(Indicator.objective_id.in_(objective_ids))
    if source is not None:
        statement = statement.where(Indicator.source == source)
    if ids is not None:
        statement = statement.where(Indicator.id.in_(ids))
    return (await session.scalars(statement)).all()


async def element_codes(
    session: AsyncSession, element_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, str]:
    if not element_ids:
        return {}
    statement = select(FrameworkElement.id, FrameworkElement.code).where(
        FrameworkElement.id.in_(element_ids)
    )
    return {row.id: row.code for row in await session.execute(statement)}


async def measurements(
    session: AsyncSession, indicator_ids: Sequence[uuid.UUID]
) -> Sequence[Measurement]:
    """Every measurement of these indicators, oldest first."""
    if not indicator_ids:
        return []
    statement = (
        select(Measurement)
        .where(Measurement.indicator_id.in_(indicator_ids))
        .order_by(Measurement.computed_at, Measurement.id)
    )
    return (await session.scalars(statement)).all()


async def milestones(session: AsyncSession, strategy_id: uuid.UUID) -> Sequence[Milestone]:
    statement = (
        select(Milestone)
        .where(Milestone.strategy_id == strategy_id)
        .order_by(Milestone.due_on, Milestone.code)
    )
    return (await session.scalars(statement)).all()


async def governance_roles(session: AsyncSession) -> Sequence[GovernanceRole]:
    statement = select(GovernanceRole).order_by(GovernanceRole.starts_on, GovernanceRole.role)
    return (await session.scalars(statement)).all()


async def snapshot(
    session: AsyncSession, strategy_id: uuid.UUID, period: str
) -> ProgressSnapshot | None:
    return await session.scalar(
        select(ProgressSnapshot).where(
            ProgressSnapshot.strategy_id == strategy_id, ProgressSnapshot.period == period
        )
    )


# One replica at a time runs a scheduled refresh round (any number of processes may try).
REFRESH_LOCK_KEY = 0x6D69727073  # "mirps"


async def try_refresh_lock(session: AsyncSession) -> bool:
    """Take the refresh lock for this transaction; False when another process holds it.

    PostgreSQL: a transaction-scoped advisory lock. SQLite: its BEGIN IMMEDIATE write lock
    already serialises writers, and it runs as one process.
    """
    if session.get_bind().dialect.name != "postgresql":
        return True
    return bool(await session.scalar(select(func.pg_try_advisory_xact_lock(REFRESH_LOCK_KEY))))
