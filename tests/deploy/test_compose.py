"""docker-compose.yml: valid Compose, hardened, and in step with the code it runs."""

from __future__ import annotations

import asyncio
import importlib
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import pytest
import yaml
from sqlalchemy.engine import make_url

from tests.conftest import POSTGRES_URL
from tests.deploy.config_reference import settings_classes, settings_of
from tests.deploy.conftest import (
    DOCUMENT_SERVICES,
    GATEWAY_PORT,
    IMAGE_UID,
    PROCESSES,
    REPO,
    SERVICES,
    load_compose,
    option,
)

INTERPOLATION = re.compile(r"\$\{([A-Z0-9_]+)(:?[-?])?([^}]*)\}")
APP_SERVICES = (*SERVICES, "gateway", "portal", "worker")


def validate_against_compose_spec(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            "vendor.compose-spec",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def interpolated(value: str) -> str:
    """The value as Compose would see it with every required variable set to `secret`."""
    return INTERPOLATION.sub(lambda m: m.group(3) if m.group(2) == ":-" else "secret", value)


def known_variables() -> set[str]:
    return {
        setting.variable
        for _, settings_class in settings_classes()
        for setting in settings_of(settings_class)
    }


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load_compose()


def test_compose_file_follows_the_compose_specification() -> None:
    result = validate_against_compose_spec(REPO / "docker-compose.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_specification_check_catches_a_broken_file(tmp_path: Path) -> None:
    broken = load_compose()
    broken["services"]["gateway"]["healthcheck"]["interval"] = ["not", "a", "duration"]
    broken["services"]["gateway"]["restart_policy"] = "always"
    path = tmp_path / "docker-compose.yml"
    path.write_text(yaml.safe_dump(broken))
    assert validate_against_compose_spec(path).returncode != 0


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_has_its_app_port_health_check_migration_and_database(
    compose: dict[str, Any], service: str
) -> None:
    services = compose["services"]
    target, port = PROCESSES[service]
    module, factory = target.split(":")
    assert callable(getattr(importlib.import_module(module), factory))

    definition = services[service]
    command = definition["command"]
    assert command[:3] == ["uvicorn", "--factory", target]
    assert option(command, "--port") == str(port)
    assert option(command, "--host") == "0.0.0.0"  # noqa: S104 - inside the container
    assert option(command, "--timeout-graceful-shutdown") is not None
    assert definition["healthcheck"]["test"][-1].count(f"127.0.0.1:{port}/readyz") == 1
    assert definition["depends_on"] == {
        "postgres": {"condition": "service_healthy"},
        f"migrate-{service}": {"condition": "service_completed_successfully"},
    }

    migration = services[f"migrate-{service}"]
    assert migration["command"] == ["mirps", "migrate", service]
    assert migration["restart"] == "no"
    assert migration["depends_on"] == {"postgres": {"condition": "service_healthy"}}

    variable = f"{service.upper()}_DATABASE_URL"
    for runs_on_database in (definition, migration):
        url = make_url(interpolated(runs_on_database["environment"][variable]))
        assert url.drivername == "postgresql+asyncpg"
        assert (url.host, url.port, url.database, url.username) == (
            "postgres",
            5432,
            service,
            service,
        )
    postgres = services["postgres"]["environment"]
    assert service in postgres["MIRPS_DATABASES"].split()
    assert postgres[f"{service.upper()}_DB_PASSWORD"].startswith(
        f"${{{service.upper()}_DB_PASSWORD:?"
    )


def test_gateway_reaches_each_service_and_waits_for_them(compose: dict[str, Any]) -> None:
    gateway = compose["services"]["gateway"]
    target, port = PROCESSES["gateway"]
    assert gateway["command"][:3] == ["uvicorn", "--factory", target]
    assert option(gateway["command"], "--port") == str(port)
    for service in SERVICES:
        assert gateway["environment"][f"GATEWAY_{service.upper()}_URL"] == (
            f"http://{service}:{PROCESSES[service][1]}"
        )
        assert gateway["depends_on"][service] == {"condition": "service_healthy"}
    assert "127.0.0.1:8000/readyz" in gateway["healthcheck"]["test"][-1]


def test_portal_reads_only_the_gateway_and_waits_for_it(compose: dict[str, Any]) -> None:
    portal = compose["services"]["portal"]
    target, port = PROCESSES["portal"]
    assert portal["command"][:3] == ["uvicorn", "--factory", target]
    assert option(portal["command"], "--port") == str(port)
    assert portal["environment"]["PORTAL_GATEWAY_URL"] == (
        f"http://gateway:{PROCESSES['gateway'][1]}/graphql"
    )
    assert portal["depends_on"] == {"gateway": {"condition": "service_healthy"}}
    assert portal["networks"] == ["apps"]  # no route to PostgreSQL
    assert f"127.0.0.1:{port}/readyz" in portal["healthcheck"]["test"][-1]
    assert portal["ports"] == [f"${{MIRPS_PORTAL_PORT:-{port}}}:{port}"]


def test_the_worker_reads_every_service_database_and_waits_for_the_migrations(
    compose: dict[str, Any],
) -> None:
    worker = compose["services"]["worker"]
    target, port = PROCESSES["worker"]
    assert worker["command"][:3] == ["uvicorn", "--factory", target]
    assert option(worker["command"], "--port") == str(port)
    assert f"127.0.0.1:{port}/readyz" in worker["healthcheck"]["test"][-1]
    for service in SERVICES:
        url = make_url(interpolated(worker["environment"][f"{service.upper()}_DATABASE_URL"]))
        assert (url.host, url.database, url.username) == ("postgres", service, service)
        assert worker["depends_on"][f"migrate-{service}"] == {
            "condition": "service_completed_successfully"
        }
    assert set(worker["networks"]) == {"data", "apps"}  # its databases, and the internet


def test_only_the_gateway_and_the_portal_are_published(compose: dict[str, Any]) -> None:
    published = {name for name, service in compose["services"].items() if "ports" in service}
    assert published == {"gateway", "portal"}
    assert compose["services"]["gateway"]["ports"] == [
        f"${{MIRPS_GATEWAY_PORT:-8000}}:{GATEWAY_PORT}"
    ]
    assert "data" not in compose["services"]["gateway"]["networks"]  # no route to PostgreSQL
    assert compose["networks"]["data"]["internal"] is True


def test_secrets_are_required_from_the_environment_never_written_down(
    compose: dict[str, Any],
) -> None:
    text = (REPO / "docker-compose.yml").read_text()
    for secret in ("POSTGRES_PASSWORD", "PLEDGES_DB_PASSWORD", "MIRPS_JWT_JWKS_URL"):
        for match in re.finditer(rf"\$\{{{secret}(:?[-?])?", text):
            assert match.group(1) == ":?", f"{secret} must be required with ${{{secret}:?…}}"
    for service in APP_SERVICES:
        environment = compose["services"][service]["environment"]
        assert "MIRPS_JWT_SECRET" not in environment
        assert environment["MIRPS_ENVIRONMENT"] == "production"


def test_every_variable_given_to_the_apps_is_a_setting_the_code_reads(
    compose: dict[str, Any],
) -> None:
    known = known_variables()
    for name, service in compose["services"].items():
        if name == "postgres":
            continue
        unknown = {
            variable
            for variable in service["environment"]
            if variable not in known and not variable.startswith("OTEL_")
        }
        assert not unknown, f"{name} sets variables no settings class reads: {unknown}"


@pytest.mark.parametrize("service", [*APP_SERVICES, *(f"migrate-{s}" for s in SERVICES)])
def test_app_containers_are_hardened(compose: dict[str, Any], service: str) -> None:
    definition = compose["services"][service]
    assert definition["user"] == f"{IMAGE_UID}:{IMAGE_UID}"
    assert definition["read_only"] is True
    assert definition["cap_drop"] == ["ALL"]
    assert "no-new-privileges:true" in definition["security_opt"]
    assert definition["build"]["dockerfile"] == "deploy/Dockerfile"


async def _admin(statement: str) -> None:
    assert POSTGRES_URL is not None
    dsn = make_url(POSTGRES_URL).set(drivername="postgresql").render_as_string(False)
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@pytest.mark.skipif(not POSTGRES_URL, reason="needs MIRPS_TEST_POSTGRES_URL")
async def test_init_script_creates_one_database_owned_by_one_role_per_service() -> None:
    assert POSTGRES_URL is not None
    url = make_url(POSTGRES_URL)
    name = f"mirps_init_{uuid.uuid4().hex[:8]}"
    environment = {
        **os.environ,
        "POSTGRES_USER": url.username or "postgres",
        "PGHOST": url.host or "127.0.0.1",
        "PGPORT": str(url.port or 5432),
        "MIRPS_DATABASES": name,
        f"{name.upper()}_DB_PASSWORD": "secret-for-the-test",
    }
    if url.password:
        environment["PGPASSWORD"] = url.password
    try:
        result = await asyncio.to_thread(
            subprocess.run,
            ["/bin/sh", str(REPO / "deploy" / "compose" / "create-databases.sh")],
            env=environment,
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        dsn = url.set(drivername="postgresql", username=name, database=name)
        connection = await asyncpg.connect(dsn.render_as_string(False))
        try:
            await connection.execute("CREATE TABLE owned_by_the_service (id int)")
            owner = await connection.fetchval(
                "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = $1", name
            )
        finally:
            await connection.close()
        assert owner == name
    finally:
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await _admin(f'DROP ROLE IF EXISTS "{name}"')


def test_init_script_refuses_a_missing_password() -> None:
    result = subprocess.run(
        ["/bin/sh", str(REPO / "deploy" / "compose" / "create-databases.sh")],
        env={"PATH": os.environ["PATH"], "MIRPS_DATABASES": "pledges"},
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )
    assert result.returncode != 0
    assert "PLEDGES_DB_PASSWORD is not set" in result.stderr


def test_results_reads_the_other_services_and_refreshes_on_a_schedule(
    compose: dict[str, Any],
) -> None:
    results = compose["services"]["results"]
    environment = results["environment"]
    for upstream in ("pledges", "practices", "events"):
        assert environment[f"RESULTS_{upstream.upper()}_URL"] == (
            f"http://{upstream}:{PROCESSES[upstream][1]}"
        )
    assert "apps" in results["networks"]
    assert environment["RESULTS_REFRESH_INTERVAL_SECONDS"].startswith("${RESULTS_REFRESH")
    assert compose["services"]["gateway"]["depends_on"]["results"] == {
        "condition": "service_healthy"
    }


def test_documents_are_kept_on_a_named_volume_the_image_user_owns(
    compose: dict[str, Any],
) -> None:
    assert "documents" in compose["volumes"]
    for service in DOCUMENT_SERVICES:
        definition = compose["services"][service]
        assert "documents:/var/lib/mirps/documents" in definition["volumes"]
        folder = definition["environment"][f"{service.upper()}_DOCUMENTS_DIR"]
        assert folder == f"/var/lib/mirps/documents/{service}"
    dockerfile = (REPO / "deploy" / "Dockerfile").read_text()
    assert f"chown {IMAGE_UID}:{IMAGE_UID} /var/lib/mirps/documents" in dockerfile
