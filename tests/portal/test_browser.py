"""The portal in a real Chromium (Debian's), over the whole platform started with demo data.

Every page in both languages: no console error, no request off this machine, no WCAG 2.1
A/AA violation (axe-core); the language switch, search with facets, the PDF, the figures
against the gateway's own answer, screenshots, and a stopped service.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, sync_playwright

from tests.e2e.runner import RunningPlatform, start_platform

pytestmark = pytest.mark.e2e

CHROMIUM = "/usr/bin/chromium"
REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "var" / "screenshots"
PAGES = (
    "/{lang}/",
    "/{lang}/countries/GTM",
    "/{lang}/synthesis",
    "/{lang}/synthesis/2023-H1",
    "/{lang}/strategy",
    "/{lang}/practices",
    "/{lang}/events?from=2022-01-01",
    "/{lang}/events",  # today: nothing to come in the 2023 demo, so its recent events
)
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
TOTALS = "{ pledged { amount } committed { amount } disbursed { amount } }"

if not Path(CHROMIUM).exists():  # .ci/run installs it from Debian's packages
    pytest.skip(f"needs Chromium at {CHROMIUM}", allow_module_level=True)


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningPlatform]:
    running = start_platform(tmp_path_factory.mktemp("portal") / "data")
    yield running
    running.stop()


@pytest.fixture(scope="module")
def portal(platform: RunningPlatform) -> str:
    return f"http://127.0.0.1:{platform.base_port + 5}"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    # Chromium refuses to sandbox as root (CI containers); the pages are our own.
    args = ["--no-sandbox"] if os.geteuid() == 0 else []
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=args)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(accept_downloads=True)
    opened = context.new_page()
    yield opened
    context.close()


def test_every_page_in_both_languages_is_clean_local_and_accessible(
    page: Page, portal: str
) -> None:
    console_errors: list[str] = []
    off_machine: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: console_errors.append(str(error)))
    page.on(
        "request",
        lambda r: (
            off_machine.append(r.url)
            if urlsplit(r.url).scheme in ("http", "https")
            and urlsplit(r.url).hostname not in LOCAL_HOSTS
            else None
        ),
    )
    axe = Axe()
    violations: dict[str, list[str]] = {}
    for lang in ("es", "en"):
        for template in PAGES:
            path = template.format(lang=lang)
            response = page.goto(portal + path)
            assert response is not None, path
            assert response.status == 200, path
            assert page.get_attribute("html", "lang") == lang, path
            results = axe.run(
                page,
                options={"runOnly": {"type": "tag", "values": WCAG_21_AA}},
            )
            assert results.response["testEngine"]["name"] == "axe-core"
            found = [v["id"] for v in results.response["violations"]]
            if found:
                violations[path] = found
    assert violations == {}
    assert console_errors == []
    assert off_machine == []


def test_the_default_calendar_and_a_country_show_recent_events_and_indicators(
    page: Page, portal: str
) -> None:
    page.goto(portal + "/en/events")
    assert page.locator("#recent-list tbody tr").count() > 0
    assert page.locator("#missing-notice").count() == 0
    page.goto(portal + "/es/countries/GTM")
    assert page.locator("#missing-notice").count() == 0
    assert page.locator("#indicators-unavailable").count() == 0
    assert "Indicadores" in page.inner_text("main")
    assert page.locator("#recent-events li").count() > 0


def test_the_language_switch_keeps_the_page(page: Page, portal: str) -> None:
    page.goto(portal + "/")
    assert page.url == portal + "/es/"
    page.goto(portal + "/es/countries/GTM")
    page.click("a.lang-switch")
    page.wait_for_url(portal + "/en/countries/GTM")
    assert page.get_attribute("html", "lang") == "en"
    assert "National action plan objectives" in page.inner_text("main")
    page.click("a.lang-switch")
    page.wait_for_url(portal + "/es/countries/GTM")
    assert "Objetivos del plan de acción nacional" in page.inner_text("main")


def test_search_with_facets_narrows_to_the_gateways_count(
    page: Page, portal: str, platform: RunningPlatform
) -> None:
    page.goto(portal + "/en/practices")
    everything = int(page.inner_text("#result-count strong"))
    page.fill("#q", "empleo")
    page.click("form.search button[type=submit]")
    page.wait_for_url("**q=empleo**")
    page.check("#facet-evidence-good")
    page.click("form.search button[type=submit]")
    page.wait_for_url("**evidence=good**")
    shown = int(page.inner_text("#result-count strong"))
    answer = platform.graphql('{ practices(q: "empleo", evidence: [GOOD]) { totalCount } }')
    expected = answer["data"]["practices"]["totalCount"]  # type: ignore[index]
    assert 0 < shown == expected < everything
    assert page.is_checked("#facet-evidence-good")
    for card in page.locator("#practice-list li").all():
        assert "Evidence: Good" in card.inner_text()


def test_the_synthesis_pdf_downloads_with_the_periods_totals(
    page: Page, portal: str, platform: RunningPlatform, tmp_path: Path
) -> None:
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext is missing (.ci/run installs poppler-utils)")
    page.goto(portal + "/en/synthesis/2023-H1")
    with page.expect_download() as download:
        page.click("a.download[href$='.pdf']")
    pdf = tmp_path / "synthesis.pdf"
    download.value.save_as(pdf)
    first_page = subprocess.run(
        ["pdftotext", "-l", "1", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    answer = platform.graphql(f'{{ synthesis(period: "2023-H1") {{ totals {TOTALS} }} }}')
    totals = answer["data"]["synthesis"]["totals"]  # type: ignore[index]
    assert "2023-H1" in first_page
    for name in ("pledged", "committed", "disbursed"):
        amount = Decimal(totals[name]["amount"]).quantize(Decimal(1))
        assert f"USD {amount:,}" in first_page, name


def test_figures_on_the_page_equal_the_gateways(
    page: Page, portal: str, platform: RunningPlatform
) -> None:
    page.goto(portal + "/en/")
    answer = platform.graphql(
        f"{{ fundingSummary(groupBy: [COUNTRY]) {{ rows {{ group {{ value }} totals {TOTALS} }} }}"
        f"  countries {{ code name {{ en }} }} }}"
    )
    data = answer["data"]
    names = {c["code"]: c["name"]["en"] for c in data["countries"]}  # type: ignore[index]
    names[None] = "Regional"
    expected = {
        names[row["group"][0]["value"]]: tuple(
            Decimal(row["totals"][k]["amount"]) for k in ("pledged", "committed", "disbursed")
        )
        for row in data["fundingSummary"]["rows"]  # type: ignore[index]
    }
    shown = {}
    for row in page.locator("table[data-figure='by-country'] tbody tr").all():
        label = row.locator("th").inner_text()
        cells = row.locator("td").all_inner_texts()
        shown[label] = tuple(Decimal(cell.replace(",", "")) for cell in cells)
    assert shown == expected
    csv = httpx.get(portal + "/en/data/by-country.csv", timeout=30).text
    assert csv.splitlines()[0] == "Country,Pledged (USD),Committed (USD),Disbursed (USD)"
    assert len(csv.splitlines()) == len(expected) + 1


@pytest.mark.parametrize(
    ("width", "height", "name"), [(1280, 900, "desktop"), (390, 844, "mobile")]
)
def test_screenshots_of_home_and_a_country(
    browser: Browser, portal: str, width: int, height: int, name: str
) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": width, "height": height})
    try:
        shot = context.new_page()
        for path, label in (("/en/", "home"), ("/en/countries/GTM", "country-GTM")):
            shot.goto(portal + path)
            target = SCREENSHOTS / f"{label}-{name}.png"
            shot.screenshot(path=str(target), full_page=False)
            assert target.stat().st_size > 10_000
    finally:
        context.close()


def test_a_stopped_service_leaves_the_page_up_with_a_notice(
    page: Page, portal: str, platform: RunningPlatform
) -> None:
    os.kill(platform.pids()["practices"], signal.SIGKILL)
    time.sleep(0.5)
    response = page.goto(portal + "/en/practices?q=vivienda")
    assert response is not None
    assert response.status == 200
    notice = page.inner_text("#missing-notice")
    assert "The good-practices catalogue is not answering" in notice
    response = page.goto(portal + "/en/countries/HND")
    assert response is not None
    assert response.status == 200
    assert "The good-practices catalogue" in page.inner_text("#missing-notice")
    assert "Honduras" in page.inner_text("h1")
