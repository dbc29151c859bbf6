"""What a GraphQL client generator and a GraphQL-over-HTTP client rely on: closed sets are
enums, errors name the GraphQL input, a missing or empty token is UNAUTHENTICATED, and the
GraphQL-over-HTTP media type is honoured."""

from __future__ import annotations

import uuid

from tests.gateway.conftest import SECRETARIAT, Stack

ENTRY = """mutation($input: RecordLedgerEntryInput!) {
  recordLedgerEntry(input: $input) { entry { entryType } }
}"""

CREATE_ORG = """mutation($input: CreateOrganisationInput!) {
  createOrganisation(input: $input) { organisation { id name kind } }
}"""


async def test_a_bad_pledge_id_is_reported_at_the_graphql_input_path(stack: Stack) -> None:
    body = await stack.query(
        ENTRY,
        {
            "input": {
                "pledgeId": "not-a-uuid",
                "entryType": "COMMITMENT",
                "amount": {"amount": "100", "currency": "USD"},
                "valueDate": "2023-01-15",
                "recipientCountry": "GTM",
            }
        },
        SECRETARIAT,
    )

    error = body["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "input.pledgeId" in error["message"]
    assert "path." not in error["message"]
    assert "pledge_id" not in error["message"]
    assert [item["field"] for item in error["extensions"]["errors"]] == ["input.pledgeId"]


async def test_an_empty_bearer_token_is_unauthenticated(stack: Stack) -> None:
    body = await stack.query(
        CREATE_ORG,
        {"input": {"name": "Empty token", "kind": "STATE"}},
        {"Authorization": "Bearer "},
    )

    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert stack.calls("pledges") == []


async def test_a_missing_token_on_a_write_is_unauthenticated(stack: Stack) -> None:
    body = await stack.query(CREATE_ORG, {"input": {"name": "No token", "kind": "STATE"}})

    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_the_graphql_response_media_type_is_honoured(stack: Stack) -> None:
    accept = {"Accept": "application/graphql-response+json"}
    ok = await stack.gateway.post(
        "/graphql", json={"query": "{ countries { code } }"}, headers=accept
    )
    bad = await stack.gateway.post("/graphql", json={"query": "{ nope }"}, headers=accept)
    plain = await stack.gateway.post("/graphql", json={"query": "{ countries { code } }"})

    assert ok.status_code == 200
    assert ok.headers["content-type"].startswith("application/graphql-response+json")
    assert bad.status_code == 400  # a document that does not validate, per GraphQL over HTTP
    assert bad.headers["content-type"].startswith("application/graphql-response+json")
    assert plain.headers["content-type"].startswith("application/json")


async def test_synthesis_and_version_kinds_are_enums(stack: Stack) -> None:
    kinds = await stack.data(
        """fragment K on __Type { fields { name type { kind ofType { name kind } } } }
        { a: __type(name: "NewPartner") { ...K }
          b: __type(name: "NewPledge") { ...K }
          c: __type(name: "PracticeVersion") { ...K } }"""
    )

    for type_name, enum in (
        ("a", "OrganisationKind"),
        ("b", "PledgeKind"),
        ("c", "PracticeChange"),
    ):
        kind = next(field for field in kinds[type_name]["fields"] if field["name"] == "kind")
        assert kind["type"]["ofType"] == {"name": enum, "kind": "ENUM"}


async def test_node_answers_a_rest_id_with_the_one_object_that_has_it(stack: Stack) -> None:
    organisation = await stack.organisation()

    data = await stack.data(
        "query($id: ID!) { node(id: $id) { __typename ... on Organisation { restId name } } }",
        {"id": organisation["id"]},
    )

    assert data["node"] == {
        "__typename": "Organisation",
        "restId": organisation["id"],
        "name": organisation["name"],
    }


async def test_node_answers_null_for_a_rest_id_nothing_has(stack: Stack) -> None:
    data = await stack.data("query($id: ID!) { node(id: $id) { id } }", {"id": str(uuid.uuid4())})

    assert data["node"] is None


async def test_node_refuses_an_id_that_is_neither_global_nor_rest(stack: Stack) -> None:
    body = await stack.query('query { node(id: "not an id") { id } }')

    error = body["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "neither a global id" in error["message"]


async def test_create_organisation_through_the_gateway(stack: Stack) -> None:
    name = f"Org {uuid.uuid4().hex[:6]}"
    data = await stack.data(
        CREATE_ORG, {"input": {"name": name, "kind": "CIVIL_SOCIETY"}}, SECRETARIAT
    )

    created = data["createOrganisation"]["organisation"]
    assert created["name"] == name
    assert created["kind"] == "CIVIL_SOCIETY"
    listed = await stack.rest("pledges", "GET", "/v1/organisations?limit=100")
    assert name in [item["name"] for item in listed["items"]]
