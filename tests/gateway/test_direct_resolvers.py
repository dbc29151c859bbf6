"""The direct resolvers of simple fields (gateway.fast_fields) answer as strawberry's own."""

from __future__ import annotations

from typing import Any

import pytest

from gateway import fast_fields
from gateway.app import create_app as create_gateway
from gateway.schema import build_schema
from services.cli import load_demo
from tests.gateway.conftest import DatabaseUrlFor, RunApp, gateway_settings, start_stack
from tests.gateway.test_guide_queries import guide_queries

# Plain fields, info-taking fields, nested values, connections, enums, dates and money.
WIDE_QUERY = """
query Wide {
  pledges(first: 50) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node {
      id restId kind financialStatus visibility regional announcedOn createdAt version
      title { es en text(lang: EN) } amount { amount currency amountUsd }
      recipientCountries { code name { es } isMirps }
      totals { committed { amount currency amountUsd } disbursed { amount } }
      contributor { id name acronym kind isSpMember spMemberSince }
      objectives {
        title { es } country { code } pillar { code name { en } } requirement { amount }
      }
      announcedAt { title { es } startsAt kind status }
    } }
  }
}
"""


def resolver_of(schema: Any, type_name: str, field: str) -> str:
    return str(schema._schema.type_map[type_name].fields[field].resolve.__qualname__)


def test_simple_fields_get_a_direct_resolver_and_the_others_keep_strawberrys() -> None:
    schema = build_schema(gateway_settings())

    for type_name, field in [
        ("Pledge", "kind"),
        ("Pledge", "contributor"),
        ("Objective", "title"),
        ("PledgeEdge", "cursor"),
    ]:
        assert resolver_of(schema, type_name, field).startswith("direct_resolver")
    assert resolver_of(schema, "LocalizedText", "es").startswith("attribute_resolver")
    for type_name, field in [
        ("Pledge", "id"),
        ("Pledge", "entries"),
        ("LocalizedText", "text"),
        ("Query", "pledges"),
    ]:
        assert resolver_of(schema, type_name, field).startswith("GraphQLCoreConverter")


async def test_direct_resolvers_answer_exactly_as_strawberrys_own(
    run_app: RunApp, database_url_for: DatabaseUrlFor, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def demo_database(service: str) -> str:
        url = await database_url_for(service)
        await load_demo(service, url)
        return url

    stack = await start_stack(run_app, demo_database)
    monkeypatch.setattr(fast_fields, "install", lambda schema: [])
    plain = await run_app(create_gateway(gateway_settings(), transports=dict(stack.transports)))

    for query in [WIDE_QUERY, *guide_queries().values()]:
        direct = await stack.data(query)
        response = await plain.post("/graphql", json={"query": query})
        body = response.json()
        body.pop("extensions")  # the query's cost, the same either way
        assert body == {"data": direct}
    wide = await stack.data(WIDE_QUERY)
    assert all(edge["node"]["contributor"] for edge in wide["pledges"]["edges"])
