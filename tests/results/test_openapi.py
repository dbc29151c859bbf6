"""The results service's OpenAPI document describes every operation and its errors."""

from __future__ import annotations

from typing import Any

from services.results.app import create_app
from services.results.config import Settings


def _document() -> dict[str, Any]:
    document: dict[str, Any] = create_app(
        Settings(database_url="sqlite+aiosqlite:///:memory:")
    ).openapi()
    return document


def test_every_operation_has_a_description_its_errors_and_body_examples() -> None:
    document = _document()
    schemas = document["components"]["schemas"]
    operations = [
        (f"{method.upper()} {path}", operation)
        for path, item in document["paths"].items()
        if path.startswith("/v1/")
        for method, operation in item.items()
    ]
    assert len(operations) >= 20
    for where, operation in operations:
        assert operation.get("description"), where
        for code, response in operation["responses"].items():
            if code[0] in "45":
                assert "application/problem+json" in response["content"], where
        body = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if body:
            ref = body["schema"].get("$ref") or body["schema"]["anyOf"][0]["$ref"]
            assert "example" in schemas[ref.rsplit("/", 1)[-1]], where


def test_writes_declare_who_may_make_them() -> None:
    paths = _document()["paths"]
    for path, method in [
        ("/v1/strategies", "post"),
        ("/v1/strategies/{code}/indicators", "post"),
        ("/v1/indicators/{indicator_id}/measurements", "post"),
        ("/v1/indicators/{indicator_id}/measure", "post"),
        ("/v1/progress/snapshots/{period}", "post"),
    ]:
        assert {"401", "403"} <= set(paths[path][method]["responses"]), path


def test_progress_is_offered_as_csv_too() -> None:
    paths = _document()["paths"]
    for path in ("/v1/progress", "/v1/progress/snapshots/{period}"):
        assert "text/csv" in paths[path]["get"]["responses"]["200"]["content"], path
