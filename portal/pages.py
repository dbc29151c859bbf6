"""What each page shows: one gateway request, turned into figures, tables and notices."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from portal import queries
from portal.figures import Figure
from portal.gateway import GatewayClient
from portal.labels import Lang, code_label, text, word

PERIOD = re.compile(r"^(\d{4})-H([12])$")
COUNTRY_CODE = re.compile(r"^[A-Z]{3}$")
SERIES = ("pledged", "committed", "disbursed")


@dataclass
class Page:
    """A page's template, its data, its figures and the services whose data is missing."""

    template: str
    title: str
    context: dict[str, Any] = field(default_factory=dict)
    figures: dict[str, Figure] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    found: bool = True

    def add(self, figure: Figure | None) -> None:
        if figure is not None:
            self.figures[figure.slug] = figure


def half_years(first: str, today: date) -> list[str]:
    """Every half-year from `first` to the one `today` falls in."""
    match = PERIOD.match(first)
    if match is None:
        raise ValueError(f"period must look like 2023-H1, got '{first}'")
    year, half = int(match.group(1)), int(match.group(2))
    last = (today.year, 1 if today.month <= 6 else 2)
    periods = []
    while (year, half) <= last:
        periods.append(f"{year}-H{half}")
        year, half = (year, 2) if half == 1 else (year + 1, 1)
    return periods


def country_names(data: dict[str, Any], lang: Lang) -> dict[str | None, str]:
    names: dict[str | None, str] = {
        c["code"]: text(c["name"], lang) for c in data.get("countries") or []
    }
    names[None] = "Regional"
    return names


def totals_row(label: str, totals: dict[str, Any] | None) -> tuple[str, ...]:
    totals = totals or {}
    return (label, *(str((totals.get(name) or {}).get("amount") or "0") for name in SERIES))


def series_columns(first: str, lang: Lang) -> tuple[str, ...]:
    return (first, *(word(name, lang) + " (USD)" for name in SERIES))


def summary_figure(
    slug: str, rows: list[dict[str, Any]], label: Any, first: str, lang: Lang, as_of: str
) -> Figure | None:
    """A grouped-bar figure of pledged/committed/disbursed per group of a summary."""
    if not rows:
        return None
    table = tuple(totals_row(label(row["group"][0]["value"]), row["totals"]) for row in rows)
    return Figure(
        slug=slug,
        title=word(slug.replace("-", "_"), lang),
        description=word(slug.replace("-", "_") + "_desc", lang),
        columns=series_columns(first, lang),
        rows=table,
        as_of=as_of,
    )


async def home(client: GatewayClient, lang: Lang, first_period: str, today: date) -> Page:
    periods = half_years(first_period, today)
    answer = await client.query(queries.home(periods))
    data = answer.data
    page = Page("home.html", word("home", lang), missing=answer.missing_services)
    names = country_names(data, lang)
    as_of = today.isoformat()
    series: list[dict[str, Any]] = [
        found for p in periods if (found := data.get(queries.period_alias(p)))
    ]
    if series:
        page.add(
            Figure(
                slug="over-time",
                title=word("over_time", lang),
                description=word("over_time_desc", lang),
                columns=series_columns(word("period", lang), lang),
                rows=tuple(totals_row(s["period"], s["totals"]) for s in series),
                as_of=min(series[-1]["endsOn"], as_of),
                style="lines",
            )
        )
        page.context["latest"] = series[-1]
    country_rows = (data.get("byCountry") or {}).get("rows") or []
    page.add(
        summary_figure("by-country", country_rows, names.get, word("country", lang), lang, as_of)
    )
    kind_rows = (data.get("byContributorKind") or {}).get("rows") or []
    page.add(
        summary_figure(
            "by-contributor-kind",
            kind_rows,
            code_label,
            word("contributor_kind", lang),
            lang,
            as_of,
        )
    )
    page.add(mechanism_figure(data.get("pledges"), lang, as_of))
    gaps = (data.get("gaps") or {}).get("objectives") or []
    page.context["gaps"] = gaps[:5]
    page.context["countries"] = list(data.get("countries") or [])
    return page


def mechanism_figure(pledges: dict[str, Any] | None, lang: Lang, as_of: str) -> Figure | None:
    """Public pledges in force, summed by funding mechanism (the schema has no such summary)."""
    if not pledges or not pledges.get("nodes"):
        return None
    sums: dict[str, Decimal] = {}
    for pledge in pledges["nodes"]:
        amount = (pledge.get("amount") or {}).get("amountUsd")
        if amount is None:
            continue
        key = code_label(pledge.get("fundingMechanism"))
        sums[key] = sums.get(key, Decimal(0)) + Decimal(amount)
    rows = tuple(
        (key, f"{value:.2f}") for key, value in sorted(sums.items(), key=lambda kv: -kv[1])
    )
    return Figure(
        slug="by-mechanism",
        title=word("by_mechanism", lang),
        description=word("by_mechanism_desc", lang),
        columns=(word("mechanism", lang), word("pledged", lang) + " (USD)"),
        rows=rows,
        as_of=as_of,
    )


async def country(client: GatewayClient, lang: Lang, code: str, today: date) -> Page:
    if not COUNTRY_CODE.match(code):
        return Page("not_found.html", word("not_found", lang), found=False)
    answer = await client.query(queries.COUNTRY, {"code": code, "today": today.isoformat()})
    found = answer.data.get("country")
    if found is None and not answer.errors:
        return Page("not_found.html", word("not_found", lang), found=False)
    page = Page("country.html", code, missing=answer.missing_services)
    if found is None:
        page.context["country"] = {"code": code, "name": {"es": code, "en": code}}
        return page
    page.title = text(found["name"], lang)
    page.context["country"] = found
    gaps = found.get("gaps") or {}
    page.context["total"] = (gaps.get("countries") or [None])[0]
    objectives = gaps.get("objectives") or []
    page.context["objectives"] = objectives
    if objectives:
        page.add(
            Figure(
                slug="objectives",
                title=word("objectives", lang),
                description=word("by_country_desc", lang),
                columns=(
                    word("objective", lang),
                    word("requirement", lang) + " (USD)",
                    word("committed", lang) + " (USD)",
                    word("disbursed", lang) + " (USD)",
                ),
                rows=tuple(
                    (
                        text(o["title"], lang),
                        *(
                            str((o.get(k) or {}).get("amount") or "0")
                            for k in ("requirement", "committed", "disbursed")
                        ),
                    )
                    for o in objectives
                ),
                as_of=today.isoformat(),
            )
        )
    page.context["pledges"] = found.get("pledges") or {}
    page.context["practices"] = found.get("practices") or {}
    page.context["events"] = ((found.get("events") or {}).get("nodes")) or []
    page.context["recent"] = recent(found.get("pastEvents"), today)
    # null (not []) when the results service did not answer: the section says so.
    page.context["indicators"] = found.get("indicators")
    return page


async def synthesis(client: GatewayClient, lang: Lang, period: str) -> Page:
    if not PERIOD.match(period):
        return Page("not_found.html", word("not_found", lang), found=False)
    answer = await client.query(queries.SYNTHESIS, {"period": period})
    report = answer.data.get("synthesis")
    page = Page(
        "synthesis.html", f"{word('synthesis', lang)} {period}", missing=answer.missing_services
    )
    page.context["period"] = period
    page.context["report"] = report
    if report is None:
        return page
    names = country_names(answer.data, lang)
    as_of = report["endsOn"]
    page.add(
        summary_figure(
            "by-country", report["byCountry"], names.get, word("country", lang), lang, as_of
        )
    )
    page.add(
        summary_figure(
            "by-contributor-kind",
            report["byContributorKind"],
            code_label,
            word("contributor_kind", lang),
            lang,
            as_of,
        )
    )
    return page


async def strategy(client: GatewayClient, lang: Lang) -> Page:
    answer = await client.query(queries.STRATEGY)
    found = answer.data.get("strategy")
    page = Page("strategy.html", word("strategy", lang))
    page.context["strategy"] = found
    if found is None:
        # The field may not exist on this gateway yet, or the results service is down.
        page.missing = ["results"]
    return page


async def practices(
    client: GatewayClient,
    lang: Lang,
    q: str | None,
    themes: list[str],
    countries: list[str],
    evidence: list[str],
    after: str | None,
) -> Page:
    variables = {
        "q": q or None,
        "theme": themes or None,
        "country": countries or None,
        "evidence": [level.upper() for level in evidence] or None,
        "after": after,
    }
    answer = await client.query(queries.PRACTICES, variables)
    page = Page(
        "practices.html",
        word("practices", lang),
        missing=answer.missing_services,
        rejected=answer.rejected,
    )
    data = answer.data
    page.context["result"] = data.get("practices")
    page.context["theme_names"] = {
        t["code"]: text(t["name"], lang) for t in data.get("themes") or []
    }
    page.context["country_names"] = country_names(data, lang)
    page.context["chosen"] = {
        "q": q or "",
        "theme": themes,
        "country": countries,
        "evidence": evidence,
    }
    return page


async def events(client: GatewayClient, lang: Lang, starts_from: date) -> Page:
    answer = await client.query(queries.EVENTS, {"today": starts_from.isoformat()})
    page = Page("events.html", word("events", lang), missing=answer.missing_services)
    page.context["events"] = ((answer.data.get("events") or {}).get("nodes")) or []
    page.context["recent"] = recent(answer.data.get("recent"), starts_from)
    page.context["starts_from"] = starts_from
    return page


RECENT_SHOWN = 10


def recent(connection: dict[str, Any] | None, before: date) -> list[dict[str, Any]]:
    """The last events that started before `before`, most recent first.

    Events come oldest first, so a page that does not hold them all does not hold the most
    recent ones: then nothing is shown rather than older events labelled recent.
    """
    if not connection or (connection.get("pageInfo") or {}).get("hasNextPage", True):
        return []
    every = connection.get("nodes") or []
    started = [node for node in every if (node.get("startsAt") or "")[:10] < before.isoformat()]
    return started[::-1][:RECENT_SHOWN]
