"""What every service's OpenAPI document promises a client generator, and the request checks
that keep the promise.

- operationIds are the route function names in camelCase (`getPledge`), unique per service;
- every error status carries the Problem schema under application/problem+json — FastAPI's
  own 422 included — and every operation with a body documents the 400 for malformed JSON;
- a bearer security scheme, and per operation the `security` its dependencies enforce:
  required, optional (public reads that show more to a signed-in caller) or none;
- a query parameter the operation does not declare is a 422 naming it, never ignored.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException

from services.common.auth import optional_principal, required_principal
from services.common.errors import (
    PROBLEM_MEDIA_TYPE,
    on_validation_error,
    problem_response,
    problem_responses,
)

BEARER = "bearer"
_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
_FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")


def operation_id(route: APIRoute) -> str:
    """`get_pledge` → `getPledge`: the name a generated client gives the call."""
    first, *rest = route.name.split("_")
    return first + "".join(word.capitalize() for word in rest)


def _walk(dependant: Dependant) -> list[Dependant]:
    """The dependant and every sub-dependency, depth first."""
    return [dependant, *(sub for dep in dependant.dependencies for sub in _walk(dep))]


def _query_names(dependant: Dependant) -> frozenset[str]:
    return frozenset(param.alias for dep in _walk(dependant) for param in dep.query_params)


_DECLARED: dict[int, frozenset[str]] = {}


async def refuse_unknown_query_parameters(request: Request) -> None:
    """A query parameter the operation does not declare is a 422 naming it.

    Silently ignoring `?contributor_kind=…` answers every pledge as if it were filtered.
    """
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    declared = _DECLARED.get(id(route))
    if declared is None:
        declared = _DECLARED[id(route)] = _query_names(route.dependant)
    unknown = sorted({name for name in request.query_params if name not in declared})
    if unknown:
        known = ", ".join(sorted(declared)) or "none"
        raise RequestValidationError(
            [
                {
                    "loc": ("query", name),
                    "msg": f"unknown query parameter (this operation takes: {known})",
                    "type": "extra_forbidden",
                    "input": request.query_params.get(name),
                }
                for name in unknown
            ]
        )


def _security(dependant: Dependant) -> list[dict[str, list[str]]]:
    calls = {dep.call for dep in _walk(dependant)}
    if required_principal in calls:
        return [{BEARER: []}]
    if optional_principal in calls:
        return [{}, {BEARER: []}]
    return []


def _flat_routes(routes: Iterable[Any]) -> Iterator[Any]:
    """Every route, included routers opened (FastAPI resolves them lazily since 0.160)."""
    for route in routes:
        if hasattr(route, "effective_route_contexts"):
            yield from route.effective_route_contexts()
        else:
            yield route


def _dependants_by_operation(app: FastAPI) -> dict[tuple[str, str], Dependant]:
    return {
        (route.path_format, method.lower()): route.dependant
        for route in _flat_routes(app.routes)
        if isinstance(getattr(route, "dependant", None), Dependant)
        for method in route.methods
    }


def _as_problem(response: dict[str, Any]) -> None:
    response["content"] = {PROBLEM_MEDIA_TYPE: {"schema": dict(_PROBLEM_REF)}}


def _description(status: int) -> str:
    return str(problem_responses(status)[status]["description"])


def _finish_operation(operation: dict[str, Any], dependant: Dependant | None) -> None:
    responses = operation.setdefault("responses", {})
    if "requestBody" in operation:
        responses.setdefault("400", {"description": _description(400)})
    for status, response in responses.items():
        if status[0] in "45":
            _as_problem(response)
    if dependant is not None:
        security = _security(dependant)
        operation["security"] = security
        if security == [{BEARER: []}]:
            responses.setdefault("401", {"description": _description(401)})
            _as_problem(responses["401"])


def finish_document(app: FastAPI, document: dict[str, Any]) -> None:
    """Problems, security and the 400 for malformed bodies, on every operation."""
    dependants = _dependants_by_operation(app)
    for path, path_item in document.get("paths", {}).items():
        for method, operation in path_item.items():
            _finish_operation(operation, dependants.get((path, method)))
    components = document.setdefault("components", {})
    components.setdefault("securitySchemes", {})[BEARER] = {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "A token from the platform's identity provider (`mirps token` locally).",
    }
    schemas = components.get("schemas", {})
    for name in _FASTAPI_VALIDATION_SCHEMAS:  # replaced by Problem above
        schemas.pop(name, None)
    for schema in schemas.values():
        if isinstance(schema.get("example"), dict):
            _complete_example(schema["example"], schema, schemas)
    for media in _media_types(document):
        if "example" in media and "schema" in media:
            _complete_example(media["example"], media["schema"], schemas)


def _media_types(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for path_item in document.get("paths", {}).values():
        for operation in path_item.values():
            for response in operation.get("responses", {}).values():
                yield from response.get("content", {}).values()


def _nullable(schema: dict[str, Any]) -> bool:
    return schema.get("type") == "null" or any(
        option.get("type") == "null" for option in schema.get("anyOf", [])
    )


def _resolve(schema: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref", "")
    resolved: dict[str, Any] = schemas.get(ref.rsplit("/", 1)[-1], schema) if ref else schema
    return resolved


def _complete_example(example: Any, schema: dict[str, Any], schemas: dict[str, Any]) -> None:
    """Examples are written with their null members left out; the service sends them as null
    (they are required and nullable), so the document shows them so — in nested objects and
    list items too."""
    schema = _resolve(schema, schemas)
    if isinstance(example, list):
        for item in example:
            _complete_example(item, schema.get("items", {}), schemas)
        return
    if not isinstance(example, dict):
        return
    properties = schema.get("properties", {})
    for name in schema.get("required", []):
        if name not in example and _nullable(properties.get(name, {})):
            example[name] = None
    for name, value in example.items():
        member = properties.get(name, {})
        options = [member, *member.get("anyOf", [])]
        for option in options:
            resolved = _resolve(option, schemas)
            if resolved.get("type") in ("object", "array") or "properties" in resolved:
                _complete_example(value, resolved, schemas)
                break


def allowed_methods(app: FastAPI, path: str) -> list[str]:
    """Every method some route of `path` answers (Starlette names only the first route's).

    Where routes of different shapes match, the one that spells more of the path wins:
    `/v1/events/{id}.ics` is the feed's path, not an event whose id ends in `.ics`."""
    routes = [
        route
        for route in _flat_routes(app.routes)
        if getattr(route, "methods", None) and route.path_regex.match(path)
    ]
    longest = max((_literal_length(route.path_format) for route in routes), default=0)
    methods = {
        method
        for route in routes
        if _literal_length(route.path_format) == longest
        for method in route.methods
    }
    return sorted(methods)


async def _method_not_allowed(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    return _not_allowed(request, allowed_methods(request.app, request.scope["path"]))


def _not_allowed(request: Request, methods: list[str]) -> Response:
    allow = ", ".join(methods)
    return problem_response(
        request,
        405,
        detail=f"{request.method} is not allowed on {request.url.path}; allowed: {allow}",
        headers={"Allow": allow},
    )


def _other_route_allows(request: Request, exc: RequestValidationError) -> list[str]:
    """Methods of the *other* routes on this path, when the matched one failed on a path
    parameter: `PATCH /v1/events/{id}.ics` reached `/v1/events/{event_id}` only because an
    id may contain a dot; the path is the ICS feed's, which only answers GET. The other
    route counts when the path parameter failed, or when it spells more of the path
    literally (`{event_id}.ics` over `{event_id}`), whatever else failed first (an unknown
    query parameter)."""
    path_failed = any(error["loc"][:1] == ("path",) for error in exc.errors())
    matched = request.scope.get("route")
    matched_format = getattr(matched, "path_format", None)
    matched_literal = _literal_length(matched_format)
    path = request.scope["path"]
    return sorted(
        {
            method
            for route in _flat_routes(request.app.routes)
            if getattr(route, "methods", None)
            and getattr(route, "original_route", route) is not matched
            and route.path_format != matched_format
            and route.path_regex.match(path)
            and (path_failed or _literal_length(route.path_format) > matched_literal)
            for method in route.methods
        }
    )


def _literal_length(path_format: str | None) -> int:
    """How much of a route's path is spelled out rather than a parameter."""
    return len(re.sub(r"\{[^}]*\}", "", path_format or ""))


async def _validation_or_method_not_allowed(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    allow = _other_route_allows(request, exc)
    if allow and request.method not in allow:
        return _not_allowed(request, allow)
    return await on_validation_error(request, exc)


def install_contract(app: FastAPI) -> None:
    """Finish the app's OpenAPI document once it is built, and answer 405 with every allowed
    method (add after every router)."""
    app.add_exception_handler(405, _method_not_allowed)
    app.add_exception_handler(RequestValidationError, _validation_or_method_not_allowed)
    build: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()
        finish_document(app, schema)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
