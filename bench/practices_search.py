"""Benchmark of practice search: p50/p95 through the API on a large bilingual catalogue.

Loads N bilingual practices of realistic length (title ~10 words, summary ~30, description
~110 per language; 1-3 themes, 1-2 populations, 12 countries) straight into the migrated
database (COPY on PostgreSQL, executemany on SQLite, so the search index is built the way
the migration defines it: generated tsvector / FTS5 triggers), then times requests through
the practices app in-process (httpx ASGI transport, the full FastAPI stack, no network):

- front page: no filter, newest first, with total and facet counts (target p95 ≤ 50 ms:
  the counts are the maintained `practice_facet_count`, not a count of the catalogue);
- search: a two-word query + two filters (country, theme), with total and facet counts;
- listing: filters only (country, theme), newest first, with total and facet counts.

On PostgreSQL each filtered request's statements are recorded and replayed right after
it on a bare asyncpg connection (same text, same parameters): `api_over_sql_p50` is the
API's median over that median, i.e. what the service's Python adds (target ≤ 1.5).
The bulk load bypasses the service, so the maintained facet counts are recounted after it.

Usage:
    .venv/bin/python bench/practices_search.py --backend postgresql --count 100000
    .venv/bin/python bench/practices_search.py --backend sqlite --count 100000

PostgreSQL: --postgres-url names a server database used to create `mirps_bench_practices`
(dropped and recreated on each run unless --reuse).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import random
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from asgi_lifespan import LifespanManager
from sqlalchemy import event
from sqlalchemy.engine import make_url

from services.common.db import make_engine, make_sessionmaker
from services.common.migrations import upgrade_to_head
from services.common.settings import CommonSettings
from services.practices import repository
from services.practices.app import create_app
from services.practices.config import Settings

SPANISH = [
    "integración",
    "laboral",
    "personas",
    "refugiadas",
    "solicitantes",
    "asilo",
    "comunidades",
    "acogida",
    "empleo",
    "formal",
    "educación",
    "escuelas",
    "niñas",
    "niños",
    "adolescentes",
    "salud",
    "mental",
    "apoyo",
    "psicosocial",
    "vivienda",
    "temporal",
    "albergues",
    "documentación",
    "identidad",
    "registro",
    "civil",
    "cohesión",
    "social",
    "gobierno",
    "local",
    "municipio",
    "programa",
    "servicio",
    "atención",
    "protección",
    "mujeres",
    "violencia",
    "género",
    "desplazamiento",
    "interno",
    "retorno",
    "retornados",
    "apatridia",
    "nacionalidad",
    "capacitación",
    "certificación",
    "competencias",
    "empresas",
    "sector",
    "privado",
    "emprendimiento",
    "microcréditos",
    "inclusión",
    "financiera",
    "cuentas",
    "bancarias",
    "seguro",
    "social",
    "salud",
    "pública",
    "clínicas",
    "móviles",
    "orientación",
    "legal",
    "asesoría",
    "jurídica",
    "información",
    "acceso",
    "derechos",
    "participación",
    "comunitaria",
    "voluntariado",
    "alianza",
    "cooperación",
    "fronteriza",
    "ciudades",
    "rurales",
    "urbanos",
    "familias",
    "hogares",
    "ingresos",
    "medios",
    "vida",
    "agricultura",
    "cooperativas",
    "mercados",
    "formación",
    "idioma",
    "tutorías",
    "becas",
    "transporte",
    "alimentación",
    "nutrición",
    "agua",
    "saneamiento",
]
ENGLISH = [
    "labour",
    "integration",
    "refugees",
    "asylum",
    "seekers",
    "host",
    "communities",
    "formal",
    "employment",
    "education",
    "schools",
    "girls",
    "boys",
    "adolescents",
    "mental",
    "health",
    "psychosocial",
    "support",
    "housing",
    "temporary",
    "shelters",
    "documentation",
    "legal",
    "identity",
    "civil",
    "registry",
    "social",
    "cohesion",
    "local",
    "government",
    "municipality",
    "programme",
    "service",
    "care",
    "protection",
    "women",
    "violence",
    "gender",
    "internal",
    "displacement",
    "return",
    "returnees",
    "statelessness",
    "nationality",
    "training",
    "skills",
    "certification",
    "companies",
    "private",
    "sector",
    "entrepreneurship",
    "microcredit",
    "financial",
    "inclusion",
    "bank",
    "accounts",
    "social",
    "security",
    "public",
    "health",
    "mobile",
    "clinics",
    "guidance",
    "legal",
    "advice",
    "information",
    "access",
    "rights",
    "community",
    "participation",
    "volunteering",
    "partnership",
    "cooperation",
    "border",
    "cities",
    "rural",
    "urban",
    "families",
    "households",
    "income",
    "livelihoods",
    "agriculture",
    "cooperatives",
    "markets",
    "language",
    "tutoring",
    "scholarships",
    "transport",
    "food",
    "nutrition",
    "water",
    "sanitation",
]
COUNTRIES = ("BLZ", "CRI", "SLV", "GTM", "HND", "MEX", "PAN", "ESP", "CAN", "COL", "BRA", "URY")
MIRPS = set(COUNTRIES[:7])
THEMES = (
    "employment_livelihoods",
    "education",
    "health",
    "documentation_legal_identity",
    "housing",
    "social_cohesion",
    "child_adolescent_integration",
    "gender_based_violence",
    "access_to_asylum",
    "local_governance",
    "internal_displacement",
    "financial_inclusion",
    "social_protection",
    "mental_health_psychosocial",
    "data_statistics",
)
POPULATIONS = (
    "refugees",
    "asylum_seekers",
    "internally_displaced",
    "returnees_protection_needs",
    "stateless",
    "host_communities",
)
PILLARS = ("reception_admission", "immediate_needs", "host_support", "durable_solutions")
EVIDENCE = ("promising", "good", "best", None)
STATUSES = ("published",) * 18 + ("draft", "submitted")


SPANISH_FUNCTION_WORDS = [
    "de",
    "la",
    "que",
    "el",
    "en",
    "y",
    "a",
    "los",
    "del",
    "se",
    "las",
    "por",
    "un",
    "para",
    "con",
    "no",
    "una",
    "su",
    "al",
    "lo",
    "como",
    "más",
    "pero",
    "sus",
    "le",
    "ya",
    "o",
    "este",
    "porque",
    "esta",
    "entre",
    "cuando",
    "muy",
    "sin",
    "sobre",
    "también",
    "hasta",
    "hay",
    "donde",
    "desde",
    "todo",
    "nos",
    "durante",
    "todos",
    "uno",
    "les",
    "ni",
    "contra",
    "otros",
    "ese",
    "eso",
    "ante",
    "ellos",
    "esto",
    "antes",
    "algunos",
    "unos",
    "otro",
    "otras",
    "otra",
    "tanto",
    "esa",
    "estos",
    "mucho",
    "quienes",
    "nada",
    "muchos",
    "cual",
    "poco",
    "ella",
    "estas",
    "algunas",
]
ENGLISH_FUNCTION_WORDS = [
    "the",
    "of",
    "and",
    "to",
    "in",
    "a",
    "is",
    "that",
    "for",
    "it",
    "as",
    "with",
    "was",
    "on",
    "be",
    "by",
    "this",
    "are",
    "or",
    "from",
    "at",
    "an",
    "which",
    "have",
    "not",
    "has",
    "but",
    "were",
    "their",
    "they",
    "its",
    "also",
    "been",
    "more",
    "one",
    "can",
    "all",
    "would",
    "there",
    "these",
    "other",
    "some",
    "into",
    "than",
    "then",
    "them",
    "such",
    "when",
    "who",
    "will",
    "only",
    "so",
    "most",
    "through",
    "between",
]
LONG_TAIL = 4000
SYLLABLES = [
    "ma",
    "lo",
    "ti",
    "ren",
    "sa",
    "cu",
    "dor",
    "ven",
    "pi",
    "ta",
    "bre",
    "gan",
    "sol",
    "mir",
    "tor",
    "pel",
    "fa",
    "nu",
    "ro",
    "che",
]


def _vocabulary(function_words: list[str], domain: list[str], seed: int) -> list[str]:
    """Function words, then domain words, then a long tail of other words (rank order).

    Realistic text is not made of 120 words: a long tail keeps each domain word in a
    realistic share of documents (a few per cent to a third), as in a real corpus.
    """
    rng = random.Random(seed)
    shuffled = list(domain)
    rng.shuffle(shuffled)
    tail = [
        "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))) for _ in range(LONG_TAIL)
    ]
    return function_words + shuffled + tail


def _zipf_weights(n: int) -> list[float]:
    """Cumulative Zipf weights (passed as `cum_weights`, so each draw is a bisection)."""
    return list(itertools.accumulate(1.0 / (rank + 1) for rank in range(n)))


ES_WORDS = _vocabulary(SPANISH_FUNCTION_WORDS, SPANISH, 1)
EN_WORDS = _vocabulary(ENGLISH_FUNCTION_WORDS, ENGLISH, 2)
ES_WEIGHTS = _zipf_weights(len(ES_WORDS))
EN_WEIGHTS = _zipf_weights(len(EN_WORDS))


def _text(rng: random.Random, words: list[str], weights: list[float], n: int) -> str:
    chosen = rng.choices(words, cum_weights=weights, k=n)
    return " ".join(chosen).capitalize() + "."


def generate(count: int, seed: int = 7) -> Iterator[dict[str, Any]]:
    """Practices as column dicts, reproducible from the seed."""
    rng = random.Random(seed)
    start = datetime(2020, 1, 1, tzinfo=UTC)
    for n in range(count):
        country = rng.choice(COUNTRIES)
        title_es = _text(rng, ES_WORDS, ES_WEIGHTS, rng.randint(7, 12))
        title_en = _text(rng, EN_WORDS, EN_WEIGHTS, rng.randint(7, 12))
        created = start + timedelta(minutes=n * 13)
        yield {
            "id": uuid.UUID(int=rng.getrandbits(128), version=4),
            "status": rng.choice(STATUSES),
            "title_es": title_es,
            "title_en": title_en if rng.random() < 0.8 else None,
            "sort_title": title_es[:300],
            "summary_es": _text(rng, ES_WORDS, ES_WEIGHTS, rng.randint(20, 40)),
            "summary_en": _text(rng, EN_WORDS, EN_WEIGHTS, rng.randint(20, 40)),
            "description_es": _text(rng, ES_WORDS, ES_WEIGHTS, rng.randint(80, 140)),
            "description_en": _text(rng, EN_WORDS, EN_WEIGHTS, rng.randint(80, 140)),
            "country": country,
            "origin": "mirps_country" if country in MIRPS else "sp_member",
            "pillar": rng.choice(PILLARS),
            "evidence_level": rng.choice(EVIDENCE),
            "themes": rng.sample(THEMES, rng.randint(1, 3)),
            "populations": rng.sample(POPULATIONS, rng.randint(1, 2)),
            "organisation": f"org-{rng.randint(1, 400)}",
            "created_at": created,
        }


PRACTICE_COLUMNS = [
    "id",
    "status",
    "title_es",
    "title_en",
    "sort_title",
    "summary_es",
    "summary_en",
    "description_es",
    "description_en",
    "country",
    "origin",
    "pillar",
    "evidence_level",
    "implementing_organisations",
    "links",
    "contacts",
    "shared_with",
    "created_by",
    "owner_org_id",
    "created_at",
    "updated_at",
    "version",
]


def _practice_row(p: dict[str, Any], *, json_text: bool) -> tuple[Any, ...]:
    organisations = f'[{{"id": "{p["organisation"]}", "name": "Organización"}}]'
    values = {
        **p,
        "implementing_organisations": organisations,
        "links": "[]",
        "contacts": "[]",
        "shared_with": "[]",
        "created_by": "bench",
        "owner_org_id": p["organisation"],
        "updated_at": p["created_at"],
        "version": 1,
    }
    row = tuple(values[column] for column in PRACTICE_COLUMNS)
    if json_text:  # SQLite: uuid as 32 hex chars, datetimes as text, as SQLAlchemy stores them
        return tuple(
            v.hex
            if isinstance(v, uuid.UUID)
            else v.strftime("%Y-%m-%d %H:%M:%S.%f")
            if isinstance(v, datetime)
            else v
            for v in row
        )
    return row


async def load_postgresql(url: str, count: int, batch: int = 5000) -> None:
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(
            "TRUNCATE practice, practice_theme, practice_population, practice_organisation CASCADE"
        )
        rows: list[tuple[Any, ...]] = []
        themes: list[tuple[Any, ...]] = []
        populations: list[tuple[Any, ...]] = []
        organisations: list[tuple[Any, ...]] = []

        async def flush() -> None:
            await connection.copy_records_to_table(
                "practice", records=rows, columns=PRACTICE_COLUMNS
            )
            await connection.copy_records_to_table(
                "practice_theme", records=themes, columns=["practice_id", "theme", "position"]
            )
            await connection.copy_records_to_table(
                "practice_population",
                records=populations,
                columns=["practice_id", "population", "position"],
            )
            await connection.copy_records_to_table(
                "practice_organisation",
                records=organisations,
                columns=["practice_id", "organisation_id"],
            )
            for bucket in (rows, themes, populations, organisations):
                bucket.clear()

        for n, practice in enumerate(generate(count), start=1):
            rows.append(_practice_row(practice, json_text=False))
            themes += [(practice["id"], t, i) for i, t in enumerate(practice["themes"])]
            populations += [(practice["id"], p, i) for i, p in enumerate(practice["populations"])]
            organisations.append((practice["id"], practice["organisation"]))
            if n % batch == 0:
                await flush()
                print(f"  loaded {n}", flush=True)
        if rows:
            await flush()
        await connection.execute("VACUUM ANALYZE")
    finally:
        await connection.close()


def load_sqlite(path: str, count: int) -> None:
    connection = sqlite3.connect(path)
    try:
        placeholders = ", ".join("?" for _ in PRACTICE_COLUMNS)
        insert = f"INSERT INTO practice ({', '.join(PRACTICE_COLUMNS)}) VALUES ({placeholders})"  # noqa: S608
        batch: list[dict[str, Any]] = []
        for n, practice in enumerate(generate(count), start=1):
            batch.append(practice)
            if n % 5000 == 0 or n == count:
                connection.executemany(insert, [_practice_row(p, json_text=True) for p in batch])
                connection.executemany(
                    "INSERT INTO practice_theme VALUES (?, ?, ?)",
                    [(p["id"].hex, t, i) for p in batch for i, t in enumerate(p["themes"])],
                )
                connection.executemany(
                    "INSERT INTO practice_population VALUES (?, ?, ?)",
                    [(p["id"].hex, q, i) for p in batch for i, q in enumerate(p["populations"])],
                )
                connection.executemany(
                    "INSERT INTO practice_organisation VALUES (?, ?)",
                    [(p["id"].hex, p["organisation"]) for p in batch],
                )
                connection.commit()
                batch.clear()
                print(f"  loaded {n}", flush=True)
        connection.execute("ANALYZE")
        connection.commit()
    finally:
        connection.close()


def _percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


@dataclass
class SqlRecorder:
    """The statements the app's engine sends (text and parameters), for replaying alone."""

    statements: list[tuple[str, Any]] = field(default_factory=list)

    def __call__(self, _conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        self.statements.append((statement, parameters))


async def _replay(connection: asyncpg.Connection, statements: list[tuple[str, Any]]) -> float:
    """Milliseconds to run the same statements with the same parameters on bare asyncpg."""
    started = time.perf_counter()
    for statement, parameters in statements:
        await connection.fetch(statement, *(parameters or ()))
    return (time.perf_counter() - started) * 1000


Params = Callable[[], dict[str, Any]]


def scenarios(rng: random.Random, extra: bool) -> dict[str, tuple[Params, bool]]:
    """Name → (query parameters, whether to set each request beside its SQL alone)."""
    chosen: dict[str, tuple[Params, bool]] = {
        "front page (no filter, newest, facets)": (lambda: {"limit": 20}, True),
        "search (2 words + country + theme, facets)": (
            lambda: {
                "q": " ".join(rng.sample(rng.choice((SPANISH, ENGLISH)), 2)),
                "country": rng.choice(COUNTRIES),
                "theme": rng.choice(THEMES),
                "limit": 20,
            },
            True,
        ),
        "listing (country + theme, newest, facets)": (
            lambda: {"country": rng.choice(COUNTRIES), "theme": rng.choice(THEMES), "limit": 20},
            True,
        ),
    }
    if extra:
        chosen["extra: search (2 words, no filter, facets)"] = (
            lambda: {"q": " ".join(rng.sample(rng.choice((SPANISH, ENGLISH)), 2)), "limit": 20},
            True,
        )
    return chosen


async def measure(
    url: str, requests: int, *, extra: bool = False, seed: int = 11
) -> dict[str, dict[str, float]]:
    """Each scenario's latency through the API; on PostgreSQL, for the filtered ones, also
    the same statements replayed alone on bare asyncpg right after each request."""
    rng = random.Random(seed)
    app = create_app(
        Settings(database_url=url, mirps=CommonSettings(environment="test", log_level="WARNING"))
    )
    postgres = make_url(url).get_backend_name() == "postgresql"
    bare = await asyncpg.connect(_dsn(url)) if postgres else None
    results: dict[str, dict[str, float]] = {}
    try:
        async with LifespanManager(app) as manager:
            engine = app.state.engine
            transport = httpx.ASGITransport(app=manager.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
                for name, (params, beside_sql) in scenarios(rng, extra).items():
                    results[name] = await _scenario(
                        client, engine, bare if beside_sql else None, params, requests
                    )
    finally:
        if bare is not None:
            await bare.close()
    return results


async def _scenario(
    client: httpx.AsyncClient,
    engine: Any,
    bare: asyncpg.Connection | None,
    params: Params,
    requests: int,
) -> dict[str, float]:
    for _ in range(10):  # warm-up
        (await client.get("/v1/practices", params=params())).raise_for_status()
    timings: list[float] = []
    sql: list[float] = []
    totals: list[int] = []
    for _ in range(requests):
        recorder = SqlRecorder()
        event.listen(engine.sync_engine, "before_cursor_execute", recorder)
        try:
            started = time.perf_counter()
            response = await client.get("/v1/practices", params=params())
            timings.append((time.perf_counter() - started) * 1000)
        finally:
            event.remove(engine.sync_engine, "before_cursor_execute", recorder)
        response.raise_for_status()
        totals.append(response.json()["total"])
        if bare is not None:
            sql.append(await _replay(bare, recorder.statements))
    numbers = {
        "p50_ms": round(statistics.median(timings), 1),
        "p95_ms": round(_percentile(timings, 0.95), 1),
        "max_ms": round(max(timings), 1),
        "mean_total": round(statistics.mean(totals), 1),
    }
    if sql:
        numbers["sql_alone_p50_ms"] = round(statistics.median(sql), 1)
        numbers["api_over_sql_p50"] = round(statistics.median(timings) / statistics.median(sql), 2)
    return numbers


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def prepare_postgresql(admin_url: str, count: int, reuse: bool) -> str:
    name = "mirps_bench_practices"
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    if not reuse:
        admin = await asyncpg.connect(
            make_url(admin_url).set(drivername="postgresql").render_as_string(hide_password=False)
        )
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.execute(f'CREATE DATABASE "{name}"')
        finally:
            await admin.close()
        await asyncio.to_thread(upgrade_to_head, "practices", url)
        started = time.perf_counter()
        await load_postgresql(url, count)
        print(f"  load took {time.perf_counter() - started:.0f} s")
    else:  # data loaded by an older revision: bring the schema up to date
        await asyncio.to_thread(upgrade_to_head, "practices", url)
    await recount_facets(url)
    return url


async def recount_facets(url: str) -> None:
    """The bulk load bypassed the service: count the front page's facets once, as after an
    import."""
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as session:
            await repository.recount_facets(session)
            await session.commit()
    finally:
        await engine.dispose()


def prepare_sqlite(folder: Path, count: int, reuse: bool) -> str:
    path = folder / "bench_practices.db"
    url = f"sqlite+aiosqlite:///{path}"
    if not reuse or not path.exists():
        path.unlink(missing_ok=True)
        upgrade_to_head("practices", url)
        started = time.perf_counter()
        load_sqlite(str(path), count)
        print(f"  load took {time.perf_counter() - started:.0f} s")
    else:
        upgrade_to_head("practices", url)
    asyncio.run(recount_facets(url))
    return url


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument(
        "--postgres-url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
    )
    parser.add_argument("--sqlite-dir", default=tempfile.gettempdir())
    parser.add_argument("--reuse", action="store_true", help="Measure the data already loaded.")
    parser.add_argument("--extra", action="store_true", help="Also time unfiltered search.")
    args = parser.parse_args()

    print(f"{args.backend}: {args.count} practices")
    if args.backend == "postgresql":
        url = await prepare_postgresql(args.postgres_url, args.count, args.reuse)
    else:
        url = await asyncio.to_thread(prepare_sqlite, Path(args.sqlite_dir), args.count, args.reuse)
    for name, numbers in (await measure(url, args.requests, extra=args.extra)).items():
        print(f"  {name}: {numbers}")


if __name__ == "__main__":
    asyncio.run(main())
