"""Matches: a need side (a host country's policy pledge or an objective) paired with
support pledges, proposed from the matching's suggestions, moved through its statuses up
to the GRF, and never showing a pledge to someone who may not see it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from tests.conftest import auth_headers
from tests.pledges.conftest import SECRETARIAT, Ledger

ANONYMOUS: dict[str, str] = {}
GRF = "grf-2023"
UNKNOWN = "00000000-0000-4000-8000-000000000000"


@dataclass
class World:
    ledger: Ledger
    host: dict[str, Any]
    donor: dict[str, Any]
    need: dict[str, Any]
    support: dict[str, Any]
    objective: dict[str, Any]

    async def propose(
        self, body: dict[str, Any], headers: dict[str, str] = SECRETARIAT
    ) -> httpx.Response:
        return await self.ledger.client.post("/v1/matches", json=body, headers=headers)

    async def move(
        self,
        match: dict[str, Any],
        status: str,
        headers: dict[str, str] = SECRETARIAT,
        **extra: Any,
    ) -> httpx.Response:
        current = await self.ledger.client.get(f"/v1/matches/{match['id']}", headers=SECRETARIAT)
        return await self.ledger.client.post(
            f"/v1/matches/{match['id']}/transitions",
            json={"status": status, **extra},
            headers={**headers, "If-Match": current.headers["ETag"]},
        )


async def _world(ledger: Ledger, **support_fields: Any) -> World:
    host = await ledger.organisation(kind="state", country="HND")
    donor = await ledger.organisation(kind="multilateral_development_bank")
    objective = await ledger.objective(country="HND", theme="employment_livelihoods")
    need = await ledger.pledge(
        host["id"],
        kind="policy",
        amount=None,
        title={"en": "Work permits for refugees"},
        recipient_countries=["HND"],
    )
    support = await ledger.pledge(
        donor["id"],
        amount={"amount": "500000", "currency": "USD"},
        recipient_countries=["HND"],
        **support_fields,
    )
    return World(ledger, host, donor, need, support, objective)


def _pair(world: World) -> dict[str, Any]:
    return {"need_pledge_id": world.need["id"], "support_pledge_ids": [world.support["id"]]}


async def test_a_suggestion_is_proposed_as_a_match_with_its_score(ledger: Ledger) -> None:
    world = await _world(ledger)
    suggestions = await ledger.client.get(
        f"/v1/matching/suggestions?objective_id={world.objective['id']}"
    )
    item = next(i for i in suggestions.json()["items"] if i["pledge_id"] == world.support["id"])
    assert item["propose"]["href"] == "/v1/matches"
    response = await world.propose(item["propose"]["body"])
    assert response.status_code == 201, response.text
    match = response.json()
    assert match["status"] == "proposed"
    assert match["need_objective_id"] == world.objective["id"]
    assert match["support_pledge_ids"] == [world.support["id"]]
    assert match["score"].startswith(item["score"])
    assert match["countries"] == ["HND"]
    assert [(h["from_status"], h["to_status"]) for h in match["history"]] == [(None, "proposed")]


async def test_a_match_goes_from_proposed_to_announced_at_the_grf(ledger: Ledger) -> None:
    world = await _world(ledger)
    match = (await world.propose(_pair(world))).json()
    for status, extra in (
        ("under_discussion", {}),
        ("agreed", {"event": GRF, "note": "Both sides confirmed."}),
    ):
        moved = await world.move(match, status, **extra)
        assert moved.status_code == 200, moved.text
    view = (await ledger.client.get(f"/v1/matches/announcements?event={GRF}")).json()
    assert [m["id"] for m in view["agreed"]] == [match["id"]]
    assert view["announced"] == []
    announced = await world.move(match, "announced")
    assert announced.status_code == 200, announced.text
    history = announced.json()["history"]
    assert [h["to_status"] for h in history] == [
        "proposed", "under_discussion", "agreed", "announced"
    ]  # fmt: skip
    assert history[2]["note"] == "Both sides confirmed."
    view = (await ledger.client.get(f"/v1/matches/announcements?event={GRF}")).json()
    assert view["agreed"] == []
    assert [m["id"] for m in view["announced"]] == [match["id"]]


async def test_illegal_moves_are_409_naming_the_status_and_change_nothing(ledger: Ledger) -> None:
    world = await _world(ledger)
    match = (await world.propose(_pair(world))).json()
    skipped = await world.move(match, "agreed")
    assert skipped.status_code == 409, skipped.text
    assert skipped.json()["field"] == "status"
    assert (await world.move(match, "announced")).status_code == 409
    assert (await world.move(match, "declined")).status_code == 200
    assert (await world.move(match, "under_discussion")).status_code == 409
    read = (await ledger.client.get(f"/v1/matches/{match['id']}", headers=SECRETARIAT)).json()
    assert read["status"] == "declined"
    assert len(read["history"]) == 2


async def test_announcing_needs_an_event(ledger: Ledger) -> None:
    world = await _world(ledger)
    match = (await world.propose(_pair(world))).json()
    await world.move(match, "under_discussion")
    await world.move(match, "agreed")
    response = await world.move(match, "announced")
    assert response.status_code == 422
    assert response.json()["field"] == "event"


async def test_a_move_without_if_match_is_428(ledger: Ledger) -> None:
    world = await _world(ledger)
    match = (await world.propose(_pair(world))).json()
    response = await ledger.client.post(
        f"/v1/matches/{match['id']}/transitions",
        json={"status": "under_discussion"},
        headers=SECRETARIAT,
    )
    assert response.status_code == 428


async def test_bad_pairs_are_refused_naming_the_field_and_nothing_is_written(
    ledger: Ledger,
) -> None:
    world = await _world(ledger)
    other_host = await ledger.organisation(kind="state", country="GTM")
    other_need = await ledger.pledge(
        other_host["id"], kind="policy", amount=None, recipient_countries=["GTM"]
    )
    cases = [
        ({**_pair(world), "need_objective_id": world.objective["id"]}, 422, "need_pledge_id"),
        ({"support_pledge_ids": [world.support["id"]]}, 422, "need_pledge_id"),
        (
            {"need_pledge_id": world.need["id"], "support_pledge_ids": [world.need["id"]]},
            422,
            "support_pledge_ids",
        ),
        (
            {"need_pledge_id": world.need["id"], "support_pledge_ids": [other_need["id"]]},
            422,
            "support_pledge_ids",
        ),
        (
            {"need_pledge_id": world.support["id"], "support_pledge_ids": [world.need["id"]]},
            422,
            "need_pledge_id",
        ),
        (
            {"need_objective_id": world.objective["id"], "support_pledge_ids": [UNKNOWN]},
            422,
            "support_pledge_ids",
        ),
    ]
    for body, status, field in cases:
        response = await world.propose(body)
        assert response.status_code == status, (body, response.text)
        assert response.json()["field"] == field, response.text
    listed = await ledger.client.get("/v1/matches", headers=SECRETARIAT)
    assert listed.json()["items"] == []


async def test_who_may_propose_and_move_a_match(ledger: Ledger) -> None:
    world = await _world(ledger)
    stranger = await ledger.organisation()
    propose_expected = {
        "secretariat": (SECRETARIAT, 201),
        "support contributor": (auth_headers("partner", org_id=world.donor["id"]), 201),
        "need country focal point": (auth_headers("country_focal_point", countries=("HND",)), 201),
        "stranger member": (auth_headers("member", org_id=stranger["id"]), 403),
        "other focal point": (auth_headers("country_focal_point", countries=("PAN",)), 403),
        "anonymous": (ANONYMOUS, 401),
    }
    for who, (headers, status) in propose_expected.items():
        response = await world.propose(_pair(world), headers=headers)
        assert response.status_code == status, (who, response.text)
    match = (await world.propose(_pair(world))).json()
    move_expected = [
        (auth_headers("member", org_id=stranger["id"]), 403),
        (auth_headers("country_focal_point", countries=("PAN",)), 403),
        (auth_headers("partner", org_id=world.donor["id"]), 200),
        (auth_headers("country_focal_point", countries=("HND",)), 200),
        (SECRETARIAT, 200),
    ]
    statuses = iter(["under_discussion", "agreed", "declined"])
    for headers, status in move_expected:
        wanted = "under_discussion" if status == 403 else next(statuses)
        response = await world.move(match, wanted, headers=headers)
        assert response.status_code == status, response.text
    anonymous = await ledger.client.post(
        f"/v1/matches/{match['id']}/transitions", json={"status": "agreed"}
    )
    assert anonymous.status_code == 401


async def test_a_match_with_a_cultivating_pledge_is_seen_only_by_its_parties(
    ledger: Ledger,
) -> None:
    world = await _world(
        ledger, stage="cultivating", announced_on="2023-11-01", visibility="public"
    )
    stranger = await ledger.organisation()
    body = {**_pair(world), "event": GRF}
    match = (await world.propose(body)).json()
    await world.move(match, "under_discussion")
    await world.move(match, "agreed")
    parties = [
        SECRETARIAT,
        auth_headers("partner", org_id=world.donor["id"]),
        auth_headers("country_focal_point", countries=("HND",)),
    ]
    outsiders = [
        ANONYMOUS,
        auth_headers("partner", org_id=stranger["id"]),
        auth_headers("partner", org_id=world.host["id"]),
        auth_headers("country_focal_point", countries=("GTM",)),
    ]
    for headers in parties:
        assert (
            await ledger.client.get(f"/v1/matches/{match['id']}", headers=headers)
        ).status_code == 200
        listed = (await ledger.client.get("/v1/matches", headers=headers)).json()["items"]
        assert [m["id"] for m in listed] == [match["id"]]
        view = await ledger.client.get(f"/v1/matches/announcements?event={GRF}", headers=headers)
        assert [m["id"] for m in view.json()["agreed"]] == [match["id"]]
    for headers in outsiders:
        assert (
            await ledger.client.get(f"/v1/matches/{match['id']}", headers=headers)
        ).status_code == 404
        assert (await ledger.client.get("/v1/matches", headers=headers)).json()["items"] == []
        view = await ledger.client.get(f"/v1/matches/announcements?event={GRF}", headers=headers)
        assert view.json()["agreed"] == []
        feed = await ledger.client.get("/v1/changes", headers=headers)
        assert all(e["data"].get("id") != match["id"] for e in feed.json()["items"])


async def test_matches_are_filtered_by_status_country_and_event(ledger: Ledger) -> None:
    world = await _world(ledger)
    first = (await world.propose({**_pair(world), "event": GRF})).json()
    gtm = await ledger.objective(country="GTM")
    second = (
        await world.propose(
            {"need_objective_id": gtm["id"], "support_pledge_ids": [world.support["id"]]}
        )
    ).json()
    await world.move(second, "under_discussion")

    async def ids(query: str) -> list[str]:
        response = await ledger.client.get(f"/v1/matches?{query}")
        assert response.status_code == 200, response.text
        return [m["id"] for m in response.json()["items"]]

    assert await ids("") == [second["id"], first["id"]]
    assert await ids("status=proposed") == [first["id"]]
    assert await ids("status=proposed,under_discussion") == [second["id"], first["id"]]
    assert await ids("country=GTM") == [second["id"]]
    assert await ids("country=HND") == [first["id"]]
    assert await ids(f"event={GRF}") == [first["id"]]
    assert await ids(f"pledge_id={world.need['id']}") == [first["id"]]
    assert (await ledger.client.get("/v1/matches?status=maybe")).status_code == 422


async def test_public_match_writes_reach_the_public_change_feed(ledger: Ledger) -> None:
    world = await _world(ledger)
    match = (await world.propose(_pair(world))).json()
    await world.move(match, "under_discussion")
    feed = (await ledger.client.get("/v1/changes")).json()["items"]
    events = [e for e in feed if e["data"].get("id") == match["id"]]
    assert [e["type"] for e in events] == [
        "org.mirps.match.proposed",
        "org.mirps.match.status_changed",
    ]
    assert events[1]["data"]["status"] == "under_discussion"


async def test_a_joint_pledge_co_contributor_may_move_a_match_of_its_pledge(
    ledger: Ledger,
) -> None:
    """Co-contributors see a match of their restricted pledge but write only as parties
    to the match through the lead: a co-contributor is not the lead, so it may not."""
    world = await _world(ledger, visibility="restricted")
    co = await ledger.organisation()
    await ledger.client.put(
        f"/v1/pledges/{world.support['id']}/contributors",
        json={
            "contributors": [
                {"organisation_id": world.donor["id"], "percentage": "50"},
                {"organisation_id": co["id"], "percentage": "50"},
            ]
        },
        headers=SECRETARIAT,
    )
    match = (await world.propose(_pair(world))).json()
    co_headers = auth_headers("member", org_id=co["id"])
    seen = await ledger.client.get(f"/v1/matches/{match['id']}", headers=co_headers)
    assert seen.status_code == 200
    assert (await world.move(match, "under_discussion", headers=co_headers)).status_code == 403
