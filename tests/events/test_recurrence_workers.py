"""The processes that expand recurrence rules: a worker the system kills is replaced."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from services.events import recurrence

MOMENT = datetime(2026, 3, 3, 15, tzinfo=UTC)


async def _weekly(count: int) -> int:
    occurrences = await recurrence.expand_within_budget(
        starts_at=MOMENT,
        ends_at=MOMENT.replace(hour=16),
        timezone="America/Mexico_City",
        rule=f"FREQ=WEEKLY;COUNT={count}",
    )
    return len(occurrences)


async def test_a_killed_worker_is_replaced_and_the_next_rule_still_expands() -> None:
    assert await _weekly(2) == 2
    pool = recurrence._workers
    assert pool is not None
    workers = list(pool._processes.values())  # what the system's OOM killer would hit
    for worker in workers:
        worker.kill()
    for worker in workers:
        await asyncio.to_thread(worker.join, 10)
    assert await _weekly(3) == 3
    assert recurrence._workers is not pool
