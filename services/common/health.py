"""Liveness and readiness endpoints shared by every service."""

from __future__ import annotations

import asyncio
import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from services.common.errors import database_unavailable, problem_responses

READINESS_TIMEOUT_SECONDS = 3.0
logger = logging.getLogger("mirps.health")
router = APIRouter(tags=["health"])


class HealthStatus(BaseModel):
    status: str


@router.get("/healthz", response_model=HealthStatus, summary="Liveness")
async def healthz() -> HealthStatus:
    """The process is up. Does no I/O."""
    return HealthStatus(status="ok")


@router.get(
    "/readyz",
    response_model=HealthStatus,
    summary="Readiness",
    responses=problem_responses(503),
)
async def readyz(request: Request) -> HealthStatus | JSONResponse:
    """The service can reach its database (one round trip); 503 when it cannot."""
    engine: AsyncEngine = request.app.state.engine
    try:
        async with asyncio.timeout(READINESS_TIMEOUT_SECONDS):
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
    except (TimeoutError, OSError, SQLAlchemyError) as exc:
        logger.warning("readiness check failed: %s", exc)
        return database_unavailable(request, "the service cannot reach its database")
    return HealthStatus(status="ready")
