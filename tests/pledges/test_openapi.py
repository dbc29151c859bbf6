"""The OpenAPI document is the API's documentation: every operation is described."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from fastapi import FastAPI

from tests.pledges.conftest import make_app


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        resolved: dict[str, Any] = document["components"]["schemas"][name]
        return resolved
    return schema


def _has_example(document: dict[str, Any], schema: dict[str, Any]) -> bool:
    """The schema, or the items of a list or page, carries an example."""
    schema = _resolve(document, schema)
    if "example" in schema:
        return True
    if schema.get("type") == "array":
        return _has_example(document, schema["items"])
    items = schema.get("properties", {}).get("items")
    return items is not None and _has_example(document, items)


async def test_every_operation_has_a_description_an_example_and_its_errors(
    run_app: Callable[[FastAPI], Awaitable[httpx.AsyncClient]],
) -> None:
    client = await run_app(make_app("sqlite+aiosqlite:///:memory:"))
    document = (await client.get("/openapi.json")).json()
    operations = [
        (path, method, operation)
        for path, item in document["paths"].items()
        if path.startswith("/v1")
        for method, operation in item.items()
    ]
    assert len(operations) >= 25
    for path, method, operation in operations:
        where = f"{method.upper()} {path}"
        assert operation.get("summary"), where
        assert len(operation.get("description", "")) > 20, where
        body = operation.get("requestBody", {}).get("content", {})
        for media_type, content in body.items():
            schema = _resolve(document, content.get("schema", {}))
            has_example = "example" in content or "examples" in content or "example" in schema
            assert has_example, f"{where} {media_type} request has no example"
        responses = operation["responses"]
        # A 204 (removing a document) has no body, so nothing to show an example of.
        success = (
            responses.get("200")
            or responses.get("201")
            or responses.get("202")
            or responses.get("204")
        )
        assert success is not None, where
        for media_type, content in success.get("content", {}).items():
            if media_type == "application/json":
                assert _has_example(document, content.get("schema", {})), f"{where} response"
        if method != "get" or "{" in path:
            errors = [status for status in operation["responses"] if status.startswith("4")]
            assert errors, f"{where} declares no error responses"
            for status in errors:
                problem = operation["responses"][status]["content"]
                assert "application/problem+json" in problem, f"{where} {status}"
