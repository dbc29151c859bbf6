"""Allocation lines: where a pledge's amount is meant to go, and which line an entry draws on.

A pledge's amount (in its own currency) is split into lines, each naming a country and/or
an action-plan objective. Unless the owner states the lines, they are the equal split
over the pledge's objectives (an objective's line is in its country), else over its
recipient countries, else one regional line; that default is redone whenever the
pledge's amount, countries or objectives change. Stated lines stay as stated.

Each line's `amount_usd` is its amount at the pledge's announcement rate. Every
commitment, disbursement and expenditure draws on one line, and the ledger invariants
hold per line (committed ≤ allocated, disbursed ≤ committed, expenditure ≤ disbursed), so
the per-country and per-objective reports, which read the lines, keep them too.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.errors import Unprocessable
from services.pledges import repository
from services.pledges.exceptions import InvalidReference, OverAllocation
from services.pledges.models import AllocationLine, LedgerEntry, Objective, Pledge
from services.pledges.repository import Balances
from services.pledges.schemas import AllocationLineIn

UNIT = Decimal("0.0001")
CENT = Decimal("0.01")

Target = tuple[str | None, uuid.UUID | None]
"""(country, objective_id) of a line: what identifies it within its pledge."""


def money(value: Decimal) -> Decimal:
    return value.quantize(UNIT, rounding=ROUND_HALF_EVEN)


def cents(value: Decimal) -> Decimal:
    """A report figure: USD in whole cents, so any sum of figures is exact to the cent."""
    return value.quantize(CENT, rounding=ROUND_HALF_EVEN)


def equal_split(amount: Decimal, parts: int) -> list[Decimal]:
    """`amount` in `parts` shares that differ by at most 0.0001 and sum to it exactly."""
    base = (amount / parts).quantize(UNIT, rounding=ROUND_DOWN)
    extra = int((amount - base * parts) / UNIT)
    return [base + UNIT if index < extra else base for index in range(parts)]


def shares_to_amounts(amount: Decimal, shares: Sequence[Decimal]) -> list[Decimal]:
    """Amounts for `shares` (summing to 1) that sum exactly to `amount`: each share
    rounded down, the units left over given to the largest remainders."""
    exact = [amount * share for share in shares]
    floors = [value.quantize(UNIT, rounding=ROUND_DOWN) for value in exact]
    left = int((amount - sum(floors, Decimal(0))) / UNIT)
    order = sorted(range(len(shares)), key=lambda i: (floors[i] - exact[i], i))
    for index in order[:left]:
        floors[index] += UNIT
    return floors


def usd_delta(before: Decimal, after: Decimal, rate: Decimal) -> Decimal:
    """What a line's figure gains in USD (whole cents) when its sum goes from `before` to
    `after`."""
    return cents(after * rate) - cents(before * rate)


def line_usd(amounts: Sequence[Decimal], rate: Decimal) -> list[Decimal]:
    """The lines' USD figures: the running sum at `rate` in cents, differenced, so they add
    up to exactly the pledge's amount at that rate, in cents."""
    figures, running = [], Decimal(0)
    for amount in amounts:
        figures.append(usd_delta(running, running + amount, rate))
        running += amount
    return figures


def line_rate(line: AllocationLine) -> Decimal:
    """USD per unit of the line: its USD figure over its amount."""
    return line.amount_usd / line.amount if line.amount else Decimal(0)


def report_values(
    entries: Sequence[LedgerEntry], rates: Mapping[uuid.UUID, Decimal]
) -> dict[uuid.UUID, Decimal]:
    """Each entry's `report_usd`: per line and effect, in the order the entries count
    (`period_date`, then recording), the change of the running sum at the line's rate in
    whole cents. So a line's figure as of any day is exactly its sum by then at that rate:
    never above the line's own figure, and disbursed never above committed on any day."""
    running: dict[tuple[uuid.UUID, str], Decimal] = {}
    values: dict[uuid.UUID, Decimal] = {}
    for entry in entries:
        key = (entry.allocation_line_id, entry.effect)
        before = running.get(key, Decimal(0))
        running[key] = before + entry.signed_pledge_amount
        values[entry.id] = usd_delta(before, running[key], rates[entry.allocation_line_id])
    return values


async def revalue_entries(session: AsyncSession, pledge: Pledge) -> None:
    """Recompute the report values of a pledge's entries (after a new entry, which may be
    dated before others, or a change of its lines); only changed rows are written."""
    await session.flush()
    entries = list(
        await session.scalars(
            select(LedgerEntry)
            .where(LedgerEntry.pledge_id == pledge.id)
            .order_by(LedgerEntry.period_date, LedgerEntry.recorded_at, LedgerEntry.id)
        )
    )
    if not entries:
        return
    lines = (await repository.allocation_lines(session, [pledge.id]))[pledge.id]
    values = report_values(entries, {line.id: line_rate(line) for line in lines})
    for entry in entries:
        entry.report_usd = values[entry.id]
    await session.flush()


async def value_new_entries(
    session: AsyncSession, pledges: Sequence[Pledge], new: Sequence[LedgerEntry]
) -> None:
    """`revalue_entries` for entries about to be inserted in bulk, for many pledges at
    once (two queries): their report values are set before the insert, and only stored
    entries whose value changes are written."""
    pledge_ids = [pledge.id for pledge in pledges]
    by_pledge: dict[uuid.UUID, list[LedgerEntry]] = {pledge_id: [] for pledge_id in pledge_ids}
    for start in range(0, len(pledge_ids), 1000):
        chunk = pledge_ids[start : start + 1000]
        for stored in await session.scalars(
            select(LedgerEntry).where(LedgerEntry.pledge_id.in_(chunk))
        ):
            by_pledge[stored.pledge_id].append(stored)
    for entry in new:
        by_pledge[entry.pledge_id].append(entry)
    lines = await repository.allocation_lines(session, pledge_ids)
    for pledge_id, entries in by_pledge.items():
        ordered = sorted(entries, key=lambda e: (e.period_date, e.recorded_at, e.id))
        rates = {line.id: line_rate(line) for line in lines[pledge_id]}
        values = report_values(ordered, rates)
        for entry in ordered:
            if entry.report_usd != values[entry.id]:
                entry.report_usd = values[entry.id]
    await session.flush()


def default_targets(
    countries: Sequence[str], objectives: Mapping[uuid.UUID, Objective]
) -> list[Target]:
    """Objectives (each in its country), else countries, else one regional line."""
    if objectives:
        return sorted(((o.country, o.id) for o in objectives.values()), key=_target_key)
    if countries:
        return [(country, None) for country in sorted(countries)]
    return [(None, None)]


def _target_key(target: Target) -> tuple[str, str]:
    return (target[0] or "", str(target[1] or ""))


def describe(target: Target) -> str:
    country, objective_id = target
    if objective_id is not None:
        return f"the line of objective {objective_id} ({country})"
    if country is not None:
        return f"the line of {country}"
    return "the regional line"


def stated_targets(
    lines: Sequence[AllocationLineIn],
    amount: Decimal,
    countries: Sequence[str],
    regional: bool,
    objectives: Mapping[uuid.UUID, Objective],
) -> list[tuple[Target, Decimal]]:
    """Stated lines checked against the pledge, with their amounts (shares converted)."""
    targets: list[Target] = []
    for index, line in enumerate(lines):
        targets.append(_stated_target(index, line, countries, regional, objectives))
    if len(set(targets)) != len(targets):
        raise Unprocessable("allocation: two lines name the same country and objective")
    if all(line.share is not None for line in lines):
        shares = [line.share for line in lines if line.share is not None]
        if sum(shares, Decimal(0)) != 1:
            raise Unprocessable(
                f"allocation: the shares sum to {sum(shares, Decimal(0))}, not 1",
                field="allocation",
            )
        amounts = shares_to_amounts(amount, shares)
    elif all(line.amount is not None for line in lines):
        amounts = [money(line.amount) for line in lines if line.amount is not None]
        total = sum(amounts, Decimal(0))
        if total != amount:
            raise Unprocessable(
                f"allocation: the lines sum to {total}, but the pledge is {amount}; "
                "allocate the whole amount",
                field="allocation",
                allocated=format(total, "f"),
                pledged=format(amount, "f"),
            )
    else:
        raise Unprocessable("allocation: give every line an amount, or every line a share")
    return list(zip(targets, amounts, strict=True))


def _stated_target(
    index: int,
    line: AllocationLineIn,
    countries: Sequence[str],
    regional: bool,
    objectives: Mapping[uuid.UUID, Objective],
) -> Target:
    where = f"allocation.{index}"
    country = line.country
    if line.objective_id is not None:
        objective = objectives.get(line.objective_id)
        if objective is None:
            raise InvalidReference(
                f"{where}: objective {line.objective_id} is not linked to the pledge",
                field=where,
            )
        if country is not None and country != objective.country:
            raise Unprocessable(
                f"{where}: objective {objective.id} belongs to {objective.country}, not {country}",
                field=where,
            )
        country = objective.country
    elif country is not None and not regional and country not in countries:
        raise InvalidReference(
            f"{where}: {country} is not a recipient country of the pledge", field=where
        )
    return country, line.objective_id


@dataclass(frozen=True)
class Allocation:
    """The lines a pledge should have: (target, amount in the pledge's currency)."""

    lines: list[tuple[Target, Decimal]]


def plan(
    pledge: Pledge,
    stated: Sequence[AllocationLineIn] | None,
    countries: Sequence[str],
    objectives: Mapping[uuid.UUID, Objective],
) -> Allocation:
    """The lines of a pledge with an amount: the stated ones, or the equal split."""
    assert pledge.amount is not None
    if stated:
        return Allocation(
            stated_targets(stated, pledge.amount, countries, pledge.regional, objectives)
        )
    targets = default_targets(countries, objectives)
    return Allocation(list(zip(targets, equal_split(pledge.amount, len(targets)), strict=True)))


async def apply(
    session: AsyncSession, pledge: Pledge, allocation: Allocation
) -> list[AllocationLine]:
    """Make the pledge's lines those of `allocation`.

    A line keeps its id while its country and objective stay, so its entries stay on it.
    A line may not drop below what it has committed; a line that disappears but has
    entries stays with amount 0 if nothing is committed on it, else it is a 409.
    """
    existing = await repository.allocation_lines(session, [pledge.id])
    by_target = {(line.country, line.objective_id): line for line in existing[pledge.id]}
    sums = await repository.line_balances(session, [line.id for line in existing[pledge.id]])
    wanted = allocation.lines
    kept: list[AllocationLine] = []
    for position, (target, amount) in enumerate(wanted):
        line = by_target.pop(target, None)
        if line is None:
            line = AllocationLine(
                id=uuid.uuid4(),
                pledge_id=pledge.id,
                country=target[0],
                objective_id=target[1],
            )
            session.add(line)
        _check_not_below_committed(target, amount, sums.get(line.id, Balances()), pledge)
        line.position = position
        line.amount = amount
        kept.append(line)
    usd = line_usd([line.amount for line in kept], pledge.rate_to_usd or Decimal(0))
    for line, figure in zip(kept, usd, strict=True):
        line.amount_usd = figure
    for target, line in by_target.items():
        balance = sums.get(line.id)
        if balance is None:
            await session.delete(line)
            continue
        _check_not_below_committed(target, Decimal(0), balance, pledge)
        line.position = len(kept)
        line.amount = line.amount_usd = Decimal(0)
        kept.append(line)
    await revalue_entries(session, pledge)
    return kept


def _check_not_below_committed(
    target: Target, amount: Decimal, balance: Balances, pledge: Pledge
) -> None:
    if amount >= balance.committed:
        return
    raise OverAllocation(
        f"{describe(target)} would be allocated {amount} {pledge.currency}, below the "
        f"{balance.committed} already committed on it; reverse commitments first",
        country=target[0],
        objective_id=None if target[1] is None else str(target[1]),
        allocated=format(amount, "f"),
        committed=format(balance.committed, "f"),
        currency=pledge.currency,
    )


def line_for_entry(
    lines: Sequence[AllocationLine], country: str, objective_id: uuid.UUID | None
) -> AllocationLine:
    """The line an entry draws on: its objective's line; else the line of its country
    (the one without an objective, or the only one there); else the regional line."""
    if objective_id is not None:
        for line in lines:
            if line.objective_id == objective_id:
                if line.country not in (None, country):
                    raise Unprocessable(
                        f"recipient_country: objective {objective_id} is in {line.country}",
                        field="recipient_country",
                    )
                return line
        raise InvalidReference(
            f"objective {objective_id} has no allocation line on this pledge",
            objective_id=str(objective_id),
        )
    in_country = [line for line in lines if line.country == country]
    plain = [line for line in in_country if line.objective_id is None]
    if len(plain) == 1:
        return plain[0]
    if len(in_country) == 1:
        return in_country[0]
    if in_country:
        names = ", ".join(str(line.objective_id) for line in in_country)
        raise Unprocessable(
            f"objective_id: the pledge has several lines in {country} (objectives {names}); "
            "name the one this entry draws on",
            field="objective_id",
        )
    regional = [line for line in lines if line.country is None]
    if len(regional) == 1:
        return regional[0]
    raise InvalidReference(
        f"{country} has no allocation line on this pledge",
        recipient_country=country,
    )


def line_read_values(line: AllocationLine, balance: Balances) -> dict[str, Any]:
    return {
        "id": line.id,
        "country": line.country,
        "objective_id": line.objective_id,
        "amount": line.amount,
        "amount_usd": line.amount_usd,
        "committed": balance.committed,
        "disbursed": balance.disbursed,
        "expended": balance.expended,
    }
