"""Statements per request on the hot read endpoints: a budget each, so a regression shows.

Each request is made once to warm up, then counted on its repeat. The budgets are what the
read path needs today (one query per kind of record it returns); a change that adds a
round trip (a second visibility query, a pre-ping, a query for something the request
already read) fails here before it shows in a benchmark. On PostgreSQL a GET also runs
without BEGIN/COMMIT, and a connection in steady use is not pinged.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from fastapi import FastAPI

from tests.events.conftest import create_event, schedule
from tests.gateway.conftest import make_service_app
from tests.pledges.conftest import SECRETARIAT, Ledger
from tests.practices.conftest import published_practice
from tests.statements import Statements, count_statements

RunApp = Callable[[FastAPI], Awaitable[httpx.AsyncClient]]
UrlFor = Callable[[str], Awaitable[str]]


async def counted(
    app: FastAPI, client: httpx.AsyncClient, path: str, headers: dict[str, str] | None = None
) -> Statements:
    """The statements of one GET of `path`, after a first, uncounted one."""
    warm = await client.get(path, headers=headers)
    assert warm.status_code == 200, warm.text
    with count_statements(app.state.engine) as seen:
        response = await client.get(path, headers=headers)
    assert response.status_code == 200, response.text
    return seen


def within(seen: Statements, budget: int) -> None:
    """At most `budget` queries, no ping, and no write lock or transaction round trip.

    SQLite's BEGIN (deferred, for a read) is local, not a round trip: it is not counted.
    PostgreSQL runs a read without BEGIN/COMMIT (they would show as statements here).
    """
    assert seen.pings == 0, "a connection in steady use was pinged"
    assert "BEGIN IMMEDIATE" not in seen.sql, "a read took SQLite's write lock"
    queries = [s for s in seen.sql if s != "BEGIN"]
    assert len(queries) <= budget, "\n".join(queries)


async def started(
    run_app: RunApp, database_url_for: UrlFor, service: str
) -> tuple[FastAPI, httpx.AsyncClient, str]:
    """The service's real app over a migrated, empty database, its client, and the URL."""
    url = await database_url_for(service)
    app = make_service_app(service, url)
    return app, await run_app(app), url


async def test_pledge_reads_stay_within_their_statement_budget(
    database_url_for: UrlFor, run_app: RunApp
) -> None:
    app, client, url = await started(run_app, database_url_for, "pledges")
    ledger = Ledger(client=client, database_url=url)
    contributor = await ledger.organisation()
    objective = await ledger.objective()
    pledge: dict[str, Any] = {}
    for _ in range(3):
        pledge = await ledger.pledge(contributor["id"], objective_ids=[objective["id"]])
    one = await counted(app, client, f"/v1/pledges/{pledge['id']}", headers=SECRETARIAT)
    # The pledge with its links, balances, allocation lines, line balances, contributors
    # (shares); hiring terms only for employment pledges, references only when it names one.
    within(one, 5)
    anonymous = await counted(app, client, f"/v1/pledges/{pledge['id']}", headers={})
    within(anonymous, 5)
    page = await counted(app, client, "/v1/pledges?limit=50", headers=SECRETARIAT)
    within(page, 7)  # the page, countries, objectives, balances, lines, line balances, shares
    embedded = await counted(
        app, client, "/v1/pledges?limit=50&include=contributor", headers=SECRETARIAT
    )
    within(embedded, 8)  # and the contributors, in one query


async def test_practice_reads_stay_within_their_statement_budget(
    database_url_for: UrlFor, run_app: RunApp
) -> None:
    app, client, _ = await started(run_app, database_url_for, "practices")
    practice = await published_practice(client)
    await published_practice(client, country="HND")
    # The practice, then one query per link table (themes, populations, organisations),
    # and one for the states of the organisations it names (services.common.references).
    within(await counted(app, client, f"/v1/practices/{practice['id']}", headers={}), 5)
    # The page's keys, its rows and their three link tables, the facet counts with the
    # total, the references' states.
    within(await counted(app, client, "/v1/practices?q=labour", headers={}), 7)
    within(await counted(app, client, "/v1/practices?country=GTM", headers={}), 7)


async def test_event_reads_stay_within_their_statement_budget(
    database_url_for: UrlFor, run_app: RunApp
) -> None:
    app, client, _ = await started(run_app, database_url_for, "events")
    for _ in range(3):
        event = await create_event(client)
        await schedule(client, event["id"])
    # The event, then one query per link table (hosts, countries, themes, practices), and
    # one for the states of the organisations and practices it names.
    within(await counted(app, client, f"/v1/events/{event['id']}", headers={}), 6)
    within(await counted(app, client, "/v1/events?limit=50", headers={}), 6)
