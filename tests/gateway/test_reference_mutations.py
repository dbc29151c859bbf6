"""The pledges service's reference writes through the gateway: organisations, objectives and
exchange rates, each read back over REST; a member cannot write them."""

from __future__ import annotations

from tests.conftest import auth_headers
from tests.gateway.conftest import SECRETARIAT, Stack

MEMBER = auth_headers("member", sub="member-1", org_id="org-x")


async def test_update_organisation_changes_only_the_fields_given(stack: Stack) -> None:
    organisation = await stack.organisation(acronym="OLD")

    data = await stack.data(
        """mutation($input: UpdateOrganisationInput!) {
             updateOrganisation(input: $input) { organisation { restId acronym kind } } }""",
        {"input": {"id": organisation["id"], "website": "https://example.org/new"}},
        SECRETARIAT,
    )

    assert data["updateOrganisation"]["organisation"]["acronym"] == "OLD"
    stored = await stack.rest("pledges", "GET", f"/v1/organisations/{organisation['id']}")
    assert stored["website"] == "https://example.org/new"


async def test_create_and_update_objective(stack: Stack) -> None:
    created = await stack.data(
        """mutation($input: CreateObjectiveInput!) {
             createObjective(input: $input) { objective { restId } } }""",
        {
            "input": {
                "country": "HND",
                "pillar": "durable_solutions",
                "theme": "education",
                "title": {"es": "Escuelas", "en": "Schools"},
                "requirement": {"amount": "250000", "currency": "USD"},
                "startYear": 2023,
                "endYear": 2024,
            }
        },
        SECRETARIAT,
    )
    key = created["createObjective"]["objective"]["restId"]

    await stack.data(
        """mutation($input: UpdateObjectiveInput!) {
             updateObjective(input: $input) { objective { restId } } }""",
        {"input": {"id": key, "endYear": 2025}},
        SECRETARIAT,
    )

    stored = await stack.rest("pledges", "GET", f"/v1/objectives/{key}")
    assert (stored["country"], stored["end_year"]) == ("HND", 2025)


async def test_record_exchange_rate(stack: Stack) -> None:
    data = await stack.data(
        """mutation($input: RecordExchangeRateInput!) {
             recordExchangeRate(input: $input) { exchangeRate { currency rateToUsd } } }""",
        {
            "input": {
                "currency": "EUR",
                "rateDate": "2023-03-01",
                "rateToUsd": "1.0821",
                "source": "ECB",
            }
        },
        SECRETARIAT,
    )

    assert data["recordExchangeRate"]["exchangeRate"]["currency"] == "EUR"
    rates = await stack.rest("pledges", "GET", "/v1/exchange-rates?currency=EUR")
    assert "1.0821" in [rate["rate_to_usd"].rstrip("0") for rate in rates["items"]]


async def test_a_member_cannot_create_an_organisation(stack: Stack) -> None:
    body = await stack.query(
        """mutation { createOrganisation(input: {name: "Mine", kind: STATE}) {
             organisation { restId } } }""",
        headers=MEMBER,
    )

    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
