"""Words of an offer as the search index keeps them: unaccented, stemmed in French and English.

PostgreSQL does this itself (the `french` and `english` text search configurations over
unaccent). SQLite's FTS5 only folds case and accents (`unicode61 remove_diacritics 2`), so
for SQLite the words are stemmed here with the same Snowball stemmers and stop words as
PostgreSQL's, which keeps both databases finding the same offers.
"""

import re
import unicodedata
from functools import cache

import snowballstemmer

from market.platform.config import ROOT

LANGUAGES = ("french", "english")
WORD = re.compile(r"\w+", re.UNICODE)
#: Longest query kept (characters) and most words searched.
MAX_QUERY = 200
MAX_WORDS = 12


def unaccent(value: str) -> str:
    """Lower case without diacritics ("Élevé" -> "eleve")."""
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@cache
def stop_words(language: str) -> frozenset[str]:
    """PostgreSQL's (Snowball's) stop words of ``language``, unaccented."""
    path = ROOT / "market" / "data" / "stopwords" / f"{language}.stop"
    return frozenset(unaccent(w.strip()) for w in path.read_text("utf-8").split() if w.strip())


@cache
def _stemmer(language: str):
    return snowballstemmer.stemmer(language)


def words(value: str) -> list[str]:
    """The unaccented words of ``value``, in order."""
    return WORD.findall(unaccent(value))


def stems(value: str, language: str) -> list[str]:
    """The stems of the words of ``value`` that are not stop words of ``language``."""
    stop = stop_words(language)
    kept = [w for w in words(value) if w not in stop]
    return _stemmer(language).stemWords(kept)


def indexed(value: str) -> dict[str, str]:
    """The text each FTS5 column holds for ``value``: its stems in each language."""
    return {language: " ".join(stems(value, language)) for language in LANGUAGES}


def fts_query(query: str) -> str | None:
    """An FTS5 MATCH expression: every word, in French or in English; None if no word."""
    clauses = []
    for language in LANGUAGES:
        found = stems(query[:MAX_QUERY], language)[:MAX_WORDS]
        if found:
            # Quoted: a stem is a plain token, never FTS5 syntax (AND, NEAR, column names).
            clauses.append(f"{language} : (" + " AND ".join(f'"{s}"' for s in found) + ")")
    return " OR ".join(clauses) or None
