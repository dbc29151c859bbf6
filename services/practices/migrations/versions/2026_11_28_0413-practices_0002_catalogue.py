"""Practices, their workflow and versions, the inventory, and the full-text search index.

Revision ID: practices_0002
Revises: practices_0001
Create Date: 2026-11-28 04:13:03.783293+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "practices_0002"
down_revision: str | None = "practices_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Full-text search. Kept outside the ORM metadata (see services/practices/search.py).
# PostgreSQL: unaccent() is not immutable, so it cannot be called in a generated column;
# a text search configuration that runs the unaccent dictionary before the stemmer can:
# to_tsvector(regconfig, text) is immutable.
_PG_DOCUMENT = """
    setweight(to_tsvector('mirps_es'::regconfig, coalesce(title_es, '')), 'A') ||
    setweight(to_tsvector('mirps_en'::regconfig, coalesce(title_en, '')), 'A') ||
    setweight(to_tsvector('mirps_es'::regconfig, coalesce(summary_es, '')), 'B') ||
    setweight(to_tsvector('mirps_en'::regconfig, coalesce(summary_en, '')), 'B') ||
    setweight(to_tsvector('mirps_es'::regconfig, coalesce(description_es, '')), 'C') ||
    setweight(to_tsvector('mirps_en'::regconfig, coalesce(description_en, '')), 'C')
"""

_PG_UPGRADE = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE TEXT SEARCH CONFIGURATION mirps_es (COPY = pg_catalog.spanish)",
    "ALTER TEXT SEARCH CONFIGURATION mirps_es "
    "ALTER MAPPING FOR hword, hword_part, word WITH unaccent, spanish_stem",
    "CREATE TEXT SEARCH CONFIGURATION mirps_en (COPY = pg_catalog.english)",
    "ALTER TEXT SEARCH CONFIGURATION mirps_en "
    "ALTER MAPPING FOR hword, hword_part, word WITH unaccent, english_stem",
    f"ALTER TABLE practice ADD COLUMN search_document tsvector "
    f"GENERATED ALWAYS AS ({_PG_DOCUMENT}) STORED",
    "CREATE INDEX ix_practice_search_document ON practice USING gin (search_document)",
]

_PG_DOWNGRADE = [
    "DROP INDEX IF EXISTS ix_practice_search_document",
    "ALTER TABLE practice DROP COLUMN IF EXISTS search_document",
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS mirps_en",
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS mirps_es",
]

# SQLite: an FTS5 table carrying the practice id (not the rowid: VACUUM may renumber the
# rowids of a table without an INTEGER PRIMARY KEY), diacritics removed and a light
# (Porter) stemmer on top; triggers keep it in step with every write to practice.
_SQLITE_UPGRADE = [
    "CREATE VIRTUAL TABLE practice_fts USING fts5("
    "practice_id UNINDEXED, title, summary, description, "
    "tokenize = 'porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER practice_fts_insert AFTER INSERT ON practice BEGIN "
    "INSERT INTO practice_fts (practice_id, title, summary, description) "
    "VALUES (new.id, "
    "coalesce(new.title_es, '') || ' ' || coalesce(new.title_en, ''), "
    "coalesce(new.summary_es, '') || ' ' || coalesce(new.summary_en, ''), "
    "coalesce(new.description_es, '') || ' ' || coalesce(new.description_en, '')); END",
    "CREATE TRIGGER practice_fts_update AFTER UPDATE OF title_es, title_en, summary_es, "
    "summary_en, description_es, description_en ON practice BEGIN "
    "DELETE FROM practice_fts WHERE practice_id = old.id; "
    "INSERT INTO practice_fts (practice_id, title, summary, description) "
    "VALUES (new.id, "
    "coalesce(new.title_es, '') || ' ' || coalesce(new.title_en, ''), "
    "coalesce(new.summary_es, '') || ' ' || coalesce(new.summary_en, ''), "
    "coalesce(new.description_es, '') || ' ' || coalesce(new.description_en, '')); END",
    "CREATE TRIGGER practice_fts_delete AFTER DELETE ON practice BEGIN "
    "DELETE FROM practice_fts WHERE practice_id = old.id; END",
]

_SQLITE_DOWNGRADE = [
    "DROP TRIGGER IF EXISTS practice_fts_delete",
    "DROP TRIGGER IF EXISTS practice_fts_update",
    "DROP TRIGGER IF EXISTS practice_fts_insert",
    "DROP TABLE IF EXISTS practice_fts",
]


def _run(statements: list[str]) -> None:
    for statement in statements:
        op.execute(statement)


def _is_postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    op.create_table(
        "idempotency_keys",
        sa.Column("caller", sa.String(length=200), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("response_body", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("caller", "key", name=op.f("pk_idempotency_keys")),
    )
    op.create_index(
        op.f("ix_idempotency_keys_expires_at"), "idempotency_keys", ["expires_at"], unique=False
    )
    op.create_table(
        "inventory_item",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("country", sa.String(length=3), nullable=False),
        sa.Column("theme", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("title", sa.JSON(), nullable=False),
        sa.Column("description", sa.JSON(), nullable=True),
        sa.Column("populations", sa.JSON(), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=True),
        sa.Column("source_organisation_id", sa.String(length=200), nullable=True),
        sa.Column("source_organisation_name", sa.String(length=300), nullable=True),
        sa.Column("as_of_date", sa.Date(), nullable=False),
        sa.Column("contacts", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inventory_item")),
    )
    op.create_index(op.f("ix_inventory_item_country"), "inventory_item", ["country"], unique=False)
    op.create_index(op.f("ix_inventory_item_kind"), "inventory_item", ["kind"], unique=False)
    op.create_index(op.f("ix_inventory_item_theme"), "inventory_item", ["theme"], unique=False)

    op.create_table(
        "practice",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("title_es", sa.Text(), nullable=True),
        sa.Column("title_en", sa.Text(), nullable=True),
        sa.Column("sort_title", sa.String(length=300), nullable=False),
        sa.Column("summary_es", sa.Text(), nullable=True),
        sa.Column("summary_en", sa.Text(), nullable=True),
        sa.Column("description_es", sa.Text(), nullable=True),
        sa.Column("description_en", sa.Text(), nullable=True),
        sa.Column("country", sa.String(length=3), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("pillar", sa.String(length=32), nullable=True),
        sa.Column("started_on", sa.Date(), nullable=True),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("results", sa.JSON(), nullable=True),
        sa.Column("evidence_level", sa.String(length=16), nullable=True),
        sa.Column("evidence", sa.JSON(), nullable=True),
        sa.Column("implementing_organisations", sa.JSON(), nullable=False),
        sa.Column("links", sa.JSON(), nullable=False),
        sa.Column("contacts", sa.JSON(), nullable=False),
        sa.Column("shared_with", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("owner_org_id", sa.String(length=200), nullable=True),
        sa.Column("review_comment", sa.Text(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_practice")),
    )
    op.create_index(op.f("ix_practice_country"), "practice", ["country"], unique=False)
    op.create_index(
        "ix_practice_status_country_facets",
        "practice",
        ["status", "country", "origin", "evidence_level", "created_at", "id"],
        unique=False,
    )
    op.create_index(
        "ix_practice_status_created_at", "practice", ["status", "created_at", "id"], unique=False
    )
    op.create_index(
        "ix_practice_status_sort_title", "practice", ["status", "sort_title", "id"], unique=False
    )

    op.create_table(
        "practice_organisation",
        sa.Column("practice_id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["practice_id"],
            ["practice.id"],
            name=op.f("fk_practice_organisation_practice_id_practice"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "practice_id", "organisation_id", name=op.f("pk_practice_organisation")
        ),
    )
    op.create_index(
        "ix_practice_organisation_organisation_id",
        "practice_organisation",
        ["organisation_id", "practice_id"],
        unique=False,
    )

    op.create_table(
        "practice_population",
        sa.Column("practice_id", sa.Uuid(), nullable=False),
        sa.Column("population", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["practice_id"],
            ["practice.id"],
            name=op.f("fk_practice_population_practice_id_practice"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("practice_id", "population", name=op.f("pk_practice_population")),
    )
    op.create_index(
        "ix_practice_population_population",
        "practice_population",
        ["population", "practice_id"],
        unique=False,
    )

    op.create_table(
        "practice_theme",
        sa.Column("practice_id", sa.Uuid(), nullable=False),
        sa.Column("theme", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["practice_id"],
            ["practice.id"],
            name=op.f("fk_practice_theme_practice_id_practice"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("practice_id", "theme", name=op.f("pk_practice_theme")),
    )
    op.create_index(
        "ix_practice_theme_theme", "practice_theme", ["theme", "practice_id"], unique=False
    )

    op.create_table(
        "practice_transition",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("practice_id", sa.Uuid(), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=False),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["practice_id"],
            ["practice.id"],
            name=op.f("fk_practice_transition_practice_id_practice"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_practice_transition")),
    )
    op.create_index(
        op.f("ix_practice_transition_practice_id"),
        "practice_transition",
        ["practice_id"],
        unique=False,
    )

    op.create_table(
        "practice_version",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("practice_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("changed_fields", sa.JSON(), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("changed_by", sa.String(length=200), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["practice_id"],
            ["practice.id"],
            name=op.f("fk_practice_version_practice_id_practice"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_practice_version")),
        sa.UniqueConstraint(
            "practice_id", "number", name=op.f("uq_practice_version_practice_id_number")
        ),
    )
    op.create_index(
        op.f("ix_practice_version_practice_id"), "practice_version", ["practice_id"], unique=False
    )

    _run(_PG_UPGRADE if _is_postgresql() else _SQLITE_UPGRADE)


def downgrade() -> None:
    op.drop_index(op.f("ix_idempotency_keys_expires_at"), table_name="idempotency_keys")
    op.drop_table("idempotency_keys")
    _run(_PG_DOWNGRADE if _is_postgresql() else _SQLITE_DOWNGRADE)
    op.drop_index(op.f("ix_practice_version_practice_id"), table_name="practice_version")

    op.drop_table("practice_version")
    op.drop_index(op.f("ix_practice_transition_practice_id"), table_name="practice_transition")

    op.drop_table("practice_transition")
    op.drop_index("ix_practice_theme_theme", table_name="practice_theme")

    op.drop_table("practice_theme")
    op.drop_index("ix_practice_population_population", table_name="practice_population")

    op.drop_table("practice_population")
    op.drop_index(
        op.f("ix_practice_organisation_organisation_id"), table_name="practice_organisation"
    )

    op.drop_table("practice_organisation")
    op.drop_index("ix_practice_status_sort_title", table_name="practice")
    op.drop_index("ix_practice_status_created_at", table_name="practice")
    op.drop_index("ix_practice_status_country_facets", table_name="practice")
    op.drop_index(op.f("ix_practice_country"), table_name="practice")

    op.drop_table("practice")
    op.drop_index(op.f("ix_inventory_item_theme"), table_name="inventory_item")
    op.drop_index(op.f("ix_inventory_item_kind"), table_name="inventory_item")
    op.drop_index(op.f("ix_inventory_item_country"), table_name="inventory_item")

    op.drop_table("inventory_item")
