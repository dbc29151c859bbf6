"""Who may read and write what: object-level authorisation, visibility, batch reads, filters."""

from __future__ import annotations

import uuid

from tests.conftest import auth_headers
from tests.pledges.conftest import SECRETARIAT, Ledger


async def test_member_cannot_pledge_for_another_organisation(ledger: Ledger) -> None:
    mine = await ledger.organisation()
    theirs = await ledger.organisation()
    member = auth_headers("member", org_id=mine["id"])
    body = {
        "contributor_id": theirs["id"],
        "kind": "technical",
        "title": {"en": "Advice"},
        "recipient_countries": ["HND"],
        "announced_on": "2023-01-01",
    }
    response = await ledger.client.post("/v1/pledges", json=body, headers=member)
    assert response.status_code == 403
    assert (await ledger.client.get("/v1/pledges", headers=SECRETARIAT)).json()["items"] == []
    own = await ledger.client.post(
        "/v1/pledges", json={**body, "contributor_id": mine["id"]}, headers=member
    )
    assert own.status_code == 201


async def test_member_cannot_record_entries_on_someone_elses_pledge(ledger: Ledger) -> None:
    mine = await ledger.organisation()
    theirs = await ledger.organisation()
    pledge = await ledger.pledge(theirs["id"])
    member = auth_headers("member", org_id=mine["id"])
    response = await ledger.entry(pledge["id"], "commitment", "10", headers=member)
    assert response.status_code == 403
    entries = await ledger.client.get(f"/v1/pledges/{pledge['id']}/entries")
    assert entries.json()["items"] == []
    patch = await ledger.client.patch(
        f"/v1/pledges/{pledge['id']}",
        json={"visibility": "restricted"},
        headers={**member, "If-Match": '"1"'},
    )
    assert patch.status_code == 403
    withdraw = await ledger.client.post(
        f"/v1/pledges/{pledge['id']}/withdrawal",
        json={"reason": "not mine"},
        headers={**member, "If-Match": '"1"'},
    )
    assert withdraw.status_code == 403
    detail = (await ledger.client.get(f"/v1/pledges/{pledge['id']}")).json()
    assert detail["visibility"] == "public"
    assert detail["withdrawn"] is False


async def test_partner_records_entries_on_its_own_pledge(ledger: Ledger) -> None:
    org = await ledger.organisation(kind="private_sector")
    pledge = await ledger.pledge(org["id"])
    partner = auth_headers("partner", org_id=org["id"])
    response = await ledger.entry(pledge["id"], "commitment", "10", headers=partner)
    assert response.status_code == 201


async def test_restricted_pledges_are_hidden_from_anonymous_and_strangers(ledger: Ledger) -> None:
    org = await ledger.organisation()
    hidden = await ledger.pledge(org["id"], visibility="restricted")
    shown = await ledger.pledge(org["id"])
    anonymous = await ledger.client.get("/v1/pledges")
    assert [p["id"] for p in anonymous.json()["items"]] == [shown["id"]]
    assert (await ledger.client.get(f"/v1/pledges/{hidden['id']}")).status_code == 404
    stranger = auth_headers("member", org_id=str(uuid.uuid4()))
    assert (
        await ledger.client.get(f"/v1/pledges/{hidden['id']}", headers=stranger)
    ).status_code == 404
    # writes on an invisible pledge are 404 too, and change nothing
    refused = await ledger.entry(hidden["id"], "commitment", "5", headers=stranger)
    assert refused.status_code == 404
    owner = auth_headers("member", org_id=org["id"])
    assert (
        await ledger.client.get(f"/v1/pledges/{hidden['id']}", headers=owner)
    ).status_code == 200
    focal = auth_headers("country_focal_point", countries=("GTM",))
    assert (
        await ledger.client.get(f"/v1/pledges/{hidden['id']}", headers=focal)
    ).status_code == 200
    other_focal = auth_headers("country_focal_point", countries=("PAN",))
    assert (
        await ledger.client.get(f"/v1/pledges/{hidden['id']}", headers=other_focal)
    ).status_code == 404


async def test_anonymous_callers_never_see_notes(ledger: Ledger) -> None:
    org = await ledger.organisation()
    pledge = await ledger.pledge(org["id"])
    await ledger.entry(pledge["id"], "commitment", "10", note="Minister's private remark")
    public = (await ledger.client.get(f"/v1/pledges/{pledge['id']}/entries")).json()["items"]
    assert public[0]["note"] is None
    assert public[0]["recorded_by"] is None
    assert public[0]["amount_usd"] == "10.0000"
    owner = auth_headers("member", org_id=org["id"])
    private = (
        await ledger.client.get(f"/v1/pledges/{pledge['id']}/entries", headers=owner)
    ).json()["items"]
    assert private[0]["note"] == "Minister's private remark"


async def test_writes_need_a_token_and_the_right_role(ledger: Ledger) -> None:
    org_body = {"name": "ACME", "kind": "private_sector"}
    assert (await ledger.client.post("/v1/organisations", json=org_body)).status_code == 401
    member = auth_headers("member", org_id=str(uuid.uuid4()))
    assert (
        await ledger.client.post("/v1/organisations", json=org_body, headers=member)
    ).status_code == 403
    rate = {"currency": "EUR", "rate_date": "2023-01-01", "rate_to_usd": "1.1", "source": "x"}
    assert (
        await ledger.client.post("/v1/exchange-rates", json=rate, headers=member)
    ).status_code == 403
    assert (await ledger.client.get("/v1/organisations")).json()["items"] == []


async def test_focal_point_writes_objectives_of_its_country_only(ledger: Ledger) -> None:
    focal = auth_headers("country_focal_point", countries=("HND",))
    body = {
        "country": "GTM",
        "pillar": "reception_admission",
        "theme": "access_to_asylum",
        "title": {"es": "Asilo"},
        "requirement": {"amount": "100", "currency": "USD"},
        "start_year": 2023,
        "end_year": 2024,
    }
    assert (await ledger.client.post("/v1/objectives", json=body, headers=focal)).status_code == 403
    created = await ledger.client.post(
        "/v1/objectives", json={**body, "country": "HND"}, headers=focal
    )
    assert created.status_code == 201
    gtm = await ledger.objective()
    moved = await ledger.client.patch(
        f"/v1/objectives/{gtm['id']}",
        json={"requirement": {"amount": "1", "currency": "USD"}},
        headers={**focal, "If-Match": '"1"'},
    )
    assert moved.status_code == 403
    assert (await ledger.client.get(f"/v1/objectives/{gtm['id']}")).json()["requirement"][
        "amount"
    ] == "1000000.0000"


async def test_unknown_codes_are_422_naming_them(ledger: Ledger) -> None:
    response = await ledger.client.post(
        "/v1/objectives",
        json={
            "country": "FRA",
            "pillar": "pillar_9",
            "theme": "employment_livelihoods",
            "title": {"en": "x"},
            "requirement": {"amount": "1", "currency": "XXZ"},
            "start_year": 2023,
            "end_year": 2023,
        },
        headers=SECRETARIAT,
    )
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert "FRA" in detail
    assert "pillar_9" in detail
    assert "XXZ" in detail


async def test_batch_reads_by_ids(ledger: Ledger) -> None:
    first = await ledger.organisation(name="A")
    second = await ledger.organisation(name="B")
    await ledger.organisation(name="C")
    unknown = str(uuid.uuid4())
    orgs = await ledger.client.get(f"/v1/organisations?ids={first['id']},{second['id']},{unknown}")
    assert {o["id"] for o in orgs.json()["items"]} == {first["id"], second["id"]}
    objective = await ledger.objective()
    objectives = await ledger.client.get(f"/v1/objectives?ids={objective['id']},{unknown}")
    assert [o["id"] for o in objectives.json()["items"]] == [objective["id"]]
    public = await ledger.pledge(first["id"])
    restricted = await ledger.pledge(first["id"], visibility="restricted")
    pledges = await ledger.client.get(f"/v1/pledges?ids={public['id']},{restricted['id']}")
    assert [p["id"] for p in pledges.json()["items"]] == [public["id"]]
    bad = await ledger.client.get("/v1/pledges?ids=not-a-uuid")
    assert bad.status_code == 422


async def test_pledges_filter_by_contributor_country_objective_and_event(ledger: Ledger) -> None:
    spain = await ledger.organisation(name="Spain")
    canada = await ledger.organisation(name="Canada")
    honduras_objective = await ledger.objective(country="HND")
    a = await ledger.pledge(spain["id"], announced_at="event-2022")
    b = await ledger.pledge(
        canada["id"],
        recipient_countries=["HND", "GTM"],
        objective_ids=[honduras_objective["id"]],
        announced_at="event-2022",
    )
    c = await ledger.pledge(canada["id"], recipient_countries=["PAN"])

    async def ids(query: str) -> set[str]:
        response = await ledger.client.get(f"/v1/pledges?{query}")
        assert response.status_code == 200, response.text
        return {p["id"] for p in response.json()["items"]}

    assert await ids(f"contributor_id={canada['id']}") == {b["id"], c["id"]}
    assert await ids("country=GTM") == {a["id"], b["id"]}
    assert await ids(f"objective_id={honduras_objective['id']}") == {b["id"]}
    assert await ids("announced_at=event-2022") == {a["id"], b["id"]}
    assert await ids("announced_at=event-2022&country=HND") == {b["id"]}


async def test_pledge_lists_are_paginated_with_a_hard_limit(ledger: Ledger) -> None:
    org = await ledger.organisation()
    made = [(await ledger.pledge(org["id"]))["id"] for _ in range(5)]
    seen: list[str] = []
    cursor = None
    while True:
        query = "limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = (await ledger.client.get(f"/v1/pledges?{query}")).json()
        seen += [p["id"] for p in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == made
    assert (await ledger.client.get("/v1/pledges?limit=201")).status_code == 422


async def test_organisations_filter_by_kind_and_membership(ledger: Ledger) -> None:
    bank = await ledger.organisation(
        kind="multilateral_development_bank", sp_member_since="2021-01-01"
    )
    await ledger.organisation(kind="private_sector")
    members = (await ledger.client.get("/v1/organisations?sp_member=true")).json()["items"]
    assert [o["id"] for o in members] == [bank["id"]]
    assert members[0]["is_sp_member"] is True
    banks = await ledger.client.get("/v1/organisations?kind=multilateral_development_bank")
    assert [o["id"] for o in banks.json()["items"]] == [bank["id"]]


async def test_countries_are_the_seven_mirps_countries(ledger: Ledger) -> None:
    countries = (await ledger.client.get("/v1/countries")).json()
    assert [c["code"] for c in countries] == ["BLZ", "CRI", "SLV", "GTM", "HND", "MEX", "PAN"]
    assert countries[3]["name"]["es"] == "Guatemala"


async def test_secretariat_updates_an_organisation_with_if_match(ledger: Ledger) -> None:
    org = await ledger.organisation(name="Old name")
    url = f"/v1/organisations/{org['id']}"
    read = await ledger.client.get(url)
    assert read.headers["ETag"] == '"1"'
    member = auth_headers("member", org_id=org["id"])
    refused = await ledger.client.patch(
        url, json={"name": "Mine now"}, headers={**member, "If-Match": '"1"'}
    )
    assert refused.status_code == 403
    updated = await ledger.client.patch(
        url,
        json={"name": "New name", "sp_member_since": "2024-05-01"},
        headers={**SECRETARIAT, "If-Match": '"1"'},
    )
    assert updated.status_code == 200, updated.text
    assert updated.json()["name"] == "New name"
    assert updated.json()["is_sp_member"] is True
    assert updated.headers["ETag"] == '"2"'
    stale = await ledger.client.patch(
        url, json={"name": "Again"}, headers={**SECRETARIAT, "If-Match": '"1"'}
    )
    assert stale.status_code == 412
    assert (await ledger.client.get(url)).json()["name"] == "New name"
