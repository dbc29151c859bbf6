"""The front page's facet counts are kept, not counted: they must always equal a count.

`practice_facet_count` is adjusted by the service on every publish, archive and edit of a
published practice. These tests compare it, and the unfiltered front page that reads it,
with a count over the catalogue's rows after hand-picked and generated sequences of
changes; a change that forgot to adjust it, or adjusted it twice, fails here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.common.db import make_engine, make_sessionmaker
from services.practices import repository
from services.practices.app import create_app
from services.practices.config import Settings
from tests.conftest import TEST_COMMON_SETTINGS
from tests.practices.conftest import (
    ANONYMOUS,
    MEMBER_A,
    MEMBER_B,
    SECRETARIAT,
    RunApp,
    create_practice,
    published_practice,
)


@dataclass
class Catalogue:
    client: httpx.AsyncClient
    database_url: str


@pytest.fixture
async def catalogue(
    database_url_for: Callable[[str], Awaitable[str]], run_app: RunApp
) -> Catalogue:
    url = await database_url_for("practices")
    client = await run_app(create_app(Settings(database_url=url, mirps=TEST_COMMON_SETTINGS)))
    return Catalogue(client, url)


Facets = dict[str, list[tuple[str, int]]]


async def _kept_and_counted(catalogue: Catalogue) -> tuple[Facets, Facets]:
    engine = make_engine(catalogue.database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            kept = await repository.maintained_facet_counts(session)
            counted = await repository.scanned_facet_counts(session)
    finally:
        await engine.dispose()
    return kept, counted


def _front_page_facets(page: dict[str, Any]) -> Facets:
    facets = {
        name: [(row["value"], row["count"]) for row in rows]
        for name, rows in page["facets"].items()
    }
    return facets | {"total": [("", page["total"])]}


async def _check(catalogue: Catalogue) -> None:
    kept, counted = await _kept_and_counted(catalogue)
    assert kept == counted
    response = await catalogue.client.get("/v1/practices", headers=ANONYMOUS)
    assert response.status_code == 200, response.text
    assert _front_page_facets(response.json()) == counted


async def _send(client: httpx.AsyncClient, practice_id: str, action: str) -> httpx.Response:
    headers = MEMBER_A if action == "submit" else SECRETARIAT
    body = {"comment": "Add the results, please."} if action == "request-changes" else None
    return await client.post(f"/v1/practices/{practice_id}/{action}", json=body, headers=headers)


async def _edit(client: httpx.AsyncClient, practice_id: str, changes: dict[str, Any]) -> None:
    current = await client.get(f"/v1/practices/{practice_id}", headers=SECRETARIAT)
    response = await client.patch(
        f"/v1/practices/{practice_id}",
        json=changes,
        headers={**SECRETARIAT, "If-Match": current.headers["ETag"]},
    )
    # A submitted or archived practice cannot be edited (409): the counts must not move.
    assert response.status_code in (200, 409), response.text


async def test_kept_counts_follow_publish_edit_and_archive(catalogue: Catalogue) -> None:
    client = catalogue.client
    await _check(catalogue)  # an empty catalogue: zero practices, no values
    first = await published_practice(
        client, country="GTM", themes=["education", "health"], populations=["refugees"]
    )
    second = await published_practice(client, country="HND", evidence={"level": "best"})
    await create_practice(client, country="PAN", themes=["housing"])  # a draft counts nowhere
    await _check(catalogue)

    await _edit(client, first["id"], {"country": "CRI", "themes": ["housing"], "evidence": None})
    await _check(catalogue)
    assert (await _send(client, second["id"], "archive")).status_code == 200
    await _check(catalogue)

    kept, _ = await _kept_and_counted(catalogue)
    assert kept["total"] == [("", 1)]
    assert kept["country"] == [("CRI", 1)]
    assert kept["theme"] == [("housing", 1)]
    assert kept["evidence"] == []


async def test_signed_in_front_page_adds_their_own_drafts(catalogue: Catalogue) -> None:
    client = catalogue.client
    await published_practice(client, country="GTM", themes=["education"])
    await create_practice(client, MEMBER_A, country="GTM", themes=["health"])
    await create_practice(client, MEMBER_B, country="HND", themes=["housing"])

    page = (await client.get("/v1/practices", headers=MEMBER_A)).json()
    assert page["total"] == 2
    assert {row["value"]: row["count"] for row in page["facets"]["country"]} == {"GTM": 2}
    themes = {row["value"]: row["count"] for row in page["facets"]["theme"]}
    assert themes == {"education": 1, "health": 1}
    # The secretariat sees every practice, whatever its state.
    everything = (await client.get("/v1/practices", headers=SECRETARIAT)).json()
    assert everything["total"] == 3
    assert len(everything["items"]) == 3


async def test_recount_rebuilds_the_kept_counts(catalogue: Catalogue) -> None:
    await published_practice(catalogue.client, country="GTM", themes=["education"])
    engine = make_engine(catalogue.database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            await repository.adjust_facet_counts(session, {("country", "GTM"): 5})
            await session.commit()
            assert (await repository.maintained_facet_counts(session))["country"] == [("GTM", 6)]
            await repository.recount_facets(session)
            await session.commit()
    finally:
        await engine.dispose()
    await _check(catalogue)


COUNTRIES = ("GTM", "HND", "CRI")
THEMES = ("education", "health", "housing")
POPULATIONS = ("refugees", "host_communities")
fields = st.fixed_dictionaries(
    {
        "country": st.sampled_from(COUNTRIES),
        "themes": st.lists(st.sampled_from(THEMES), min_size=1, max_size=3, unique=True),
        "populations": st.lists(st.sampled_from(POPULATIONS), max_size=2, unique=True),
        "evidence": st.sampled_from([None, {"level": "good"}, {"level": "best"}]),
    }
)
operations = st.lists(
    st.one_of(
        st.tuples(st.sampled_from(["create", "create published"]), fields),
        st.tuples(
            st.sampled_from(["submit", "publish", "archive", "request-changes"]), st.integers(0, 3)
        ),
        st.tuples(st.just("edit"), st.integers(0, 3), fields),
    ),
    min_size=1,
    max_size=12,
)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=operations)
async def test_kept_counts_equal_a_count_after_any_sequence(
    catalogue: Catalogue, steps: list[tuple[Any, ...]]
) -> None:
    # Examples share the database: the invariant holds whatever was there before.
    client = catalogue.client
    ids: list[str] = []
    for step in steps:
        if step[0] == "create":
            ids.append((await create_practice(client, **step[1]))["id"])
        elif step[0] == "create published":
            ids.append((await published_practice(client, **step[1]))["id"])
        elif not ids:
            continue
        elif step[0] == "edit":
            await _edit(client, ids[step[1] % len(ids)], step[2])
        else:
            response = await _send(client, ids[step[1] % len(ids)], step[0])
            assert response.status_code in (200, 409), response.text
        await _check(catalogue)
