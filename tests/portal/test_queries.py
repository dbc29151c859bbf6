"""The portal's GraphQL documents (and its docs page's example) are valid against the gateway."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from graphql import build_schema, parse, validate

from portal import queries
from portal.pages import half_years

REPO = Path(__file__).resolve().parents[2]
SCHEMA = build_schema((REPO / "gateway" / "schema.graphql").read_text())


def docs_portal_queries() -> list[str]:
    text = (REPO / "docs" / "services" / "portal.md").read_text()
    section = text.split("<!-- section: portal -->", 1)[1].split("<!-- end section: portal -->")[0]
    return re.findall(r"```graphql\n(.*?)```", section, flags=re.S)


@pytest.mark.parametrize(
    "document",
    [
        queries.home(half_years("2022-H1", date(2026, 12, 1))),
        queries.COUNTRY,
        queries.SYNTHESIS,
        queries.PRACTICES,
        queries.EVENTS,
        *docs_portal_queries(),
    ],
)
def test_document_is_valid_against_the_gateway_schema(document: str) -> None:
    assert validate(SCHEMA, parse(document)) == []


def test_the_strategy_query_is_the_one_part_that_may_be_missing_from_the_gateway() -> None:
    errors = validate(SCHEMA, parse(queries.STRATEGY))
    if errors:  # this gateway has no results service yet: the portal degrades (test_pages)
        assert all("Cannot query field 'strategy'" in error.message for error in errors)
