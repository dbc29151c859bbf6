"""Turning what a user typed into a safe full-text query, for either database.

User input never reaches a query language as such: only runs of letters and digits are
kept (quotes, hyphens, `*`, `%`, backslashes and operators fall away), each word is then
quoted (SQLite FTS5) or passed as a bound parameter to `to_tsquery` (PostgreSQL), so
`AND`, `NOT` or `NEAR` are searched as words, never obeyed as operators.

The search index itself is created by the migration `practices_0002`:
- PostgreSQL: `practice.search_document`, a stored tsvector generated from the title (A),
  summary (B) and description (C) with the configurations `mirps_es` (unaccent + Spanish
  stemmer) for Spanish text and `mirps_en` (unaccent + English stemmer) for English, GIN
  indexed. A query word matches when it matches in either language.
- SQLite: `practice_fts`, an FTS5 table (unicode61 without diacritics + Porter) kept in
  sync by triggers; columns title, summary, description, weighted 10 / 4 / 1 by bm25.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MAX_WORDS = 12
MAX_WORD_LENGTH = 64
# Letters and digits of any script; underscores and everything else separate words.
_WORD = re.compile(r"[^\W_]+")

PG_SEARCH_COLUMN = "search_document"
PG_CONFIGURATIONS = ("mirps_es", "mirps_en")
SQLITE_FTS_TABLE = "practice_fts"
SQLITE_COLUMN_WEIGHTS = (0.0, 10.0, 4.0, 1.0)  # practice_id (unindexed), title, summary, desc.


def fold(text: str) -> str:
    """Text case-folded with its accents removed ("Ávila" → "avila", "Ética" → "etica").

    What FTS5's `unicode61 remove_diacritics 2` and PostgreSQL's `unaccent` do to indexed
    words; the title's sort key is this, so both databases order titles alike.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return unicodedata.normalize("NFC", bare.casefold())


def title_sort_key(title_es: str | None, title_en: str | None) -> str:
    """The stored sort key of a title: Spanish first, English when there is no Spanish."""
    return fold(title_es or title_en or "")[:SORT_KEY_LENGTH]


SORT_KEY_LENGTH = 300


@dataclass(frozen=True)
class TextQuery:
    """The words to find, all of them; with `prefix`, the last one may be unfinished."""

    words: tuple[str, ...]
    prefix: bool

    def fts5_match(self) -> str:
        """An FTS5 MATCH expression: every word a quoted string (no operator survives).

        FTS5 has no Spanish stemmer (Porter is English), so a word that ends like a Spanish
        gender or plural inflection is searched as a prefix of its stem: "refugiados"
        finds "refugiada", "niño" finds "niñas". PostgreSQL's Spanish stemmer needs no help.
        """
        terms = []
        for position, word in enumerate(self.words):
            stem = _spanish_stem(word)
            last = position == len(self.words) - 1
            terms.append(f'"{stem}"*' if stem != word or (self.prefix and last) else f'"{word}"')
        return " ".join(terms)

    def tsquery_terms(self) -> list[str]:
        """One `to_tsquery` argument per word (`word` or `word:*`)."""
        terms = list(self.words)
        if self.prefix:
            terms[-1] += ":*"
        return terms


_INFLECTIONS = ("os", "as", "es", "o", "a", "s")
_MIN_STEM = 3


def _spanish_stem(word: str) -> str:
    """The word without one gender/plural ending, when enough of it is left."""
    for ending in _INFLECTIONS:
        if word.endswith(ending) and len(word) - len(ending) >= _MIN_STEM:
            return word[: -len(ending)]
    return word


def parse_text_query(q: str | None, *, prefix: bool = False) -> TextQuery | None:
    """The searchable words of `q`, or None when it has none (then no text filter applies)."""
    if not q:
        return None
    words = tuple(word.lower()[:MAX_WORD_LENGTH] for word in _WORD.findall(q))[:MAX_WORDS]
    if not words:
        return None
    return TextQuery(words=words, prefix=prefix)
