"""Figures: a chart drawn on the server as accessible SVG, the same numbers as a table and a CSV."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

import matplotlib
from matplotlib.figure import Figure as Canvas

from services.common.csvsafe import neutralise

# Okabe-Ito colours: told apart by people with the common colour-vision deficiencies.
SERIES_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7")


@dataclass(frozen=True)
class Figure:
    """One chart: its rows are the table beside it and its CSV (first column: the label)."""

    slug: str
    title: str
    description: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    as_of: str
    style: str = "bars"  # "bars" (horizontal, grouped) or "lines" (a series over time)

    @property
    def svg(self) -> str:
        return render_svg(self)

    def csv(self) -> str:
        """The figure's numbers as CSV; text that a spreadsheet would run as a formula is quoted."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow([neutralise(cell) for cell in self.columns])
        for row in self.rows:
            writer.writerow([neutralise(cell) for cell in row])
        return out.getvalue()


@lru_cache(maxsize=256)
def render_svg(figure: Figure) -> str:
    """The chart as an inline <svg> with <title>, <desc> and ids unique to this figure."""
    canvas = Canvas(figsize=(7.2, 0.5 + 0.45 * max(len(figure.rows), 4)), dpi=72)
    axes = canvas.add_subplot()
    labels = [row[0] for row in figure.rows]
    series = figure.columns[1:]
    values = [[_number(row[i + 1]) / 1_000_000 for row in figure.rows] for i in range(len(series))]
    if figure.style == "lines":
        for index, name in enumerate(series):
            axes.plot(labels, values[index], marker="o", label=name, color=SERIES_COLOURS[index])
        axes.set_ylabel("USD (millions)")
        axes.set_ylim(bottom=0)
    else:
        height = 0.8 / len(series)
        for index, name in enumerate(series):
            positions = [i + index * height for i in range(len(labels))]
            axes.barh(positions, values[index], height, label=name, color=SERIES_COLOURS[index])
        axes.set_yticks([i + 0.4 - height / 2 for i in range(len(labels))], labels)
        axes.invert_yaxis()
        axes.set_xlabel("USD (millions)")
    axes.legend(loc="best", fontsize="small", frameon=False)
    axes.spines[["top", "right"]].set_visible(False)
    canvas.tight_layout()
    out = io.StringIO()
    # Text stays text (smaller, selectable, read by the PDF's text layer).
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": figure.slug}):
        canvas.savefig(out, format="svg")
    return _accessible(out.getvalue(), figure)


def _number(text: str) -> float:
    # Drawing only: the tables and CSVs keep the exact decimal strings.
    return float(Decimal(text)) if text else 0.0


def _accessible(svg: str, figure: Figure) -> str:
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.S)
    prefix = f"fig-{figure.slug}-"
    svg = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{prefix}{m.group(1)}"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{prefix}{m.group(1)})", svg)
    svg = re.sub(r'href="#([^"]+)"', lambda m: f'href="#{prefix}{m.group(1)}"', svg)
    title, desc = f"{prefix}title", f"{prefix}desc"
    head = (
        f'<svg role="img" aria-labelledby="{title} {desc}" focusable="false" '
        f'class="chart" preserveAspectRatio="xMinYMin meet"'
    )
    svg = re.sub(r'<svg([^>]*?) width="[^"]+" height="[^"]+"', r"<svg\1", svg, count=1)
    svg = svg.replace("<svg", head, 1)
    opening_end = svg.index(">") + 1
    label = (
        f'<title id="{title}">{_escape(figure.title)}</title>'
        f'<desc id="{desc}">{_escape(figure.description)}</desc>'
    )
    return svg[:opening_end] + label + svg[opening_end:]


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
