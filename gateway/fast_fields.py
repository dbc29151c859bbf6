"""Direct resolvers for the graph's simple fields: strawberry's per-field machinery skipped.

Most fields of the graph are small synchronous methods that read the REST record behind
the object (`Pledge.kind`, `Objective.title`, ...). For each such field strawberry runs a
general path on every call — builds an `Info`, converts the (absent) arguments, folds the
(absent) field extensions — that costs several times the method itself: on the 50-pledge
frontend query (~1,600 fields) it was about a quarter of the gateway's CPU time.

`install(schema)` replaces, once at start-up, the resolver of each field that needs none
of that — a plain synchronous method taking `self` and optionally `info`, with no GraphQL
arguments, permission classes, field extensions or exception handlers, not a
subscription — by a direct call of the method; and the resolver of each plain attribute
(`LocalizedText.es`) by a direct `getattr`. Everything else keeps strawberry's resolver.
Schema extensions are unaffected: they wrap resolvers at execution time.

This reads strawberry's schema internals (the field behind each graphql-core field, its
resolver's parameters). The lock file pins strawberry; after an upgrade,
tests/gateway/test_direct_resolvers.py compares every answer with strawberry's own path.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import strawberry
from graphql import GraphQLField, GraphQLObjectType
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

Resolver = Callable[..., Any]


def install(schema: strawberry.Schema) -> list[str]:
    """Give every simple field of `schema` a direct resolver; returns their `Type.field`."""
    installed = []
    for graphql_type in schema._schema.type_map.values():
        if not isinstance(graphql_type, GraphQLObjectType):
            continue
        for name, graphql_field in graphql_type.fields.items():
            resolver = direct_resolver(schema, graphql_field)
            if resolver is not None:
                graphql_field.resolve = resolver
                installed.append(f"{graphql_type.name}.{name}")
    return installed


def direct_resolver(schema: strawberry.Schema, graphql_field: GraphQLField) -> Resolver | None:
    """A direct read of the field, or None when strawberry's resolver does more than that."""
    field = (graphql_field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if not isinstance(field, StrawberryField) or graphql_field.args or field.is_subscription:
        return None
    if schema.schema_converter._get_field_exception_handlers(field):
        return None
    if field.is_basic_field and field.default_resolver is getattr:
        return attribute_resolver(field.python_name)
    if not is_simple(field):
        return None
    assert field.base_resolver is not None
    method: Resolver = field.base_resolver.wrapped_func  # type: ignore[assignment]
    info_parameter = field.base_resolver.info_parameter
    if info_parameter is None:

        def resolve(source: Any, _info: Any) -> Any:
            return method(source)

        return resolve
    name = info_parameter.name
    info_class = schema.config.info_class

    def resolve_with_info(source: Any, info: Any) -> Any:
        return method(source, **{name: info_class(_raw_info=info, _field=field)})

    return resolve_with_info


def attribute_resolver(name: str) -> Resolver:
    """The attribute itself, as strawberry's default resolver reads it (`getattr`)."""

    def resolve(source: Any, _info: Any) -> Any:
        return getattr(source, name)

    # As strawberry marks its own: tracing extensions skip plain attributes.
    resolve._is_default = True  # type: ignore[attr-defined]
    return resolve


def is_simple(field: StrawberryField) -> bool:
    """A plain synchronous method of `self` (and maybe `info`), without arguments or
    extensions: strawberry's general resolver would add nothing to calling it."""
    resolver = field.base_resolver
    if resolver is None or field.is_async or field.extensions or resolver.arguments:
        return False
    if not inspect.isfunction(resolver.wrapped_func) or resolver.self_parameter is None:
        return False
    allowed = {resolver.self_parameter, resolver.info_parameter}
    return all(parameter in allowed for parameter in resolver.signature.parameters.values())
