"""Import jobs: POST /v1/imports stores the file as a job row and returns 202; a task of
the service process runs it after the request's commit.

The job row is the state (queued → running → succeeded | failed). The import itself is
one transaction (all rows or none); its progress is kept in the process that runs it and
shown by GET /v1/imports/{id}. On start-up a service marks jobs left `running` by a
stopped process `failed` (nothing of them was written: their transaction never
committed) and runs the jobs still `queued`.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

from fastapi import FastAPI
from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.common.auth import Principal
from services.common.db import make_engine, make_sessionmaker
from services.common.errors import DomainError
from services.pledges import imports, service
from services.pledges.config import Settings
from services.pledges.exceptions import ImportJobNotFound
from services.pledges.models import ImportJob, ImportState
from services.pledges.schemas import ImportJobRead

log = logging.getLogger(__name__)
INTERRUPTED = "the service stopped while this import ran; nothing was written: submit it again"


def _principal_values(principal: Principal) -> dict[str, Any]:
    return {
        "sub": principal.sub,
        "roles": sorted(principal.roles),
        "org_id": principal.org_id,
        "countries": sorted(principal.countries),
    }


def _principal(values: dict[str, Any]) -> Principal:
    return Principal(
        sub=values["sub"],
        roles=frozenset(values["roles"]),
        org_id=values["org_id"],
        countries=frozenset(values["countries"]),
    )


async def submit(
    session: AsyncSession, principal: Principal, content: bytes, *, dry_run: bool
) -> ImportJob:
    """A queued job for the file (its header is checked now: an unreadable file is a 422)."""
    rows = service.read_csv(content, ("record_type",))
    job = ImportJob(
        id=uuid.uuid4(),
        state=ImportState.QUEUED.value,
        dry_run=dry_run,
        content=content,
        created_by=principal.sub,
        principal=_principal_values(principal),
        rows_total=len(rows),
        rows_validated=0,
        rows_written=0,
        rows_unchanged=0,
        errors=[],
        created_at=service.utc_now(),
    )
    session.add(job)
    await session.flush()
    return job


def _progress_of(app: FastAPI) -> dict[uuid.UUID, imports.Progress]:
    found: dict[uuid.UUID, imports.Progress] = app.state.import_progress
    return found


async def get_job(
    session: AsyncSession, app: FastAPI, principal: Principal, job_id: uuid.UUID
) -> ImportJobRead:
    """The job, for the one who submitted it or the secretariat (404 for anyone else)."""
    job = await session.get(ImportJob, job_id)
    if job is None or not (principal.is_secretariat or job.created_by == principal.sub):
        raise ImportJobNotFound(f"import job {job_id} does not exist")
    return job_read(job, _progress_of(app).get(job.id))


def job_read(job: ImportJob, progress: imports.Progress | None = None) -> ImportJobRead:
    validated = progress.validated if progress else job.rows_validated
    total = job.rows_total
    return ImportJobRead(
        id=job.id,
        state=ImportState(job.state),
        dry_run=job.dry_run,
        rows_total=total,
        rows_validated=validated,
        rows_written=job.rows_written,
        rows_unchanged=progress.unchanged if progress else job.rows_unchanged,
        progress=1.0 if total == 0 else round(min(validated / total, 1.0), 4),
        errors=job.errors,
        detail=job.detail,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
    )


async def launch(app: FastAPI, job_id: uuid.UUID) -> None:
    """Run the job in a task of this process (kept referenced until it ends); async, so
    it is called on the event loop (a background task of the response, after the commit)."""
    tasks: set[asyncio.Task[None]] = app.state.import_tasks
    task = asyncio.create_task(run(app, job_id), name=f"import-{job_id}")
    tasks.add(task)
    task.add_done_callback(tasks.discard)


async def run(app: FastAPI, job_id: uuid.UUID) -> None:
    """The job, on its own engine (statements of an import may run longer)."""
    sessionmaker: async_sessionmaker[AsyncSession] = app.state.import_sessionmaker
    async with sessionmaker() as session:
        job = await session.get(ImportJob, job_id)
        if job is None or job.state != ImportState.QUEUED.value:
            return
        job.state = ImportState.RUNNING.value
        job.started_at = service.utc_now()
        await session.commit()
    progress = imports.Progress(total=job.rows_total)
    _progress_of(app)[job_id] = progress
    outcome: dict[str, Any]
    try:
        outcome = await _import(sessionmaker, job, progress)
    except Exception:
        log.exception("import job %s failed unexpectedly", job_id)
        outcome = {"state": ImportState.FAILED.value, "detail": "the import failed unexpectedly"}
    finally:
        _progress_of(app).pop(job_id, None)
    async with sessionmaker() as session:
        await session.execute(
            update(ImportJob)
            .where(ImportJob.id == job_id)
            .values(
                rows_validated=progress.validated,
                rows_unchanged=progress.unchanged,
                finished_at=service.utc_now(),
                **outcome,
            )
        )
        await session.commit()


async def _import(
    sessionmaker: async_sessionmaker[AsyncSession], job: ImportJob, progress: imports.Progress
) -> dict[str, Any]:
    async with sessionmaker() as session:
        try:
            result = await imports.import_csv(
                session,
                _principal(job.principal),
                job.content,
                dry_run=job.dry_run,
                progress=progress,
            )
        except DomainError as exc:
            await session.rollback()
            errors = exc.extra.get("errors", [])
            return {"state": ImportState.FAILED.value, "detail": exc.detail, "errors": errors}
        await session.commit()
    return {
        "state": ImportState.SUCCEEDED.value,
        "rows_written": result.written,
        "errors": [error.model_dump() for error in result.errors],
    }


def start(app: FastAPI) -> None:
    """At start-up: settle the jobs of a stopped process in a task (start-up does not wait
    on the database, which may be unavailable or not migrated yet)."""
    app.state.import_tasks = set()
    app.state.import_progress = {}
    settings: Settings = app.state.settings
    engine = make_engine(
        settings.database_url,
        settings.model_copy(update={"db_statement_timeout": settings.import_statement_timeout}),
    )
    app.state.import_engine = engine
    app.state.import_sessionmaker = make_sessionmaker(engine)
    task = asyncio.create_task(_recover_or_warn(app), name="import-recovery")
    app.state.import_tasks.add(task)
    task.add_done_callback(app.state.import_tasks.discard)


async def _recover_or_warn(app: FastAPI) -> None:
    try:
        await recover(app)
    except SQLAlchemyError as exc:
        log.warning("import jobs left by a stopped process were not settled: %s", exc)


async def recover(app: FastAPI) -> None:
    """Jobs a stopped process was running failed; queued ones run now."""
    sessionmaker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    async with sessionmaker() as session:
        await session.execute(
            update(ImportJob)
            .where(ImportJob.state == ImportState.RUNNING.value)
            .values(
                state=ImportState.FAILED.value, detail=INTERRUPTED, finished_at=service.utc_now()
            )
        )
        queued = list(
            await session.scalars(
                select(ImportJob.id)
                .where(ImportJob.state == ImportState.QUEUED.value)
                .order_by(ImportJob.created_at)
            )
        )
        await session.commit()
    for job_id in queued:
        await launch(app, job_id)


async def stop(app: FastAPI) -> None:
    """At shutdown: cancel running imports (they roll back; the next start marks them)."""
    tasks: set[asyncio.Task[None]] = app.state.import_tasks
    for task in list(tasks):
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await app.state.import_engine.dispose()
