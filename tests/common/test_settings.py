"""Settings: safe defaults, and production refuses development secrets and SQLite."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.common.settings import DEVELOPMENT_JWT_SECRET, CommonSettings
from services.pledges.config import Settings as PledgesSettings
from services.practices.config import Settings as PracticesSettings

PRODUCTION_COMMON = {"environment": "production", "jwt_jwks_url": "https://idp.example/jwks"}


def test_development_defaults_to_a_sqlite_file_per_service(monkeypatch) -> None:
    monkeypatch.delenv("PLEDGES_DATABASE_URL", raising=False)
    assert PledgesSettings().database_url == "sqlite+aiosqlite:///var/pledges.db"
    assert PracticesSettings().database_url == "sqlite+aiosqlite:///var/practices.db"


def test_service_settings_read_their_own_prefix(monkeypatch) -> None:
    monkeypatch.setenv("PLEDGES_DATABASE_URL", "postgresql+asyncpg://db/pledges")
    monkeypatch.setenv("PRACTICES_DATABASE_URL", "postgresql+asyncpg://db/practices")
    monkeypatch.setenv("MIRPS_LOG_LEVEL", "DEBUG")
    settings = PledgesSettings()
    assert settings.database_url == "postgresql+asyncpg://db/pledges"
    assert settings.mirps.log_level == "DEBUG"


def test_production_refuses_the_development_jwt_secret(monkeypatch) -> None:
    monkeypatch.setenv("MIRPS_ENVIRONMENT", "production")
    monkeypatch.setenv("MIRPS_JWT_SECRET", DEVELOPMENT_JWT_SECRET)
    with pytest.raises(ValidationError, match="MIRPS_JWT_JWKS_URL"):
        CommonSettings()


def test_production_requires_a_jwks_url() -> None:
    with pytest.raises(ValidationError, match="MIRPS_JWT_JWKS_URL"):
        CommonSettings(environment="production", jwt_secret="a-long-random-production-secret")


def test_production_refuses_sqlite_and_names_the_variable() -> None:
    common = CommonSettings(**PRODUCTION_COMMON)
    with pytest.raises(ValidationError, match="PLEDGES_DATABASE_URL"):
        PledgesSettings(database_url="sqlite+aiosqlite:///var/pledges.db", mirps=common)


def test_production_accepts_postgresql_and_jwks() -> None:
    common = CommonSettings(**PRODUCTION_COMMON)
    settings = PledgesSettings(database_url="postgresql+asyncpg://db/pledges", mirps=common)
    assert settings.mirps.is_production
