"""Spectral-equivalent lint, offline: each OpenAPI document is valid OpenAPI 3.1
(openapi-spec-validator), and every example in it is valid against its own schema
(formats checked), so generators and docs never show a payload the service would refuse."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from openapi_spec_validator import validate

from tests.contract.conftest import SERVICES
from tests.contract.test_openapi_documents import make_app, operations


@pytest.fixture(params=SERVICES, scope="module")
def document(request: pytest.FixtureRequest) -> dict[str, Any]:
    # Through JSON, as a client reads it (tuples become lists, keys strings).
    loaded: dict[str, Any] = json.loads(json.dumps(make_app(request.param).openapi()))
    return loaded


def test_the_document_is_valid_openapi(document: dict[str, Any]) -> None:
    validate(document)


def _examples(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any], Any]]:
    """(where, schema, example) for each example of a schema, a parameter or a payload."""
    for name, schema in document["components"]["schemas"].items():
        listed = [schema["example"]] if "example" in schema else []
        for example in listed + schema.get("examples", []):
            yield f"schema {name}", {"$ref": f"#/components/schemas/{name}"}, example
    for path, method, operation in operations(document):
        for parameter in operation.get("parameters", []):
            for example in parameter.get("examples", {}).values():
                yield f"{method} {path} ?{parameter['name']}", parameter["schema"], example["value"]
            if "example" in parameter:
                yield (
                    f"{method} {path} ?{parameter['name']}",
                    parameter["schema"],
                    parameter["example"],
                )
        payloads = [
            ("body", m) for m in operation.get("requestBody", {}).get("content", {}).values()
        ]
        for status, response in operation["responses"].items():
            payloads += [(status, m) for m in response.get("content", {}).values()]
        for where, media in payloads:
            if "example" in media and "schema" in media:
                yield f"{method} {path} {where}", media["schema"], media["example"]


def test_every_example_is_valid_against_its_schema(document: dict[str, Any]) -> None:
    invalid = []
    for where, schema, example in _examples(document):
        validator = Draft202012Validator(
            {"components": document["components"], **schema}, format_checker=FormatChecker()
        )
        invalid += [f"{where}: {error.message}" for error in validator.iter_errors(example)]
    assert invalid == []


def test_the_lint_sees_a_broken_example() -> None:
    document = json.loads(json.dumps(make_app("pledges").openapi()))
    document["components"]["schemas"]["Money"]["example"] = {"amount": 0.1, "currency": "EUR"}
    with pytest.raises(AssertionError, match="Money"):
        test_every_example_is_valid_against_its_schema(document)
