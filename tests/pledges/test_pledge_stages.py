"""Pledge stages: a cultivating pledge is seen only by its parties and counted nowhere
until it is announced at an event, with its own history entry."""

from __future__ import annotations

from typing import Any

from tests.conftest import auth_headers
from tests.pledges.conftest import SECRETARIAT, Ledger
from tests.pledges.test_rollups import _differences

ANONYMOUS: dict[str, str] = {}


async def _cultivating(ledger: Ledger, org_id: str, **fields: Any) -> dict[str, Any]:
    return await ledger.pledge(
        org_id,
        stage="cultivating",
        amount={"amount": "500000", "currency": "USD"},
        recipient_countries=["HND"],
        announced_on="2023-11-01",
        **fields,
    )


async def _totals(ledger: Ledger, headers: dict[str, str]) -> str:
    report = await ledger.client.get("/v1/reports/summary?group_by=country", headers=headers)
    assert report.status_code == 200, report.text
    return str(report.json()["totals"]["pledged_usd"])


async def test_a_cultivating_pledge_is_seen_only_by_its_parties(ledger: Ledger) -> None:
    donor = await ledger.organisation(kind="multilateral_development_bank")
    other = await ledger.organisation()
    pledge = await _cultivating(ledger, donor["id"])
    assert pledge["stage"] == "cultivating"
    parties = [
        SECRETARIAT,
        auth_headers("partner", org_id=donor["id"]),
        auth_headers("country_focal_point", countries=("HND",)),
    ]
    outsiders = [
        ANONYMOUS,
        auth_headers("partner", org_id=other["id"]),
        auth_headers("country_focal_point", countries=("GTM",)),
    ]
    url = f"/v1/pledges/{pledge['id']}"
    for headers in parties:
        assert (await ledger.client.get(url, headers=headers)).status_code == 200
        listed = (await ledger.client.get("/v1/pledges", headers=headers)).json()["items"]
        assert [p["id"] for p in listed] == [pledge["id"]]
    for headers in outsiders:
        assert (await ledger.client.get(url, headers=headers)).status_code == 404
        listed = await ledger.client.get("/v1/pledges?stage=cultivating", headers=headers)
        assert listed.json()["items"] == []
        export = await ledger.client.get("/v1/exports/pledges", headers=headers)
        assert pledge["id"] not in export.text


async def test_a_cultivating_pledge_counts_in_no_report_export_or_synthesis(
    ledger: Ledger,
) -> None:
    donor = await ledger.organisation(name="Quiet Donor")
    await ledger.pledge(donor["id"], announced_on="2023-10-01", recipient_countries=["HND"])
    cultivating = await _cultivating(ledger, donor["id"])
    for headers in (ANONYMOUS, SECRETARIAT, auth_headers("partner", org_id=donor["id"])):
        assert await _totals(ledger, headers) == "1000.00"
        export = await ledger.client.get("/v1/exports/pledges", headers=headers)
        assert cultivating["id"] not in export.text
    synthesis = (
        await ledger.client.get("/v1/reports/synthesis?period=2023-H2", headers=SECRETARIAT)
    ).json()
    assert synthesis["new_pledges_count"] == 1
    assert [p["id"] for p in synthesis["new_pledges"]] != [cultivating["id"]]
    assert synthesis["totals"]["pledged_usd"] == "1000.00"
    assert await _differences(ledger.database_url) == []


async def test_announcing_counts_the_pledge_and_keeps_its_own_history_entry(
    ledger: Ledger,
) -> None:
    donor = await ledger.organisation()
    pledge = await _cultivating(ledger, donor["id"])
    refused = await ledger.entry(pledge["id"], "commitment", "10", recipient_country="HND")
    assert refused.status_code == 409
    assert refused.json()["type"].endswith("pledge-not-announced")
    member = auth_headers("partner", org_id=donor["id"])
    announced = await ledger.client.post(
        f"/v1/pledges/{pledge['id']}/announce",
        json={"announced_on": "2023-12-14", "announced_at": "grf-2023"},
        headers={**member, "If-Match": '"1"'},
    )
    assert announced.status_code == 200, announced.text
    body = announced.json()
    assert (body["stage"], body["announced_on"], body["announced_at"]) == (
        "announced",
        "2023-12-14",
        "grf-2023",
    )
    assert (await ledger.client.get(f"/v1/pledges/{pledge['id']}")).status_code == 200
    assert await _totals(ledger, ANONYMOUS) == "500000.00"
    assert await _differences(ledger.database_url) == []
    history = (
        await ledger.client.get(f"/v1/pledges/{pledge['id']}/history", headers=SECRETARIAT)
    ).json()
    change = next(h for h in history if h["action"] == "announced")
    assert change["changes"]["stage"] == ["cultivating", "announced"]
    assert change["changes"]["announced_at"] == [None, "grf-2023"]
    again = await ledger.client.post(
        f"/v1/pledges/{pledge['id']}/announce",
        json={"announced_on": "2023-12-15"},
        headers={**SECRETARIAT, "If-Match": f'"{body["version"]}"'},
    )
    assert again.status_code == 409
    committed = await ledger.entry(
        pledge["id"], "commitment", "10", recipient_country="HND", value_date="2023-12-20"
    )
    assert committed.status_code == 201, committed.text


async def test_announcing_a_withdrawn_pledge_is_refused_and_changes_nothing(
    ledger: Ledger,
) -> None:
    donor = await ledger.organisation()
    pledge = await _cultivating(ledger, donor["id"])
    withdrawn = await ledger.client.post(
        f"/v1/pledges/{pledge['id']}/withdrawal",
        json={"reason": "Not ready for the Forum."},
        headers={**SECRETARIAT, "If-Match": '"1"'},
    )
    assert withdrawn.status_code == 200, withdrawn.text
    version = withdrawn.json()["version"]
    refused = await ledger.client.post(
        f"/v1/pledges/{pledge['id']}/announce",
        json={"announced_on": "2023-12-14"},
        headers={**SECRETARIAT, "If-Match": f'"{version}"'},
    )
    assert refused.status_code == 409
    assert refused.json()["type"].endswith("pledge-withdrawn")
    after = (await ledger.client.get(f"/v1/pledges/{pledge['id']}", headers=SECRETARIAT)).json()
    assert (after["stage"], after["version"]) == ("cultivating", version)


async def test_only_the_contributor_or_secretariat_announces(ledger: Ledger) -> None:
    donor = await ledger.organisation()
    other = await ledger.organisation()
    pledge = await _cultivating(ledger, donor["id"])
    url = f"/v1/pledges/{pledge['id']}/announce"
    body = {"announced_on": "2023-12-14"}
    stranger = auth_headers("partner", org_id=other["id"])
    hidden = await ledger.client.post(url, json=body, headers={**stranger, "If-Match": '"1"'})
    assert hidden.status_code == 404
    focal = auth_headers("country_focal_point", countries=("HND",))
    refused = await ledger.client.post(url, json=body, headers={**focal, "If-Match": '"1"'})
    assert refused.status_code == 403
