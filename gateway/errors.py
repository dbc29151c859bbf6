"""Errors the gateway returns on purpose, each with a code in `extensions`.

A service's problem+json answer becomes an `UpstreamError` whose `extensions` carry the
code, the service and the problem's useful members; a service that is down or too slow
becomes `ServiceUnavailable`. graphql-core copies `extensions` from the raised exception
onto the GraphQL error, and the masking extension lets these through unmasked. Anything
else raised in a resolver is a bug: masked for the client, logged with the request id.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class ErrorCode(StrEnum):
    """The `extensions.code` values a client can branch on."""

    BAD_USER_INPUT = "BAD_USER_INPUT"
    NOT_FOUND = "NOT_FOUND"
    FORBIDDEN = "FORBIDDEN"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    CONFLICT = "CONFLICT"
    STALE_VERSION = "STALE_VERSION"
    SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
    QUERY_TOO_COSTLY = "QUERY_TOO_COSTLY"


_CODE_BY_STATUS = {
    400: ErrorCode.BAD_USER_INPUT,
    401: ErrorCode.UNAUTHENTICATED,
    403: ErrorCode.FORBIDDEN,
    404: ErrorCode.NOT_FOUND,
    409: ErrorCode.CONFLICT,
    412: ErrorCode.STALE_VERSION,
    422: ErrorCode.BAD_USER_INPUT,
    428: ErrorCode.STALE_VERSION,
}

# Problem members that are plumbing, not information for the client.
_PROBLEM_PLUMBING = frozenset({"type", "title", "status", "detail", "instance"})


class GatewayError(Exception):
    """An expected error, shown to the client as it is (never masked)."""

    def __init__(self, message: str, code: ErrorCode, **extensions: Any) -> None:
        super().__init__(message)
        self.extensions: dict[str, Any] = {"code": code.value, **extensions}

    @property
    def code(self) -> str:
        return str(self.extensions["code"])


class BadUserInput(GatewayError):
    """The query's arguments are wrong before any service is asked."""

    def __init__(self, message: str, **extensions: Any) -> None:
        super().__init__(message, ErrorCode.BAD_USER_INPUT, **extensions)


class UpstreamError(GatewayError):
    """A service refused the request with a problem+json document."""

    def __init__(
        self,
        service: str,
        status: int,
        problem: dict[str, Any],
        input_argument: str | None = None,
    ) -> None:
        problem = in_graphql_terms(problem, input_argument)
        code = _CODE_BY_STATUS.get(status)
        if code is None:
            code = ErrorCode.SERVICE_UNAVAILABLE if status >= 500 else ErrorCode.BAD_USER_INPUT
        detail = problem.get("detail") or problem.get("title") or f"HTTP {status}"
        message = f"{service}: {detail}" if status >= 500 else str(detail)
        members = {
            key: value
            for key, value in problem.items()
            if key not in _PROBLEM_PLUMBING and value is not None
        }
        super().__init__(message, code, service=service, status=status, **members)
        self.status = status


class Unauthenticated(GatewayError):
    """The request carries an `Authorization` header without a token in it."""

    def __init__(self, message: str) -> None:
        super().__init__(message, ErrorCode.UNAUTHENTICATED)


def graphql_field(field: str, input_argument: str | None) -> str:
    """A service's field name (`path.pledge_id`, `body.amount.currency`, `query.country`) as
    the GraphQL client wrote it: `input.pledgeId`, `input.amount.currency`, `country`."""
    location, _, rest = field.partition(".")
    if location not in {"body", "path", "query"} or not rest:
        return field
    parts = [_camel(part) for part in rest.split(".")]
    if location != "query" and input_argument:
        parts.insert(0, input_argument)
    return ".".join(parts)


def _camel(name: str) -> str:
    head, *tail = name.split("_")
    return head + "".join(word[:1].upper() + word[1:] for word in tail)


def in_graphql_terms(problem: dict[str, Any], input_argument: str | None) -> dict[str, Any]:
    """The problem with each bad field renamed to its GraphQL path, in `errors` and `detail`."""
    errors = problem.get("errors")
    if not isinstance(errors, list):
        return problem
    detail = str(problem.get("detail") or "")
    renamed = []
    for error in errors:
        if not isinstance(error, dict) or not isinstance(error.get("field"), str):
            renamed.append(error)
            continue
        field = graphql_field(error["field"], input_argument)
        detail = detail.replace(f"{error['field']}:", f"{field}:")
        renamed.append({**error, "field": field})
    return {**problem, "errors": renamed, "detail": detail or problem.get("detail")}


class ServiceUnavailable(GatewayError):
    """A service did not answer (down, refused, timed out)."""

    def __init__(self, service: str, reason: str) -> None:
        super().__init__(
            f"the {service} service is unavailable ({reason}); its fields are null",
            ErrorCode.SERVICE_UNAVAILABLE,
            service=service,
        )
