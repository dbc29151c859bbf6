"""The outreach pipeline: prospects owned by an SP member or secretariat person, validated
status moves, interactions, the link to the pledge made; contact details reach the
secretariat and the owner only — never other roles, exports, the change feed or webhooks."""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa

from services.common.db import make_engine
from tests.conftest import auth_headers
from tests.pledges.conftest import SECRETARIAT, Ledger

EMAIL = "ana.perez@example.org"
CONTACT = {
    "name": "Ana Pérez",
    "job_title": "HR director",
    "email": EMAIL,
    "phone": "+502 5555 0101",
}


@pytest.fixture
async def pipeline(ledger: Ledger) -> dict[str, Any]:
    """Two SP member organisations, a person of each, a colleague of the first, a focal
    point, and a prospect owned by the first person (with a contact)."""
    member_org = await ledger.organisation(
        name="Member A", kind="state", sp_member_since="2019-06-01"
    )
    other_org = await ledger.organisation(
        name="Member B", kind="state", sp_member_since="2019-06-01"
    )
    roles = {
        "owner": auth_headers("member", org_id=member_org["id"], sub="owner-1"),
        "colleague": auth_headers("member", org_id=member_org["id"], sub="colleague-1"),
        "other member": auth_headers("member", org_id=other_org["id"], sub="other-1"),
        "focal point": auth_headers("country_focal_point", countries=("GTM",), sub="fp-gtm"),
        "secretariat": SECRETARIAT,
        "anonymous": {},
    }
    created = await ledger.client.post(
        "/v1/prospects",
        json={
            "name": "Textiles del Norte",
            "kind": "private_sector",
            "country": "GTM",
            "contact": CONTACT,
            "next_step": {"text": "Send the pledge template", "due_on": "2023-10-02"},
        },
        headers=roles["owner"],
    )
    assert created.status_code == 201, created.text
    return {"roles": roles, "prospect": created.json(), "member_org": member_org}


async def _move(
    ledger: Ledger, prospect: dict[str, Any], headers: dict[str, str], **body: Any
) -> Any:
    current = await ledger.client.get(f"/v1/prospects/{prospect['id']}", headers=headers)
    return await ledger.client.post(
        f"/v1/prospects/{prospect['id']}/status",
        json=body,
        headers={**headers, "If-Match": current.headers["ETag"]},
    )


async def test_the_owner_records_a_prospect_that_starts_identified(
    ledger: Ledger, pipeline: dict[str, Any]
) -> None:
    prospect = pipeline["prospect"]
    assert prospect["status"] == "identified"
    assert prospect["owner"] == {"sub": "owner-1", "organisation_id": pipeline["member_org"]["id"]}
    assert prospect["contact"]["email"] == EMAIL
    assert prospect["next_step"] == {"text": "Send the pledge template", "due_on": "2023-10-02"}
    assert [h["to_status"] for h in prospect["status_history"]] == ["identified"]


@pytest.mark.parametrize(
    ("role", "status", "sees_contact"),
    [
        ("owner", 200, True),
        ("secretariat", 200, True),
        ("colleague", 404, False),
        ("other member", 404, False),
        ("focal point", 404, False),
        ("anonymous", 401, False),
    ],
)
async def test_who_sees_a_prospect_and_its_contact(
    ledger: Ledger, pipeline: dict[str, Any], role: str, status: int, sees_contact: bool
) -> None:
    headers = pipeline["roles"][role]
    url = f"/v1/prospects/{pipeline['prospect']['id']}"
    read = await ledger.client.get(url, headers=headers)
    assert read.status_code == status
    listed = await ledger.client.get("/v1/prospects", headers=headers)
    interaction = await ledger.client.post(
        f"{url}/interactions",
        json={"occurred_on": "2023-09-20", "channel": "email", "summary": "Sent details."},
        headers=headers,
    )
    if role == "anonymous":
        assert listed.status_code == 401
        assert interaction.status_code == 401
        return
    assert (EMAIL in listed.text) is sees_contact
    assert (EMAIL in read.text) is sees_contact
    assert interaction.status_code == (201 if sees_contact else 404)
    changed = await ledger.client.patch(
        url, json={"contact": None}, headers={**headers, "If-Match": '"1"'}
    )
    assert changed.status_code == (200 if sees_contact else 404)


async def test_the_pipeline_moves_only_forward_and_links_the_pledge(
    ledger: Ledger, pipeline: dict[str, Any]
) -> None:
    owner = pipeline["roles"]["owner"]
    prospect = pipeline["prospect"]
    skipped = await _move(ledger, prospect, owner, status="interested")
    assert skipped.status_code == 409
    assert skipped.json()["field"] == "status"
    for status in ("approached", "interested"):
        moved = await _move(ledger, prospect, owner, status=status)
        assert moved.status_code == 200, moved.text
    no_pledge = await _move(ledger, prospect, owner, status="pledged")
    assert no_pledge.status_code == 422
    assert [e["field"] for e in no_pledge.json()["errors"]] == ["body.pledge_id"]
    company = await ledger.organisation(name="Textiles del Norte", kind="private_sector")
    other = await ledger.organisation(name="Someone else", kind="private_sector")
    theirs = await ledger.pledge(other["id"], kind="technical", amount=None)
    # Once it registers, the prospect is linked to its organisation, and a pledge of
    # another organisation cannot be its pledge.
    current = await ledger.client.get(f"/v1/prospects/{prospect['id']}", headers=owner)
    linked = await ledger.client.patch(
        f"/v1/prospects/{prospect['id']}",
        json={"organisation_id": company["id"]},
        headers={**owner, "If-Match": current.headers["ETag"]},
    )
    assert linked.status_code == 200, linked.text
    assert linked.json()["name"] == "Textiles del Norte"
    wrong = await _move(ledger, prospect, owner, status="pledged", pledge_id=theirs["id"])
    assert wrong.status_code == 422
    assert wrong.json()["field"] == "pledge_id"
    pledge = await ledger.pledge(company["id"], kind="technical", amount=None)
    done = await _move(ledger, prospect, owner, status="pledged", pledge_id=pledge["id"])
    assert done.status_code == 200, done.text
    assert done.json()["pledge_id"] == pledge["id"]
    assert [h["to_status"] for h in done.json()["status_history"]] == [
        "identified",
        "approached",
        "interested",
        "pledged",
    ]
    final = await _move(ledger, prospect, owner, status="declined")
    assert final.status_code == 409


async def test_a_prospect_declines_from_any_open_status_and_stays_declined(
    ledger: Ledger, pipeline: dict[str, Any]
) -> None:
    owner = pipeline["roles"]["owner"]
    declined = await _move(ledger, pipeline["prospect"], owner, status="declined")
    assert declined.status_code == 200
    again = await _move(ledger, pipeline["prospect"], owner, status="approached")
    assert again.status_code == 409
    stale = await ledger.client.post(
        f"/v1/prospects/{pipeline['prospect']['id']}/status",
        json={"status": "approached"},
        headers={**owner, "If-Match": '"1"'},
    )
    assert stale.status_code == 412


async def test_who_may_keep_a_pipeline(ledger: Ledger, pipeline: dict[str, Any]) -> None:
    body = {"name": "Hotel X", "kind": "private_sector", "country": "CRI"}
    outsider = await ledger.organisation(name="Not a member", kind="private_sector")
    for headers in (
        pipeline["roles"]["focal point"],
        auth_headers("member", org_id=outsider["id"], sub="outsider-1"),
    ):
        refused = await ledger.client.post("/v1/prospects", json=body, headers=headers)
        assert refused.status_code == 403
    assigned = await ledger.client.post(
        "/v1/prospects",
        json={**body, "owner": {"sub": "someone-else"}},
        headers=pipeline["roles"]["owner"],
    )
    assert assigned.status_code == 403
    assert assigned.json()["field"] == "owner"
    by_secretariat = await ledger.client.post(
        "/v1/prospects",
        json={**body, "owner": {"sub": "other-1", "organisation_id": outsider["id"]}},
        headers=SECRETARIAT,
    )
    assert by_secretariat.status_code == 422
    assert by_secretariat.json()["field"] == "owner.organisation_id"
    half = await ledger.client.post("/v1/prospects", json={"name": "Hotel X"}, headers=SECRETARIAT)
    assert half.status_code == 422
    listed = await ledger.client.get("/v1/prospects", headers=SECRETARIAT)
    assert len(listed.json()["items"]) == 1


async def test_the_list_filters_by_status_owner_and_country(
    ledger: Ledger, pipeline: dict[str, Any]
) -> None:
    company = await ledger.organisation(name="Banco", kind="private_sector", country="PAN")
    created = await ledger.client.post(
        "/v1/prospects",
        json={"organisation_id": company["id"], "owner": {"sub": "other-1"}},
        headers=SECRETARIAT,
    )
    assert created.status_code == 201, created.text
    assert created.json()["country"] == "PAN"

    async def names(query: str, headers: dict[str, str] = SECRETARIAT) -> list[str]:
        response = await ledger.client.get(f"/v1/prospects?{query}", headers=headers)
        assert response.status_code == 200, response.text
        return [p["name"] for p in response.json()["items"]]

    assert await names("") == ["Textiles del Norte", "Banco"]
    assert await names("country=PAN") == ["Banco"]
    assert await names("owner=owner-1") == ["Textiles del Norte"]
    assert await names("status=identified,approached") == ["Textiles del Norte", "Banco"]
    assert await names("status=pledged") == []
    assert await names("", pipeline["roles"]["other member"]) == ["Banco"]
    assert (
        await ledger.client.get("/v1/prospects?status=won", headers=SECRETARIAT)
    ).status_code == 422


async def test_contact_details_never_reach_exports_the_feed_or_webhooks(
    ledger: Ledger, pipeline: dict[str, Any]
) -> None:
    owner = pipeline["roles"]["owner"]
    url = f"/v1/prospects/{pipeline['prospect']['id']}"
    await ledger.client.post(
        f"{url}/interactions",
        json={"occurred_on": "2023-09-20", "channel": "phone", "summary": f"Called {EMAIL}."},
        headers=owner,
    )
    await ledger.client.patch(
        url,
        json={"contact": {**CONTACT, "phone": "+502 5555 0199"}},
        headers={**owner, "If-Match": '"1"'},
    )
    await _move(ledger, pipeline["prospect"], owner, status="approached")
    feed = await ledger.client.get("/v1/changes?limit=500", headers=SECRETARIAT)
    types = [event["type"] for event in feed.json()["items"]]
    assert "org.mirps.prospect.status_changed" in types
    assert "org.mirps.prospect.interaction_recorded" in types
    for role, headers in pipeline["roles"].items():
        seen = await ledger.client.get("/v1/changes?limit=500", headers=headers)
        assert EMAIL not in seen.text
        assert "5555" not in seen.text
        assert "Ana" not in seen.text
        prospect_events = [
            e for e in seen.json()["items"] if e["type"].startswith("org.mirps.prospect")
        ]
        assert bool(prospect_events) is (role in ("owner", "secretariat")), role
        for export in ("/v1/exports/pledges", "/v1/exports/entries"):
            assert EMAIL not in (await ledger.client.get(export, headers=headers)).text
    # Webhook deliveries carry the outbox rows: none holds a contact detail.
    engine = make_engine(ledger.database_url)
    try:
        async with engine.connect() as connection:
            rows = (await connection.execute(sa.text("SELECT data FROM outbox_events"))).all()
    finally:
        await engine.dispose()
    stored = json.dumps([row[0] for row in rows])
    assert EMAIL not in stored
    assert "Ana" not in stored
    assert "5555" not in stored


async def test_only_the_secretariat_hands_a_prospect_over(
    ledger: Ledger, pipeline: dict[str, Any]
) -> None:
    roles = pipeline["roles"]
    url = f"/v1/prospects/{pipeline['prospect']['id']}"
    handover = {"owner": {"sub": "other-1"}}
    refused = await ledger.client.patch(
        url, json=handover, headers={**roles["owner"], "If-Match": '"1"'}
    )
    assert refused.status_code == 403
    assert refused.json()["field"] == "owner"
    done = await ledger.client.patch(url, json=handover, headers={**SECRETARIAT, "If-Match": '"1"'})
    assert done.status_code == 200, done.text
    assert (await ledger.client.get(url, headers=roles["owner"])).status_code == 404
    now = await ledger.client.get(url, headers=roles["other member"])
    assert now.json()["contact"]["email"] == EMAIL
    company = await ledger.organisation(name="Textiles del Norte", kind="private_sector")
    linked = await ledger.client.patch(
        url,
        json={"organisation_id": company["id"]},
        headers={**roles["other member"], "If-Match": '"2"'},
    )
    assert linked.status_code == 200, linked.text
    renamed = await ledger.client.patch(
        url, json={"name": "Another name"}, headers={**SECRETARIAT, "If-Match": '"3"'}
    )
    assert renamed.status_code == 422
    assert renamed.json()["field"] == "name"
    assert (await ledger.client.get(url, headers=SECRETARIAT)).json()["version"] == 3


async def test_a_retried_interaction_is_recorded_once(
    ledger: Ledger, pipeline: dict[str, Any]
) -> None:
    url = f"/v1/prospects/{pipeline['prospect']['id']}"
    owner = pipeline["roles"]["owner"]
    body = {"occurred_on": "2023-09-21", "channel": "phone", "summary": "Agreed a visit."}
    retry = {**owner, "Idempotency-Key": "interaction-call-21"}
    first = await ledger.client.post(f"{url}/interactions", json=body, headers=retry)
    again = await ledger.client.post(f"{url}/interactions", json=body, headers=retry)
    assert first.status_code == again.status_code == 201, first.text
    assert again.json() == first.json()
    read = (await ledger.client.get(url, headers=owner)).json()
    assert [i["summary"] for i in read["interactions"]].count("Agreed a visit.") == 1
