"""Country pledges: a focal point registers and manages its own government's pledges
(MIRPS states pledge too), and nobody else's."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import auth_headers
from tests.pledges.conftest import SECRETARIAT, Ledger

HONDURAS_FOCAL_POINT = auth_headers("country_focal_point", countries=("HND",), sub="fp-hnd")


def _body(contributor_id: str, kind: str, **fields: Any) -> dict[str, Any]:
    return {
        "contributor_id": contributor_id,
        "kind": kind,
        "title": {"es": "Compromiso del Gobierno"},
        "recipient_countries": ["HND"],
        "announced_on": "2023-12-13",
        **fields,
    }


@pytest.mark.parametrize(
    ("kind", "extra"),
    [
        ("policy", {}),
        ("financial", {"amount": {"amount": "200000", "currency": "USD"}}),
        (
            "material",
            {"amount": {"amount": "5000", "currency": "USD"}, "funding_mechanism": "in_kind"},
        ),
    ],
)
async def test_a_focal_point_registers_and_manages_its_governments_pledge(
    ledger: Ledger, kind: str, extra: dict[str, Any]
) -> None:
    government = await ledger.organisation(name="Gobierno de Honduras", country="HND")
    created = await ledger.client.post(
        "/v1/pledges",
        json=_body(government["id"], kind, visibility="restricted", **extra),
        headers=HONDURAS_FOCAL_POINT,
    )
    assert created.status_code == 201, created.text
    pledge = created.json()
    url = f"/v1/pledges/{pledge['id']}"
    changed = await ledger.client.patch(
        url,
        json={"implementation_status": "in_progress"},
        headers={**HONDURAS_FOCAL_POINT, "If-Match": '"1"'},
    )
    assert changed.status_code == 200, changed.text
    history = await ledger.client.get(f"{url}/history", headers=HONDURAS_FOCAL_POINT)
    assert [h["action"] for h in history.json()] == ["created", "updated"]
    batch = await ledger.client.get(
        f"/v1/pledge-history?pledge_id={pledge['id']}", headers=HONDURAS_FOCAL_POINT
    )
    assert len(batch.json()["items"]) == 2


async def test_a_focal_point_cannot_act_for_another_countrys_government(ledger: Ledger) -> None:
    guatemala = await ledger.organisation(name="Gobierno de Guatemala", country="GTM")
    company = await ledger.organisation(kind="private_sector", country="HND")
    for contributor in (guatemala, company):
        refused = await ledger.client.post(
            "/v1/pledges", json=_body(contributor["id"], "policy"), headers=HONDURAS_FOCAL_POINT
        )
        assert refused.status_code == 403
        assert refused.json()["field"] == "contributor_id"
    listed = await ledger.client.get("/v1/pledges", headers=SECRETARIAT)
    assert listed.json()["items"] == []
    theirs = await ledger.pledge(guatemala["id"], kind="policy", amount=None)
    refused = await ledger.client.patch(
        f"/v1/pledges/{theirs['id']}",
        json={"implementation_status": "fulfilled"},
        headers={**HONDURAS_FOCAL_POINT, "If-Match": '"1"'},
    )
    assert refused.status_code == 403
    after = await ledger.client.get(f"/v1/pledges/{theirs['id']}")
    assert after.json()["implementation_status"] == "planning"
