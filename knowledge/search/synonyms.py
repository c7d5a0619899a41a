"""Synonym groups from the editable ``kb_synonyms`` table, used to expand query words."""

from __future__ import annotations

import re

from sqlalchemy import text
from sqlalchemy.orm import Session

from hotline.core.recent import Recent
from knowledge.models import Synonym

_SPLIT = re.compile(r"[,，、;；\s]+")


def parse_synonyms(value: str) -> list[str]:
    """Split an edited synonyms cell on commas, 顿号, semicolons or spaces."""
    return [part for part in _SPLIT.split(value or "") if part]


# The groups built from the last rows read; rebuilt only when the rows differ.
_last: list = [None, {}]


def _read_rows(session: Session) -> tuple[tuple[str, str], ...]:
    return tuple((r[0], r[1]) for r in session.execute(text("SELECT term, synonyms FROM kb_synonyms ORDER BY id")))


# Every search and suggestion expands its words: the table is read at most every HOTLINE_REFERENCE_SECONDS,
# and afresh after an edit in this process.
_ROWS = Recent(_read_rows, written_by=(Synonym,))


def load_synonyms(session: Session) -> dict[str, frozenset[str]]:
    """Return word → its whole synonym group (symmetric, groups sharing a word merged)."""
    rows = _ROWS.get(session)
    cached_rows, cached = _last
    if rows == cached_rows:
        return cached
    groups: dict[str, set[str]] = {}
    for term, synonyms in rows:
        members = {term.lower(), *(s.lower() for s in parse_synonyms(synonyms))}
        merged = set(members)
        for word in members:
            merged |= groups.get(word, set())
        for word in merged:
            groups[word] = merged
    built = {word: frozenset(group) for word, group in groups.items()}
    _last[:] = [rows, built]
    return built
