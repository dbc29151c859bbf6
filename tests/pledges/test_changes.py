"""The pledges change feed: one event per write in the write's transaction, resumable,
filtered by who may read the pledge, with tombstones for withdrawals and restrictions."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import func, select

from services.common.auth import Principal
from services.common.db import make_engine, make_sessionmaker
from services.pledges import service
from services.pledges.models import OutboxEvent
from services.pledges.schemas import Withdrawal
from tests.conftest import auth_headers
from tests.pledges.conftest import SECRETARIAT, Ledger

SECRETARY = Principal(sub="secretariat-1", roles=frozenset({"secretariat"}))
MEMBER_OTHER = auth_headers("member", org_id="11111111-1111-4111-8111-111111111111")


async def feed(ledger: Ledger, after: int = 0, **params: Any) -> dict[str, Any]:
    headers = params.pop("headers", SECRETARIAT)
    response = await ledger.client.get(
        "/v1/changes", params={"after": after, **params}, headers=headers
    )
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


async def types_after(ledger: Ledger, after: int, **params: Any) -> list[str]:
    return [item["type"] for item in (await feed(ledger, after, **params))["items"]]


async def head(ledger: Ledger) -> int:
    return int((await feed(ledger, limit=500))["next"])


async def test_each_write_emits_exactly_one_cloudevent(ledger: Ledger) -> None:
    org = await ledger.organisation()
    pledge = await ledger.pledge(org["id"])
    before = await head(ledger)
    response = await ledger.client.patch(
        f"/v1/pledges/{pledge['id']}",
        json={"implementation_status": "in_progress"},
        headers={**SECRETARIAT, "If-Match": f'"{pledge["version"]}"'},
    )
    assert response.status_code == 200, response.text
    assert (await ledger.entry(pledge["id"], "commitment", "100")).status_code == 201

    page = await feed(ledger, before)
    assert [item["type"] for item in page["items"]] == [
        "org.mirps.pledge.status_changed",
        "org.mirps.pledge.entry_recorded",
    ]
    event = page["items"][0]
    assert event["specversion"] == "1.0"
    assert event["source"] == "/mirps/pledges"
    assert event["subject"] == f"pledges/{pledge['id']}"
    assert event["datacontenttype"] == "application/json"
    assert event["data"]["implementation_status"] == ["planning", "in_progress"]
    assert page["next"] == page["items"][-1]["position"]


async def test_a_refused_write_emits_nothing(ledger: Ledger) -> None:
    org = await ledger.organisation()
    pledge = await ledger.pledge(org["id"])
    before = await head(ledger)
    # More than pledged: the ledger refuses it after the outbox could have been written.
    assert (await ledger.entry(pledge["id"], "commitment", "5000")).status_code == 409
    assert (await feed(ledger, before))["items"] == []


async def test_a_rolled_back_transaction_leaves_no_event(ledger: Ledger) -> None:
    org = await ledger.organisation()
    created = await ledger.pledge(org["id"])
    count = select(func.count()).select_from(OutboxEvent)
    engine = make_engine(ledger.database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            before = await session.scalar(count)
            await service.withdraw_pledge(
                session, SECRETARY, uuid.UUID(created["id"]), Withdrawal(reason="test"), "*"
            )
            inside = await session.scalar(count)
            await session.rollback()
            after = await session.scalar(count)
    finally:
        await engine.dispose()
    assert before is not None
    assert inside == before + 1
    assert after == before
    assert "org.mirps.pledge.withdrawn" not in await types_after(ledger, 0)


async def test_the_feed_resumes_exactly_after_a_position(ledger: Ledger) -> None:
    org = await ledger.organisation()
    for _ in range(5):
        await ledger.pledge(org["id"])
    everything = (await feed(ledger))["items"]
    positions = [item["position"] for item in everything]
    assert positions == sorted(positions)
    assert len(set(positions)) == len(positions)
    first = await feed(ledger, 0, limit=2)
    second = await feed(ledger, first["next"], limit=2)
    rest = await feed(ledger, second["next"], limit=500)
    resumed = first["items"] + second["items"] + rest["items"]
    assert [item["id"] for item in resumed] == [item["id"] for item in everything]
    assert (await feed(ledger, rest["next"]))["items"] == []
    assert (await feed(ledger, rest["next"]))["next"] == rest["next"]


async def test_types_filter(ledger: Ledger) -> None:
    org = await ledger.organisation()
    await ledger.pledge(org["id"])
    only = await types_after(ledger, 0, types="org.mirps.pledge.created")
    assert only == ["org.mirps.pledge.created"]


async def test_restricted_pledges_stay_with_who_may_read_them(ledger: Ledger) -> None:
    org = await ledger.organisation()
    restricted = await ledger.pledge(org["id"], visibility="restricted")
    public = await ledger.pledge(org["id"])
    own = auth_headers("member", org_id=org["id"])
    focal = auth_headers("country_focal_point", countries=("GTM",))
    other_focal = auth_headers("country_focal_point", countries=("PAN",))

    def subjects(page: dict[str, Any]) -> set[str]:
        return {item["subject"] for item in page["items"]}

    hidden = f"pledges/{restricted['id']}"
    shown = f"pledges/{public['id']}"
    for headers in ({}, MEMBER_OTHER, other_focal):
        page = await feed(ledger, headers=headers)
        assert hidden not in subjects(page)
        assert shown in subjects(page)
    for headers in (own, focal, SECRETARIAT):
        assert {hidden, shown} <= subjects(await feed(ledger, headers=headers))


async def test_hidden_events_still_advance_next(ledger: Ledger) -> None:
    org = await ledger.organisation()
    start = await head(ledger)
    await ledger.pledge(org["id"], visibility="restricted")
    page = await feed(ledger, start, headers={})
    assert page["items"] == []
    assert page["next"] > start


async def test_withdrawal_and_restriction_are_tombstones(ledger: Ledger) -> None:
    org = await ledger.organisation()
    pledge = await ledger.pledge(org["id"])
    start = await head(ledger)
    response = await ledger.client.patch(
        f"/v1/pledges/{pledge['id']}",
        json={"visibility": "restricted"},
        headers={**SECRETARIAT, "If-Match": f'"{pledge["version"]}"'},
    )
    assert response.status_code == 200, response.text
    response = await ledger.client.post(
        f"/v1/pledges/{pledge['id']}/withdrawal",
        json={"reason": "budget cut"},
        headers={**SECRETARIAT, "If-Match": f'"{response.json()["version"]}"'},
    )
    assert response.status_code == 200, response.text
    public = (await feed(ledger, start, headers={}))["items"]
    assert [(e["type"], e["data"]) for e in public] == [
        ("org.mirps.pledge.restricted", {"id": pledge["id"], "tombstone": True})
    ]
    mine = (await feed(ledger, start, headers=auth_headers("member", org_id=org["id"])))["items"]
    assert [e["type"] for e in mine] == [
        "org.mirps.pledge.restricted",
        "org.mirps.pledge.withdrawn",
    ]
    assert mine[1]["data"]["tombstone"] is True


@pytest.mark.parametrize(
    "params",
    [{"after": "-1"}, {"limit": "0"}, {"limit": "501"}, {"types": "pledge.created"}],
)
async def test_bad_feed_parameters_are_422(ledger: Ledger, params: dict[str, str]) -> None:
    response = await ledger.client.get("/v1/changes", params=params)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
