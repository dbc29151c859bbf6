"""Matching suggestions rank open pledges against objectives with the documented scoring."""

from __future__ import annotations

from tests.pledges.conftest import SECRETARIAT, Ledger


async def test_suggestions_rank_open_pledges_for_an_objective_and_back(ledger: Ledger) -> None:
    target = await ledger.objective(requirement={"amount": "1000000", "currency": "USD"})
    sibling = await ledger.objective(requirement={"amount": "10", "currency": "USD"})
    honduras = await ledger.objective(
        country="HND",
        pillar="immediate_needs",
        theme="health",
        requirement={"amount": "300000", "currency": "USD"},
    )
    bank = await ledger.organisation(kind="multilateral_development_bank")
    firm = await ledger.organisation(kind="private_sector")
    donor = await ledger.organisation()
    a = await ledger.pledge(
        bank["id"], amount={"amount": "2000000", "currency": "USD"}, objective_ids=[sibling["id"]]
    )
    b = await ledger.pledge(
        firm["id"], kind="employment", amount=None, recipient_countries=[], regional=True
    )
    c = await ledger.pledge(
        donor["id"], amount={"amount": "500000", "currency": "USD"}, recipient_countries=["HND"]
    )
    # Not candidates: fulfilled, withdrawn, already linked, fully committed.
    await ledger.pledge(donor["id"], implementation_status="fulfilled")
    withdrawn = await ledger.pledge(donor["id"])
    await ledger.client.post(
        f"/v1/pledges/{withdrawn['id']}/withdrawal",
        json={"reason": "cancelled"},
        headers={**SECRETARIAT, "If-Match": '"1"'},
    )
    await ledger.pledge(donor["id"], objective_ids=[target["id"]], recipient_countries=["GTM"])
    spent = await ledger.pledge(firm["id"], amount={"amount": "100", "currency": "USD"})
    await ledger.entry(spent["id"], "commitment", "100")

    response = await ledger.client.get(f"/v1/matching/suggestions?objective_id={target['id']}")
    assert response.status_code == 200, response.text
    ranked = [(s["pledge_id"], s["score"]) for s in response.json()["items"]]
    # A: country 40 + theme 20 + pillar 10 + money 15 = 85
    # B: regional 20 + employment theme 20 + its contributor pledged to GTM before 5 = 45
    # C: contributor's record: same theme 10 + GTM 5; money 15 x 500k/1M = 7.5 -> 22.5
    assert ranked == [(a["id"], "85.00"), (b["id"], "45.00"), (c["id"], "22.50")]
    reasons = response.json()["items"][0]["reasons"]
    assert "the pledge names the objective's country" in reasons
    assert "serves the objective's theme" in reasons

    back = await ledger.client.get(f"/v1/matching/suggestions?pledge_id={a['id']}")
    assert [(s["objective_id"], s["score"]) for s in back.json()["items"]] == [
        (target["id"], "85.00"),
        (honduras["id"], "15.00"),
    ]


async def test_suggestions_need_exactly_one_anchor(ledger: Ledger) -> None:
    assert (await ledger.client.get("/v1/matching/suggestions")).status_code == 422


async def test_restricted_pledges_are_not_suggested_to_anonymous_callers(ledger: Ledger) -> None:
    objective = await ledger.objective()
    org = await ledger.organisation()
    await ledger.pledge(org["id"], visibility="restricted")
    anonymous = await ledger.client.get(f"/v1/matching/suggestions?objective_id={objective['id']}")
    assert anonymous.json()["items"] == []
    secretariat = await ledger.client.get(
        f"/v1/matching/suggestions?objective_id={objective['id']}", headers=SECRETARIAT
    )
    assert len(secretariat.json()["items"]) == 1
