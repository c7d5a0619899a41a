"""Document frequencies of index words (``kb_search_terms``), cached briefly in the process."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterable

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

# Frequencies only choose which words of a ticket text to search with; a count ten minutes old is as good
# (and the index forgets them when it changes here): a new word of each text was a statement per intake.
CACHE_SECONDS = 600.0
_lock = threading.Lock()
_cache: dict[str, int] = {}
_docs: list[float] = []  # [count, fetched_at]
_stamp = [0.0]


def forget_term_stats() -> None:
    """Drop the cached frequencies (the index changed)."""
    with _lock:
        _cache.clear()
        _docs.clear()
        _stamp[0] = time.monotonic()


def _fresh() -> None:
    if time.monotonic() - _stamp[0] > CACHE_SECONDS:
        forget_term_stats()


def document_count(session: Session) -> int:
    """Return how many articles the index holds."""
    _fresh()
    if not _docs:
        table = "kb_search_docs" if session.get_bind().dialect.name == "postgresql" else "kb_search_fts"
        count = session.execute(text(f"SELECT count(*) FROM {table}")).scalar() or 0
        with _lock:
            _docs[:] = [float(count)]
    return int(_docs[0])


def document_frequencies(session: Session, terms: Iterable[str]) -> dict[str, int]:
    """Return how many indexed articles contain each term (0 when none)."""
    _fresh()
    terms = list(dict.fromkeys(terms))
    missing = [t for t in terms if t not in _cache]
    if missing:
        stmt = text("SELECT term, df FROM kb_search_terms WHERE term IN :terms").bindparams(
            bindparam("terms", expanding=True)
        )
        found = dict(session.execute(stmt, {"terms": missing}).all())
        with _lock:
            for term in missing:
                _cache[term] = int(found.get(term, 0))
    return {t: _cache.get(t, 0) for t in terms}


def idf(df: int, n: int) -> float:
    """Return the smoothed inverse document frequency of a term found in ``df`` of ``n`` articles."""
    return math.log(1 + (n - df + 0.5) / (df + 0.5))
