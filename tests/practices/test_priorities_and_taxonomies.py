"""Learning-event priorities from a hand-made inventory; the taxonomies served."""

from __future__ import annotations

import httpx

from services.common.vocabulary import pillars, populations, themes
from tests.practices.conftest import FOCAL_GTM, SECRETARIAT, published_practice
from tests.practices.test_inventory import create_item


async def test_priorities_rank_severe_widespread_unaddressed_gaps_first(
    client: httpx.AsyncClient,
) -> None:
    # education: critical in GTM + high in HND = (5 + 3) x 2 countries / (1 + 0) = 16
    await create_item(client, SECRETARIAT, country="GTM", theme="education", severity="critical")
    await create_item(client, SECRETARIAT, country="HND", theme="education", severity="high")
    # housing: two critical gaps in PAN, but 1 published practice = 10 x 1 / 2 = 5
    await create_item(client, SECRETARIAT, country="PAN", theme="housing", severity="critical")
    await create_item(client, SECRETARIAT, country="PAN", theme="housing", severity="critical")
    await published_practice(client, themes=["housing"])
    # health: one low gap = 1 x 1 / 1 = 1
    await create_item(client, SECRETARIAT, country="CRI", theme="health", severity="low")
    # services and programmes are not gaps: they never create a priority
    await create_item(
        client, SECRETARIAT, country="CRI", theme="social_cohesion", kind="service", severity=None
    )

    rows = (await client.get("/v1/topics/priorities")).json()["items"]
    assert [(r["rank"], r["theme"]["code"], r["score"]) for r in rows] == [
        (1, "education", 16.0),
        (2, "housing", 5.0),
        (3, "health", 1.0),
    ]
    education = rows[0]
    assert education["countries"] == ["GTM", "HND"]
    assert education["gap_count"] == 2
    assert education["severity_counts"] == {"low": 0, "medium": 0, "high": 1, "critical": 1}
    assert education["published_practices"] == 0
    assert education["theme"]["es"] == "Educación"
    assert "2 gaps (1 critical, 1 high) in 2 countries: GTM, HND" in education["reasons"]["en"]
    assert "2 brechas (1 crítica, 1 alta) en 2 países: GTM, HND" in education["reasons"]["es"]
    assert rows[1]["published_practices"] == 1
    assert rows[1]["reasons"]["en"][1] == "1 published practice already addresses it"
    assert rows[1]["reasons"]["es"][1] == "1 práctica publicada ya lo aborda"


async def test_priorities_for_one_country(client: httpx.AsyncClient) -> None:
    await create_item(client, FOCAL_GTM, theme="education", severity="medium")
    await create_item(client, SECRETARIAT, country="HND", theme="health", severity="critical")
    rows = (await client.get("/v1/topics/priorities", params={"country": "GTM"})).json()["items"]
    assert [(r["theme"]["code"], r["score"]) for r in rows] == [("education", 2.0)]


async def test_a_country_filter_counts_only_that_countrys_practices(
    client: httpx.AsyncClient,
) -> None:
    # education gap in GTM (critical: 5 points); practices on education exist only in HND.
    await create_item(client, SECRETARIAT, country="GTM", theme="education", severity="critical")
    await published_practice(client, country="HND", themes=["education"])
    await published_practice(client, country="HND", themes=["education"])
    everywhere = (await client.get("/v1/topics/priorities")).json()["items"]
    assert [(r["score"], r["published_practices"]) for r in everywhere] == [(round(5 / 3, 2), 2)]
    in_gtm = (await client.get("/v1/topics/priorities", params={"country": "GTM"})).json()
    assert [(r["score"], r["published_practices"]) for r in in_gtm["items"]] == [(5.0, 0)]
    await published_practice(client, country="GTM", themes=["education"])
    in_gtm = (await client.get("/v1/topics/priorities", params={"country": "GTM"})).json()
    assert [(r["score"], r["published_practices"]) for r in in_gtm["items"]] == [(2.5, 1)]
    operation = (await client.get("/openapi.json")).json()["paths"]["/v1/topics/priorities"]
    assert "practices published for that country" in operation["get"]["description"]


async def test_no_gaps_no_priorities(client: httpx.AsyncClient) -> None:
    assert (await client.get("/v1/topics/priorities")).json() == {"items": []}


async def test_taxonomies_are_served_from_the_shared_vocabulary(
    client: httpx.AsyncClient,
) -> None:
    for path, vocabulary in (
        ("themes", themes),
        ("populations", populations),
        ("pillars", pillars),
    ):
        items = (await client.get(f"/v1/taxonomies/{path}")).json()["items"]
        assert [item["code"] for item in items] == list(vocabulary)
        assert all(item["es"] and item["en"] for item in items)
