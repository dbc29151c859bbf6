"""Documents on events, practices and pledges: upload, link, download, delete, limits, access."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import auth_headers
from tests.documents.conftest import Services, stored_keys
from tests.events.conftest import HOST_MEMBER, OTHER_MEMBER, create_event, schedule
from tests.events.conftest import SECRETARIAT as EVENTS_SECRETARIAT
from tests.practices.conftest import MEMBER_A, MEMBER_B, create_practice, published_practice
from tests.practices.conftest import SECRETARIAT as PRACTICES_SECRETARIAT

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64
ANONYMOUS: dict[str, str] = {}


def upload(
    content: bytes = PDF,
    *,
    filename: str = "acta.pdf",
    media_type: str = "application/pdf",
    kind: str = "minutes",
    **titles: str,
) -> dict[str, Any]:
    fields = {"kind": kind, "title_es": "Acta de la reunión", **titles}
    return {"files": {"file": (filename, content, media_type)}, "data": fields}


async def public_event(client: httpx.AsyncClient) -> str:
    event = await create_event(client)
    await schedule(client, event["id"])
    return str(event["id"])


async def test_minutes_are_uploaded_listed_downloaded_and_deleted(
    services: Services, storage_settings: dict[str, Any]
) -> None:
    client = await services.start("events", **storage_settings)
    event_id = await public_event(client)
    path = f"/v1/events/{event_id}/documents"

    created = await client.post(
        path, headers=HOST_MEMBER, **upload(filename="../../etc/Acta final?.pdf")
    )
    assert created.status_code == 201, created.text
    document = created.json()
    assert document["media_type"] == "application/pdf"
    assert document["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert document["size_bytes"] == len(PDF)
    assert document["content_url"] == f"{path}/{document['id']}/content"

    listed = await client.get(path)  # the event is public, so are its minutes
    assert [item["id"] for item in listed.json()["items"]] == [document["id"]]
    one = await client.get(f"{path}/{document['id']}")
    assert one.json()["title"]["es"] == "Acta de la reunión"

    download = await client.get(document["content_url"])
    assert download.status_code == 200
    assert download.content == PDF
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["etag"] == f'"{document["sha256"]}"'
    disposition = download.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="Acta final_.pdf"'), disposition

    cached = await client.get(
        document["content_url"], headers={"If-None-Match": download.headers["etag"]}
    )
    assert cached.status_code == 304
    assert cached.content == b""

    deleted = await client.delete(f"{path}/{document['id']}", headers=HOST_MEMBER)
    assert deleted.status_code == 204
    assert (await client.get(path)).json()["items"] == []
    assert (await client.get(document["content_url"])).status_code == 404
    assert stored_keys(services.apps["events"]) == set()


async def test_the_same_bytes_twice_are_stored_once(
    services: Services, storage_settings: dict[str, Any]
) -> None:
    client = await services.start("events", **storage_settings)
    event_id = await public_event(client)
    path = f"/v1/events/{event_id}/documents"
    first = (await client.post(path, headers=HOST_MEMBER, **upload())).json()
    second = (await client.post(path, headers=EVENTS_SECRETARIAT, **upload(kind="material"))).json()

    assert first["id"] != second["id"]
    assert first["sha256"] == second["sha256"]
    assert stored_keys(services.apps["events"]) == {first["sha256"]}

    # Removing one keeps the bytes the other still uses; removing both frees them.
    await client.delete(f"{path}/{first['id']}", headers=HOST_MEMBER)
    assert (await client.get(second["content_url"])).content == PDF
    await client.delete(f"{path}/{second['id']}", headers=EVENTS_SECRETARIAT)
    assert stored_keys(services.apps["events"]) == set()


@pytest.mark.parametrize(
    ("content", "media_type", "status", "field"),
    [
        (EXE, "application/pdf", 415, "body.file"),  # an executable is refused by its bytes
        (EXE, "application/octet-stream", 415, "body.file"),
        (PNG, "application/pdf", 415, "body.file"),  # declared PDF, really a PNG
        (PDF + b"x" * 200, "application/pdf", 413, "body.file"),  # over documents_max_bytes
    ],
)
async def test_refused_files_name_the_field_and_store_nothing(
    services: Services,
    tmp_path: Path,
    content: bytes,
    media_type: str,
    status: int,
    field: str,
) -> None:
    client = await services.start(
        "events", documents_dir=tmp_path, documents_max_bytes=len(PDF) + 100
    )
    event_id = await public_event(client)
    path = f"/v1/events/{event_id}/documents"

    refused = await client.post(path, headers=HOST_MEMBER, **upload(content, media_type=media_type))

    assert refused.status_code == status, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert [error["field"] for error in refused.json()["errors"]] == [field]
    assert (await client.get(path)).json()["items"] == []
    assert stored_keys(services.apps["events"]) == set()


@pytest.mark.parametrize(
    ("request_kwargs", "field"),
    [
        (
            {"data": {"title_es": "Acta"}, "files": {"file": ("a.pdf", PDF, "application/pdf")}},
            "body.kind",
        ),
        (
            {"data": {"kind": "minutes"}, "files": {"file": ("a.pdf", PDF, "application/pdf")}},
            "body.title",
        ),
        (
            {"data": {"kind": "minutes", "title_es": "Acta"}, "files": {"other": ("a", b"x")}},
            "body.file",
        ),
        (
            {"json": {"kind": "material", "title": {"en": "Slides"}, "url": "ftp://x.org/a"}},
            "body.url",
        ),
        (
            {"json": {"kind": "agenda", "title": {"en": "Slides"}, "url": "https://x.org/a"}},
            "body.kind",
        ),
    ],
)
async def test_invalid_fields_are_422_naming_the_field(
    services: Services, tmp_path: Path, request_kwargs: dict[str, Any], field: str
) -> None:
    client = await services.start("events", documents_dir=tmp_path)
    event_id = await public_event(client)
    path = f"/v1/events/{event_id}/documents"

    refused = await client.post(path, headers=HOST_MEMBER, **request_kwargs)

    assert refused.status_code == 422, refused.text
    assert field in {error["field"] for error in refused.json()["errors"]}
    assert (await client.get(path)).json()["items"] == []


async def test_a_link_is_listed_but_has_no_content(services: Services, tmp_path: Path) -> None:
    client = await services.start("events", documents_dir=tmp_path)
    event_id = await public_event(client)
    path = f"/v1/events/{event_id}/documents"
    link = {"kind": "material", "title": {"en": "Slides"}, "url": "https://example.org/s.pdf"}

    created = await client.post(path, json=link, headers=HOST_MEMBER)

    assert created.status_code == 201, created.text
    assert created.json()["url"] == link["url"]
    assert created.json()["content_url"] is None
    content = await client.get(f"{path}/{created.json()['id']}/content")
    assert content.status_code == 409
    assert content.json()["url"] == link["url"]


def refuse_everything(content: bytes, media_type: str) -> str | None:
    """A scanner that finds a virus in everything."""
    return f"EICAR test signature in {media_type} of {len(content)} bytes"


async def test_a_file_the_scanner_refuses_is_not_stored(services: Services, tmp_path: Path) -> None:
    client = await services.start(
        "events",
        documents_dir=tmp_path,
        documents_scanner="tests.documents.test_documents:refuse_everything",
    )
    event_id = await public_event(client)
    path = f"/v1/events/{event_id}/documents"

    refused = await client.post(path, headers=HOST_MEMBER, **upload())

    assert refused.status_code == 422
    assert "EICAR" in refused.json()["detail"]
    assert (await client.get(path)).json()["items"] == []
    assert stored_keys(services.apps["events"]) == set()


async def test_only_organisers_attach_and_remove_an_events_documents(
    services: Services, tmp_path: Path
) -> None:
    client = await services.start("events", documents_dir=tmp_path)
    event_id = await public_event(client)
    path = f"/v1/events/{event_id}/documents"

    assert (await client.post(path, **upload())).status_code == 401
    assert (await client.post(path, headers=OTHER_MEMBER, **upload())).status_code == 403
    assert (await client.get(path)).json()["items"] == []
    document = (await client.post(path, headers=HOST_MEMBER, **upload())).json()
    removed = await client.delete(f"{path}/{document['id']}", headers=OTHER_MEMBER)
    assert removed.status_code == 403
    assert len((await client.get(path)).json()["items"]) == 1


async def test_a_proposed_events_documents_are_seen_by_its_organisers_only(
    services: Services, tmp_path: Path
) -> None:
    client = await services.start("events", documents_dir=tmp_path)
    event = await create_event(client)  # proposed: not public yet
    path = f"/v1/events/{event['id']}/documents"
    document = (await client.post(path, headers=HOST_MEMBER, **upload())).json()

    for outsider in (ANONYMOUS, OTHER_MEMBER):
        assert (await client.get(path, headers=outsider)).status_code == 404
        assert (await client.get(document["content_url"], headers=outsider)).status_code == 404
    assert (await client.get(document["content_url"], headers=HOST_MEMBER)).content == PDF
    await schedule(client, event["id"])
    assert (await client.get(document["content_url"])).content == PDF


async def test_a_draft_practices_materials_follow_the_draft(
    services: Services, tmp_path: Path
) -> None:
    client = await services.start("practices", documents_dir=tmp_path)
    draft = await create_practice(client, MEMBER_A)
    path = f"/v1/practices/{draft['id']}/documents"

    assert (await client.post(path, headers=MEMBER_B, **upload())).status_code == 404
    created = await client.post(path, headers=MEMBER_A, **upload(kind="material"))
    assert created.status_code == 201, created.text
    for outsider in (ANONYMOUS, MEMBER_B):
        assert (await client.get(path, headers=outsider)).status_code == 404
    assert len((await client.get(path, headers=PRACTICES_SECRETARIAT)).json()["items"]) == 1

    published = await published_practice(client, MEMBER_A)
    public_path = f"/v1/practices/{published['id']}/documents"
    link = {"kind": "material", "title": {"es": "Guía"}, "url": "https://example.org/guia"}
    assert (await client.post(public_path, json=link, headers=MEMBER_B)).status_code == 403
    assert (await client.post(public_path, json=link, headers=MEMBER_A)).status_code == 201
    assert len((await client.get(public_path)).json()["items"]) == 1


async def test_a_restricted_pledges_documents_are_never_seen_by_others(
    services: Services, tmp_path: Path
) -> None:
    client = await services.start("pledges", documents_dir=tmp_path)
    secretariat = auth_headers("secretariat", sub="secretariat-1")
    organisation = await client.post(
        "/v1/organisations", json={"name": "Donor", "kind": "state"}, headers=secretariat
    )
    org_id = organisation.json()["id"]
    donor = auth_headers("member", org_id=org_id, sub="donor-member")
    stranger = auth_headers("member", org_id="another-org", sub="stranger")
    pledge = await client.post(
        "/v1/pledges",
        json={
            "contributor_id": org_id,
            "kind": "financial",
            "title": {"en": "Support"},
            "amount": {"amount": "1000", "currency": "USD"},
            "recipient_countries": ["GTM"],
            "announced_on": "2022-09-28",
            "visibility": "restricted",
        },
        headers=secretariat,
    )
    assert pledge.status_code == 201, pledge.text
    path = f"/v1/pledges/{pledge.json()['id']}/documents"

    assert (await client.post(path, headers=stranger, **upload())).status_code == 404
    created = await client.post(path, headers=donor, **upload(kind="report"))
    assert created.status_code == 201, created.text
    for outsider in (ANONYMOUS, stranger):
        assert (await client.get(path, headers=outsider)).status_code == 404
        listed = await client.get(created.json()["content_url"], headers=outsider)
        assert listed.status_code == 404
    assert len((await client.get(path, headers=donor)).json()["items"]) == 1


async def test_the_batch_read_returns_only_documents_of_visible_records(
    services: Services, tmp_path: Path
) -> None:
    client = await services.start("events", documents_dir=tmp_path)
    public_id = await public_event(client)
    proposed = await create_event(client)
    for event_id in (public_id, proposed["id"]):
        created = await client.post(
            f"/v1/events/{event_id}/documents", headers=HOST_MEMBER, **upload()
        )
        assert created.status_code == 201

    both = f"{public_id},{proposed['id']}"
    anonymous = await client.get("/v1/documents", params={"parent_id": both})
    organiser = await client.get("/v1/documents", params={"parent_id": both}, headers=HOST_MEMBER)

    assert [item["parent_id"] for item in anonymous.json()["items"]] == [public_id]
    assert {item["parent_id"] for item in organiser.json()["items"]} == {
        public_id,
        proposed["id"],
    }
    too_many = ",".join([public_id] * 201)
    assert (await client.get("/v1/documents", params={"parent_id": too_many})).status_code == 422


async def changes_of(client: httpx.AsyncClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    response = await client.get(
        "/v1/changes",
        params={"types": "org.mirps.document.attached,org.mirps.document.removed"},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_each_document_write_emits_one_event_seen_by_who_sees_the_parent(
    services: Services, tmp_path: Path
) -> None:
    client = await services.start("events", documents_dir=tmp_path)
    event = await create_event(client)  # proposed: only its hosts' people see it
    path = f"/v1/events/{event['id']}/documents"
    document = (await client.post(path, headers=HOST_MEMBER, **upload())).json()
    assert (await client.delete(f"{path}/{document['id']}", headers=HOST_MEMBER)).status_code == 204
    refused = await client.post(path, headers=OTHER_MEMBER, **upload())
    assert refused.status_code == 404  # a refused write emits nothing

    events = await changes_of(client, HOST_MEMBER)

    assert [e["type"] for e in events] == [
        "org.mirps.document.attached",
        "org.mirps.document.removed",
    ]
    assert {e["subject"] for e in events} == {f"events/{event['id']}/documents/{document['id']}"}
    assert events[0]["data"] == {
        "id": document["id"],
        "parent": f"events/{event['id']}",
        "kind": "minutes",
    }
    assert events[1]["data"]["tombstone"] is True
    for outsider in (ANONYMOUS, OTHER_MEMBER):
        assert await changes_of(client, outsider) == []


async def test_a_published_practices_document_events_are_public(
    services: Services, tmp_path: Path
) -> None:
    practices = await services.start("practices", documents_dir=tmp_path)
    published = await published_practice(practices, MEMBER_A)
    link = {"kind": "material", "title": {"es": "Guía"}, "url": "https://example.org/guia"}
    path = f"/v1/practices/{published['id']}/documents"
    assert (await practices.post(path, json=link, headers=MEMBER_A)).status_code == 201

    public = await changes_of(practices, ANONYMOUS)  # a published practice: anyone

    assert [e["data"]["parent"] for e in public] == [f"practices/{published['id']}"]
