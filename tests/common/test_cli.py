"""The `mirps` command: token, migrate, demo and the demo hook."""

from __future__ import annotations

import sqlite3

import pytest
from typer.testing import CliRunner

from services.cli import app, load_demo
from services.common.auth import TokenVerifier
from tests.conftest import TEST_COMMON_SETTINGS
from tests.e2e.runner import free_port_block

runner = CliRunner()


async def test_token_is_accepted_by_the_services(monkeypatch) -> None:
    monkeypatch.setenv("MIRPS_ENVIRONMENT", "test")
    result = runner.invoke(
        app,
        [
            "token",
            "--role",
            "country_focal_point",
            "--country",
            "gtm",
            "--org",
            "o-1",
            "--sub",
            "ana",
            "--ttl",
            "5",
        ],
    )
    assert result.exit_code == 0, result.output
    principal = await TokenVerifier(TEST_COMMON_SETTINGS).verify(result.output.strip())
    assert principal.sub == "ana"
    assert principal.roles == {"country_focal_point"}
    assert principal.countries == {"GTM"}
    assert principal.org_id == "o-1"


def test_token_is_refused_in_production(monkeypatch) -> None:
    monkeypatch.setenv("MIRPS_ENVIRONMENT", "production")
    monkeypatch.setenv("MIRPS_JWT_JWKS_URL", "https://idp.example/jwks")
    result = runner.invoke(app, ["token", "--role", "secretariat"])
    assert result.exit_code == 1
    assert "production" in result.output


def test_token_rejects_an_unknown_role() -> None:
    result = runner.invoke(app, ["token", "--role", "emperor"])
    assert result.exit_code == 2


def test_migrate_one_service_at_its_configured_url(monkeypatch, tmp_path) -> None:
    database = tmp_path / "pledges.db"
    monkeypatch.setenv("PLEDGES_DATABASE_URL", f"sqlite+aiosqlite:///{database}")
    result = runner.invoke(app, ["migrate", "pledges"])
    assert result.exit_code == 0, result.output
    assert "pledges: at head" in result.output
    with sqlite3.connect(database) as connection:
        (version,) = connection.execute(
            "SELECT version_num FROM alembic_version_pledges"
        ).fetchone()
    assert version.startswith("pledges_")


def test_migrate_unknown_service_is_an_error() -> None:
    result = runner.invoke(app, ["migrate", "payroll"])
    assert result.exit_code == 1


async def test_default_subject_is_stable_so_retries_are_the_same_caller(monkeypatch) -> None:
    monkeypatch.setenv("MIRPS_ENVIRONMENT", "test")
    verifier = TokenVerifier(TEST_COMMON_SETTINGS)
    subjects = set()
    for _ in range(2):
        result = runner.invoke(app, ["token", "--role", "partner", "--org", "o-9"])
        subjects.add((await verifier.verify(result.stdout.strip())).sub)
    assert subjects == {"dev-partner-o-9"}


def test_member_token_without_org_warns() -> None:
    result = runner.invoke(app, ["token", "--role", "member"])
    assert result.exit_code == 0
    assert "acts for no organisation" in result.stderr


def test_demo_for_an_unknown_service_is_a_one_line_error() -> None:
    result = runner.invoke(app, ["demo", "payroll"])
    assert result.exit_code == 1
    assert "unknown service 'payroll'" in result.output


@pytest.mark.parametrize("service", ["pledges", "practices", "events"])
async def test_demo_data_loads_once_so_make_run_can_be_run_again(
    service: str, database_url_for
) -> None:
    url = await database_url_for(service)
    assert await load_demo(service, url) == "demo data loaded"
    assert await load_demo(service, url) == "demo data already present"


def test_references_sync_names_the_feed_it_cannot_read(monkeypatch, tmp_path) -> None:
    database = f"sqlite+aiosqlite:///{tmp_path / 'pledges.db'}"
    monkeypatch.setenv("MIRPS_ENVIRONMENT", "test")
    monkeypatch.setenv("PLEDGES_DATABASE_URL", database)
    monkeypatch.setenv("PLEDGES_EVENTS_URL", f"http://127.0.0.1:{free_port_block(1)}")
    assert runner.invoke(app, ["migrate", "pledges"]).exit_code == 0

    result = runner.invoke(app, ["references", "sync", "pledges"])

    assert result.exit_code == 1
    assert "pledges: cannot read an upstream change feed" in result.output


def test_references_sync_of_an_unknown_service_is_a_one_line_error() -> None:
    result = runner.invoke(app, ["references", "sync", "payroll"])
    assert result.exit_code == 1
    assert "choose one of pledges, practices, events, results" in result.output
