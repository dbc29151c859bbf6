"""Who sees drafts and contacts; versions of published changes; ETag / If-Match."""

from __future__ import annotations

import httpx

from tests.practices.conftest import (
    ANONYMOUS,
    FOCAL_GTM,
    FOCAL_HND,
    MEMBER_A,
    MEMBER_B,
    SECRETARIAT,
    create_practice,
    published_practice,
)


async def test_drafts_are_seen_by_their_authors_and_the_secretariat_only(
    client: httpx.AsyncClient,
) -> None:
    draft = await create_practice(client)
    await published_practice(client, title={"es": "Pública"})
    pid = draft["id"]
    visible = {"anonymous": {}, "member_b": MEMBER_B, "focal_hnd": FOCAL_HND}
    for who, headers in visible.items():
        assert (await client.get(f"/v1/practices/{pid}", headers=headers)).status_code == 404, who
        listing = (await client.get("/v1/practices", headers=headers)).json()
        assert [p["title"]["es"] for p in listing["items"]] == ["Pública"], who
        assert listing["total"] == 1, who
    for who, headers in {"author": MEMBER_A, "focal_gtm": FOCAL_GTM, "sec": SECRETARIAT}.items():
        assert (await client.get(f"/v1/practices/{pid}", headers=headers)).status_code == 200, who
        assert (await client.get("/v1/practices", headers=headers)).json()["total"] == 2, who


async def test_anonymous_asking_for_drafts_gets_none(client: httpx.AsyncClient) -> None:
    await create_practice(client)
    listing = (await client.get("/v1/practices", params={"status": "draft"})).json()
    assert listing["items"] == []
    assert listing["total"] == 0


async def test_contacts_are_never_shown_to_anonymous_callers(client: httpx.AsyncClient) -> None:
    practice = await published_practice(client)
    pid = practice["id"]
    anonymous = (await client.get(f"/v1/practices/{pid}")).json()
    assert anonymous["contacts"] is None
    listed = (await client.get("/v1/practices")).json()["items"][0]
    assert listed["contacts"] is None
    batch = (await client.get("/v1/practices", params={"ids": pid})).json()["items"][0]
    assert batch["contacts"] is None
    assert "ana@example.org" not in (await client.get(f"/v1/practices/{pid}/versions")).text
    signed_in = (await client.get(f"/v1/practices/{pid}", headers=MEMBER_B)).json()
    assert signed_in["contacts"] == [
        {"name": "Ana López", "email": "ana@example.org", "phone": None, "role": None}
    ]


async def test_archived_practices_leave_the_public_catalogue(client: httpx.AsyncClient) -> None:
    pid = (await published_practice(client))["id"]
    await client.post(f"/v1/practices/{pid}/archive", headers=SECRETARIAT)
    assert (await client.get(f"/v1/practices/{pid}")).status_code == 404
    assert (await client.get("/v1/practices")).json()["total"] == 0


async def test_every_published_change_keeps_a_version(client: httpx.AsyncClient) -> None:
    practice = await published_practice(client)
    pid = practice["id"]
    edited = await client.patch(
        f"/v1/practices/{pid}",
        json={"summary": {"es": "Nuevo resumen", "en": "New summary"}},
        headers={**SECRETARIAT, "If-Match": f'"{practice["version"]}"'},
    )
    assert edited.status_code == 200
    await client.post(f"/v1/practices/{pid}/archive", headers=SECRETARIAT)

    versions = (await client.get(f"/v1/practices/{pid}/versions", headers=MEMBER_A)).json()
    rows = [(v["number"], v["kind"], v["changed_by"]) for v in versions["items"]]
    assert rows == [
        (1, "published", "secretariat-rosa"),
        (2, "edited", "secretariat-rosa"),
        (3, "archived", "secretariat-rosa"),
    ]
    assert versions["items"][1]["changed_fields"] == ["summary"]
    assert (
        versions["items"][0]["snapshot"]["summary"]["es"] == "Bolsa de empleo con empresas locales."
    )
    assert versions["items"][1]["snapshot"]["summary"]["es"] == "Nuevo resumen"
    assert versions["items"][2]["changed_fields"] == ["status"]


async def test_drafts_have_no_versions_and_anonymous_sees_no_names(
    client: httpx.AsyncClient,
) -> None:
    draft = await create_practice(client)
    versions = await client.get(f"/v1/practices/{draft['id']}/versions", headers=MEMBER_A)
    assert versions.json()["items"] == []
    published = await published_practice(client)
    public = (await client.get(f"/v1/practices/{published['id']}/versions")).json()
    assert [v["changed_by"] for v in public["items"]] == [None]


async def test_stale_if_match_is_412_and_changes_nothing(client: httpx.AsyncClient) -> None:
    practice = await create_practice(client)
    pid = practice["id"]
    first = await client.get(f"/v1/practices/{pid}", headers=MEMBER_A)
    etag = first.headers["etag"]
    ok = await client.patch(
        f"/v1/practices/{pid}",
        json={"pillar": "host_support"},
        headers={**MEMBER_A, "If-Match": etag},
    )
    assert ok.status_code == 200
    assert ok.headers["etag"] != etag
    stale = await client.patch(
        f"/v1/practices/{pid}",
        json={"pillar": "durable_solutions"},
        headers={**MEMBER_A, "If-Match": etag},
    )
    assert stale.status_code == 412
    assert stale.json()["current_etag"] == ok.headers["etag"]
    assert (await client.get(f"/v1/practices/{pid}", headers=MEMBER_A)).json()[
        "pillar"
    ] == "host_support"


async def test_update_without_if_match_is_428(client: httpx.AsyncClient) -> None:
    pid = (await create_practice(client))["id"]
    response = await client.patch(
        f"/v1/practices/{pid}", json={"pillar": "host_support"}, headers=MEMBER_A
    )
    assert response.status_code == 428


async def test_stale_if_match_on_a_transition_is_412(client: httpx.AsyncClient) -> None:
    practice = await create_practice(client)
    pid = practice["id"]
    await client.patch(
        f"/v1/practices/{pid}",
        json={"pillar": "host_support"},
        headers={**MEMBER_A, "If-Match": f'"{practice["version"]}"'},
    )
    response = await client.post(
        f"/v1/practices/{pid}/submit",
        headers={**MEMBER_A, "If-Match": f'"{practice["version"]}"'},
    )
    assert response.status_code == 412
    assert (await client.get(f"/v1/practices/{pid}", headers=MEMBER_A)).json()["status"] == "draft"


async def test_inconsistent_or_invalid_input_is_422_and_creates_nothing(
    client: httpx.AsyncClient,
) -> None:
    from tests.practices.conftest import practice_body

    bad_bodies = [
        practice_body(country="ESP"),  # a mirps_country practice outside MIRPS
        practice_body(themes=["not_a_theme"]),
        practice_body(themes=[]),
        practice_body(title={"es": " ", "en": None}),
        practice_body(origin="sp_member", country="XXX"),
        practice_body(shared_with=["HND"]),  # only for SP-member practices
        practice_body(period={"start_date": "2024-05-01", "end_date": "2023-01-01"}),
        practice_body(contacts=[{"name": "x", "email": "not-an-email"}]),
    ]
    for body in bad_bodies:
        response = await client.post("/v1/practices", json=body, headers=MEMBER_A)
        assert response.status_code == 422, body
        assert response.headers["content-type"] == "application/problem+json"
    assert (await client.get("/v1/practices", headers=SECRETARIAT)).json()["total"] == 0


async def test_sp_member_practice_records_the_countries_it_was_shared_with(
    client: httpx.AsyncClient,
) -> None:
    practice = await create_practice(
        client, country="ESP", origin="sp_member", shared_with=["HND", "gtm"]
    )
    assert practice["shared_with"] == ["HND", "GTM"]
    assert practice["country"] == "ESP"


async def test_removing_a_required_field_is_422(client: httpx.AsyncClient) -> None:
    practice = await create_practice(client)
    response = await client.patch(
        f"/v1/practices/{practice['id']}",
        json={"title": None},
        headers={**MEMBER_A, "If-Match": f'"{practice["version"]}"'},
    )
    assert response.status_code == 422


async def test_versions_and_transitions_of_several_practices_match_each_practices_own(
    client: httpx.AsyncClient,
) -> None:
    published = await published_practice(client)
    edited = await client.patch(
        f"/v1/practices/{published['id']}",
        json={"summary": {"es": "Nuevo resumen", "en": "New summary"}},
        headers={**SECRETARIAT, "If-Match": f'"{published["version"]}"'},
    )
    assert edited.status_code == 200, edited.text
    sent_back = await create_practice(client)
    await client.post(f"/v1/practices/{sent_back['id']}/submit", headers=MEMBER_A)
    await client.post(
        f"/v1/practices/{sent_back['id']}/request-changes",
        json={"comment": "Añadan resultados de 2024"},
        headers=SECRETARIAT,
    )
    archived = await published_practice(client)
    await client.post(f"/v1/practices/{archived['id']}/archive", headers=SECRETARIAT)
    unknown = "6a1f0c7e-0000-4000-8000-000000000000"
    ids = [published["id"], sent_back["id"], archived["id"], unknown]

    for who, headers in {
        "anonymous": ANONYMOUS,
        "author": MEMBER_A,
        "another member": MEMBER_B,
        "secretariat": SECRETARIAT,
    }.items():
        for kind in ("versions", "transitions"):
            batch = await client.get(
                f"/v1/practice-{kind}", params={"practice_id": ",".join(ids)}, headers=headers
            )
            assert batch.status_code == 200, (who, kind, batch.text)
            # Each practice's list in its own order; the practices in any order.
            by_practice: dict[str, list[dict[str, object]]] = {}
            for item in batch.json()["items"]:
                by_practice.setdefault(item["practice_id"], []).append(item)
            expected: dict[str, list[dict[str, object]]] = {}
            for pid in ids:
                own = await client.get(f"/v1/practices/{pid}/{kind}", headers=headers)
                assert own.status_code in (200, 404), (who, kind, own.text)
                if own.status_code == 200 and own.json()["items"]:
                    expected[pid] = own.json()["items"]
            assert by_practice == expected, (who, kind)

    steps = await client.get(
        "/v1/practice-transitions", params={"practice_id": sent_back["id"]}, headers=MEMBER_A
    )
    assert "Añadan resultados de 2024" in [step["comment"] for step in steps.json()["items"]]
    hidden = await client.get(
        "/v1/practice-transitions", params={"practice_id": sent_back["id"]}, headers=MEMBER_B
    )
    assert hidden.json()["items"] == []


async def test_a_malformed_practice_id_in_a_batch_is_a_422_naming_it(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/v1/practice-versions", params={"practice_id": "not-a-uuid"})
    assert response.status_code == 422
    assert "not-a-uuid" in response.text


async def test_versions_of_several_practices_come_page_by_page_without_loss(
    client: httpx.AsyncClient,
) -> None:
    practices = [await published_practice(client) for _ in range(3)]
    ids = ",".join(practice["id"] for practice in practices)

    seen: list[str] = []
    cursor: str | None = None
    for _ in range(4):
        params = {"practice_id": ids, "limit": "2", **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/v1/practice-versions", params=params)).json()
        seen.extend(version["practice_id"] for version in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert sorted(seen) == sorted(practice["id"] for practice in practices)
