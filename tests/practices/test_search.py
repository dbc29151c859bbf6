"""Search: facets against hand-counted data, accents and stemming, hostile input, paging."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.practices.conftest import MEMBER_A, SECRETARIAT, create_practice, published_practice


def facet(page: dict[str, Any], name: str) -> dict[str, int]:
    return {row["value"]: row["count"] for row in page["facets"][name]}


async def _hand_made_catalogue(client: httpx.AsyncClient) -> dict[str, str]:
    ids = {}
    ids["p1"] = (
        await published_practice(
            client,
            title={"es": "Integración laboral de personas refugiadas"},
            country="GTM",
            themes=["employment_livelihoods", "education"],
            populations=["refugees"],
            evidence={"level": "good"},
        )
    )["id"]
    ids["p2"] = (
        await published_practice(
            client,
            title={"es": "Escuelas abiertas para niños desplazados"},
            country="HND",
            themes=["education"],
            populations=["refugees", "host_communities"],
            evidence={"level": "best"},
        )
    )["id"]
    ids["p3"] = (
        await published_practice(
            client,
            title={"en": "Refugees starting businesses"},
            summary={"en": "Seed capital and mentoring."},
            country="ESP",
            origin="sp_member",
            themes=["employment_livelihoods"],
            populations=["asylum_seekers"],
            evidence={"level": "promising"},
        )
    )["id"]
    ids["p4"] = (
        await published_practice(
            client,
            title={"es": "Salud mental comunitaria"},
            country="GTM",
            themes=["health"],
            populations=[],
            evidence=None,
        )
    )["id"]
    # A draft: counted for nobody but its authors and the secretariat.
    ids["draft"] = (
        await create_practice(
            client, title={"es": "Borrador de educación"}, country="GTM", themes=["education"]
        )
    )["id"]
    return ids


async def test_facet_counts_match_hand_counted_data(client: httpx.AsyncClient) -> None:
    await _hand_made_catalogue(client)
    page = (await client.get("/v1/practices")).json()
    assert page["total"] == 4
    assert facet(page, "theme") == {"employment_livelihoods": 2, "education": 2, "health": 1}
    assert facet(page, "country") == {"GTM": 2, "HND": 1, "ESP": 1}
    assert facet(page, "population") == {"refugees": 2, "host_communities": 1, "asylum_seekers": 1}
    assert facet(page, "origin") == {"mirps_country": 3, "sp_member": 1}
    assert facet(page, "evidence") == {"good": 1, "best": 1, "promising": 1}

    gtm = (await client.get("/v1/practices", params={"country": "GTM"})).json()
    assert gtm["total"] == 2
    assert facet(gtm, "theme") == {"employment_livelihoods": 1, "education": 1, "health": 1}
    assert facet(gtm, "population") == {"refugees": 1}
    assert facet(gtm, "evidence") == {"good": 1}

    both = (
        await client.get(
            "/v1/practices", params=[("theme", "education"), ("population", "refugees")]
        )
    ).json()
    assert both["total"] == 2
    assert facet(both, "country") == {"GTM": 1, "HND": 1}

    with_text = (await client.get("/v1/practices", params={"q": "escuelas"})).json()
    assert with_text["total"] == 1
    assert facet(with_text, "theme") == {"education": 1}

    secretariat = (await client.get("/v1/practices", headers=SECRETARIAT)).json()
    assert secretariat["total"] == 5
    assert facet(secretariat, "theme")["education"] == 3


async def test_repeated_filter_means_any_of(client: httpx.AsyncClient) -> None:
    await _hand_made_catalogue(client)
    page = (
        await client.get("/v1/practices", params=[("country", "HND"), ("country", "ESP")])
    ).json()
    assert page["total"] == 2
    assert (await client.get("/v1/practices", params={"evidence": "best"})).json()["total"] == 1
    origin = (await client.get("/v1/practices", params={"origin": "sp_member"})).json()
    assert origin["total"] == 1


async def test_unknown_filter_code_is_422(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/practices", params={"theme": "astrology"})
    assert response.status_code == 422
    assert "astrology" in response.json()["detail"]


async def _titles(client: httpx.AsyncClient, **params: Any) -> list[str]:
    page = (await client.get("/v1/practices", params=params)).json()
    return [item["title"]["es"] or item["title"]["en"] for item in page["items"]]


@pytest.mark.parametrize(
    ("query", "title"),
    [
        ("integracion", "Integración de niños refugiados en la escuela"),
        ("INTEGRACIÓN", "Integración de niños refugiados en la escuela"),
        ("niño", "Integración de niños refugiados en la escuela"),
        ("escuelas", "Integración de niños refugiados en la escuela"),
        ("refugiadas niñas", "Integración de niños refugiados en la escuela"),
        ("refugee", "Refugees in the labour market"),
        ("markets", "Refugees in the labour market"),
    ],
)
async def test_accents_and_stemming_in_both_languages(
    client: httpx.AsyncClient, query: str, title: str
) -> None:
    await published_practice(client, title={"es": "Integración de niños refugiados en la escuela"})
    await published_practice(client, title={"en": "Refugees in the labour market"})
    await published_practice(client, title={"es": "Vivienda temporal"})
    assert await _titles(client, q=query) == [title]


async def test_prefix_search_finds_unfinished_words(client: httpx.AsyncClient) -> None:
    await published_practice(client, title={"es": "Acogida de personas refugiadas"})
    await published_practice(client, title={"es": "Vivienda temporal"})
    assert await _titles(client, q="refug", prefix="true") == ["Acogida de personas refugiadas"]
    assert await _titles(client, q="vivienda temp", prefix="true") == ["Vivienda temporal"]
    assert await _titles(client, q="refug") == []


async def test_all_words_must_match(client: httpx.AsyncClient) -> None:
    await published_practice(client, title={"es": "Empleo para mujeres refugiadas"})
    await published_practice(client, title={"es": "Empleo juvenil"})
    assert await _titles(client, q="empleo mujeres") == ["Empleo para mujeres refugiadas"]


async def test_title_weighs_more_than_summary_and_description(client: httpx.AsyncClient) -> None:
    await published_practice(
        client,
        title={"es": "Vivienda temporal"},
        summary={"es": "Apoyo de cooperativas locales"},
    )
    await published_practice(
        client,
        title={"es": "Huertos urbanos"},
        summary={"es": "Producción local"},
        description={"es": "Con cooperativas de la zona."},
    )
    await published_practice(client, title={"es": "Cooperativas de ahorro"})
    assert await _titles(client, q="cooperativas") == [
        "Cooperativas de ahorro",
        "Vivienda temporal",
        "Huertos urbanos",
    ]


HOSTILE_QUERIES = [
    '"',
    "'",
    '""',
    '"unterminated phrase',
    "-",
    "--",
    "-refugee",
    "refugee-",
    "AND",
    "OR",
    "NOT",
    "NEAR",
    "AND OR NOT",
    "NOT refugee",
    "refugee AND",
    "NEAR(refugee empleo)",
    "*",
    "**",
    "refug*",
    "*refug",
    "%",
    "%%",
    "100%",
    "_",
    "\\",
    "\\\\",
    "a\\b",
    "(",
    ")",
    "()",
    "!",
    "!!refugee",
    "&",
    "|",
    "&&||",
    ":",
    ":*",
    "refugee:*",
    "<->",
    "a <-> b",
    "title:empleo",
    "{empleo}",
    "^empleo",
    "[",
    "'; DROP TABLE practice; --",
    "' OR '1'='1",
    "\x00",
    "empleo\x00refugee",
    "🙂",
    "\u02bc \u00b2 \u2153 \ufb01 \u30fc \u0663 \u01c3 \u2177",  # letters and numbers of odd kinds
    "niño\u0301",
    "ñ",
    "de la el",
    "a" * 500,
    " ".join(["empleo"] * 100),
]


@pytest.mark.parametrize("prefix", ["false", "true"])
async def test_hostile_queries_never_break_the_search(
    client: httpx.AsyncClient, prefix: str
) -> None:
    await published_practice(client, title={"es": "Empleo para personas refugiadas"})
    for query in HOSTILE_QUERIES:
        for sort in ("relevance", "newest", "title"):
            response = await client.get(
                "/v1/practices", params={"q": query, "prefix": prefix, "sort": sort}
            )
            assert response.status_code < 500, (query, response.text)
            assert response.status_code in (200, 422), query
    # Operators are searched as words, never obeyed: "NOT empleo" still needs "empleo".
    words = (await client.get("/v1/practices", params={"q": "NOT empleo"})).json()
    assert words["total"] == 0


@pytest.mark.parametrize("sort", ["newest", "title", "relevance"])
async def test_cursor_pages_walk_every_result_once(client: httpx.AsyncClient, sort: str) -> None:
    for n in range(5):
        await published_practice(
            client,
            title={"es": f"Práctica de empleo número {n}"},
            summary={"es": "empleo " * (n + 1)},
        )
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"q": "empleo", "sort": sort, "limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = (await client.get("/v1/practices", params=params)).json()
        assert page["total"] == 5
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 5
    assert len(set(seen)) == 5
    if sort == "title":
        titles = await _titles(client, sort="title")
        assert titles == sorted(titles)


async def test_bad_cursor_and_limit_are_422(client: httpx.AsyncClient) -> None:
    assert (await client.get("/v1/practices", params={"cursor": "nonsense"})).status_code == 422
    assert (await client.get("/v1/practices", params={"limit": 201})).status_code == 422


async def test_batch_read_by_ids_returns_only_visible_known_ones(
    client: httpx.AsyncClient,
) -> None:
    ids = await _hand_made_catalogue(client)
    wanted = [ids["p1"], ids["p3"], ids["draft"], str(uuid.uuid4())]
    page = (await client.get("/v1/practices", params={"ids": ",".join(wanted)})).json()
    assert {item["id"] for item in page["items"]} == {ids["p1"], ids["p3"]}
    author = (
        await client.get("/v1/practices", params={"ids": ",".join(wanted)}, headers=MEMBER_A)
    ).json()
    assert {item["id"] for item in author["items"]} == {ids["p1"], ids["p3"], ids["draft"]}
    assert (await client.get("/v1/practices", params={"ids": "x,y"})).status_code == 422


async def test_practices_listed_by_implementing_organisation(client: httpx.AsyncClient) -> None:
    mine = await published_practice(
        client, implementing_organisations=[{"id": "org-acnur", "name": "ACNUR"}]
    )
    await published_practice(client, implementing_organisations=[{"id": "org-oim", "name": "OIM"}])
    page = (await client.get("/v1/practices", params={"organisation": "org-acnur"})).json()
    assert [item["id"] for item in page["items"]] == [mine["id"]]
    assert page["items"][0]["implementing_organisations"] == [{"id": "org-acnur", "name": "ACNUR"}]


async def test_edits_are_searchable_at_once(client: httpx.AsyncClient) -> None:
    practice = await published_practice(client, title={"es": "Vivienda temporal"})
    await client.patch(
        f"/v1/practices/{practice['id']}",
        json={"title": {"es": "Albergues comunitarios"}},
        headers={**SECRETARIAT, "If-Match": f'"{practice["version"]}"'},
    )
    assert await _titles(client, q="albergues") == ["Albergues comunitarios"]
    assert await _titles(client, q="vivienda") == []


async def test_facets_can_be_skipped_but_the_total_stays(client: httpx.AsyncClient) -> None:
    await _hand_made_catalogue(client)
    page = (await client.get("/v1/practices", params={"facets": "false", "country": "GTM"})).json()
    assert page["total"] == 2
    assert page["facets"] == {
        "theme": [],
        "country": [],
        "population": [],
        "origin": [],
        "evidence": [],
    }
    with_text = (
        await client.get("/v1/practices", params={"facets": "false", "q": "escuelas"})
    ).json()
    assert with_text["total"] == 1


async def test_cursor_reused_with_another_sort_or_list_is_422(client: httpx.AsyncClient) -> None:
    await _hand_made_catalogue(client)
    page = (await client.get("/v1/practices", params={"sort": "title", "limit": 1})).json()
    cursor = page["next_cursor"]
    for params in (
        {"sort": "newest", "cursor": cursor},
        {"sort": "relevance", "q": "refugiados", "cursor": cursor},
    ):
        response = await client.get("/v1/practices", params=params)
        assert response.status_code == 422, params
        assert response.headers["content-type"] == "application/problem+json"
    other_list = await client.get("/v1/inventory-items", params={"cursor": cursor})
    assert other_list.status_code == 422
