"""What the deployment tests share: the repository's layout and the processes the code defines."""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from services.cli import PORTAL_PORT_OFFSET, SERVICE_PORT_OFFSETS, WORKER_PORT_OFFSET, WORKER_TARGET
from services.common.storage import DocumentSettings

REPO = Path(__file__).resolve().parents[2]
SERVICES = tuple(SERVICE_PORT_OFFSETS)
GATEWAY_PORT = 8000
# The process table the code defines (services/cli.py): name -> (factory target, port).
PROCESSES = {
    "gateway": ("gateway.app:create_app", GATEWAY_PORT),
    **{
        service: (f"services.{service}.app:create_app", GATEWAY_PORT + offset)
        for service, offset in SERVICE_PORT_OFFSETS.items()
    },
    "portal": ("portal.app:create_app", GATEWAY_PORT + PORTAL_PORT_OFFSET),
    "worker": (WORKER_TARGET, GATEWAY_PORT + WORKER_PORT_OFFSET),
}
IMAGE_UID = 10001
# The services that keep uploaded documents (their settings carry the storage settings).
DOCUMENT_SERVICES = tuple(
    service
    for service in SERVICES
    if issubclass(importlib.import_module(f"services.{service}.config").Settings, DocumentSettings)
)
OVERLAYS = ("dev", "production")


def load_compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    return document


def option(command: list[str], name: str) -> str | None:
    """The value after `name` in an argv list."""
    if name not in command:
        return None
    return command[command.index(name) + 1]


def container_specs(pod: dict[str, Any]) -> list[dict[str, Any]]:
    """Every container of a pod spec, init containers included."""
    return [*pod.get("initContainers", []), *pod["containers"]]


def _kustomize_command() -> list[str] | None:
    if kubectl := shutil.which("kubectl"):
        return [kubectl, "kustomize"]
    if kustomize := shutil.which("kustomize"):
        return [kustomize, "build"]
    bundled = Path(sys.prefix) / "bin" / "kubectl"  # installed by .ci/run on a fresh machine
    if bundled.exists():
        return [str(bundled), "kustomize"]
    return None


def render_overlay(overlay: str) -> list[dict[str, Any]]:
    command = _kustomize_command()
    if command is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but neither kubectl nor kustomize is installed (see .ci/run)")
        pytest.skip("rendering the overlays needs kubectl or kustomize (.ci/run installs it)")
    result = subprocess.run(
        [*command, str(REPO / "deploy" / "k8s" / "overlays" / overlay)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return [document for document in yaml.safe_load_all(result.stdout) if document]


@pytest.fixture(scope="session")
def rendered() -> dict[str, list[dict[str, Any]]]:
    """Every overlay rendered by kustomize, once per test session."""
    return {overlay: render_overlay(overlay) for overlay in OVERLAYS}
