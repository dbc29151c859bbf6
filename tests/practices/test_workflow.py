"""The review workflow: each transition, who may make it, what it records."""

from __future__ import annotations

import httpx
import pytest

from tests.practices.conftest import (
    ANONYMOUS,
    FOCAL_GTM,
    FOCAL_HND,
    MEMBER_A,
    MEMBER_A_COLLEAGUE,
    MEMBER_B,
    SECRETARIAT,
    create_practice,
    published_practice,
)


async def test_draft_submit_publish_archive_records_who_and_when(
    client: httpx.AsyncClient,
) -> None:
    practice = await create_practice(client)
    assert practice["status"] == "draft"
    pid = practice["id"]

    submitted = await client.post(f"/v1/practices/{pid}/submit", headers=MEMBER_A)
    assert submitted.json()["status"] == "submitted"
    assert submitted.json()["submitted_at"] is not None
    published = await client.post(f"/v1/practices/{pid}/publish", headers=SECRETARIAT)
    assert published.json()["status"] == "published"
    assert published.json()["published_at"].endswith(("Z", "+00:00"))
    archived = await client.post(f"/v1/practices/{pid}/archive", headers=SECRETARIAT)
    assert archived.json()["status"] == "archived"

    history = (await client.get(f"/v1/practices/{pid}/transitions", headers=MEMBER_A)).json()
    steps = [(s["from_status"], s["to_status"], s["actor"]) for s in history["items"]]
    assert steps == [
        ("draft", "submitted", "member-ana"),
        ("submitted", "published", "secretariat-rosa"),
        ("published", "archived", "secretariat-rosa"),
    ]
    assert all(s["at"] for s in history["items"])


async def test_changes_requested_returns_to_draft_with_the_comment(
    client: httpx.AsyncClient,
) -> None:
    pid = (await create_practice(client))["id"]
    await client.post(f"/v1/practices/{pid}/submit", headers=MEMBER_A)
    response = await client.post(
        f"/v1/practices/{pid}/request-changes",
        json={"comment": "Añadan resultados de 2024"},
        headers=SECRETARIAT,
    )
    assert response.status_code == 200
    assert response.json()["status"] == "draft"
    seen_by_author = (await client.get(f"/v1/practices/{pid}", headers=MEMBER_A)).json()
    assert seen_by_author["review_comment"] == "Añadan resultados de 2024"
    # The author can now edit and resubmit.
    etag = (await client.get(f"/v1/practices/{pid}", headers=MEMBER_A)).headers["etag"]
    edited = await client.patch(
        f"/v1/practices/{pid}",
        json={"results": {"es": "300 personas empleadas"}},
        headers={**MEMBER_A, "If-Match": etag},
    )
    assert edited.status_code == 200
    again = await client.post(f"/v1/practices/{pid}/submit", headers=MEMBER_A)
    assert again.json()["status"] == "submitted"


async def test_request_changes_needs_a_comment(client: httpx.AsyncClient) -> None:
    pid = (await create_practice(client))["id"]
    await client.post(f"/v1/practices/{pid}/submit", headers=MEMBER_A)
    response = await client.post(
        f"/v1/practices/{pid}/request-changes", json={"comment": ""}, headers=SECRETARIAT
    )
    assert response.status_code == 422
    assert (await client.get(f"/v1/practices/{pid}", headers=MEMBER_A)).json()[
        "status"
    ] == "submitted"


@pytest.mark.parametrize(
    ("status_path", "action"),
    [
        ((), "publish"),  # draft cannot be published without review
        ((), "archive"),
        (("submit",), "submit"),
        (("submit", "publish"), "submit"),
        (("submit", "publish"), "publish"),
        (("submit", "publish", "archive"), "archive"),
        (("submit", "publish", "archive"), "publish"),
    ],
)
async def test_invalid_transition_is_409_and_changes_nothing(
    client: httpx.AsyncClient, status_path: tuple[str, ...], action: str
) -> None:
    pid = (await create_practice(client))["id"]
    for step in status_path:
        headers = MEMBER_A if step == "submit" else SECRETARIAT
        assert (await client.post(f"/v1/practices/{pid}/{step}", headers=headers)).is_success
    before = (await client.get(f"/v1/practices/{pid}", headers=SECRETARIAT)).json()
    headers = MEMBER_A if action == "submit" else SECRETARIAT
    response = await client.post(f"/v1/practices/{pid}/{action}", headers=headers)
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    after = (await client.get(f"/v1/practices/{pid}", headers=SECRETARIAT)).json()
    assert after == before


async def test_request_changes_on_a_draft_is_409(client: httpx.AsyncClient) -> None:
    pid = (await create_practice(client))["id"]
    response = await client.post(
        f"/v1/practices/{pid}/request-changes", json={"comment": "?"}, headers=SECRETARIAT
    )
    assert response.status_code == 409


@pytest.mark.parametrize("action", ["publish", "archive"])
async def test_only_the_secretariat_publishes_and_archives(
    client: httpx.AsyncClient, action: str
) -> None:
    pid = (await create_practice(client))["id"]
    await client.post(f"/v1/practices/{pid}/submit", headers=MEMBER_A)
    if action == "archive":
        await client.post(f"/v1/practices/{pid}/publish", headers=SECRETARIAT)
    for headers in (MEMBER_A, FOCAL_GTM, MEMBER_B):
        response = await client.post(f"/v1/practices/{pid}/{action}", headers=headers)
        assert response.status_code in (403, 404), headers
    assert (await client.post(f"/v1/practices/{pid}/{action}")).status_code == 401
    expected = "submitted" if action == "publish" else "published"
    assert (await client.get(f"/v1/practices/{pid}", headers=SECRETARIAT)).json()[
        "status"
    ] == expected


async def test_only_the_secretariat_requests_changes(client: httpx.AsyncClient) -> None:
    pid = (await create_practice(client))["id"]
    await client.post(f"/v1/practices/{pid}/submit", headers=MEMBER_A)
    response = await client.post(
        f"/v1/practices/{pid}/request-changes", json={"comment": "mine"}, headers=MEMBER_A
    )
    assert response.status_code == 403


async def test_someone_elses_draft_cannot_be_submitted_or_edited(
    client: httpx.AsyncClient,
) -> None:
    practice = await create_practice(client)
    pid = practice["id"]
    etag = f'"{practice["version"]}"'
    for headers in (MEMBER_B, FOCAL_HND):
        assert (
            await client.post(f"/v1/practices/{pid}/submit", headers=headers)
        ).status_code == 404
        edit = await client.patch(
            f"/v1/practices/{pid}",
            json={"summary": {"es": "secuestrado"}},
            headers={**headers, "If-Match": etag},
        )
        assert edit.status_code == 404
    unchanged = (await client.get(f"/v1/practices/{pid}", headers=MEMBER_A)).json()
    assert unchanged["status"] == "draft"
    assert unchanged["summary"]["es"] == "Bolsa de empleo con empresas locales."


async def test_colleagues_of_the_organisation_and_the_country_focal_point_are_authors(
    client: httpx.AsyncClient,
) -> None:
    pid = (await create_practice(client))["id"]
    etag = (await client.get(f"/v1/practices/{pid}", headers=MEMBER_A)).headers["etag"]
    edit = await client.patch(
        f"/v1/practices/{pid}",
        json={"pillar": "durable_solutions"},
        headers={**MEMBER_A_COLLEAGUE, "If-Match": etag},
    )
    assert edit.status_code == 200
    submitted = await client.post(f"/v1/practices/{pid}/submit", headers=FOCAL_GTM)
    assert submitted.status_code == 200


async def test_a_focal_point_writes_practices_of_their_own_countries_only(
    client: httpx.AsyncClient,
) -> None:
    own = await client.post(
        "/v1/practices",
        json=(await _body(country="GTM")),
        headers=FOCAL_GTM,
    )
    assert own.status_code == 201
    other = await client.post("/v1/practices", json=(await _body(country="HND")), headers=FOCAL_GTM)
    assert other.status_code == 403
    listing = (await client.get("/v1/practices", headers=SECRETARIAT)).json()
    assert listing["total"] == 1


async def _body(**overrides: object) -> dict[str, object]:
    from tests.practices.conftest import practice_body

    return practice_body(**overrides)


async def test_anonymous_cannot_write(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/practices", json=await _body(), headers=ANONYMOUS)
    assert response.status_code == 401
    assert (await client.get("/v1/practices", headers=SECRETARIAT)).json()["total"] == 0


async def test_submitted_practice_cannot_be_edited(client: httpx.AsyncClient) -> None:
    pid = (await create_practice(client))["id"]
    submitted = await client.post(f"/v1/practices/{pid}/submit", headers=MEMBER_A)
    response = await client.patch(
        f"/v1/practices/{pid}",
        json={"pillar": "durable_solutions"},
        headers={**MEMBER_A, "If-Match": submitted.headers["etag"]},
    )
    assert response.status_code == 409


async def test_published_practice_is_corrected_by_the_secretariat_only(
    client: httpx.AsyncClient,
) -> None:
    practice = await published_practice(client)
    pid = practice["id"]
    etag = f'"{practice["version"]}"'
    by_author = await client.patch(
        f"/v1/practices/{pid}",
        json={"pillar": "durable_solutions"},
        headers={**MEMBER_A, "If-Match": etag},
    )
    assert by_author.status_code == 403
    by_secretariat = await client.patch(
        f"/v1/practices/{pid}",
        json={"pillar": "durable_solutions"},
        headers={**SECRETARIAT, "If-Match": etag},
    )
    assert by_secretariat.status_code == 200
    assert by_secretariat.json()["pillar"] == "durable_solutions"
