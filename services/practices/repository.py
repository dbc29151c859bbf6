"""All SQL of the practices service."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Float,
    Insert,
    Select,
    String,
    Uuid,
    and_,
    column,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
    table,
    text,
    true,
    union_all,
)
from sqlalchemy import (
    delete as delete_statement,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import REGCONFIG, TSQUERY, TSVECTOR
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from sqlalchemy.sql import Subquery

from services.common.pagination import after_cursor, encode_cursor, keyset_page
from services.practices import search
from services.practices.models import (
    InventoryItem,
    Practice,
    PracticeFacetCount,
    PracticeOrganisation,
    PracticePopulation,
    PracticeStatus,
    PracticeTheme,
    PracticeTransition,
    PracticeVersion,
)


@dataclass(frozen=True)
class Viewer:
    """Which unpublished practices a caller may see (published ones everybody sees)."""

    everything: bool = False
    sub: str | None = None
    org_id: str | None = None
    focal_countries: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class PracticeQuery:
    """A parsed search request."""

    text: search.TextQuery | None = None
    themes: Sequence[str] = ()
    countries: Sequence[str] = ()
    populations: Sequence[str] = ()
    origins: Sequence[str] = ()
    pillars: Sequence[str] = ()
    evidence_levels: Sequence[str] = ()
    statuses: Sequence[str] = ()
    organisation_ids: Sequence[str] = ()
    ids: Sequence[uuid.UUID] = ()
    updated_since: datetime | None = None
    sort: str = "newest"


@dataclass
class SearchResult:
    practices: list[Practice]
    next_cursor: str | None
    total: int
    facets: dict[str, list[tuple[str, int]]]


FACETS = ("theme", "country", "population", "origin", "evidence")


def _with_collections(statement: Select[Any]) -> Select[Any]:
    return statement.options(
        selectinload(Practice.theme_links),
        selectinload(Practice.population_links),
        selectinload(Practice.organisation_links),
    )


async def get_practice(session: AsyncSession, practice_id: uuid.UUID) -> Practice | None:
    """A practice with its themes, populations and organisations loaded."""
    result = await session.scalars(
        _with_collections(select(Practice).where(Practice.id == practice_id))
    )
    return result.one_or_none()


def add(session: AsyncSession, row: object) -> None:
    session.add(row)


async def flush(session: AsyncSession) -> None:
    await session.flush()


def _visible(viewer: Viewer) -> ColumnElement[bool]:
    if viewer.everything:
        return true()
    own: list[ColumnElement[bool]] = [Practice.status == PracticeStatus.PUBLISHED]
    if viewer.sub is not None:
        own.append(Practice.created_by == viewer.sub)
    if viewer.org_id is not None:
        own.append(Practice.owner_org_id == viewer.org_id)
    if viewer.focal_countries:
        own.append(
            and_(
                Practice.country.in_(sorted(viewer.focal_countries)),
                Practice.origin == "mirps_country",
            )
        )
    return or_(*own)


@dataclass(frozen=True)
class TextMatch:
    """How a text query restricts and ranks practices on this database (higher is better)."""

    condition: ColumnElement[bool] | None
    join: Subquery | None
    rank: ColumnElement[float]


def _text_match(session: AsyncSession, text: search.TextQuery) -> TextMatch:
    if session.get_bind().dialect.name == "postgresql":
        # On the practice row itself, so the planner can AND the GIN bitmap with the
        # filters' indexes.
        document = literal_column(f"practice.{search.PG_SEARCH_COLUMN}", TSVECTOR)
        query: ColumnElement[Any] | None = None
        for term in text.tsquery_terms():
            either_language = func.to_tsquery(
                literal(search.PG_CONFIGURATIONS[0], REGCONFIG), term, type_=TSQUERY
            ).op("||", return_type=TSQUERY)(
                func.to_tsquery(literal(search.PG_CONFIGURATIONS[1], REGCONFIG), term)
            )
            query = (
                either_language
                if query is None
                else query.op("&&", return_type=TSQUERY)(either_language)
            )
        assert query is not None
        return TextMatch(
            condition=document.op("@@", return_type=Boolean)(query),
            join=None,
            rank=func.ts_rank(document, query, type_=Float),
        )
    # SQLite: bm25() only works on the FTS table's own query, hence a subquery to join.
    fts = table(search.SQLITE_FTS_TABLE, column("practice_id", Uuid))
    weights = ", ".join(str(weight) for weight in search.SQLITE_COLUMN_WEIGHTS)
    matches = (
        select(
            fts.c.practice_id.label("practice_id"),
            (-literal_column(f"bm25({search.SQLITE_FTS_TABLE}, {weights})", Float)).label("rank"),
        )
        .where(literal_column(search.SQLITE_FTS_TABLE).op("MATCH")(text.fts5_match()))
        .subquery("text_match")
    )
    return TextMatch(condition=None, join=matches, rank=matches.c.rank)


def _filters(query: PracticeQuery, viewer: Viewer) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [_visible(viewer)]
    if query.ids:
        conditions.append(Practice.id.in_(query.ids))
    if query.updated_since is not None:
        conditions.append(Practice.updated_at >= query.updated_since)
    if query.countries:
        conditions.append(Practice.country.in_(query.countries))
    if query.origins:
        conditions.append(Practice.origin.in_(query.origins))
    if query.pillars:
        conditions.append(Practice.pillar.in_(query.pillars))
    if query.evidence_levels:
        conditions.append(Practice.evidence_level.in_(query.evidence_levels))
    if query.statuses:
        conditions.append(Practice.status.in_(query.statuses))
    # EXISTS rather than IN: lets SQLite drive from the practice's own filter index and
    # probe the link table's primary key (PostgreSQL plans both as a semi-join).
    if query.themes:
        conditions.append(
            exists().where(
                PracticeTheme.practice_id == Practice.id, PracticeTheme.theme.in_(query.themes)
            )
        )
    if query.populations:
        conditions.append(
            exists().where(
                PracticePopulation.practice_id == Practice.id,
                PracticePopulation.population.in_(query.populations),
            )
        )
    if query.organisation_ids:
        conditions.append(
            exists().where(
                PracticeOrganisation.practice_id == Practice.id,
                PracticeOrganisation.organisation_id.in_(query.organisation_ids),
            )
        )
    return conditions


async def search_practices(
    session: AsyncSession,
    query: PracticeQuery,
    viewer: Viewer,
    *,
    cursor: str | None,
    limit: int,
    with_facets: bool = True,
) -> SearchResult:
    """One page of matching practices, the total and the facet counts, all from the database."""
    conditions = _filters(query, viewer)
    match = _text_match(session, query.text) if query.text is not None else None
    if match is not None and match.condition is not None:
        conditions.append(match.condition)

    def restrict(statement: Select[Any]) -> Select[Any]:
        if match is not None and match.join is not None:
            statement = statement.join(match.join, match.join.c.practice_id == Practice.id)
        return statement.where(*conditions)

    # Sort keys: all descending or all ascending, the id last so the order is total.
    sort = query.sort if (query.sort != "relevance" or match is not None) else "newest"
    keys: list[Any]
    if sort == "relevance" and match is not None:
        keys, descending = [match.rank, Practice.id], True
    elif sort == "title":
        keys, descending = [Practice.sort_title, Practice.id], False
    else:
        keys, descending = [Practice.created_at, Practice.id], True

    # The page is chosen on narrow rows (id and sort keys), then only its rows are loaded.
    page = restrict(select(*[key.label(f"k{i}") for i, key in enumerate(keys)]))
    if cursor is not None:
        page = page.where(after_cursor(keys, cursor, descending=descending))
    page = page.order_by(*[key.desc() if descending else key.asc() for key in keys])
    rows = (await session.execute(page.limit(limit + 1))).all()
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor(list(rows[-1]), keys, descending=descending)
    ids = [row[-1] for row in rows]
    loaded = await session.scalars(_with_collections(select(Practice).where(Practice.id.in_(ids))))
    by_id = {practice.id: practice for practice in loaded}

    if with_facets:
        facets = await _facets(session, query, viewer, match, restrict)
        total = facets.pop("total", [("", 0)])[0][1]
    else:
        facets = {name: [] for name in FACETS}
        total = int(await session.scalar(restrict(select(func.count()).select_from(Practice))) or 0)
    return SearchResult(
        practices=[by_id[i] for i in ids if i in by_id],
        next_cursor=next_cursor,
        total=total,
        facets=facets,
    )


_UNPUBLISHED = tuple(status for status in PracticeStatus if status != PracticeStatus.PUBLISHED)


async def _facets(
    session: AsyncSession,
    query: PracticeQuery,
    viewer: Viewer,
    match: TextMatch | None,
    restrict: Any,
) -> dict[str, list[tuple[str, int]]]:
    """The facet counts (and "total") of the search, without counting the catalogue when
    nothing narrows it: the published practices' counts are kept in practice_facet_count,
    so only the unpublished practices this viewer may also see are counted."""
    if match is not None or _narrows(query):
        return await _facet_counts(session, restrict)
    maintained = await maintained_facet_counts(session)
    if viewer == Viewer():  # sees the published practices only
        return maintained

    def unpublished(statement: Select[Any]) -> Select[Any]:
        restricted: Select[Any] = restrict(statement)
        return restricted.where(Practice.status.in_(_UNPUBLISHED))

    return _merge_facets(maintained, await _facet_counts(session, unpublished))


def _narrows(query: PracticeQuery) -> bool:
    """Does the query leave out any practice the viewer may see?"""
    return any(
        (
            query.text,
            query.themes,
            query.countries,
            query.populations,
            query.origins,
            query.pillars,
            query.evidence_levels,
            query.statuses,
            query.organisation_ids,
            query.ids,
        )
    )


def _merge_facets(
    *parts: dict[str, list[tuple[str, int]]],
) -> dict[str, list[tuple[str, int]]]:
    merged: dict[str, dict[str, int]] = {}
    for part in parts:
        for name, counts in part.items():
            into = merged.setdefault(name, {})
            for value, count in counts:
                into[value] = into.get(value, 0) + count
    return _sorted_facets(merged)


def _sorted_facets(counts: dict[str, dict[str, int]]) -> dict[str, list[tuple[str, int]]]:
    """Each facet's non-zero values, most frequent first (then by value); "total" kept."""
    facets: dict[str, list[tuple[str, int]]] = {name: [] for name in FACETS}
    for name, values in counts.items():
        facets[name] = sorted(
            ((value, n) for value, n in values.items() if n or name == "total"),
            key=lambda pair: (-pair[1], pair[0]),
        )
    if not facets.get("total"):
        facets["total"] = [("", 0)]
    return facets


async def maintained_facet_counts(session: AsyncSession) -> dict[str, list[tuple[str, int]]]:
    """The published catalogue's facet counts and total, as kept by adjust_facet_counts."""
    rows = await session.execute(
        select(PracticeFacetCount.facet, PracticeFacetCount.value, PracticeFacetCount.count)
    )
    counts: dict[str, dict[str, int]] = {}
    for name, value, count in rows.all():
        counts.setdefault(name, {})[value] = int(count)
    return _sorted_facets(counts)


async def adjust_facet_counts(session: AsyncSession, delta: dict[tuple[str, str], int]) -> None:
    """Add `delta` (per facet and value) to the maintained counts, in one statement.

    An upsert that adds to the stored count, so concurrent publications each add their
    own share (rows are written in key order: two transactions cannot deadlock on them).
    """
    rows = [
        {"facet": facet, "value": value, "count": n}
        for (facet, value), n in sorted(delta.items())
        if n
    ]
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(PracticeFacetCount).values(rows)
    upsert: Insert = statement.on_conflict_do_update(
        index_elements=[PracticeFacetCount.facet, PracticeFacetCount.value],
        set_={"count": PracticeFacetCount.count + statement.excluded.count},
    )
    await session.execute(upsert)


# The counts from scratch, for after a bulk load that bypassed the service.
FACET_RECOUNT = """
INSERT INTO practice_facet_count (facet, value, count)
SELECT 'theme', t.theme, count(*) FROM practice_theme t
  JOIN practice p ON p.id = t.practice_id WHERE p.status = 'published' GROUP BY t.theme
UNION ALL
SELECT 'population', x.population, count(*) FROM practice_population x
  JOIN practice p ON p.id = x.practice_id WHERE p.status = 'published' GROUP BY x.population
UNION ALL
SELECT 'country', country, count(*) FROM practice WHERE status = 'published' GROUP BY country
UNION ALL
SELECT 'origin', origin, count(*) FROM practice WHERE status = 'published' GROUP BY origin
UNION ALL
SELECT 'evidence', evidence_level, count(*) FROM practice
  WHERE status = 'published' AND evidence_level IS NOT NULL GROUP BY evidence_level
UNION ALL
SELECT 'total', '', count(*) FROM practice WHERE status = 'published'
"""


async def recount_facets(session: AsyncSession) -> None:
    """Rebuild the maintained facet counts by counting the catalogue."""
    await session.execute(delete_statement(PracticeFacetCount))
    await session.execute(text(FACET_RECOUNT))


async def scanned_facet_counts(session: AsyncSession) -> dict[str, list[tuple[str, int]]]:
    """The published catalogue's facet counts and total, counted row by row."""
    return await _facet_counts(session, lambda statement: statement.where(_visible(Viewer())))


async def _facet_counts(session: AsyncSession, restrict: Any) -> dict[str, list[tuple[str, int]]]:
    """Count per facet value over the whole filtered result, in one round trip."""
    matching = restrict(
        select(Practice.id, Practice.country, Practice.origin, Practice.evidence_level)
    ).cte("matching")
    label, value, count = "facet", "value", "count"

    def per(name: str, value_column: Any, source: Any) -> Select[Any]:
        statement = (
            select(
                literal(name, String).label(label),
                value_column.label(value),
                func.count().label(count),
            )
            .select_from(source)
            .group_by(value_column)
        )
        # Only nullable columns need the filter (on the others it misleads SQLite's planner).
        return statement.where(value_column.is_not(None)) if value_column.nullable else statement

    statement: Any = union_all(
        per(
            "theme",
            PracticeTheme.theme,
            PracticeTheme.__table__.join(matching, matching.c.id == PracticeTheme.practice_id),
        ),
        per(
            "population",
            PracticePopulation.population,
            PracticePopulation.__table__.join(
                matching, matching.c.id == PracticePopulation.practice_id
            ),
        ),
        per("country", matching.c.country, matching),
        per("origin", matching.c.origin, matching),
        per("evidence", matching.c.evidence_level, matching),
        select(
            literal("total", String).label(label),
            literal("", String).label(value),
            func.count().label(count),
        ).select_from(matching),
    )
    counts: dict[str, dict[str, int]] = {}
    for name, facet_value, facet_count in (await session.execute(statement)).all():
        counts.setdefault(name, {})[facet_value] = int(facet_count)
    return _sorted_facets(counts)


async def latest_version(session: AsyncSession, practice_id: uuid.UUID) -> PracticeVersion | None:
    result = await session.scalars(
        select(PracticeVersion)
        .where(PracticeVersion.practice_id == practice_id)
        .order_by(PracticeVersion.number.desc())
        .limit(1)
    )
    return result.one_or_none()


async def versions(session: AsyncSession, practice_id: uuid.UUID) -> list[PracticeVersion]:
    result = await session.scalars(
        select(PracticeVersion)
        .where(PracticeVersion.practice_id == practice_id)
        .order_by(PracticeVersion.number)
    )
    return list(result.all())


async def transitions(session: AsyncSession, practice_id: uuid.UUID) -> list[PracticeTransition]:
    result = await session.scalars(
        select(PracticeTransition)
        .where(PracticeTransition.practice_id == practice_id)
        .order_by(PracticeTransition.at, PracticeTransition.id)
    )
    return list(result.all())


async def practices_by_id(
    session: AsyncSession, practice_ids: Sequence[uuid.UUID]
) -> list[Practice]:
    """The practices with these ids (absent ids are simply missing)."""
    if not practice_ids:
        return []
    result = await session.scalars(select(Practice).where(Practice.id.in_(practice_ids)))
    return list(result.all())


async def versions_of(
    session: AsyncSession, practice_ids: Sequence[uuid.UUID], cursor: str | None, limit: int
) -> tuple[list[PracticeVersion], str | None]:
    """A page of the versions of several practices, each practice's oldest first."""
    return await keyset_page(
        session,
        select(PracticeVersion).where(PracticeVersion.practice_id.in_(practice_ids)),
        order_by=[PracticeVersion.practice_id.expression, PracticeVersion.number.expression],
        sort_key=lambda version: (version.practice_id, version.number),
        cursor=cursor,
        limit=limit,
    )


async def transitions_of(
    session: AsyncSession, practice_ids: Sequence[uuid.UUID], cursor: str | None, limit: int
) -> tuple[list[PracticeTransition], str | None]:
    """A page of the workflow steps of several practices, each practice's oldest first."""
    return await keyset_page(
        session,
        select(PracticeTransition).where(PracticeTransition.practice_id.in_(practice_ids)),
        order_by=[
            PracticeTransition.practice_id.expression,
            PracticeTransition.at.expression,
            PracticeTransition.id.expression,
        ],
        sort_key=lambda step: (step.practice_id, step.at, step.id),
        cursor=cursor,
        limit=limit,
    )


# --- inventory ---------------------------------------------------------------------------


async def get_inventory_item(session: AsyncSession, item_id: uuid.UUID) -> InventoryItem | None:
    return await session.get(InventoryItem, item_id)


@dataclass(frozen=True)
class InventoryQuery:
    countries: Sequence[str] = ()
    themes: Sequence[str] = ()
    kinds: Sequence[str] = ()
    severities: Sequence[str] = ()
    ids: Sequence[uuid.UUID] = ()


async def list_inventory(
    session: AsyncSession, query: InventoryQuery, *, cursor: str | None, limit: int
) -> tuple[list[InventoryItem], str | None]:
    statement: Select[tuple[InventoryItem]] = select(InventoryItem)
    if query.countries:
        statement = statement.where(InventoryItem.country.in_(query.countries))
    if query.themes:
        statement = statement.where(InventoryItem.theme.in_(query.themes))
    if query.kinds:
        statement = statement.where(InventoryItem.kind.in_(query.kinds))
    if query.severities:
        statement = statement.where(InventoryItem.severity.in_(query.severities))
    if query.ids:
        statement = statement.where(InventoryItem.id.in_(query.ids))
    return await keyset_page(
        session,
        statement,
        order_by=[InventoryItem.created_at.expression, InventoryItem.id.expression],
        sort_key=lambda item: (item.created_at, item.id),
        cursor=cursor,
        limit=limit,
        descending=True,
    )


async def delete(session: AsyncSession, row: object) -> None:
    await session.delete(row)


# --- priorities --------------------------------------------------------------------------


async def gap_counts(
    session: AsyncSession, countries: Sequence[str]
) -> list[tuple[str, str, str, int]]:
    """(theme, country, severity, gaps) for every reported gap, aggregated in the database."""
    statement = (
        select(InventoryItem.theme, InventoryItem.country, InventoryItem.severity, func.count())
        .where(InventoryItem.kind == "gap")
        .group_by(InventoryItem.theme, InventoryItem.country, InventoryItem.severity)
    )
    if countries:
        statement = statement.where(InventoryItem.country.in_(countries))
    rows = (await session.execute(statement)).all()
    return [(theme, country, severity or "medium", int(n)) for theme, country, severity, n in rows]


async def published_practices_per_theme(
    session: AsyncSession, countries: Sequence[str] = ()
) -> dict[str, int]:
    """Published practices addressing each theme: of `countries` if given, else anywhere."""
    statement = (
        select(PracticeTheme.theme, func.count())
        .join(Practice, Practice.id == PracticeTheme.practice_id)
        .where(Practice.status == PracticeStatus.PUBLISHED)
        .group_by(PracticeTheme.theme)
    )
    if countries:
        statement = statement.where(Practice.country.in_(countries))
    rows = (await session.execute(statement)).all()
    return {theme: int(n) for theme, n in rows}
