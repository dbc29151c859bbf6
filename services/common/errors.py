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
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from services.common.context import current_request_id

PROBLEM_MEDIA_TYPE = "application/problem+json"
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
    errors: list[FieldError] | None = Field(
        default=None, description="For validation errors: each bad field."
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
    503: "A dependency (the database) is unavailable.",
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries for the given error statuses."""
    return {
        status: {
            "model": Problem,
            "description": _DESCRIPTIONS.get(status, HTTPStatus(status).phrase),
            "content": {PROBLEM_MEDIA_TYPE: {}},
        }
        for status in statuses
    }


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


async def _on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
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


def install_error_handlers(app: FastAPI) -> None:
    """Map every expected error to problem+json, once, for the whole app."""
    app.add_exception_handler(StaleDataError, _on_stale_data)
    app.add_exception_handler(DomainError, _on_domain_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
