"""The OpenAPI document describes every operation, its examples and its errors."""

from __future__ import annotations

from typing import Any

from services.practices.app import create_app
from services.practices.config import Settings


def _document() -> dict[str, Any]:
    app = create_app(Settings(database_url="sqlite+aiosqlite:///:memory:"))
    document: dict[str, Any] = app.openapi()
    return document


def test_every_operation_has_a_description_examples_and_its_errors() -> None:
    document = _document()
    schemas = document["components"]["schemas"]
    operations = [
        (method, path, operation)
        for path, item in document["paths"].items()
        if path.startswith("/v1/")
        for method, operation in item.items()
    ]
    assert len(operations) >= 19
    for method, path, operation in operations:
        where = f"{method.upper()} {path}"
        assert operation.get("description"), where
        errors = [code for code in operation["responses"] if code[0] in "45"]
        # Taxonomies take no input and touch no database: they have no error to declare.
        assert errors or path.startswith("/v1/taxonomies/"), where
        for code in errors:
            assert "application/problem+json" in operation["responses"][code]["content"], where
        body = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if body:
            name = body["schema"]["$ref"].rsplit("/", 1)[-1]
            assert "example" in schemas[name], where
        for code, response in operation["responses"].items():
            content = response.get("content", {}).get("application/json")
            if code.startswith("2") and content:
                name = content["schema"]["$ref"].rsplit("/", 1)[-1]
                assert "example" in schemas[name], where


def test_write_operations_declare_authorisation_and_conflict_errors() -> None:
    paths = _document()["paths"]
    for action in ("submit", "publish", "archive", "request-changes"):
        responses = paths[f"/v1/practices/{{practice_id}}/{action}"]["post"]["responses"]
        assert {"401", "403", "404", "409"} <= set(responses), action
    assert {"412", "428"} <= set(paths["/v1/practices/{practice_id}"]["patch"]["responses"])
