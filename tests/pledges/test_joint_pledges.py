"""Joint pledges: several contributors with shares, one lead who writes; co-contributors
read; reports by contributor and kind split by the shares and still add up."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from alembic import command

from services.common.db import make_engine, make_sessionmaker
from services.common.migrations import alembic_config, upgrade_to_head
from services.pledges import shares
from tests.conftest import Databases, auth_headers
from tests.pledges.conftest import SECRETARIAT, Ledger
from tests.pledges.test_iati_export import _valid_export
from tests.pledges.test_migrations import ORGANISATIONS, PLEDGES, _table

ANONYMOUS: dict[str, str] = {}


async def _joint(
    ledger: Ledger, **fields: Any
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """A 1,000 USD pledge led by a state, with a bank as co-contributor at 40 %."""
    lead = await ledger.organisation(kind="state", country="CRI")
    co = await ledger.organisation(kind="multilateral_development_bank")
    pledge = await ledger.pledge(lead["id"], **fields)
    response = await ledger.client.put(
        f"/v1/pledges/{pledge['id']}/contributors",
        json={
            "contributors": [
                {"organisation_id": lead["id"], "percentage": "60"},
                {"organisation_id": co["id"], "percentage": "40"},
            ]
        },
        headers=SECRETARIAT,
    )
    assert response.status_code == 200, response.text
    return pledge, lead, co


async def test_a_new_pledge_has_its_contributor_as_lead_with_everything(ledger: Ledger) -> None:
    org = await ledger.organisation()
    pledge = await ledger.pledge(org["id"])
    assert pledge["contributors"] == [
        {"organisation_id": org["id"], "lead": True, "share_percent": "100.000000",
         "share_amount": None}
    ]  # fmt: skip


async def test_shares_in_percent_show_on_the_pledge_lead_first(ledger: Ledger) -> None:
    pledge, lead, co = await _joint(ledger)
    read = (await ledger.client.get(f"/v1/pledges/{pledge['id']}", headers=SECRETARIAT)).json()
    assert [
        (c["organisation_id"], c["lead"], c["share_percent"]) for c in read["contributors"]
    ] == [
        (lead["id"], True, "60.000000"),
        (co["id"], False, "40.000000"),
    ]


async def test_shares_in_amounts_become_percentages_summing_to_100(ledger: Ledger) -> None:
    lead = await ledger.organisation()
    others = [await ledger.organisation() for _ in range(2)]
    pledge = await ledger.pledge(lead["id"], amount={"amount": "300", "currency": "USD"})
    response = await ledger.client.put(
        f"/v1/pledges/{pledge['id']}/contributors",
        json={
            "contributors": [
                {"organisation_id": org["id"], "amount": "100"} for org in (lead, *others)
            ]
        },
        headers=SECRETARIAT,
    )
    assert response.status_code == 200, response.text
    percents = [Decimal(c["share_percent"]) for c in response.json()]
    assert sum(percents) == 100
    assert sorted(percents) == [Decimal("33.333333"), Decimal("33.333333"), Decimal("33.333334")]
    assert {c["share_amount"] for c in response.json()} == {"100.0000"}


async def test_bad_shares_are_refused_naming_the_field_and_nothing_changes(ledger: Ledger) -> None:
    lead = await ledger.organisation()
    co = await ledger.organisation()
    pledge = await ledger.pledge(lead["id"])
    url = f"/v1/pledges/{pledge['id']}/contributors"
    bad = [
        [{"organisation_id": lead["id"], "percentage": "60"},
         {"organisation_id": co["id"], "percentage": "30"}],
        [{"organisation_id": lead["id"], "amount": "600"},
         {"organisation_id": co["id"], "amount": "300"}],
        [{"organisation_id": lead["id"], "percentage": "60"},
         {"organisation_id": co["id"], "amount": "400"}],
        [{"organisation_id": co["id"], "percentage": "100"}],
        [{"organisation_id": lead["id"], "percentage": "50"},
         {"organisation_id": str(uuid.uuid4()), "percentage": "50"}],
        [{"organisation_id": lead["id"], "percentage": "50"},
         {"organisation_id": lead["id"], "percentage": "50"}],
    ]  # fmt: skip
    for contributors in bad:
        response = await ledger.client.put(
            url, json={"contributors": contributors}, headers=SECRETARIAT
        )
        assert response.status_code == 422, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["field"] == "contributors"
        assert "contributors" in response.json()["detail"]
    now = (await ledger.client.get(url, headers=SECRETARIAT)).json()
    assert [(c["organisation_id"], c["share_percent"]) for c in now] == [(lead["id"], "100.000000")]


async def test_the_lead_and_the_secretariat_set_shares_co_contributors_do_not(
    ledger: Ledger,
) -> None:
    pledge, lead, co = await _joint(ledger, visibility="restricted")
    stranger = await ledger.organisation()
    url = f"/v1/pledges/{pledge['id']}/contributors"
    body = {
        "contributors": [
            {"organisation_id": lead["id"], "percentage": "70"},
            {"organisation_id": co["id"], "percentage": "30"},
        ]
    }
    expected = {
        "secretariat": (SECRETARIAT, 200),
        "lead partner": (auth_headers("partner", org_id=lead["id"]), 200),
        "lead's focal point": (auth_headers("country_focal_point", countries=("CRI",)), 200),
        "co-contributor": (auth_headers("member", org_id=co["id"]), 403),
        "stranger": (auth_headers("partner", org_id=stranger["id"]), 404),
        "other focal point": (auth_headers("country_focal_point", countries=("PAN",)), 404),
        "anonymous": (ANONYMOUS, 401),
    }  # fmt: skip
    for who, (headers, status) in expected.items():
        response = await ledger.client.put(url, json=body, headers=headers)
        assert response.status_code == status, (who, response.text)
    co_headers = auth_headers("member", org_id=co["id"])
    patched = await ledger.client.patch(
        f"/v1/pledges/{pledge['id']}",
        json={"title": {"en": "Hijacked"}},
        headers={**co_headers, "If-Match": '"1"'},
    )
    assert patched.status_code == 403


async def test_a_cultivating_joint_pledge_is_seen_by_every_contributor(ledger: Ledger) -> None:
    pledge, lead, co = await _joint(
        ledger, stage="cultivating", recipient_countries=["HND"], announced_on="2023-11-01"
    )
    stranger = await ledger.organisation()
    url = f"/v1/pledges/{pledge['id']}"
    for headers in (
        auth_headers("partner", org_id=lead["id"]),
        auth_headers("member", org_id=co["id"]),
    ):
        assert (await ledger.client.get(url, headers=headers)).status_code == 200
        listed = (await ledger.client.get("/v1/pledges", headers=headers)).json()["items"]
        assert [p["id"] for p in listed] == [pledge["id"]]
        export = await ledger.client.get("/v1/exports/pledge-contributors", headers=headers)
        assert pledge["id"] in export.text
    for headers in (ANONYMOUS, auth_headers("partner", org_id=stranger["id"])):
        assert (await ledger.client.get(url, headers=headers)).status_code == 404
        export = await ledger.client.get("/v1/exports/pledge-contributors", headers=headers)
        assert pledge["id"] not in export.text
        shares_url = f"{url}/contributors"
        assert (await ledger.client.get(shares_url, headers=headers)).status_code == 404


async def test_the_change_feed_tells_co_contributors_of_a_restricted_pledge(ledger: Ledger) -> None:
    pledge, _, co = await _joint(ledger, visibility="restricted")
    feed = await ledger.client.get("/v1/changes", headers=auth_headers("member", org_id=co["id"]))
    types = [e["type"] for e in feed.json()["items"] if e["data"].get("id") == pledge["id"]]
    assert "org.mirps.pledge.contributors_set" in types
    public = await ledger.client.get("/v1/changes")
    assert all(e["data"].get("id") != pledge["id"] for e in public.json()["items"])


async def test_reports_by_contributor_split_joint_pledges_and_add_up(ledger: Ledger) -> None:
    pledge, lead, co = await _joint(ledger)
    assert (await ledger.entry(pledge["id"], "commitment", "500")).status_code == 201
    solo = await ledger.organisation(kind="state")
    await ledger.pledge(solo["id"], amount={"amount": "333.33", "currency": "USD"})
    report = await ledger.client.get("/v1/reports/contributor-shares?group_by=contributor")
    assert report.status_code == 200, report.text
    rows = {r["group"]: (r["pledged_usd"], r["committed_usd"]) for r in report.json()["rows"]}
    assert rows == {
        lead["id"]: ("600.00", "300.00"),
        co["id"]: ("400.00", "200.00"),
        solo["id"]: ("333.33", "0.00"),
    }
    summary = await ledger.client.get("/v1/reports/summary?group_by=contributor")
    assert report.json()["totals"] == summary.json()["totals"]
    by_kind = await ledger.client.get("/v1/reports/contributor-shares?group_by=contributor_kind")
    kinds = {r["group"]: r["pledged_usd"] for r in by_kind.json()["rows"]}
    assert kinds == {"state": "933.33", "multilateral_development_bank": "400.00"}


async def test_a_restricted_joint_pledge_counts_undisclosed_for_outsiders(ledger: Ledger) -> None:
    _, lead, co = await _joint(ledger, visibility="restricted")
    outsider = await ledger.client.get("/v1/reports/contributor-shares?group_by=contributor")
    assert [(r["group"], r["pledged_usd"]) for r in outsider.json()["rows"]] == [(None, "1000.00")]
    party = await ledger.client.get(
        "/v1/reports/contributor-shares?group_by=contributor",
        headers=auth_headers("member", org_id=co["id"]),
    )
    rows = {r["group"]: r["pledged_usd"] for r in party.json()["rows"]}
    assert rows == {lead["id"]: "600.00", co["id"]: "400.00"}


async def test_existing_pledges_become_one_lead_share_of_100_percent(databases: Databases) -> None:
    url = databases.create("pledges_shares_upgrade")
    await asyncio.to_thread(
        command.upgrade, alembic_config("pledges", url), "pledges_0009_progress_updates"
    )
    pledges = _table(
        "pledges", *[(c.name, c.type) for c in PLEDGES.c], ("allocation_stated", sa.Boolean())
    )
    now = datetime(2024, 1, 1, tzinfo=UTC)
    stamps = {"created_at": now, "updated_at": now, "version": 1}
    org, pledge_id = uuid.uuid4(), uuid.uuid4()
    engine = make_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                ORGANISATIONS.insert(), [{"id": org, "name": "Old", "kind": "state", **stamps}]
            )
            await connection.execute(
                pledges.insert(),
                [
                    {"id": pledge_id, "contributor_id": org, "kind": "policy",
                     "title_en": "Old", "implementation_status": "planning",
                     "visibility": "public", "created_by": "t", "regional": False,
                     "announced_on": date(2023, 1, 1), "amount": None, "currency": None,
                     "rate_to_usd": None, "amount_usd": None, "allocation_stated": False,
                     **stamps}
                ],
            )  # fmt: skip
    finally:
        await engine.dispose()
    await asyncio.to_thread(upgrade_to_head, "pledges", url)
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as session:
            found = await shares.contributors_of(session, [pledge_id])
    finally:
        await engine.dispose()
    assert [(c.organisation_id, c.lead, c.share_percent) for c in found[pledge_id]] == [
        (org, True, Decimal("100.000000"))
    ]


async def test_a_joint_pledge_exports_its_co_contributors_as_funding_orgs_in_iati(
    ledger: Ledger,
) -> None:
    pledge, lead, co = await _joint(ledger)
    document = await _valid_export(ledger, **SECRETARIAT)
    activity = next(
        a
        for a in document.iter("iati-activity")
        if a.findtext("iati-identifier", "").endswith(pledge["id"])
    )
    funders = [(org.get("ref"), org.get("role")) for org in activity.iter("participating-org")]
    assert [(ref is not None and ref.endswith(org), role) for (ref, role), org in zip(
        funders, (lead["id"], co["id"]), strict=True
    )] == [(True, "1"), (True, "1")]  # fmt: skip
