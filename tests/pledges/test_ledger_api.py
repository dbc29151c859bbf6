"""The ledger over HTTP: rules, conversions, reversals, withdrawal, append-only, history."""

from __future__ import annotations

from decimal import Decimal

from tests.conftest import auth_headers
from tests.pledges.conftest import SECRETARIAT, Ledger


async def _entries(ledger: Ledger, pledge_id: str) -> list[dict[str, object]]:
    response = await ledger.client.get(f"/v1/pledges/{pledge_id}/entries", headers=SECRETARIAT)
    assert response.status_code == 200
    items: list[dict[str, object]] = response.json()["items"]
    return items


async def test_commitment_in_other_currency_is_converted_with_the_value_date_rates(
    ledger: Ledger,
) -> None:
    await ledger.rate("EUR", "2022-01-01", "1.05")
    await ledger.rate("EUR", "2023-01-01", "1.10")
    await ledger.rate("CAD", "2023-01-01", "0.75")
    org = await ledger.organisation()
    pledge = await ledger.pledge(org["id"], amount={"amount": "1000", "currency": "EUR"})
    assert pledge["amount_usd"] == "1050.0000"  # announced 2022-09-28 at 1.05
    response = await ledger.entry(pledge["id"], "commitment", "440", "CAD")
    assert response.status_code == 201, response.text
    entry = response.json()
    # 440 CAD x 0.75 = 330 USD; in EUR at 1.10 = 300 EUR
    assert entry["rate_to_usd"] == "0.7500000000"
    assert entry["amount_usd"] == "330.0000"
    assert entry["pledge_amount"] == "300.0000"
    totals = (await ledger.client.get(f"/v1/pledges/{pledge['id']}")).json()["totals"]
    assert totals["committed"] == "300.0000"
    assert totals["committed_usd"] == "330.0000"


async def test_commitment_beyond_the_pledge_is_rejected_with_the_numbers(ledger: Ledger) -> None:
    org = await ledger.organisation()
    pledge = await ledger.pledge(org["id"])
    assert (await ledger.entry(pledge["id"], "commitment", "800")).status_code == 201
    response = await ledger.entry(pledge["id"], "commitment", "300")
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "/problems/over-commitment"
    assert problem["pledged"] == "1000.0000"
    assert problem["committed"] == "800.0000"
    assert problem["headroom"] == "200.0000"
    assert len(await _entries(ledger, pledge["id"])) == 1


async def test_disbursement_beyond_commitment_is_rejected(ledger: Ledger) -> None:
    org = await ledger.organisation()
    pledge = await ledger.pledge(org["id"])
    await ledger.entry(pledge["id"], "commitment", "500")
    response = await ledger.entry(pledge["id"], "disbursement", "500.0001")
    assert response.status_code == 409
    assert response.json()["type"] == "/problems/over-disbursement"
    assert (await ledger.entry(pledge["id"], "disbursement", "500")).status_code == 201


async def test_expenditure_beyond_disbursement_is_rejected(ledger: Ledger) -> None:
    org = await ledger.organisation()
    pledge = await ledger.pledge(org["id"])
    await ledger.entry(pledge["id"], "commitment", "500")
    await ledger.entry(pledge["id"], "disbursement", "200")
    response = await ledger.entry(pledge["id"], "expenditure", "250")
    assert response.status_code == 409
    assert response.json()["type"] == "/problems/over-expenditure"


async def test_reversal_restores_headroom_and_cannot_be_repeated(ledger: Ledger) -> None:
    org = await ledger.organisation()
    pledge = await ledger.pledge(org["id"])
    first = (await ledger.entry(pledge["id"], "commitment", "1000")).json()
    assert (await ledger.entry(pledge["id"], "commitment", "1")).status_code == 409
    reversal = await ledger.reversal(pledge["id"], first["id"])
    assert reversal.status_code == 201, reversal.text
    assert reversal.json()["effect"] == "commitment"
    assert (await ledger.entry(pledge["id"], "commitment", "600")).status_code == 201
    again = await ledger.reversal(pledge["id"], first["id"])
    assert again.status_code == 409
    assert again.json()["type"] == "/problems/already-reversed"
    detail = (await ledger.client.get(f"/v1/pledges/{pledge['id']}")).json()
    assert detail["totals"]["committed"] == "600.0000"


async def test_reversing_a_commitment_that_was_disbursed_is_rejected(ledger: Ledger) -> None:
    org = await ledger.organisation()
    pledge = await ledger.pledge(org["id"])
    commitment = (await ledger.entry(pledge["id"], "commitment", "500")).json()
    await ledger.entry(pledge["id"], "disbursement", "400")
    response = await ledger.reversal(pledge["id"], commitment["id"])
    assert response.status_code == 409
    assert response.json()["type"] == "/problems/over-disbursement"


async def test_missing_rate_is_422_naming_currency_and_date_and_writes_nothing(
    ledger: Ledger,
) -> None:
    org = await ledger.organisation()
    pledge = await ledger.pledge(org["id"])
    response = await ledger.entry(pledge["id"], "commitment", "10", "GTQ")
    assert response.status_code == 422
    problem = response.json()
    assert problem["currency"] == "GTQ"
    assert problem["date"] == "2023-01-15"
    assert "GTQ" in problem["detail"]
    assert await _entries(ledger, pledge["id"]) == []
    no_rate_pledge = await ledger.client.post(
        "/v1/pledges",
        json={
            "contributor_id": org["id"],
            "kind": "financial",
            "title": {"en": "x"},
            "amount": {"amount": "5", "currency": "JPY"},
            "recipient_countries": ["GTM"],
            "announced_on": "2022-09-28",
        },
        headers=SECRETARIAT,
    )
    assert no_rate_pledge.status_code == 422
    assert no_rate_pledge.json()["currency"] == "JPY"
    listed = await ledger.client.get("/v1/pledges", headers=SECRETARIAT)
    assert len(listed.json()["items"]) == 1


async def test_rate_is_the_latest_on_or_before_the_value_date(ledger: Ledger) -> None:
    await ledger.rate("EUR", "2022-01-01", "1.05")
    await ledger.rate("EUR", "2023-01-20", "1.20")
    org = await ledger.organisation()
    pledge = await ledger.pledge(org["id"], amount={"amount": "1000", "currency": "EUR"})
    entry = (await ledger.entry(pledge["id"], "commitment", "100", "EUR")).json()
    assert entry["rate_to_usd"] == "1.0500000000"  # value date 2023-01-15 < 2023-01-20
    later = await ledger.entry(pledge["id"], "commitment", "100", "EUR", value_date="2023-01-20")
    assert later.json()["rate_to_usd"] == "1.2000000000"


async def test_financial_status_follows_the_ledger(ledger: Ledger) -> None:
    org = await ledger.organisation()
    pledge = await ledger.pledge(org["id"])
    pledge_url = f"/v1/pledges/{pledge['id']}"

    async def status() -> str:
        value: str = (await ledger.client.get(pledge_url)).json()["financial_status"]
        return value

    assert await status() == "announced"
    await ledger.entry(pledge["id"], "commitment", "400")
    assert await status() == "partially_committed"
    await ledger.entry(pledge["id"], "commitment", "600")
    assert await status() == "fully_committed"
    await ledger.entry(pledge["id"], "disbursement", "100")
    assert await status() == "partially_disbursed"
    await ledger.entry(pledge["id"], "disbursement", "900")
    assert await status() == "fully_disbursed"


async def test_withdrawn_pledge_takes_no_new_commitments(ledger: Ledger) -> None:
    org = await ledger.organisation()
    pledge = await ledger.pledge(org["id"])
    await ledger.entry(pledge["id"], "commitment", "400")
    response = await ledger.client.post(
        f"/v1/pledges/{pledge['id']}/withdrawal",
        json={"reason": "Budget cut"},
        headers={**SECRETARIAT, "If-Match": '"1"'},
    )
    assert response.status_code == 200, response.text
    assert response.json()["financial_status"] == "withdrawn"
    assert response.json()["withdrawal_reason"] == "Budget cut"
    refused = await ledger.entry(pledge["id"], "commitment", "10")
    assert refused.status_code == 409
    assert refused.json()["type"] == "/problems/pledge-withdrawn"


async def test_entries_cannot_be_changed_or_deleted(ledger: Ledger) -> None:
    org = await ledger.organisation()
    pledge = await ledger.pledge(org["id"])
    entry = (await ledger.entry(pledge["id"], "commitment", "400")).json()
    url = f"/v1/pledges/{pledge['id']}/entries/{entry['id']}"
    assert (await ledger.client.get(url)).status_code == 200
    assert (await ledger.client.delete(url, headers=SECRETARIAT)).status_code == 405
    assert (await ledger.client.patch(url, json={}, headers=SECRETARIAT)).status_code == 405
    assert (await ledger.client.put(url, json={}, headers=SECRETARIAT)).status_code == 405


async def test_pledge_without_amount_has_no_ledger(ledger: Ledger) -> None:
    org = await ledger.organisation()
    pledge = await ledger.pledge(org["id"], kind="policy", amount=None)
    assert pledge["financial_status"] == "announced"
    response = await ledger.entry(pledge["id"], "commitment", "1")
    assert response.status_code == 409
    assert response.json()["type"] == "/problems/pledge-has-no-amount"


async def test_financial_pledge_without_amount_is_422(ledger: Ledger) -> None:
    org = await ledger.organisation()
    response = await ledger.client.post(
        "/v1/pledges",
        json={
            "contributor_id": org["id"],
            "kind": "financial",
            "title": {"en": "x"},
            "recipient_countries": ["GTM"],
            "announced_on": "2022-09-28",
        },
        headers=SECRETARIAT,
    )
    assert response.status_code == 422
    assert "needs an amount" in response.json()["detail"]


async def test_entry_for_a_country_the_pledge_does_not_cover_is_422(ledger: Ledger) -> None:
    org = await ledger.organisation()
    pledge = await ledger.pledge(org["id"])
    response = await ledger.entry(pledge["id"], "commitment", "1", recipient_country="MEX")
    assert response.status_code == 422
    assert "MEX" in response.json()["detail"]


async def test_history_keeps_who_changed_what(ledger: Ledger) -> None:
    org = await ledger.organisation()
    pledge = await ledger.pledge(org["id"])
    member = auth_headers("member", org_id=org["id"], sub="member-7")
    response = await ledger.client.patch(
        f"/v1/pledges/{pledge['id']}",
        json={
            "implementation_status": "in_progress",
            "amount": {"amount": "1500", "currency": "USD"},
        },
        headers={**member, "If-Match": '"1"'},
    )
    assert response.status_code == 200, response.text
    assert response.headers["ETag"] == '"2"'
    history = (
        await ledger.client.get(f"/v1/pledges/{pledge['id']}/history", headers=member)
    ).json()
    assert [change["action"] for change in history] == ["created", "updated"]
    assert history[1]["changed_by"] == "member-7"
    line = {"country": "GTM", "objective_id": None}
    assert history[1]["changes"] == {
        "amount": ["1000.0000", "1500.0000"],
        # The equal split follows the amount, and the history says so.
        "allocation": [[{**line, "amount": "1000.0000"}], [{**line, "amount": "1500.0000"}]],
        "implementation_status": ["planning", "in_progress"],
    }
    stranger = auth_headers("member", org_id="00000000-0000-0000-0000-000000000001")
    forbidden = await ledger.client.get(f"/v1/pledges/{pledge['id']}/history", headers=stranger)
    assert forbidden.status_code == 403


async def test_stale_if_match_is_412_and_missing_is_428(ledger: Ledger) -> None:
    org = await ledger.organisation()
    pledge = await ledger.pledge(org["id"])
    url = f"/v1/pledges/{pledge['id']}"
    stale = await ledger.client.patch(
        url, json={"visibility": "restricted"}, headers={**SECRETARIAT, "If-Match": '"7"'}
    )
    assert stale.status_code == 412
    missing = await ledger.client.patch(url, json={"visibility": "restricted"}, headers=SECRETARIAT)
    assert missing.status_code == 428
    assert (await ledger.client.get(url)).json()["visibility"] == "public"


async def test_the_currency_of_a_pledge_with_entries_cannot_change_even_when_they_net_to_zero(
    ledger: Ledger,
) -> None:
    await ledger.rate("EUR", "2022-01-01", "1.05")
    org = await ledger.organisation()
    pledge = await ledger.pledge(org["id"])
    first = (await ledger.entry(pledge["id"], "commitment", "500")).json()
    reversal = await ledger.reversal(pledge["id"], first["id"])
    assert reversal.status_code == 201, reversal.text

    response = await ledger.client.patch(
        f"/v1/pledges/{pledge['id']}",
        json={"amount": {"amount": "1000", "currency": "EUR"}},
        headers={**SECRETARIAT, "If-Match": '"1"'},
    )

    assert response.status_code == 422
    assert "currency" in response.json()["detail"]
    assert (await ledger.client.get(f"/v1/pledges/{pledge['id']}")).json()["amount"] == {
        "amount": "1000.0000",
        "currency": "USD",
    }


async def test_lowering_the_pledge_below_its_commitments_is_rejected(ledger: Ledger) -> None:
    org = await ledger.organisation()
    pledge = await ledger.pledge(org["id"])
    await ledger.entry(pledge["id"], "commitment", "800")
    response = await ledger.client.patch(
        f"/v1/pledges/{pledge['id']}",
        json={"amount": {"amount": "700", "currency": "USD"}},
        headers={**SECRETARIAT, "If-Match": '"1"'},
    )
    assert response.status_code == 409
    assert Decimal(response.json()["committed"]) == Decimal(800)


async def test_histories_of_several_pledges_come_in_one_list_for_their_readers_only(
    ledger: Ledger,
) -> None:
    own = await ledger.organisation()
    other = await ledger.organisation()
    first = await ledger.pledge(own["id"])
    second = await ledger.pledge(own["id"])
    foreign = await ledger.pledge(other["id"])
    ids = ",".join(pledge["id"] for pledge in (first, second, foreign))
    member = auth_headers("member", org_id=own["id"], sub="member-7")
    await ledger.client.patch(
        f"/v1/pledges/{second['id']}",
        json={"implementation_status": "in_progress"},
        headers={**member, "If-Match": '"1"'},
    )

    mine = await ledger.client.get(f"/v1/pledge-history?pledge_id={ids}", headers=member)
    everything = await ledger.client.get(f"/v1/pledge-history?pledge_id={ids}", headers=SECRETARIAT)
    anonymous = await ledger.client.get(f"/v1/pledge-history?pledge_id={ids}")

    assert mine.status_code == 200, mine.text
    changes = [(change["pledge_id"], change["action"]) for change in mine.json()["items"]]
    assert sorted(changes) == sorted(
        [(first["id"], "created"), (second["id"], "created"), (second["id"], "updated")]
    )
    assert {change["pledge_id"] for change in everything.json()["items"]} == {
        first["id"],
        second["id"],
        foreign["id"],
    }
    assert anonymous.status_code == 401
