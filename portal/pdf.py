"""The printable synthesis: the same content laid out for A4, rendered by WeasyPrint."""

from __future__ import annotations

from pathlib import Path

from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher

PRINT_CSS = Path(__file__).parent / "static" / "print.css"


def synthesis_pdf(html: str) -> bytes:
    """The synthesis page's HTML as a PDF; nothing is fetched from the network."""
    fetcher = URLFetcher(allowed_protocols={"data", "file"})
    document = HTML(string=html, url_fetcher=fetcher)
    pdf: bytes = document.write_pdf(stylesheets=[CSS(filename=str(PRINT_CSS))])
    return pdf
