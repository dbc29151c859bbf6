"""graphql-schema-linter's rules, over the SDL a client generator reads (gateway/schema.graphql):
every type, field, argument, input field and enum value is described; names follow the
GraphQL conventions; and a closed set (a `kind`, `status`, `role`, `mode`…) is an enum,
never a String."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLUnionType,
    build_schema,
    get_named_type,
)

SDL = Path(__file__).resolve().parents[2] / "gateway" / "schema.graphql"
PASCAL = re.compile(r"[A-Z][A-Za-z0-9]*")
CAMEL = re.compile(r"[a-z][A-Za-z0-9]*")
UPPER = re.compile(r"[A-Z][A-Z0-9_]*")
# Names that hold one of a closed set of values; a String there hides the set from clients.
CLOSED = re.compile(r"(kind|kinds|status|statuses|role|mode|visibility|origin|entryType)$")
# Free text despite the name: a practice contact's role is their position ("Director").
FREE_TEXT = frozenset({"Contact.role", "ContactInput.role"})


def _types(sdl: str) -> list[GraphQLNamedType]:
    schema = build_schema(sdl)
    return [t for name, t in schema.type_map.items() if not name.startswith("__")]


def _violations(sdl: str) -> Iterator[str]:
    for named in _types(sdl):
        if isinstance(named, GraphQLScalarType) and named.name in {
            "String",
            "Int",
            "Float",
            "Boolean",
            "ID",
        }:
            continue
        if not named.description:
            yield f"type {named.name}: no description"
        if not PASCAL.fullmatch(named.name):
            yield f"type {named.name}: not PascalCase"
        if isinstance(named, GraphQLEnumType):
            for value_name, value in named.values.items():
                if not value.description:
                    yield f"enum value {named.name}.{value_name}: no description"
                if not UPPER.fullmatch(value_name):
                    yield f"enum value {named.name}.{value_name}: not UPPER_CASE"
        if isinstance(named, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
            yield from _field_violations(named)
        if isinstance(named, GraphQLUnionType) and not named.types:
            yield f"union {named.name}: no member"


def _field_violations(
    named: GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType,
) -> Iterator[str]:
    for field_name, field in named.fields.items():
        where = f"{named.name}.{field_name}"
        if not field.description:
            yield f"field {where}: no description"
        if not CAMEL.fullmatch(field_name):
            yield f"field {where}: not camelCase"
        if (
            CLOSED.search(field_name)
            and where not in FREE_TEXT
            and get_named_type(field.type).name == "String"
        ):
            yield f"field {where}: a closed set typed String (use an enum)"
        if isinstance(field, GraphQLField):
            for arg_name, arg in field.args.items():
                if not arg.description:
                    yield f"argument {where}({arg_name}:): no description"
                if not CAMEL.fullmatch(arg_name):
                    yield f"argument {where}({arg_name}:): not camelCase"
                if CLOSED.search(arg_name) and get_named_type(arg.type).name == "String":
                    yield f"argument {where}({arg_name}:): a closed set typed String"


def test_the_schema_has_no_lint_violation() -> None:
    violations = list(_violations(SDL.read_text(encoding="utf-8")))

    assert violations == [], f"{len(violations)} violations:\n" + "\n".join(violations)


def test_the_linter_catches_an_undescribed_enum_value_and_a_string_kind() -> None:
    bad = '"""Q."""\ntype Query {\n  """K."""\n  kind: String\n}\n"""E."""\nenum E {\n  A\n}\n'

    violations = list(_violations(bad))

    assert "enum value E.A: no description" in violations
    assert "field Query.kind: a closed set typed String (use an enum)" in violations
