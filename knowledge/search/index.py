"""Index maintenance: pre-segmented tokens into SQLite FTS5 or a PostgreSQL tsvector table.

Next to the index, ``kb_search_terms`` keeps each word's document frequency, so suggestions can pick
the rarest words of a ticket text without scanning the index.
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from knowledge.search.tokenize import block_tokens, char_bigrams, html_to_text, index_tokens, text_blocks

# Tokenising more than this much body text adds index size but no findability: the answer's
# topic is stated early.
BODY_INDEX_CHARS = 4000
# The character-bigram fallback (typos, words jieba splits differently) covers the title and the opening of
# the body only: bigrams of whole bodies were most of the index's size and of its writing time, and a
# fallback match deep in a body is rarely the answer.
GRAM_BODY_CHARS = 120
TERM_MAX_CHARS = 100
# PostgreSQL limits: a lexeme's length in bytes, positions per lexeme, the largest position.
_PG_MAX_TOKEN_CHARS = 500
_PG_MAX_POSITIONS = 255
_PG_MAX_POSITION = 16383
PG_BUILD_MEMORY = "512MB"
log = logging.getLogger(__name__)
_PG_INDEXES = (
    ("ix_kb_search_docs_title", "title"),
    ("ix_kb_search_docs_tsv", "tsv"),
    ("ix_kb_search_docs_grams", "grams"),
)


@dataclass(frozen=True)
class IndexDoc:
    """One article's index entry: the tokens of its title and body, the bigrams of both."""

    article_id: int
    title: list[str]
    body: list[str]
    title_grams: list[str]
    body_grams: list[str]

    def terms(self) -> set[str]:
        """Return the distinct words of the entry (what document frequencies count)."""
        return {t for t in (*self.title, *self.body) if len(t) <= TERM_MAX_CHARS}

    def fts_row(self) -> tuple[int, str, str, str]:
        """Return the FTS5 row: space-joined tokens (title bigrams twice, so the fallback favours titles)."""
        grams = " ".join(self.title_grams * 2 + self.body_grams)
        return self.article_id, " ".join(self.title), " ".join(self.body), grams

    def pg_row(self) -> tuple[int, str, str, str]:
        """Return the PostgreSQL row: tsvector literals (title, title + body, bigrams), titles weighted 'A'."""
        return (
            self.article_id,
            tsvector_literal((self.title, "A")),
            tsvector_literal((self.title, "A"), (self.body, "")),
            tsvector_literal((self.title_grams, "A"), (self.body_grams, "")),
        )


def _lexeme(token: str) -> str:
    if "'" in token or "\\" in token:
        token = token.replace("\\", "\\\\").replace("'", "''")
    return f"'{token}'"


# Position labels per weight, made once: formatting them per token was most of writing the literals.
_POSITION_LABELS = {weight: [f"{i}{weight}" for i in range(_PG_MAX_POSITION + 1)] for weight in ("A", "B", "C", "")}


def tsvector_literal(*parts: tuple[Sequence[str], str]) -> str:
    """Return the text form of a tsvector of exactly these tokens, positioned in order, with each part's weight.

    Written as a literal, the tokens are the lexemes as they are: no parser splits them again on the server
    (queries are cast the same way), and loading skips to_tsvector. Weights: "A", "B", "C" or "" (D).
    """
    first: dict[str, str] = {}  # token → its first position (most tokens have one)
    more: dict[str, list[str]] = {}
    pos = 0
    for tokens, weight in parts:
        labels = _POSITION_LABELS[weight]
        for token in tokens:
            pos += 1
            label = labels[pos if pos < _PG_MAX_POSITION else _PG_MAX_POSITION]
            if token not in first:
                if len(token) <= _PG_MAX_TOKEN_CHARS:
                    first[token] = label
            elif token in more:
                if len(more[token]) < _PG_MAX_POSITIONS - 1:
                    more[token].append(label)
            else:
                more[token] = [label]
    for token, labels in more.items():
        first[token] = ",".join([first[token], *labels])
    keys = "".join(first)
    if "'" in keys or "\\" in keys:
        return " ".join(f"{_lexeme(t)}:{p}" for t, p in first.items())
    return " ".join(map("'{}':{}".format, first, first.values()))


def _texts(title: str, body_html: str, category: str, tags: Iterable[str]) -> tuple[str, str, str]:
    """Return (title, text for words, body text for bigrams) of an article."""
    body_text = html_to_text(body_html)[:BODY_INDEX_CHARS]
    extra = " ".join([category or "", *tags])
    return title or "", f"{extra} {body_text}", body_text


def _make_doc(article_id: int, title: str, words: str, body_text: str, tokens: Callable[[str], list[str]]) -> IndexDoc:
    return IndexDoc(
        article_id,
        tokens(title),
        tokens(words),
        char_bigrams(title),
        char_bigrams(body_text, max_chars=GRAM_BODY_CHARS),
    )


def build_doc(
    article_id: int,
    title: str,
    body_html: str,
    category: str = "",
    tags: Iterable[str] = (),
) -> IndexDoc:
    """Segment an article's fields into an index entry."""
    return _make_doc(article_id, *_texts(title, body_html, category, tags), index_tokens)


def _is_pg(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _old_terms(session: Session, article_id: int) -> set[str]:
    if _is_pg(session):
        row = session.execute(
            text("SELECT array_to_string(tsvector_to_array(tsv), ' ') FROM kb_search_docs WHERE article_id = :id"),
            {"id": article_id},
        ).first()
        return set(row[0].split()) if row and row[0] else set()
    row = session.execute(text("SELECT title, body FROM kb_search_fts WHERE rowid = :id"), {"id": article_id}).first()
    return {t for t in f"{row[0]} {row[1]}".split() if len(t) <= TERM_MAX_CHARS} if row else set()


def _add_term_counts(session: Session, deltas: dict[str, int]) -> None:
    rows = [{"term": t, "df": d} for t, d in deltas.items() if d]
    if rows:
        session.execute(
            text(
                "INSERT INTO kb_search_terms (term, df) VALUES (:term, :df) "
                "ON CONFLICT (term) DO UPDATE SET df = kb_search_terms.df + excluded.df"
            ),
            rows,
        )


def write_docs(session: Session, docs: Sequence[IndexDoc], *, replace: bool = True) -> None:
    """Write the index entries of ``docs`` (replacing old ones unless the index was just emptied)."""
    if not docs:
        return
    from knowledge.search.stats import forget_term_stats

    deltas: Counter[str] = Counter()
    for d in docs:
        if replace:
            deltas.subtract(_old_terms(session, d.article_id))
        deltas.update(d.terms())
    ids = [{"id": d.article_id} for d in docs]
    keys = ("id", "title", "body", "grams")
    if _is_pg(session):
        if replace:
            session.execute(text("DELETE FROM kb_search_docs WHERE article_id = :id"), ids)
        session.execute(
            text(
                "INSERT INTO kb_search_docs (article_id, title, tsv, grams) VALUES (:id, CAST(:title AS tsvector), "
                "CAST(:body AS tsvector), CAST(:grams AS tsvector))"
            ),
            [dict(zip(keys, d.pg_row(), strict=True)) for d in docs],
        )
    else:
        if replace:
            session.execute(text("DELETE FROM kb_search_fts WHERE rowid = :id"), ids)
        session.execute(
            text("INSERT INTO kb_search_fts (rowid, title, body, grams) VALUES (:id, :title, :body, :grams)"),
            [dict(zip(keys, d.fts_row(), strict=True)) for d in docs],
        )
    _add_term_counts(session, deltas)
    forget_term_stats()


def index_article(session: Session, article) -> None:
    """Re-index one article after its content was saved (call from the service that saved it)."""
    session.flush()
    write_docs(session, [build_doc(article.id, article.title, article.body, article.category, article.tags or ())])


def remove_from_index(session: Session, article_id: int) -> None:
    """Drop one article's index entry."""
    from knowledge.search.stats import forget_term_stats

    _add_term_counts(session, {t: -1 for t in _old_terms(session, article_id)})
    if _is_pg(session):
        session.execute(text("DELETE FROM kb_search_docs WHERE article_id = :id"), {"id": article_id})
    else:
        session.execute(text("DELETE FROM kb_search_fts WHERE rowid = :id"), {"id": article_id})
    forget_term_stats()


# --- full rebuild -----------------------------------------------------------------------------------------


def _segment_chunk(blocks: list[str]) -> list[tuple[str, ...]]:
    return [block_tokens(b) for b in blocks]


def _segment_distinct(texts: Iterable[str], processes: int) -> dict[str, tuple[str, ...]]:
    """Segment every distinct jieba block of ``texts`` once, in ``processes`` workers; return block → tokens."""
    distinct = list(dict.fromkeys(b for t in texts for b in text_blocks(t)))
    if processes <= 1 or len(distinct) < 5000:
        return {block: block_tokens(block) for block in distinct}
    import multiprocessing

    size = max(1000, len(distinct) // (processes * 8))
    chunks = [distinct[i : i + size] for i in range(0, len(distinct), size)]
    segmented: dict[str, tuple[str, ...]] = {}
    # fork: children inherit the initialised jieba dictionary instead of loading it again.
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        for chunk, tokens in zip(chunks, pool.imap(_segment_chunk, chunks), strict=True):
            segmented.update(zip(chunk, tokens, strict=True))
    return segmented


def _copy_pg(session: Session, docs: list[IndexDoc]) -> None:
    """COPY the tsvector literals straight into the emptied table, then build the GIN indexes once."""
    for name, _ in _PG_INDEXES:
        session.execute(text(f"DROP INDEX IF EXISTS {name}"))
    session.execute(text("TRUNCATE kb_search_docs"))
    started = time.perf_counter()
    raw = session.connection().connection.driver_connection
    with raw.cursor() as cur, cur.copy("COPY kb_search_docs (article_id, title, tsv, grams) FROM STDIN") as copy:
        for d in docs:
            copy.write_row(d.pg_row())
    copied = time.perf_counter()
    # GIN builds sort in this memory; with less they spill and merge (the bigram index most).
    session.execute(text(f"SET LOCAL maintenance_work_mem = '{PG_BUILD_MEMORY}'"))
    for name, column in _PG_INDEXES:
        session.execute(text(f"CREATE INDEX {name} ON kb_search_docs USING gin ({column})"))
    log.info("index: COPY in %.1fs, GIN indexes in %.1fs", copied - started, time.perf_counter() - copied)


def rebuild_index(session: Session, *, processes: int = 1, batch: int = 5000) -> int:
    """Re-segment every article into a fresh index (each distinct clause once) and return how many."""
    from knowledge.search.stats import forget_term_stats

    # Read everything first: SQLite must not write the index while a read cursor is still open.
    everything = session.execute(text("SELECT id, title, body, category, tags FROM kb_articles ORDER BY id")).all()
    texts = []
    for aid, title, body, category, tags in everything:
        tags = json.loads(tags) if isinstance(tags, str) else (tags or [])
        texts.append((aid, *_texts(title, body, category or "", tags)))
    started = time.perf_counter()
    segmented = _segment_distinct((t for row in texts for t in row[1:3]), processes)
    segmented_at = time.perf_counter()

    def tokens(value: str) -> list[str]:
        return index_tokens(value, blocks=segmented)

    docs = [_make_doc(aid, title, words, body_text, tokens) for aid, title, words, body_text in texts]
    counts: Counter[str] = Counter()
    for d in docs:
        counts.update(d.terms())
    if _is_pg(session):
        _copy_pg(session, docs)
    else:
        session.execute(text("DELETE FROM kb_search_fts"))
        # Merge segments rarely while loading (one 'optimize' at the end does it once); defaults after.
        session.execute(text("INSERT INTO kb_search_fts (kb_search_fts, rank) VALUES ('automerge', 16)"))
        session.execute(text("INSERT INTO kb_search_fts (kb_search_fts, rank) VALUES ('crisismerge', 64)"))
        # The DB-API cursor directly: SQLAlchemy's per-row parameter processing cost more than the insert.
        cursor = session.connection().connection.driver_connection.cursor()
        try:
            for start in range(0, len(docs), batch):
                cursor.executemany(
                    "INSERT INTO kb_search_fts (rowid, title, body, grams) VALUES (?, ?, ?, ?)",
                    [d.fts_row() for d in docs[start : start + batch]],
                )
        finally:
            cursor.close()
        session.execute(text("INSERT INTO kb_search_fts (kb_search_fts) VALUES ('optimize')"))
        session.execute(text("INSERT INTO kb_search_fts (kb_search_fts, rank) VALUES ('automerge', 4)"))
        session.execute(text("INSERT INTO kb_search_fts (kb_search_fts, rank) VALUES ('crisismerge', 16)"))
    log.info(
        "index: %d articles, %d distinct blocks segmented in %.1fs, written in %.1fs",
        len(docs),
        len(segmented),
        segmented_at - started,
        time.perf_counter() - segmented_at,
    )
    session.execute(text("DELETE FROM kb_search_terms"))
    items = [{"term": t, "df": n} for t, n in counts.items()]
    insert_terms = text("INSERT INTO kb_search_terms (term, df) VALUES (:term, :df)")
    for start in range(0, len(items), 20_000):
        session.execute(insert_terms, items[start : start + 20_000])
    forget_term_stats()
    return len(docs)
