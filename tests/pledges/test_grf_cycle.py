"""The GRF pledge cycle of docs/guides/grf-pledge-cycle.md, request by request:
cultivate → match → announce at the GRF → update progress → the synthesis shows it."""

from __future__ import annotations

from tests.conftest import auth_headers
from tests.pledges.conftest import SECRETARIAT, Ledger

GRF = "grf-2023"


async def test_the_guide_s_cycle_runs_as_written(ledger: Ledger) -> None:
    client = ledger.client
    honduras = await ledger.organisation(kind="state", country="HND")
    bank = await ledger.organisation(kind="multilateral_development_bank")
    co = await ledger.organisation(kind="multilateral_development_bank")
    focal = auth_headers("country_focal_point", countries=("HND",))
    donor = auth_headers("partner", org_id=bank["id"])

    # 1. Cultivate: Honduras' policy pledge (by its focal point) and the bank's jobs fund.
    policy = await client.post(
        "/v1/pledges",
        json={"contributor_id": honduras["id"], "kind": "policy", "stage": "cultivating",
              "title": {"en": "Refugees' access to the national employment service"},
              "recipient_countries": ["HND"], "announced_on": "2023-12-13"},
        headers=focal,
    )  # fmt: skip
    assert policy.status_code == 201, policy.text
    fund = await client.post(
        "/v1/pledges",
        json={"contributor_id": bank["id"], "kind": "financial", "stage": "cultivating",
              "title": {"en": "Jobs fund for Honduras"},
              "amount": {"amount": "500000", "currency": "USD"},
              "recipient_countries": ["HND"], "announced_on": "2023-12-13"},
        headers=donor,
    )  # fmt: skip
    assert fund.status_code == 201, fund.text
    need_id, fund_id = policy.json()["id"], fund.json()["id"]

    # Joint pledge: the bank leads with 75 %, a co-financier 25 %.
    shares = await client.put(
        f"/v1/pledges/{fund_id}/contributors",
        json={"contributors": [{"organisation_id": bank["id"], "percentage": "75"},
                               {"organisation_id": co["id"], "percentage": "25"}]},
        headers=donor,
    )  # fmt: skip
    assert shares.status_code == 200, shares.text

    # 2. Match: propose, discuss, agree for the GRF. While Honduras' pledge is cultivating
    # the bank does not see it, nor the match: the secretariat brokers.
    proposed = await client.post(
        "/v1/matches",
        json={"need_pledge_id": need_id, "support_pledge_ids": [fund_id], "event": GRF,
              "notes": {"en": "Funds the employment-service pledge."}},
        headers={**focal, "Idempotency-Key": "grf-hnd-employment-1"},
    )  # fmt: skip
    assert proposed.status_code == 201, proposed.text
    match = proposed.json()
    assert match["status"] == "proposed"
    assert (await client.get("/v1/matches", headers=donor)).json()["items"] == []
    url = f"/v1/matches/{match['id']}/transitions"
    discussed = await client.post(
        url,
        json={"status": "under_discussion", "note": "Both sides met on 2 October."},
        headers={**SECRETARIAT, "If-Match": '"1"'},
    )
    assert discussed.status_code == 200, discussed.text
    agreed = await client.post(
        url, json={"status": "agreed", "event": GRF}, headers={**focal, "If-Match": '"2"'}
    )
    assert agreed.status_code == 200, agreed.text
    view = (await client.get(f"/v1/matches/announcements?event={GRF}", headers=focal)).json()
    assert [m["id"] for m in view["agreed"]] == [match["id"]]
    assert (await client.get(f"/v1/matches/announcements?event={GRF}")).json()["agreed"] == []

    # 3. Announce both pledges at the GRF, then the match.
    for pledge_id, headers in ((need_id, focal), (fund_id, donor)):
        announced = await client.post(
            f"/v1/pledges/{pledge_id}/announce",
            json={"announced_on": "2023-12-14", "announced_at": GRF},
            headers={**headers, "If-Match": '"1"'},
        )
        assert announced.status_code == 200, announced.text
    done = await client.post(
        url, json={"status": "announced"}, headers={**SECRETARIAT, "If-Match": '"3"'}
    )
    assert done.status_code == 200, done.text
    public = (await client.get(f"/v1/matches/announcements?event={GRF}")).json()
    assert [(m["id"], m["status"]) for m in public["announced"]] == [(match["id"], "announced")]

    # 4. Update progress.
    update = await client.post(
        f"/v1/pledges/{fund_id}/updates",
        json={"reported_on": "2023-12-30",
              "narrative": {"es": "120 personas refugiadas contratadas.",
                            "en": "120 refugees hired."},
              "figures": {"people_hired": "120"}},
        headers=donor,
    )  # fmt: skip
    assert update.status_code == 201, update.text

    # 5. The synthesis shows it.
    synthesis = (await client.get("/v1/reports/synthesis?period=2023-H2")).json()
    assert synthesis["new_pledges_count"] == 2
    assert [u["id"] for u in synthesis["recent_updates"]] == [update.json()["id"]]
    split = (await client.get("/v1/reports/contributor-shares?group_by=contributor")).json()
    assert {r["group"]: r["pledged_usd"] for r in split["rows"]} == {
        honduras["id"]: "0.00",
        bank["id"]: "375000.00",
        co["id"]: "125000.00",
    }
