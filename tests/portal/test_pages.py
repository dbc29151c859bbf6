"""The portal's pages against a fake gateway: what a reader sees when parts are missing."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager

from portal.app import create_app
from portal.config import PortalSettings
from portal.figures import Figure, neutralise
from portal.pages import half_years
from services.common.settings import CommonSettings

Handler = Callable[[dict[str, Any]], dict[str, Any]]

STRATEGY_ANSWER = {
    "strategy": {
        "code": "sp-2022-2023",
        "title": {"es": "Estrategia de la Plataforma", "en": "Support Platform strategy"},
        "status": "ON_TRACK",
        "objectives": [
            {
                "code": "1",
                "title": {"es": "Movilizar apoyo", "en": "Mobilise support"},
                "status": "AT_RISK",
                "activities": [
                    {
                        "code": "1.1",
                        "title": {"es": "Visibilidad", "en": "Visibility"},
                        "outcomes": [
                            {
                                "code": "1.1.1",
                                "title": {"es": "Página pública", "en": "A public web page"},
                                "status": "ACHIEVED",
                                "indicators": [
                                    {
                                        "id": "ind-1",
                                        "name": {
                                            "es": "Síntesis publicadas",
                                            "en": "Syntheses published",
                                        },
                                        "unit": "count",
                                        "direction": "UP",
                                        "target": 2,
                                        "source": "portal",
                                        "latest": {
                                            "value": 3,
                                            "period": "2023-H2",
                                            "computedAt": "2024-01-02T00:00:00Z",
                                            "stale": False,
                                        },
                                    }
                                ],
                            }
                        ],
                    }
                ],
            }
        ],
    }
}


def fake_gateway(handler: Handler, calls: list[dict[str, Any]]) -> httpx.MockTransport:
    def respond(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        calls.append(body)
        assert "authorization" not in request.headers  # the portal reads anonymously
        return httpx.Response(200, json=handler(body))

    return httpx.MockTransport(respond)


async def get(handler: Handler, *paths: str, **settings: Any) -> list[httpx.Response]:
    calls: list[dict[str, Any]] = []
    app = create_app(PortalSettings(**settings), transport=fake_gateway(handler, calls))
    async with LifespanManager(app):
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://portal")
        async with client:
            return [await client.get(path) for path in paths]


async def test_strategy_page_says_not_available_when_the_gateway_has_no_such_field() -> None:
    def handler(body: dict[str, Any]) -> dict[str, Any]:
        return {
            "data": None,
            "errors": [
                {
                    "message": "Cannot query field 'strategy' on type 'Query'.",
                    "extensions": {"code": "BAD_USER_INPUT"},
                }
            ],
        }

    (spanish, english) = await get(handler, "/es/strategy", "/en/strategy")
    assert spanish.status_code == english.status_code == 200
    assert "No disponible" in spanish.text
    assert "Not available" in english.text
    assert 'id="missing-notice"' in english.text
    assert english.headers["cache-control"] == "no-cache"


async def test_strategy_page_shows_objectives_outcomes_and_indicators_when_available() -> None:
    (page,) = await get(lambda body: {"data": STRATEGY_ANSWER}, "/en/strategy")
    assert page.status_code == 200
    assert "missing-notice" not in page.text
    for shown in (
        "Mobilise support",
        "At risk",
        "A public web page",
        "Achieved",
        "Syntheses published",
        "3 (2023-H2)",
    ):
        assert shown in page.text


def _partial_home(body: dict[str, Any]) -> dict[str, Any]:
    """The pledges service is down: its fields are null, the countries are there."""
    return {
        "data": {
            "countries": [{"code": "GTM", "name": {"es": "Guatemala", "en": "Guatemala"}}],
            "byCountry": None,
            "byContributorKind": None,
            "pledges": None,
            "gaps": None,
        },
        "errors": [
            {
                "message": "the pledges service is unavailable (connection refused)",
                "path": ["byCountry"],
                "extensions": {"code": "SERVICE_UNAVAILABLE", "service": "pledges"},
            }
        ],
    }


async def test_home_renders_what_it_has_and_names_the_missing_service() -> None:
    (page,) = await get(_partial_home, "/en/")
    assert page.status_code == 200
    assert "The pledges service is not answering" in page.text
    assert "/en/countries/GTM" in page.text
    assert page.headers["cache-control"] == "no-cache"


async def test_pages_render_a_notice_when_the_gateway_itself_is_unreachable() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    app = create_app(PortalSettings(), transport=httpx.MockTransport(refuse))
    async with LifespanManager(app):
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://portal")
        async with client:
            for path in (
                "/es/",
                "/en/countries/GTM",
                "/es/synthesis/2023-H1",
                "/en/practices",
                "/es/events",
                "/en/strategy",
            ):
                page = await client.get(path)
                assert page.status_code == 200, path
                assert 'id="missing-notice"' in page.text, path
            assert (await client.get("/readyz")).status_code == 503


async def test_a_complete_answer_is_reused_and_an_unchanged_page_is_304() -> None:
    calls: list[dict[str, Any]] = []
    app = create_app(
        PortalSettings(), transport=fake_gateway(lambda b: {"data": STRATEGY_ANSWER}, calls)
    )
    async with LifespanManager(app):
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://portal")
        async with client:
            first = await client.get("/en/strategy")
            again = await client.get(
                "/en/strategy", headers={"If-None-Match": first.headers["etag"]}
            )
    assert len(calls) == 1
    assert again.status_code == 304
    assert first.headers["cache-control"].startswith("public, max-age=")


async def test_an_answer_with_errors_is_asked_again() -> None:
    calls: list[dict[str, Any]] = []
    app = create_app(PortalSettings(), transport=fake_gateway(_partial_home, calls))
    async with LifespanManager(app):
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://portal")
        async with client:
            await client.get("/en/")
            await client.get("/en/")
    assert len(calls) == 2


async def test_root_redirects_to_spanish_and_unknown_language_or_country_is_404() -> None:
    pages = await get(
        lambda body: {"data": {"country": None}},
        "/",
        "/fr/",
        "/es/countries/XXX",
        "/es/countries/gt",
    )
    assert pages[0].status_code == 307
    assert pages[0].headers["location"] == "/es/"
    assert [p.status_code for p in pages[1:]] == [404, 404, 404]
    assert all('<html lang="es">' in p.text for p in pages[1:])


@pytest.mark.parametrize(
    ("cell", "safe"),
    [
        ('=HYPERLINK("x")', '\'=HYPERLINK("x")'),
        ("+1+cmd", "'+1+cmd"),
        ("-cmd", "'-cmd"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("-1250.50", "-1250.50"),
        ("Guatemala", "Guatemala"),
    ],
)
def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(cell: str, safe: str) -> None:
    assert neutralise(cell) == safe


def test_figure_csv_has_header_and_exact_decimals_and_svg_is_labelled() -> None:
    figure = Figure(
        slug="t",
        title="Support <by> country",
        description="Amounts",
        columns=("Country", "Pledged (USD)"),
        rows=(("=evil", "31800000.00"),),
        as_of="2024-01-01",
    )
    assert figure.csv() == "Country,Pledged (USD)\r\n'=evil,31800000.00\r\n"
    svg = figure.svg
    assert svg.startswith('<svg role="img" aria-labelledby="fig-t-title fig-t-desc"')
    assert '<title id="fig-t-title">Support &lt;by&gt; country</title>' in svg


def test_half_years_run_from_the_first_to_today() -> None:
    assert half_years("2022-H2", date(2023, 7, 1)) == ["2022-H2", "2023-H1", "2023-H2"]


async def test_a_search_the_gateway_refuses_is_a_400_that_says_why_not_an_outage() -> None:
    def handler(body: dict[str, Any]) -> dict[str, Any]:
        return {
            "data": {"practices": None, "themes": [], "countries": []},
            "errors": [
                {
                    "message": "`after` is not a cursor of this list",
                    "path": ["practices"],
                    "extensions": {"code": "BAD_USER_INPUT", "argument": "after"},
                }
            ],
        }

    (page,) = await get(handler, "/en/practices?after=garbage")
    assert page.status_code == 400
    assert "This search could not be run" in page.text
    assert "`after` is not a cursor of this list" in page.text
    assert "missing-notice" not in page.text


async def test_a_reader_past_the_quota_gets_429_with_the_ratelimit_headers() -> None:
    mirps = CommonSettings(environment="test", rate_limit="2/minute")
    pages = await get(lambda b: {"data": STRATEGY_ANSWER}, *["/en/strategy"] * 3, mirps=mirps)
    assert [page.status_code for page in pages] == [200, 200, 429]
    assert pages[0].headers["RateLimit-Policy"] == '"2-per-60s";q=2;w=60'
    assert pages[2].headers["content-type"] == "application/problem+json"
    assert int(pages[2].headers["Retry-After"]) > 0


def _country_answer(indicators: list[dict[str, Any]] | None) -> dict[str, Any]:
    return {
        "country": {
            "code": "GTM",
            "name": {"es": "Guatemala", "en": "Guatemala"},
            "gaps": None,
            "pledges": {"totalCount": 0, "nodes": []},
            "practices": {"totalCount": 0, "nodes": []},
            "events": {"nodes": []},
            "indicators": indicators,
        }
    }


GTM_INDICATOR = {
    "id": "ind-gtm",
    "name": {"es": "Personas con empleo formal", "en": "People in formal jobs"},
    "unit": "count",
    "target": "1000",
    "latest": {"value": "640", "period": "2023-H1", "stale": False},
}


async def test_a_country_page_shows_its_indicators_from_the_same_request() -> None:
    calls: list[dict[str, Any]] = []
    app = create_app(
        PortalSettings(),
        transport=fake_gateway(lambda b: {"data": _country_answer([GTM_INDICATOR])}, calls),
    )
    async with LifespanManager(app):
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://portal")
        async with client:
            spanish = await client.get("/es/countries/GTM")
            english = await client.get("/en/countries/GTM")
    assert len(calls) == 1  # one gateway request for the page, in both languages
    assert "indicators" in calls[0]["query"]
    assert "Personas con empleo formal" in spanish.text
    assert "Periodo" in spanish.text
    row = english.text.split('id="indicators"', 1)[1].split("</table>", 1)[0]
    for shown in ("People in formal jobs", "640", "2023-H1", "1000"):
        assert shown in row, shown
    assert "missing-notice" not in english.text


async def test_a_country_without_indicators_says_so() -> None:
    (page,) = await get(lambda b: {"data": _country_answer([])}, "/en/countries/GTM")
    assert "No National Action Plan indicators are recorded for this country." in page.text


async def test_a_country_page_says_indicators_are_not_available_when_results_is_down() -> None:
    def handler(body: dict[str, Any]) -> dict[str, Any]:
        return {
            "data": _country_answer(None),
            "errors": [
                {
                    "message": "the results service is unavailable (connection refused)",
                    "path": ["country", "indicators"],
                    "extensions": {"code": "SERVICE_UNAVAILABLE", "service": "results"},
                }
            ],
        }

    (spanish, english) = await get(handler, "/es/countries/GTM", "/en/countries/GTM")
    assert spanish.status_code == english.status_code == 200
    assert 'id="indicators-unavailable"' in english.text
    assert "indicators are not available: the results service" in english.text
    assert "Los indicadores del país no están disponibles" in spanish.text
    assert 'id="missing-notice"' in english.text


def _event(title: str, starts_at: str) -> dict[str, Any]:
    return {
        "title": {"es": f"{title} (es)", "en": title},
        "kind": "LEARNING_EVENT",
        "status": "SCHEDULED",
        "startsAt": starts_at,
        "endsAt": starts_at,
        "timezone": "America/Panama",
        "mode": "VIRTUAL",
        "city": None,
        "country": None,
        "themes": [],
    }


PAST = [_event(f"Event {n}", f"2023-{n:02d}-10T10:00:00") for n in range(1, 13)]


def _events_answer(
    upcoming: list[dict[str, Any]], past: list[dict[str, Any]], more: bool = False
) -> Handler:
    return lambda body: {
        "data": {
            "events": {"totalCount": len(upcoming), "nodes": upcoming},
            "recent": {"pageInfo": {"hasNextPage": more}, "nodes": past},
        }
    }


async def test_with_nothing_to_come_the_events_page_shows_the_most_recent_past_ones() -> None:
    (spanish, english) = await get(_events_answer([], PAST), "/es/events", "/en/events")
    assert "No upcoming events." in english.text
    assert "No hay eventos próximos." in spanish.text
    assert '<h2 id="recent-heading">Recent events</h2>' in english.text
    assert "Eventos recientes" in spanish.text
    shown = english.text.split('id="recent-list"', 1)[1].split("</table>", 1)[0]
    # The ten most recent, most recent first; the two oldest left out.
    assert shown.index("Event 12") < shown.index("Event 11") < shown.index("Event 3")
    assert "Event 2<" not in shown
    assert "Event 1<" not in shown


async def test_upcoming_events_come_alone_and_a_partial_past_is_not_called_recent() -> None:
    upcoming = [_event("Next meeting", "2030-01-10T10:00:00")]
    (page,) = await get(_events_answer(upcoming, PAST), "/en/events")
    assert "Next meeting" in page.text
    assert "Recent events" not in page.text
    # More past events than the answer holds: its oldest ones are not the recent ones.
    (page,) = await get(_events_answer([], PAST, more=True), "/en/events")
    assert "No upcoming events." in page.text
    assert "Recent events" not in page.text


async def test_a_country_with_nothing_to_come_lists_its_recent_events() -> None:
    answer = _country_answer([])
    answer["country"]["pastEvents"] = {"pageInfo": {"hasNextPage": False}, "nodes": PAST[:2]}
    (page,) = await get(lambda b: {"data": answer}, "/en/countries/GTM")
    recent = page.text.split('id="recent-events"', 1)[1].split("</ul>", 1)[0]
    assert recent.index("Event 2") < recent.index("Event 1")
    assert "Recent events" in page.text


async def test_a_pledge_with_invented_figures_is_labelled_illustrative_on_the_country_page() -> (
    None
):
    answer = _country_answer([])

    def pledge(title: str, illustrative: bool) -> dict[str, Any]:
        return {
            "title": {"es": title, "en": title},
            "kind": "FINANCIAL",
            "fundingMechanism": "GRANT",
            "financialStatus": "ANNOUNCED",
            "announcedOn": "2022-09-21",
            "withdrawn": False,
            "illustrative": illustrative,
            "contributor": {"name": "Donor"},
            "amount": {"amount": "1000.00", "currency": "USD", "amountUsd": "1000.00"},
        }

    answer["country"]["pledges"] = {
        "totalCount": 2,
        "nodes": [pledge("Invented", True), pledge("Recorded", False)],
    }
    (spanish, english) = await get(
        lambda b: {"data": answer}, "/es/countries/GTM", "/en/countries/GTM"
    )
    assert "Invented <small>(illustrative: invented figures)</small>" in english.text
    assert "Recorded <small>" not in english.text
    assert "(ilustrativo: cifras inventadas)" in spanish.text
