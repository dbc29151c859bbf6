"""deploy/Dockerfile: multi-stage, installs from the hash-pinned lock, runs as a non-root user."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.deploy.conftest import IMAGE_UID, PROCESSES, REPO, SERVICES, option

DOCKERFILE = REPO / "deploy" / "Dockerfile"
RUNTIME_LOCK = REPO / "requirements" / "runtime.lock"


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def arguments(self, keyword: str) -> list[str]:
        return [argument for instruction, argument in self.instructions if instruction == keyword]


def parse(text: str) -> tuple[dict[str, str], list[Stage]]:
    """Global ARGs and the build stages: continuation lines joined, comments dropped."""
    joined = re.sub(r"\\\n", " ", text)
    arguments: dict[str, str] = {}
    stages: list[Stage] = []
    for raw in joined.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, argument = line.partition(" ")
        keyword, argument = keyword.upper(), argument.strip()
        if keyword == "FROM":
            words = argument.split()
            base = re.sub(r"\$\{(\w+)\}", lambda m: arguments.get(m.group(1), m.group(0)), words[0])
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else None
            stages.append(Stage(base, name))
        elif not stages:
            assert keyword == "ARG", f"only ARG may come before FROM, not {keyword}"
            variable, _, default = argument.partition("=")
            arguments[variable] = default
        else:
            stages[-1].instructions.append((keyword, argument))
    return arguments, stages


RUNTIME_LIBRARIES = {"libpango-1.0-0", "libpangoft2-1.0-0", "fonts-dejavu-core"}


@pytest.fixture(scope="module")
def stages() -> list[Stage]:
    return parse(DOCKERFILE.read_text())[1]


def test_image_is_multi_stage_on_a_slim_python(stages: list[Stage]) -> None:
    assert len(stages) >= 2
    for stage in stages:
        assert re.fullmatch(r"python:3\.11-slim(-\w+)?", stage.base), stage.base
    final = stages[-1]
    assert any(argument.startswith("--from=build") for argument in final.arguments("COPY"))
    for run in final.arguments("RUN"):
        assert "pip install" not in run
        if "apt-get install" in run:
            # Only the shared libraries the portal's PDF needs at run time: no compiler.
            packages = set(run.split("apt-get install", 1)[1].split("&&")[0].split())
            assert packages - {"--yes", "--no-install-recommends"} == RUNTIME_LIBRARIES
            assert "rm -rf /var/lib/apt/lists/*" in run


def test_dependencies_come_from_the_hash_pinned_runtime_lock(stages: list[Stage]) -> None:
    build = stages[0]
    installs = [run for run in build.arguments("RUN") if "pip install" in run]
    from_lock = [run for run in installs if "-r requirements/runtime.lock" in run]
    assert from_lock, "no pip install from requirements/runtime.lock"
    assert "--require-hashes" in from_lock[0]
    assert "--only-binary=:all:" in from_lock[0]  # no compiler needed, none shipped
    project = [run for run in installs if "--no-build-isolation ." in run]
    assert project, "the project is installed without fetching a build backend"
    assert "--no-deps" in project[0]
    assert "requirements/runtime.lock" in " ".join(build.arguments("COPY"))
    assert any("PIP_NO_CACHE_DIR=1" in env for env in build.arguments("ENV"))


def test_runtime_lock_is_hash_pinned_and_can_build_the_project() -> None:
    lock = RUNTIME_LOCK.read_text()
    pins = re.findall(r"^([a-z0-9][a-z0-9._-]*)==\S+", lock, flags=re.MULTILINE)
    assert "hatchling" in pins
    for needed in ("uvicorn", "fastapi", "asyncpg", "alembic", "prometheus-client"):
        assert needed in pins
    requirement_blocks = re.split(r"\n(?=[a-z0-9])", lock.strip())
    assert all("--hash=sha256:" in block for block in requirement_blocks if "==" in block)


def test_final_image_runs_as_an_unprivileged_user(stages: list[Stage]) -> None:
    final = stages[-1]
    (user,) = final.arguments("USER")
    uid, _, gid = user.partition(":")
    assert uid == str(IMAGE_UID)
    assert gid == str(IMAGE_UID)
    assert any(f"--uid {IMAGE_UID}" in run for run in final.arguments("RUN"))
    # USER comes after everything that needs root.
    keywords = [keyword for keyword, _ in final.instructions]
    assert "RUN" not in keywords[keywords.index("USER") :]


def test_default_command_runs_the_gateway_with_graceful_shutdown(stages: list[Stage]) -> None:
    (cmd,) = stages[-1].arguments("CMD")
    command = json.loads(cmd)
    target, port = PROCESSES["gateway"]
    assert command[:3] == ["uvicorn", "--factory", target]
    assert option(command, "--port") == str(port)
    assert option(command, "--timeout-graceful-shutdown") is not None
    environment = " ".join(stages[-1].arguments("ENV"))
    assert "MIRPS_ENVIRONMENT=production" in environment
    assert "PYTHONDONTWRITEBYTECODE=1" in environment  # read-only root filesystem


def test_build_context_is_limited_to_what_the_image_needs() -> None:
    rules = [
        line.strip()
        for line in (REPO / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert rules[0] == "**"
    included = {rule[1:].rstrip("/") for rule in rules if rule.startswith("!")}
    assert included == {
        "requirements/runtime.lock",
        "pyproject.toml",
        "README.md",
        "services",
        "gateway",
        "portal",
    }
    copied: set[str] = set()
    for stage in parse(DOCKERFILE.read_text())[1]:
        for argument in stage.arguments("COPY"):
            words = shlex.split(argument)
            if not words[0].startswith("--from"):
                copied.update(word.rstrip("/") for word in words[:-1])
    assert copied <= included
    assert copied >= {
        "requirements/runtime.lock",
        "services",
        "gateway",
        "portal",
        "pyproject.toml",
    }


def test_project_wheel_carries_every_service_and_its_migrations(tmp_path: Path) -> None:
    """What `pip install .` puts in the image: the code and every migration, nothing else."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--wheel-dir",
            str(tmp_path),
            str(REPO),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    (wheel,) = tmp_path.glob("*.whl")
    packaged = set(zipfile.ZipFile(wheel).namelist())
    for target, _ in PROCESSES.values():
        module = target.partition(":")[0]
        assert f"{module.replace('.', '/')}.py" in packaged
    # The portal renders from its own templates and serves its own stylesheet.
    assert {"portal/templates/base.html", "portal/static/portal.css"} <= packaged
    for service in SERVICES:
        migrations = REPO / "services" / service / "migrations"
        expected = [migrations / "env.py", *sorted((migrations / "versions").glob("*.py"))]
        assert len(expected) > 1
        for path in expected:
            assert path.relative_to(REPO).as_posix() in packaged
    assert not [name for name in packaged if name.startswith(("tests/", "var/", "deploy/"))]
    assert not [name for name in packaged if name.endswith((".db", ".pyc"))]
