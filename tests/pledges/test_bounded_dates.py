"""Every date the pledges API takes is bounded to years 1900-2200: out of range is a 422
naming the field, never a 500 (PostgreSQL would store 9999-12-31 as `infinity`), and
nothing is written."""

from __future__ import annotations

import pytest

from tests.pledges.conftest import SECRETARIAT, Ledger

OUT_OF_RANGE = ["9999-12-31", "0001-01-01", "1899-12-31", "2201-01-01"]


@pytest.mark.parametrize("day", OUT_OF_RANGE)
async def test_out_of_range_dates_are_422_naming_the_field(ledger: Ledger, day: str) -> None:
    await ledger.rate("EUR", "2022-01-01", "1.1")
    org = await ledger.organisation()
    pledge = await ledger.pledge(org["id"])
    cases = [
        ("post", "/v1/organisations", {"name": "X", "kind": "state", "sp_member_since": day}),
        (
            "post",
            "/v1/exchange-rates",
            {"currency": "EUR", "rate_date": day, "rate_to_usd": "1.1", "source": "t"},
        ),
        (
            "post",
            "/v1/pledges",
            {
                "contributor_id": org["id"],
                "kind": "financial",
                "title": {"en": "Far"},
                "amount": {"amount": "10", "currency": "USD"},
                "recipient_countries": ["GTM"],
                "announced_on": day,
            },
        ),
        (
            "post",
            f"/v1/pledges/{pledge['id']}/entries",
            {
                "entry_type": "commitment",
                "amount": {"amount": "10", "currency": "USD"},
                "value_date": day,
                "recipient_country": "GTM",
            },
        ),
    ]
    for method, path, body in cases:
        response = await ledger.client.request(method, path, json=body, headers=SECRETARIAT)
        assert response.status_code == 422, (path, response.text)
        field = next(key for key, value in body.items() if value == day)
        assert field in response.text
    patched = await ledger.client.patch(
        f"/v1/pledges/{pledge['id']}",
        json={"announced_on": day},
        headers={**SECRETARIAT, "If-Match": f'"{pledge["version"]}"'},
    )
    assert patched.status_code == 422
    assert "announced_on" in patched.text
    for parameter in ("date_from", "date_to"):
        report = await ledger.client.get(f"/v1/reports/summary?group_by=year&{parameter}={day}")
        assert report.status_code == 422
        assert parameter in report.text
    # Nothing was written: the year summary still answers, with the one pledge.
    summary = await ledger.client.get("/v1/reports/summary?group_by=year")
    assert summary.status_code == 200
    assert [row["group"]["year"] for row in summary.json()["rows"]] == [2022]


async def test_the_bounds_themselves_are_accepted(ledger: Ledger) -> None:
    org = await ledger.organisation()
    for day in ("1900-01-01", "2200-12-31"):
        await ledger.pledge(org["id"], announced_on=day)
    summary = await ledger.client.get("/v1/reports/summary?group_by=year")
    assert summary.status_code == 200
    assert [row["group"]["year"] for row in summary.json()["rows"]] == [1900, 2200]
