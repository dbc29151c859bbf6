"""A service app with one slow route, for the graceful-shutdown test (run by uvicorn)."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, FastAPI

from services.common.app import ServiceInfo, build_service_app
from services.pledges.config import Settings

router = APIRouter()


@router.get("/slow")
async def slow(seconds: float = 1.5) -> dict[str, float]:
    """Answer after `seconds`."""
    await asyncio.sleep(seconds)
    return {"slept": seconds}


def create_app() -> FastAPI:
    info = ServiceInfo(name="slow", title="MIRPS slow probe", description="For one test.")
    return build_service_app(info, Settings(), [router])
