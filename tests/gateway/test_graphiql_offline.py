"""GraphiQL works without internet: its page loads nothing from another host, and every
script and stylesheet it names is served by the gateway itself."""

from __future__ import annotations

import re

from gateway.app import create_app
from tests.gateway.conftest import RunApp, gateway_settings

ASSET = re.compile(r'(?:src|href)="([^"]+)"')


async def test_the_graphiql_page_references_no_external_host_and_its_assets_answer(
    run_app: RunApp,
) -> None:
    client = await run_app(create_app(gateway_settings(graphiql=True)))

    page = await client.get("/graphql", headers={"Accept": "text/html"})
    assets = [url for url in ASSET.findall(page.text) if not url.startswith("data:")]
    answers = {url: await client.get(url) for url in assets}

    assert page.status_code == 200
    assert "GraphiQL" in page.text
    assert "://" not in " ".join(assets), assets
    assert "unpkg.com" not in page.text
    assert len(assets) == 7
    assert {url: answer.status_code for url, answer in answers.items()} == dict.fromkeys(
        assets, 200
    )
    assert len(answers["/graphql-static/graphiql.min.js"].content) > 1_000_000
