"""Progress updates: dated narrative updates on a pledge, in its history, public when the
pledge is, and in the synthesis' recent updates."""

from __future__ import annotations

from typing import Any

from tests.conftest import auth_headers
from tests.pledges.conftest import SECRETARIAT, Ledger

UPDATE: dict[str, Any] = {
    "reported_on": "2023-12-20",
    "narrative": {
        "es": "120 personas refugiadas contratadas.",
        "en": "120 refugees hired.",
    },
    "figures": {"people_hired": "120"},
}


async def test_a_progress_update_is_in_the_history_and_the_synthesis(ledger: Ledger) -> None:
    donor = await ledger.organisation()
    pledge = await ledger.pledge(donor["id"], announced_on="2023-07-01")
    member = auth_headers("partner", org_id=donor["id"], sub="partner-1")
    url = f"/v1/pledges/{pledge['id']}/updates"
    created = await ledger.client.post(url, json=UPDATE, headers=member)
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["implementation_status"], body["figures"]) == (
        "planning",
        {"people_hired": "120"},
    )
    listed = (await ledger.client.get(url)).json()
    assert [u["narrative"]["en"] for u in listed] == ["120 refugees hired."]
    history = (
        await ledger.client.get(f"/v1/pledges/{pledge['id']}/history", headers=member)
    ).json()
    change = history[-1]
    assert (change["action"], change["changed_by"]) == ("progress_update", "partner-1")
    assert change["changes"]["progress_update"][1]["reported_on"] == "2023-12-20"
    synthesis = (await ledger.client.get("/v1/reports/synthesis?period=2023-H2")).json()
    assert [u["id"] for u in synthesis["recent_updates"]] == [body["id"]]
    earlier = (await ledger.client.get("/v1/reports/synthesis?period=2023-H1")).json()
    assert earlier["recent_updates"] == []


async def test_updates_of_a_restricted_pledge_stay_with_its_parties(ledger: Ledger) -> None:
    donor = await ledger.organisation()
    pledge = await ledger.pledge(donor["id"], announced_on="2023-07-01", visibility="restricted")
    url = f"/v1/pledges/{pledge['id']}/updates"
    assert (await ledger.client.post(url, json=UPDATE, headers=SECRETARIAT)).status_code == 201
    assert (await ledger.client.get(url)).status_code == 404
    assert len((await ledger.client.get(url, headers=SECRETARIAT)).json()) == 1
    synthesis = (await ledger.client.get("/v1/reports/synthesis?period=2023-H2")).json()
    assert synthesis["recent_updates"] == []


async def test_bad_progress_updates_are_refused_and_change_nothing(ledger: Ledger) -> None:
    donor = await ledger.organisation()
    other = await ledger.organisation()
    pledge = await ledger.pledge(donor["id"], announced_on="2023-07-01")
    cultivating = await ledger.pledge(donor["id"], stage="cultivating")
    url = f"/v1/pledges/{pledge['id']}/updates"
    stranger = auth_headers("partner", org_id=other["id"])
    assert (await ledger.client.post(url, json=UPDATE, headers=stranger)).status_code == 403
    before = {**UPDATE, "reported_on": "2023-06-30"}
    early = await ledger.client.post(url, json=before, headers=SECRETARIAT)
    assert early.status_code == 422
    assert early.json()["field"] == "reported_on"
    bad_label = {**UPDATE, "figures": {"People Hired": "1"}}
    assert (await ledger.client.post(url, json=bad_label, headers=SECRETARIAT)).status_code == 422
    not_yet = await ledger.client.post(
        f"/v1/pledges/{cultivating['id']}/updates", json=UPDATE, headers=SECRETARIAT
    )
    assert not_yet.status_code == 409
    assert (await ledger.client.get(url)).json() == []
