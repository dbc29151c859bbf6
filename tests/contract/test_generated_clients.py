"""A partner generates a Python client from each service's OpenAPI document with
openapi-python-client — without a single warning — and uses it: a pledge, a practice and
an event are created and read back as typed models, and errors parse as typed Problems."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.conftest import TEST_COMMON_SETTINGS, Databases, mint_token
from tests.contract.conftest import SERVICES, served
from tests.contract.test_openapi_documents import make_app
from tests.events.conftest import event_body
from tests.practices.conftest import practice_body

# CSV uploads are plain bytes to a generated client.
CONFIG = {
    "post_hooks": [],
    # Files (CSV exports, the IATI XML, a document's bytes) are binary bodies to a client.
    "content_type_overrides": {
        "text/csv": "application/octet-stream",
        "application/xml": "application/octet-stream",
        "*/*": "application/octet-stream",
    },
}


@pytest.fixture(scope="session")
def clients(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """`{service: generator output}`; each client is importable as `<service>_client`."""
    root = tmp_path_factory.mktemp("generated")
    config = root / "config.json"
    config.write_text(json.dumps(CONFIG))
    outputs: dict[str, str] = {}
    for name in SERVICES:
        document = root / f"{name}.json"
        document.write_text(json.dumps(make_app(name).openapi()))
        done = subprocess.run(
            [
                Path(sys.executable).with_name("openapi-python-client"),
                "generate",
                "--path",
                document,
                "--meta",
                "none",
                "--config",
                config,
                "--output-path",
                root / f"{name}_client",
            ],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"},
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        outputs[name] = done.stdout + done.stderr
    sys.path.insert(0, str(root))
    yield outputs
    sys.path.remove(str(root))


@pytest.mark.parametrize("name", SERVICES)
def test_each_client_generates_without_a_warning(clients: dict[str, str], name: str) -> None:
    assert "warning" not in clients[name].lower(), clients[name]


def _client(name: str, base_url: str, **claims: Any) -> Any:
    package = importlib.import_module(f"{name}_client")
    token = mint_token(TEST_COMMON_SETTINGS, sub="generated-client", **claims)
    return package.AuthenticatedClient(base_url=base_url, token=token)


def _api(name: str, tag: str, operation: str) -> ModuleType:
    return importlib.import_module(f"{name}_client.api.{tag}.{operation}")


def _model(name: str, module: str, cls: str) -> Any:
    return getattr(importlib.import_module(f"{name}_client.models.{module}"), cls)


def test_a_generated_client_creates_and_reads_a_pledge(
    clients: dict[str, str], databases: Databases
) -> None:
    with (
        served("pledges", databases) as base,
        _client("pledges", base, roles=("secretariat",)) as client,
    ):
        org = _api("pledges", "organisations", "create_organisation").sync(
            client=client,
            body=_model("pledges", "organisation_create", "OrganisationCreate").from_dict(
                {"name": "Generated donor", "kind": "state"}
            ),
        )
        body = {
            "contributor_id": str(org.id),
            "kind": "financial",
            "title": {"en": "Generated"},
            "amount": {"amount": "1000.00", "currency": "USD"},
            "recipient_countries": ["GTM"],
            "announced_on": "2022-09-28",
        }
        create = _model("pledges", "pledge_create", "PledgeCreate").from_dict(body)
        created = _api("pledges", "pledges", "create_pledge").sync_detailed(
            client=client, body=create
        )
        assert created.status_code == 201, created.content
        pledge_read = _model("pledges", "pledge_read", "PledgeRead")
        assert isinstance(created.parsed, pledge_read)
        read = _api("pledges", "pledges", "get_pledge").sync(
            client=client, pledge_id=created.parsed.id
        )
        assert isinstance(read, pledge_read)
        assert read.title.en == "Generated"
        assert read.amount.amount == "1000.0000"
        _assert_problem(
            "pledges",
            _api("pledges", "pledges", "get_pledge").sync(client=client, pledge_id=uuid.uuid4()),
            404,
        )


def test_a_generated_client_creates_and_reads_a_practice(
    clients: dict[str, str], databases: Databases
) -> None:
    with (
        served("practices", databases) as base,
        _client("practices", base, roles=("member",), org_id="org-a") as client,
    ):
        create = _model("practices", "practice_create", "PracticeCreate").from_dict(practice_body())
        created = _api("practices", "practices", "create_practice").sync(client=client, body=create)
        practice = type(created)
        assert practice.__name__ != "Problem", created
        read = _api("practices", "practices", "get_practice").sync(
            client=client, practice_id=created.id
        )
        assert isinstance(read, practice)
        assert read.title.en == "Labour integration of refugees"
        missing = _api("practices", "practices", "get_practice").sync(
            client=client, practice_id=uuid.uuid4()
        )
        _assert_problem("practices", missing, 404)


def test_a_generated_client_creates_and_reads_an_event(
    clients: dict[str, str], databases: Databases
) -> None:
    with (
        served("events", databases) as base,
        _client("events", base, roles=("secretariat",)) as client,
    ):
        create = _model("events", "event_create", "EventCreate").from_dict(event_body())
        created = _api("events", "events", "create_event").sync(client=client, body=create)
        assert type(created).__name__ == "EventWritten", created
        read = _api("events", "events", "get_event").sync(client=client, event_id=created.id)
        assert type(read).__name__ == "EventOut", read
        assert read.title.es == "Evento de aprendizaje"
        invalid = _model("events", "event_create", "EventCreate").from_dict(
            event_body(ends_at="2023-05-16T09:00:00")
        )
        refused = _api("events", "events", "create_event").sync(client=client, body=invalid)
        _assert_problem("events", refused, 422)


def _assert_problem(name: str, parsed: Any, status: int) -> None:
    assert isinstance(parsed, _model(name, "problem", "Problem")), parsed
    assert parsed.status == status
