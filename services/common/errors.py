"""RFC 9457 problem details for every error a service or the gateway returns."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from services.common.context import current_request_id

PROBLEM_MEDIA_TYPE = "application/problem+json"
# Seconds a client should wait before retrying after a 503 (the database is unavailable).
RETRY_AFTER_SECONDS = 5
logger = logging.getLogger("mirps.errors")


class DomainError(Exception):
    """Base of every expected error: carries the HTTP status, a title and a detail.

    Subclasses set `status`, `title` and `slug`; `extra` members are added to the
    problem document (e.g. the numbers behind an over-disbursement).
    """

    status: int = 400
    title: str = "Bad request"
    slug: str = "bad-request"

    def __init__(
        self,
        detail: str,
        *,
        headers: Mapping[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = dict(headers or {})
        self.extra = extra


class NotFound(DomainError):
    status, title, slug = 404, "Not found", "not-found"


class Unauthorized(DomainError):
    status, title, slug = 401, "Authentication required", "unauthorized"


class Forbidden(DomainError):
    status, title, slug = 403, "Forbidden", "forbidden"


class Conflict(DomainError):
    status, title, slug = 409, "Conflict", "conflict"


class PreconditionFailed(DomainError):
    status, title, slug = 412, "Precondition failed", "precondition-failed"


class PreconditionRequired(DomainError):
    status, title, slug = 428, "Precondition required", "precondition-required"


class Unprocessable(DomainError):
    status, title, slug = 422, "Unprocessable content", "unprocessable"


class FieldError(BaseModel):
    field: str = Field(description="Where the bad value is, e.g. `body.amount.currency`.")
    message: str = Field(description="What is wrong with it.")
    type: str = Field(description="Machine-readable error type.")


class RowError(BaseModel):
    row: int = Field(description="1-based data row number (the header is row 0).")
    errors: list[str] = Field(description="What is wrong in that row.")


class Problem(BaseModel):
    """An RFC 9457 problem document."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "example": {
                "type": "/problems/not-found",
                "title": "Not found",
                "status": 404,
                "detail": "pledge 7d0c… does not exist",
                "instance": "/v1/pledges/7d0c…",
                "request_id": "5f2a9c0e4b7d4f0e9a1c2b3d4e5f6a7b",
            }
        },
    )

    type: str = Field(description="URI reference naming the kind of problem.")
    title: str = Field(description="Short summary of the kind of problem.")
    status: int = Field(description="HTTP status code.")
    detail: str | None = Field(default=None, description="What went wrong in this request.")
    instance: str | None = Field(default=None, description="The request path.")
    request_id: str | None = Field(default=None, description="Echo of X-Request-ID.")
    errors: list[FieldError] | list[RowError] | None = Field(
        default=None,
        description="For validation errors: each bad field; for a refused file: each bad row.",
    )


_DESCRIPTIONS = {
    400: "Malformed request.",
    401: "Missing, malformed or expired bearer token.",
    403: "The token does not allow this action on this object.",
    404: "No such object (or not visible to the caller).",
    409: "The request conflicts with the object's current state.",
    412: "If-Match does not match the current ETag: the object changed since it was read.",
    422: "Invalid input; each bad field is listed.",
    428: "This update requires an If-Match header.",
    503: "The database is unreachable or too slow. Retry after the Retry-After header's "
    "seconds; a creating request with an Idempotency-Key is safe to repeat.",
}


_HEADERS: dict[int, dict[str, Any]] = {
    503: {
        "Retry-After": {
            "description": "Seconds to wait before sending the request again.",
            "schema": {"type": "integer", "example": RETRY_AFTER_SECONDS},
        }
    }
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries for the given error statuses."""
    return {
        status: {
            "model": Problem,
            "description": _DESCRIPTIONS.get(status, HTTPStatus(status).phrase),
            "content": {PROBLEM_MEDIA_TYPE: {}},
            **({"headers": _HEADERS[status]} if status in _HEADERS else {}),
        }
        for status in statuses
    }


def file_problems_under_their_media_type(schema: dict[str, Any]) -> None:
    """Move each error's Problem schema from application/json to application/problem+json.

    FastAPI files a `model=` response under the route's own media type (application/json),
    which errors are never sent as; clients generated from the document then see no schema
    for what they really receive.
    """
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            for response in operation.get("responses", {}).values():
                content = response.get("content", {})
                as_json = content.get("application/json", {})
                if as_json.get("schema", {}).get("$ref", "").endswith("/Problem"):
                    content[PROBLEM_MEDIA_TYPE] = content.pop("application/json")


def problem_response(
    request: Request | None,
    status: int,
    *,
    title: str | None = None,
    detail: str | None = None,
    slug: str | None = None,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """Build an application/problem+json response."""
    phrase = HTTPStatus(status).phrase
    body: dict[str, Any] = {
        "type": f"/problems/{slug}" if slug else "about:blank",
        "title": title or phrase,
        "status": status,
        "detail": detail,
        "instance": request.url.path if request is not None else None,
        "request_id": current_request_id(),
        **extra,
    }
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_MEDIA_TYPE)


def _field_errors(exc: RequestValidationError) -> list[dict[str, str]]:
    return [
        {
            "field": ".".join(str(part) for part in error["loc"]),
            "message": error["msg"],
            "type": error["type"],
        }
        for error in exc.errors()
    ]


async def _on_domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    return problem_response(
        request,
        exc.status,
        title=exc.title,
        detail=exc.detail,
        slug=exc.slug,
        headers=exc.headers,
        **exc.extra,
    )


async def _on_http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else None
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"no route matches {request.method} {request.url.path}"
    return problem_response(request, exc.status_code, detail=detail, headers=exc.headers)


MISSING_IF_MATCH = "send If-Match with the ETag of your last read, so a concurrent edit is not lost"


def _is_missing_if_match(error: dict[str, Any]) -> bool:
    """A required If-Match left out: RFC 6585's 428, like the services' own check."""
    return error.get("type") == "missing" and tuple(error.get("loc", ())) == ("header", "If-Match")


async def on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    # Only then: a request wrong in other ways too hears of all of them, If-Match included.
    if exc.errors() and all(_is_missing_if_match(error) for error in exc.errors()):
        return problem_response(
            request,
            428,
            title=PreconditionRequired.title,
            slug=PreconditionRequired.slug,
            detail=MISSING_IF_MATCH,
        )
    errors = _field_errors(exc)
    summary = "; ".join(f"{error['field']}: {error['message']}" for error in errors)
    return problem_response(
        request, 422, title="Invalid request", detail=summary, slug="validation", errors=errors
    )


async def _on_stale_data(request: Request, exc: Exception) -> JSONResponse:
    return problem_response(
        request,
        412,
        title="Precondition failed",
        slug="precondition-failed",
        detail="the object was changed by another request; read it again and reapply your change",
    )


def database_unavailable(request: Request | None, detail: str) -> JSONResponse:
    """503 with Retry-After: the database is unavailable; the client may retry later."""
    return problem_response(
        request,
        503,
        title="Database unavailable",
        slug="database-unavailable",
        detail=detail,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


# SQLSTATE 57014: the server cancelled the statement (statement_timeout).
_QUERY_CANCELED = "57014"
# SQLSTATE classes of an unavailable server: 08 connection exception, 53 insufficient
# resources (too many connections), 57 operator intervention (shutting down, starting up).
_UNAVAILABLE_CLASSES = ("08", "53", "57")
# SQLSTATE class 22: the database refused a value (a NUL byte in text, a number too large…).
_DATA_EXCEPTION_CLASS = "22"


def _sqlstate(exc: DBAPIError) -> str:
    return str(getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None) or "")


async def _on_database_error(request: Request, exc: Exception) -> JSONResponse:
    """Database failures: unreachable, lost or too slow → 503; a refused value → 422."""
    if isinstance(exc, DBAPIError):
        state = _sqlstate(exc)
        if state.startswith(_DATA_EXCEPTION_CLASS):
            return problem_response(
                request,
                422,
                title="Invalid request",
                slug="validation",
                detail="the database cannot store a value of this request",
            )
        if not (exc.connection_invalidated or _is_unavailable(exc)):
            raise exc
    logger.warning("database unavailable: %s: %s", type(exc).__name__, exc)
    if _timed_out(exc):
        return database_unavailable(request, "the database did not answer in time")
    return database_unavailable(request, "the service cannot reach its database")


def _timed_out(exc: Exception) -> bool:
    if isinstance(exc, DBAPIError):
        return _sqlstate(exc) == _QUERY_CANCELED or isinstance(exc.orig, TimeoutError)
    return isinstance(exc, TimeoutError | PoolTimeout)


def _is_unavailable(exc: DBAPIError) -> bool:
    """A lost or refused connection (asyncpg raises these as OperationalError/InterfaceError)."""
    return (
        isinstance(exc, OperationalError | InterfaceError)
        or isinstance(exc.orig, OSError | TimeoutError)
        or _sqlstate(exc).startswith(_UNAVAILABLE_CLASSES)
    )


def install_database_error_handlers(app: FastAPI) -> None:
    """A service's database failures: 503 with Retry-After, or 422 for a refused value.

    asyncpg raises a refused connection as a bare OSError and a client-side timeout as a
    bare TimeoutError; in a service those only come from its database.
    """
    for failure in (DBAPIError, PoolTimeout, OSError, TimeoutError):
        app.add_exception_handler(failure, _on_database_error)


def install_error_handlers(app: FastAPI) -> None:
    """Map every expected error to problem+json, once, for the whole app."""
    app.add_exception_handler(StaleDataError, _on_stale_data)
    app.add_exception_handler(DomainError, _on_domain_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
