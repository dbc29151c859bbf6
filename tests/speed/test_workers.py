"""`mirps up --workers N` runs N uvicorn workers per service and gateway, the portal one."""

from __future__ import annotations

from services.cli import _uvicorn_command


def test_workers_are_passed_to_uvicorn_only_when_more_than_one() -> None:
    assert "--workers" not in _uvicorn_command("gateway.app:create_app", "127.0.0.1", 8000)
    command = _uvicorn_command("gateway.app:create_app", "127.0.0.1", 8000, workers=4)
    assert command[command.index("--workers") + 1] == "4"
