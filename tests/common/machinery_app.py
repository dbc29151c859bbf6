"""A small app built with the shared machinery, to test it apart from any domain."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI, Query
from pydantic import BaseModel

from services.common.app import ServiceInfo, build_service_app
from services.common.auth import PrincipalDep, SecretariatDep
from services.common.errors import Conflict, problem_responses
from services.common.pagination import LimitQuery
from services.common.schemas import LocalizedText, Money
from services.common.settings import ServiceSettings
from services.common.vocabulary import CountryCode
from tests.conftest import TEST_COMMON_SETTINGS

LEAKY_SECRET = "postgres-password-hunter2"


class ThingIn(BaseModel):
    country: CountryCode
    budget: Money
    title: LocalizedText


def _router() -> APIRouter:
    router = APIRouter(prefix="/v1")

    @router.post("/things", responses=problem_responses(401, 422))
    async def create_thing(body: ThingIn, principal: PrincipalDep) -> dict[str, Any]:
        """Echo a valid body back with the caller's subject."""
        return {"sub": principal.sub, **body.model_dump(mode="json")}

    @router.get("/secretariat-only", responses=problem_responses(401, 403))
    async def secretariat_only(principal: SecretariatDep) -> dict[str, str]:
        """Only the secretariat gets here."""
        return {"sub": principal.sub}

    @router.get("/boom")
    async def boom() -> None:
        """An unexpected failure."""
        raise RuntimeError(f"connection failed with password {LEAKY_SECRET}")

    @router.get("/conflict", responses=problem_responses(409))
    async def conflict() -> None:
        """A domain error with numbers."""
        raise Conflict("disbursed would exceed committed", committed="100.00", requested="150.00")

    @router.get("/page")
    async def page(limit: LimitQuery = 50, flag: bool = Query(default=False)) -> dict[str, int]:
        """Echo the accepted limit."""
        return {"limit": limit}

    return router


def machinery_app(database_url: str = "sqlite+aiosqlite:///:memory:") -> FastAPI:
    settings = ServiceSettings(database_url=database_url, mirps=TEST_COMMON_SETTINGS)
    info = ServiceInfo(name="machinery", title="MIRPS test", description="Machinery under test.")
    return build_service_app(info, settings, [_router()])
