"""The storage interface, the same on both backends: content-addressed, idempotent puts."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from services.common.storage import StoredObjectMissing, make_storage
from services.events.config import Settings
from tests.conftest import TEST_COMMON_SETTINGS


def storage_for(settings: dict[str, Any]) -> Any:
    return make_storage(Settings(mirps=TEST_COMMON_SETTINGS, **settings), "events")


async def test_a_put_is_keyed_by_the_sha256_and_read_back(storage_settings: dict[str, Any]) -> None:
    storage = storage_for(storage_settings)
    content = b"Acta de la reunion del grupo de trabajo"

    key = await storage.put(content)
    again = await storage.put(content)

    assert key == again == hashlib.sha256(content).hexdigest()
    assert await storage.exists(key)
    assert await storage.get(key) == content
    await storage.delete(key)
    assert not await storage.exists(key)
    with pytest.raises(StoredObjectMissing):
        await storage.get(key)
    await storage.delete(key)  # deleting what is gone is not an error


async def test_a_key_that_is_not_a_hash_never_becomes_a_path(tmp_path: Path) -> None:
    storage = storage_for({"documents_dir": tmp_path})
    with pytest.raises(ValueError, match="not a content key"):
        await storage.get("../../etc/passwd")


def test_the_s3_backend_needs_a_bucket() -> None:
    with pytest.raises(ValueError, match="EVENTS_DOCUMENTS_S3_BUCKET"):
        Settings(mirps=TEST_COMMON_SETTINGS, documents_backend="s3")


def test_a_scanner_that_cannot_be_imported_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="documents_scanner"):
        Settings(mirps=TEST_COMMON_SETTINGS, documents_scanner="nowhere.module:scan")
