"""One session per request: committed when the handler succeeds, rolled back otherwise,
and the commit happens before the response is sent (a failed commit is an error response)."""

from __future__ import annotations

import pytest
from fastapi import APIRouter
from sqlalchemy import String, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.common.app import ServiceInfo, build_service_app
from services.common.db import SessionDep, make_engine
from services.common.errors import Conflict
from services.common.settings import ServiceSettings
from tests.conftest import TEST_COMMON_SETTINGS


class _Base(DeclarativeBase):
    pass


class Note(_Base):
    """A throw-away table for exercising the session machinery alone."""

    __tablename__ = "session_note"
    name: Mapped[str] = mapped_column(String(20), primary_key=True)


def _router() -> APIRouter:
    router = APIRouter()

    @router.post("/notes/{name}", status_code=201)
    async def add(name: str, session: SessionDep) -> dict[str, str]:
        """Add a note; the duplicate is only detected when the session is committed."""
        session.add(Note(name=name))
        return {"name": name}

    @router.post("/notes/{name}/then-fail")
    async def add_then_fail(name: str, session: SessionDep) -> None:
        """Add and flush a note, then fail with a domain error."""
        session.add(Note(name=name))
        await session.flush()
        raise Conflict("changed my mind")

    @router.get("/notes/count")
    async def count(session: SessionDep) -> dict[str, int]:
        """How many notes exist."""
        return {"count": await session.scalar(select(func.count()).select_from(Note)) or 0}

    return router


@pytest.fixture
async def client(databases, run_app):
    url = databases.create("session")
    engine = make_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(_Base.metadata.create_all)
    await engine.dispose()
    settings = ServiceSettings(database_url=url, mirps=TEST_COMMON_SETTINGS)
    info = ServiceInfo(name="session", title="MIRPS test", description="Sessions under test.")
    return await run_app(build_service_app(info, settings, [_router()]))


async def test_successful_handler_is_committed(client) -> None:
    assert (await client.post("/notes/a")).status_code == 201
    assert (await client.get("/notes/count")).json() == {"count": 1}


async def test_failed_handler_is_rolled_back(client) -> None:
    response = await client.post("/notes/b/then-fail")
    assert response.status_code == 409
    assert (await client.get("/notes/count")).json() == {"count": 0}


async def test_failed_commit_is_an_error_response_not_a_success(client) -> None:
    assert (await client.post("/notes/c")).status_code == 201
    duplicate = await client.post("/notes/c")
    assert duplicate.status_code == 500
    assert duplicate.headers["content-type"] == "application/problem+json"
    assert (await client.get("/notes/count")).json() == {"count": 1}
