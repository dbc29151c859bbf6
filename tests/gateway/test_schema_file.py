"""The exported SDL is the schema the code builds."""

from __future__ import annotations

from gateway.export_schema import SDL_PATH, sdl


def test_schema_graphql_matches_the_code() -> None:
    assert SDL_PATH.read_text(encoding="utf-8") == sdl(), (
        "gateway/schema.graphql is out of date: run `python -m gateway.export_schema`"
    )


def test_every_type_and_field_of_the_schema_is_described() -> None:
    from gateway.schema import build_schema

    graphql_schema = build_schema()._schema
    missing = []
    for name, graphql_type in graphql_schema.type_map.items():
        if name.startswith("__") or name in {"String", "Int", "Float", "Boolean", "ID"}:
            continue
        if not graphql_type.description:
            missing.append(name)
        for field_name, field in getattr(graphql_type, "fields", {}).items():
            if not field.description:
                missing.append(f"{name}.{field_name}")
    assert missing == []
