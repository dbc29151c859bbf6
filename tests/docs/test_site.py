"""The documentation site builds offline with `mkdocs build --strict`: every page, link,
anchor and included walkthrough resolves, and no page loads anything from elsewhere."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
MKDOCS = shutil.which("mkdocs", path=str(Path(sys.executable).parent)) or shutil.which("mkdocs")

KEY_PAGES = [
    "index.html",
    "getting-started.html",
    "concepts.html",
    "guides/frontend.html",
    "guides/partners.html",
    "guides/secretariat.html",
    "guides/operations.html",
    "guides/partner-sync.html",
    "guides/speed.html",
    "walkthroughs/index.html",
    "reference/configuration.html",
    "reference/graphql.html",
    "reference/rest/pledges.html",
    "reference/rest/practices.html",
    "reference/rest/events.html",
    "reference/rest/results.html",
]


def nav_pages(entries: list[object]) -> set[str]:
    pages: set[str] = set()
    for entry in entries:
        values = entry.values() if isinstance(entry, dict) else [entry]
        for value in values:
            if isinstance(value, list):
                pages |= nav_pages(value)
            else:
                pages.add(str(value))
    return pages


def test_every_page_is_in_the_navigation() -> None:
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    pages = {str(path.relative_to(DOCS)) for path in DOCS.rglob("*.md")}
    missing = sorted(pages - nav_pages(config["nav"]))
    assert not missing, f"add these pages to the nav of mkdocs.yml: {missing}"


@pytest.mark.skipif(MKDOCS is None, reason="mkdocs is not installed (dev extra mkdocs-material)")
def test_the_site_builds_offline_and_strict(tmp_path: Path) -> None:
    site = tmp_path / "site"
    done = subprocess.run(
        [str(MKDOCS), "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    for page in KEY_PAGES:
        assert (site / page).is_file(), f"{page} was not built"
    pledges = (site / "services" / "pledges.html").read_text(encoding="utf-8")
    assert "ACME Foundation" in pledges, "the walkthrough script was not included"
    for page in site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        remote = re.findall(r'<(?:link|script|img)[^>]+(?:href|src)="(https?://[^"]+)"', html)
        assert not remote, f"{page.relative_to(site)} loads {remote}"
