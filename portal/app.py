"""The portal's FastAPI application: `uvicorn --factory portal.app:create_app`."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import httpx
from anyio import to_thread
from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.responses import PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from portal import labels, pages
from portal.config import PortalSettings
from portal.gateway import GatewayClient
from portal.labels import LANGUAGES, Lang
from portal.pdf import synthesis_pdf
from services.common.auth import TokenVerifier
from services.common.ratelimit import close_rate_limiter, install_rate_limit
from services.common.safeguards import install_edge_limits

HERE = Path(__file__).parent
EVIDENCE_LEVELS = ("promising", "good", "best")


def create_app(
    settings: PortalSettings | None = None, transport: httpx.AsyncBaseTransport | None = None
) -> FastAPI:
    """The portal: Spanish and English pages over the GraphQL gateway (`transport`: tests)."""
    settings = settings or PortalSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.gateway = GatewayClient(
            settings.gateway_url,
            cache_seconds=settings.cache_seconds,
            stale_seconds=settings.stale_seconds,
            timeout_seconds=settings.timeout_seconds,
            transport=transport,
        )
        yield
        await app.state.gateway.aclose()
        await close_rate_limiter(app)

    app = FastAPI(
        title="MIRPS transparency portal",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.settings = settings
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    templates = Jinja2Templates(directory=HERE / "templates")
    templates.env.globals.update(
        word=labels.word,
        text=labels.text,
        money=labels.money,
        percent=labels.percent,
        code_label=labels.code_label,
        status=labels.status,
        service_name=labels.service_name,
        calendar_url=settings.calendar_url,
    )
    app.state.templates = templates
    _add_routes(app)

    @app.exception_handler(404)
    async def not_found(request: Request, exc: Exception) -> Response:
        """A page, in the language of the path when it names one, for any unknown address."""
        lang: Lang = "en" if request.url.path.startswith("/en/") else "es"
        page = pages.Page("not_found.html", labels.word("not_found", lang), found=False)
        return render(request, lang, page)

    # The portal is as public as the gateway: the same per-caller quota (by client address,
    # since the portal's readers carry no token), header limits and load shedding.
    install_rate_limit(app, settings.mirps, "portal", TokenVerifier(settings.mirps))
    install_edge_limits(app, settings.mirps)
    return app


def _language(lang: str) -> Lang:
    if lang not in LANGUAGES:
        raise HTTPException(status_code=404)
    return "es" if lang == "es" else "en"


def render(request: Request, lang: Lang, page: pages.Page) -> Response:
    """The page as HTML, with an ETag; complete pages may be cached, partial ones not."""
    other = "en" if lang == "es" else "es"
    path = request.url.path
    switch = f"/{other}{path[3:]}" + (f"?{request.url.query}" if request.url.query else "")
    context: dict[str, Any] = {
        "lang": lang,
        "page": page,
        "switch_url": switch,
        "path": path,
        **page.context,
    }
    templates: Jinja2Templates = request.app.state.templates
    html = templates.get_template(page.template).render(context)
    status_code = 400 if page.rejected else 200 if page.found else 404
    settings: PortalSettings = request.app.state.settings
    cache = f"public, max-age={settings.max_age_seconds}" if not page.missing else "no-cache"
    return _with_etag(request, html.encode(), "text/html; charset=utf-8", cache, status_code)


def _with_etag(
    request: Request, body: bytes, media_type: str, cache: str, status_code: int = 200
) -> Response:
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Cache-Control": cache, "Vary": "Accept-Encoding"}
    if status_code == 200 and request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(body, status_code=status_code, media_type=media_type, headers=headers)


def _csv(request: Request, page: pages.Page, slug: str) -> Response:
    figure = page.figures.get(slug)
    if figure is None:
        raise HTTPException(status_code=404)
    response = _with_etag(request, figure.csv().encode(), "text/csv; charset=utf-8", "no-cache")
    response.headers["Content-Disposition"] = f'attachment; filename="{slug}-{figure.as_of}.csv"'
    return response


def _add_routes(app: FastAPI) -> None:
    settings: PortalSettings = app.state.settings

    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        """Spanish first."""
        return RedirectResponse("/es/", status_code=307)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> PlainTextResponse:
        return PlainTextResponse("ok")

    @app.get("/readyz", include_in_schema=False)
    async def readyz(request: Request) -> PlainTextResponse:
        """Ready when the gateway answers (its services may still be down: pages degrade)."""
        answer = await gateway_of(request.app).query("{ __typename }")
        if "gateway" in answer.missing_services:
            return PlainTextResponse("gateway unreachable", status_code=503)
        return PlainTextResponse("ok")

    async def home_page(lang: Lang) -> pages.Page:
        return await pages.home(gateway_of(app), lang, settings.first_period, date.today())

    @app.get("/{lang}/")
    async def home(request: Request, lang: str) -> Response:
        language = _language(lang)
        return render(request, language, await home_page(language))

    @app.get("/{lang}")
    async def home_without_slash(lang: str) -> RedirectResponse:
        _language(lang)
        return RedirectResponse(f"/{lang}/", status_code=307)

    @app.get("/{lang}/data/{slug}.csv")
    async def home_csv(request: Request, lang: str, slug: str) -> Response:
        return _csv(request, await home_page(_language(lang)), slug)

    @app.get("/{lang}/countries/{code}")
    async def country(request: Request, lang: str, code: str) -> Response:
        language = _language(lang)
        page = await pages.country(gateway_of(app), language, code, date.today())
        return render(request, language, page)

    @app.get("/{lang}/countries/{code}/data/{slug}.csv")
    async def country_csv(request: Request, lang: str, code: str, slug: str) -> Response:
        page = await pages.country(gateway_of(app), _language(lang), code, date.today())
        return _csv(request, page, slug)

    @app.get("/{lang}/synthesis")
    async def synthesis_index(request: Request, lang: str) -> Response:
        language = _language(lang)
        periods = pages.half_years(settings.first_period, date.today())
        page = pages.Page("synthesis_index.html", labels.word("synthesis", language))
        page.context["periods"] = list(reversed(periods))
        return render(request, language, page)

    @app.get("/{lang}/synthesis/{period}.pdf")
    async def synthesis_as_pdf(request: Request, lang: str, period: str) -> Response:
        language = _language(lang)
        page = await pages.synthesis(gateway_of(app), language, period)
        if not page.found or page.context.get("report") is None:
            raise HTTPException(status_code=404 if not page.missing else 503)
        templates: Jinja2Templates = request.app.state.templates
        html = templates.get_template("synthesis_print.html").render(
            {"lang": language, "page": page, **page.context}
        )
        pdf = await to_thread.run_sync(synthesis_pdf, html)
        response = _with_etag(request, pdf, "application/pdf", "no-cache")
        response.headers["Content-Disposition"] = (
            f'attachment; filename="mirps-synthesis-{period}-{language}.pdf"'
        )
        return response

    @app.get("/{lang}/synthesis/{period}")
    async def synthesis(request: Request, lang: str, period: str) -> Response:
        language = _language(lang)
        return render(request, language, await pages.synthesis(gateway_of(app), language, period))

    @app.get("/{lang}/synthesis/{period}/data/{slug}.csv")
    async def synthesis_csv(request: Request, lang: str, period: str, slug: str) -> Response:
        page = await pages.synthesis(gateway_of(app), _language(lang), period)
        return _csv(request, page, slug)

    @app.get("/{lang}/strategy")
    async def strategy(request: Request, lang: str) -> Response:
        language = _language(lang)
        return render(request, language, await pages.strategy(gateway_of(app), language))

    @app.get("/{lang}/practices")
    async def practices(
        request: Request,
        lang: str,
        q: Annotated[str | None, Query(max_length=200)] = None,
        theme: Annotated[list[str] | None, Query(max_length=40)] = None,
        country: Annotated[list[str] | None, Query(max_length=10)] = None,
        evidence: Annotated[list[str] | None, Query(max_length=3)] = None,
        after: Annotated[str | None, Query(max_length=200)] = None,
    ) -> Response:
        language = _language(lang)
        levels = [level for level in evidence or [] if level in EVIDENCE_LEVELS]
        page = await pages.practices(
            gateway_of(app), language, q, theme or [], country or [], levels, after
        )
        return render(request, language, page)

    @app.get("/{lang}/events")
    async def events(
        request: Request,
        lang: str,
        starts_from: Annotated[date | None, Query(alias="from")] = None,
    ) -> Response:
        language = _language(lang)
        page = await pages.events(gateway_of(app), language, starts_from or date.today())
        return render(request, language, page)


def gateway_of(app: FastAPI) -> GatewayClient:
    client: GatewayClient = app.state.gateway
    return client
