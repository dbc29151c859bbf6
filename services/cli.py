"""The `mirps` command: run the platform, migrate databases, purge expired idempotency keys,
mint development tokens."""

from __future__ import annotations

import asyncio
import importlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from rich.progress import MofNCompleteColumn, Progress

from services.common.auth import Role, mint_token
from services.common.db import make_engine, make_sessionmaker
from services.common.idempotency import IdempotencyRecordMixin, purge_expired
from services.common.migrations import upgrade_to_head
from services.common.settings import CommonSettings, ServiceSettings
from services.supervise import Supervisor

# Port offsets from the base port: the gateway listens on the base itself.
SERVICE_PORT_OFFSETS = {"pledges": 1, "practices": 2, "events": 3, "results": 4}
# The services the results service reads for its computed indicators.
RESULTS_UPSTREAMS = ("pledges", "practices", "events")
# The services whose change feeds fill each service's reference tables (the worker reads
# them; see services.common.references).
REFERENCE_UPSTREAMS = {
    "events": ("pledges", "practices"),
    "practices": ("pledges",),
    "pledges": ("events",),
    "results": ("pledges",),
}
# At `mirps up` the results service measures at start and then every five minutes.
UP_REFRESH_SECONDS = "300"
# The public portal reads only the gateway.
PORTAL_PORT_OFFSET = 5
# The webhook worker answers health probes only.
WORKER_PORT_OFFSET = 6
WORKER_TARGET = "services.worker:create_app"
# Processes that `--workers` does not multiply: the portal (its cache is per process) and
# the webhook worker (replicas are for PostgreSQL; on SQLite one delivers).
SINGLE_PROCESS = frozenset({"portal", "worker"})
STARTUP_TIMEOUT_SECONDS = 60.0
RUN_STATE_FILE = "run.json"

app = typer.Typer(
    help="Run and administer the MIRPS Support Platform backend.", no_args_is_help=True
)


def service_settings(service: str) -> ServiceSettings:
    """The service's settings as its own process would read them from the environment."""
    settings_class = importlib.import_module(f"services.{service}.config").Settings
    settings: ServiceSettings = settings_class()
    return settings


def demo_loader(service: str) -> Callable[[Any], Coroutine[Any, Any, bool]] | None:
    """The service's demo-data hook (`services/<name>/demo.py: load_demo`), if it has one."""
    try:
        module = importlib.import_module(f"services.{service}.demo")
    except ModuleNotFoundError as exc:
        if exc.name != f"services.{service}.demo":
            raise
        return None
    loader: Callable[[Any], Coroutine[Any, Any, bool]] = module.load_demo
    return loader


async def load_demo(service: str, database_url: str) -> str:
    loader = demo_loader(service)
    if loader is None:
        return "no demo data defined"
    engine = make_engine(database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            loaded = await loader(session)
            await session.commit()
    finally:
        await engine.dispose()
    return "demo data loaded" if loaded else "demo data already present"


async def purge_idempotency_keys(service: str, database_url: str) -> int:
    """Delete the service's expired Idempotency-Key records; returns how many went."""
    model: type[IdempotencyRecordMixin] = importlib.import_module(
        f"services.{service}.models"
    ).IdempotencyRecord
    engine = make_engine(database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            purged = await purge_expired(session, model)
            await session.commit()
    finally:
        await engine.dispose()
    return purged


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def _fail(message: str) -> None:
    typer.echo(f"mirps: {message}", err=True)
    raise typer.Exit(code=1)


def _chosen_services(service: str | None) -> list[str]:
    """The named service, or all of them; an unknown name is a one-line error."""
    if service is None:
        return list(SERVICE_PORT_OFFSETS)
    if service not in SERVICE_PORT_OFFSETS:
        _fail(f"unknown service '{service}'; choose one of {', '.join(SERVICE_PORT_OFFSETS)}")
    return [service]


def _process_table(base_port: int) -> dict[str, tuple[str, int]]:
    table = {"gateway": ("gateway.app:create_app", base_port)}
    for service, offset in SERVICE_PORT_OFFSETS.items():
        table[service] = (f"services.{service}.app:create_app", base_port + offset)
    table["portal"] = ("portal.app:create_app", base_port + PORTAL_PORT_OFFSET)
    table["worker"] = (WORKER_TARGET, base_port + WORKER_PORT_OFFSET)
    return table


def _environment(data_dir: Path, host: str, table: dict[str, tuple[str, int]]) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("MIRPS_ENVIRONMENT", "development")
    for service in SERVICE_PORT_OFFSETS:
        env[f"{service.upper()}_DATABASE_URL"] = f"sqlite+aiosqlite:///{data_dir / service}.db"
        env[f"GATEWAY_{service.upper()}_URL"] = f"http://{host}:{table[service][1]}"
    env["PORTAL_GATEWAY_URL"] = f"http://{host}:{table['gateway'][1]}/graphql"
    env["PORTAL_CALENDAR_URL"] = f"http://{host}:{table['events'][1]}/v1/calendar.ics"
    for upstream in RESULTS_UPSTREAMS:
        env[f"RESULTS_{upstream.upper()}_URL"] = f"http://{host}:{table[upstream][1]}"
    for service, upstreams in REFERENCE_UPSTREAMS.items():
        for upstream in upstreams:
            env[f"{service.upper()}_{upstream.upper()}_URL"] = f"http://{host}:{table[upstream][1]}"
    env.setdefault("RESULTS_REFRESH_INTERVAL_SECONDS", UP_REFRESH_SECONDS)
    return env


def _wait_until_healthy(
    processes: dict[str, subprocess.Popen[bytes]], urls: dict[str, str]
) -> str | None:
    """None when every process answers /healthz; else the name of one that died."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    pending = set(processes)
    while pending and time.monotonic() < deadline:
        for name in sorted(pending):
            if processes[name].poll() is not None:
                return name
            try:
                if httpx.get(f"{urls[name]}/healthz", timeout=1.0).status_code == 200:
                    pending.discard(name)
            except httpx.HTTPError:
                continue
        time.sleep(0.2)
    return next(iter(pending), None)


@app.command()
def up(
    data_dir: Annotated[Path, typer.Option(help="Folder of the SQLite databases.")] = Path("var"),
    port: Annotated[
        int, typer.Option(help="Gateway port; services, portal and worker take the next six.")
    ] = 8000,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    demo: Annotated[bool, typer.Option("--demo/--no-demo", help="Load the demo data set.")] = True,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="uvicorn worker processes per service and gateway (see docs/guides/speed.md).",
        ),
    ] = 1,
) -> None:
    """Migrate and run the four services, the gateway, the portal and the webhook worker on
    SQLite, until Ctrl-C."""
    table = _process_table(port)
    for name, (_, process_port) in table.items():
        if not port_is_free(host, process_port):
            _fail(f"port {process_port} ({name}) is already in use; pick another base with --port")
    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    env = _environment(data_dir, host, table)
    for service in SERVICE_PORT_OFFSETS:
        url = env[f"{service.upper()}_DATABASE_URL"]
        upgrade_to_head(service, url)
        status = asyncio.run(load_demo(service, url)) if demo else "demo data skipped"
        typer.echo(f"{service}: migrated, {status}")

    urls = {name: f"http://{host}:{process_port}" for name, (_, process_port) in table.items()}
    stopping = False

    def request_stop(_signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    commands = {
        name: _uvicorn_command(target, host, process_port, 1 if name in SINGLE_PROCESS else workers)
        for name, (target, process_port) in table.items()
    }
    supervisor = Supervisor(
        commands, urls, env, data_dir / RUN_STATE_FILE, lambda line: typer.echo(line, err=True)
    )
    supervisor.start_all()
    failed = _wait_until_healthy(supervisor.processes(), urls)
    if failed is not None:
        supervisor.stop_all()
        _fail(f"{failed} did not start; see its log above")
    supervisor.write_state()
    typer.echo(f"portal    {urls['portal']}/")
    typer.echo(f"gateway   {urls['gateway']}/graphql")
    for service in SERVICE_PORT_OFFSETS:
        typer.echo(f"{service:<9} {urls[service]}/docs")
    typer.echo(f"worker    {urls['worker']}/healthz (webhook deliveries)")
    typer.echo("Ctrl-C stops everything; `mirps health` shows each process and its restarts.")
    while not stopping:
        supervisor.tick()
        time.sleep(0.3)
    typer.echo("stopping…")
    supervisor.stop_all()


@app.command()
def worker(
    port: Annotated[int, typer.Option(help="Port of its health endpoints.")] = 8006,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
) -> None:
    """Deliver webhooks from every service's outbox until stopped (run several on PostgreSQL).

    Reads each service's database from its own variables (PLEDGES_DATABASE_URL, …).
    """
    import uvicorn

    uvicorn.run(
        WORKER_TARGET,
        factory=True,
        host=host,
        port=port,
        access_log=False,
        timeout_graceful_shutdown=10,
    )


def _uvicorn_command(target: str, host: str, port: int, workers: int = 1) -> list[str]:
    """The command of one process; with `workers` > 1, uvicorn forks that many workers
    sharing the port (one event loop each: a process uses at most one core)."""
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        target,
        "--host",
        host,
        "--port",
        str(port),
        "--no-access-log",
        "--timeout-graceful-shutdown",
        "10",
        *(["--workers", str(workers)] if workers > 1 else []),
    ]


@app.command()
def health(
    data_dir: Annotated[Path, typer.Option(help="The folder `mirps up` runs in.")] = Path("var"),
) -> None:
    """Each process of a running `mirps up`: pid, restarts, last exit code and /healthz."""
    state_file = data_dir / RUN_STATE_FILE
    if not state_file.exists():
        _fail(f"no {state_file}: is `mirps up --data-dir {data_dir}` running?")
    unhealthy = 0
    typer.echo(f"{'process':<10} {'pid':>8} {'restarts':>8} {'last exit':>9}  health")
    for name, entry in json.loads(state_file.read_text()).items():
        status = _probe(f"{entry['url']}/healthz")
        unhealthy += status != "ok"
        last_exit = "-" if entry.get("last_exit_code") is None else entry["last_exit_code"]
        typer.echo(
            f"{name:<10} {entry['pid']!s:>8} {entry.get('restarts', 0):>8} {last_exit!s:>9}  "
            f"{status}"
        )
    if unhealthy:
        raise typer.Exit(code=1)


def _probe(url: str) -> str:
    try:
        response = httpx.get(url, timeout=2.0)
    except httpx.HTTPError as exc:
        return f"down ({type(exc).__name__})"
    return "ok" if response.status_code == 200 else f"HTTP {response.status_code}"


@app.command()
def migrate(
    service: Annotated[
        str | None, typer.Argument(help="pledges, practices, events or results; default all.")
    ] = None,
) -> None:
    """Upgrade one or all services' databases to the latest migration, at their configured URLs."""
    for name in _chosen_services(service):
        upgrade_to_head(name, service_settings(name).database_url)
        typer.echo(f"{name}: at head")


@app.command("purge-idempotency")
def purge_idempotency(
    service: Annotated[
        str | None, typer.Argument(help="pledges, practices, events or results; default all.")
    ] = None,
) -> None:
    """Delete expired Idempotency-Key records of one or all services, at their configured URLs.

    Run it periodically (e.g. daily from cron); a key past its retention is never replayed.
    """
    for name in _chosen_services(service):
        purged = asyncio.run(purge_idempotency_keys(name, service_settings(name).database_url))
        typer.echo(f"{name}: {purged} expired idempotency keys purged")


@app.command()
def demo(
    service: Annotated[
        str | None, typer.Argument(help="pledges, practices, events or results; default all.")
    ] = None,
) -> None:
    """Load the demo data set into already migrated databases (skipped where data exists)."""
    for name in _chosen_services(service):
        typer.echo(f"{name}: {asyncio.run(load_demo(name, service_settings(name).database_url))}")


@app.command()
def token(
    role: Annotated[list[Role], typer.Option(help="Role(s) of the token; repeat for several.")],
    org: Annotated[str | None, typer.Option(help="Organisation id the token acts for.")] = None,
    country: Annotated[
        list[str] | None, typer.Option(help="ISO alpha-3 country of a focal point; repeatable.")
    ] = None,
    ttl: Annotated[int, typer.Option(min=1, help="Lifetime in minutes.")] = 60,
    sub: Annotated[
        str | None,
        typer.Option(help="Subject (user id); default: the same for the same roles and org."),
    ] = None,
) -> None:
    """Print a development JWT signed with MIRPS_JWT_SECRET (refused in production)."""
    settings = CommonSettings()
    if settings.is_production:
        _fail("development tokens are not issued when MIRPS_ENVIRONMENT=production")
    roles = [r.value for r in role]
    if org is None and not {Role.MEMBER.value, Role.PARTNER.value}.isdisjoint(roles):
        typer.echo("mirps: note: without --org this token acts for no organisation", err=True)
    # A stable default subject: retries with a new token are the same caller (idempotency).
    subject = sub or "dev-" + "+".join(sorted(roles)) + (f"-{org}" if org else "")
    typer.echo(
        mint_token(
            settings,
            roles=roles,
            sub=subject,
            org_id=org,
            countries=country or [],
            ttl_minutes=ttl,
        )
    )


DEFAULT_PLEDGES_URL = "http://127.0.0.1:8001"
FINISHED_STATES = ("succeeded", "failed")


@app.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV to import.")],
    url: Annotated[
        str, typer.Option(envvar="MIRPS_PLEDGES_URL", help="Base URL of the pledges service.")
    ] = DEFAULT_PLEDGES_URL,
    token: Annotated[
        str, typer.Option(envvar="MIRPS_TOKEN", help="Bearer token (see `mirps token`).")
    ] = "",
    dry_run: Annotated[bool, typer.Option(help="Check every row; write nothing.")] = False,
    poll: Annotated[float, typer.Option(min=0.05, help="Seconds between polls.")] = 0.5,
) -> None:
    """Submit a CSV to POST /v1/imports and follow the job with a progress bar until done."""
    headers = {"Content-Type": "text/csv"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    with httpx.Client(base_url=url, headers=headers, timeout=60.0) as client:
        job = follow_import(client, file, dry_run=dry_run, poll=poll)
    typer.echo(
        f"{job['state']}: {job['rows_written']} written, {job['rows_unchanged']} unchanged, "
        f"{len(job['errors'])} rows with errors of {job['rows_total']}"
    )
    for error in job["errors"][:50]:
        typer.echo(f"  row {error['row']}: {'; '.join(error['errors'])}", err=True)
    if job["state"] != "succeeded":
        typer.echo(f"mirps: {job['detail']}", err=True)
        raise typer.Exit(code=1)


def follow_import(
    client: httpx.Client, file: Path, *, dry_run: bool, poll: float
) -> dict[str, Any]:
    """POST the file (streamed), then poll the job, showing rows validated of the total."""
    with file.open("rb") as body:
        response = client.post("/v1/imports", params={"dry_run": dry_run}, content=body)
    if response.status_code != 202:
        _fail(f"import refused (HTTP {response.status_code}): {response.text[:2000]}")
    job: dict[str, Any] = response.json()
    columns = (*Progress.get_default_columns(), MofNCompleteColumn())
    with Progress(*columns, transient=False) as progress:
        task = progress.add_task(f"importing {file.name}", total=job["rows_total"])
        while True:
            progress.update(task, completed=job["rows_validated"], description=job["state"])
            if job["state"] in FINISHED_STATES:
                return job
            time.sleep(poll)
            polled = client.get(f"/v1/imports/{job['id']}")
            polled.raise_for_status()
            job = polled.json()


rollups_app = typer.Typer(help="The pledges service's report rollups.", no_args_is_help=True)
app.add_typer(rollups_app, name="rollups")


@rollups_app.command("rebuild")
def rollups_rebuild(
    check: Annotated[
        bool, typer.Option("--check", help="Only compare with a full recomputation; exit 1.")
    ] = False,
) -> None:
    """Recompute the pledges report rollups from the ledger (or, with --check, report any
    difference from the recomputation and exit 1 if there is one)."""
    from services.pledges.rollups import rebuild_or_check

    differences = asyncio.run(rebuild_or_check(service_settings("pledges").database_url, check))
    for line in differences:
        typer.echo(line)
    if check and differences:
        _fail(f"{len(differences)} rollup rows differ from the ledger")
    typer.echo("pledges: rollups match the ledger" if check else "pledges: rollups rebuilt")


references_app = typer.Typer(
    help="Checked references between services (see docs/guides/partner-sync.md).",
    no_args_is_help=True,
)
app.add_typer(references_app, name="references")


@references_app.command("sync")
def references_sync(
    service: Annotated[
        str | None, typer.Argument(help="pledges, practices, events or results; default all four.")
    ] = None,
) -> None:
    """Read the other services' change feeds into each service's table of the ids it may
    name, from its stored checkpoint to the end (bootstrap; the worker then keeps it up)."""
    from services.common.references import REFERENCING_SERVICES, sync_once

    if service is not None and service not in REFERENCING_SERVICES:
        _fail(f"unknown service '{service}'; choose one of {', '.join(REFERENCING_SERVICES)}")
    for name in [service] if service else REFERENCING_SERVICES:
        try:
            applied = asyncio.run(sync_once(name, service_settings(name)))
        except httpx.HTTPError as exc:
            _fail(f"{name}: cannot read an upstream change feed: {exc}")
        read = ", ".join(f"{count} events from {upstream}" for upstream, count in applied.items())
        typer.echo(f"{name}: references synced ({read})")


if __name__ == "__main__":
    app()
