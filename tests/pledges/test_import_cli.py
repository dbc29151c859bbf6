"""`mirps import FILE` against a running pledges service: submits, follows, reports."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import uvicorn
from typer.testing import CliRunner

from services.cli import app
from tests.conftest import auth_headers
from tests.e2e.runner import free_port_block
from tests.pledges.conftest import SECRETARIAT, make_app

runner = CliRunner()


@contextmanager
def serving(database_url: str) -> Iterator[str]:
    """The pledges app under uvicorn on a free port, in a thread, until the block ends."""
    port = free_port_block(1)
    config = uvicorn.Config(make_app(database_url), host="127.0.0.1", port=port, log_level="error")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the pledges app did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)


def _setup(url: str) -> str:
    """An organisation and a pledge of 100 USD; returns the pledge id."""
    with httpx.Client(base_url=url, headers=SECRETARIAT) as client:
        org = client.post("/v1/organisations", json={"name": "Org", "kind": "state"}).json()
        pledge = client.post(
            "/v1/pledges",
            json={
                "contributor_id": org["id"],
                "kind": "financial",
                "title": {"en": "CLI"},
                "amount": {"amount": "100", "currency": "USD"},
                "recipient_countries": ["GTM"],
                "announced_on": "2022-09-28",
            },
        )
        assert pledge.status_code == 201, pledge.text
        pledge_id: str = pledge.json()["id"]
        return pledge_id


async def test_mirps_import_follows_the_job_to_the_end(
    database_url_for: Callable[[str], Awaitable[str]], tmp_path: Path
) -> None:
    database_url = await database_url_for("pledges")
    token = SECRETARIAT["Authorization"].removeprefix("Bearer ")
    with serving(database_url) as url:
        pledge_id = await asyncio.to_thread(_setup, url)
        header = "record_type,pledge_id,entry_type,amount,currency,value_date,recipient_country"
        good = tmp_path / "good.csv"
        rows = [f"entry,{pledge_id},commitment,1,USD,2023-01-02,GTM" for _ in range(40)]
        good.write_text("\n".join([header, *rows]) + "\n")
        args = ["import", str(good), "--url", url, "--token", token, "--poll", "0.05"]
        result = await asyncio.to_thread(runner.invoke, app, args)
        assert result.exit_code == 0, result.output
        assert "succeeded: 40 written, 0 unchanged, 0 rows with errors of 40" in result.output
        assert "40/40" in result.output  # the progress bar's rows done of the total
        bad = tmp_path / "bad.csv"
        bad.write_text(f"{header}\nentry,{pledge_id},commitment,61,USD,2023-01-02,GTM\n")
        args[1] = str(bad)
        failed = await asyncio.to_thread(runner.invoke, app, args)
        assert failed.exit_code == 1
        assert "row 1: " in failed.output
        assert "commitments would reach 101" in failed.output
        member = auth_headers("member", org_id="someone-else")["Authorization"][7:]
        refused = await asyncio.to_thread(
            runner.invoke, app, [*args[:4], "--token", member, "--poll", "0.05"]
        )
        assert refused.exit_code == 1
        assert "row 1: " in refused.output
        assert "contributing organisation" in refused.output
