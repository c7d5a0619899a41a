"""Index maintenance: pre-segmented tokens into SQLite FTS5 or a PostgreSQL tsvector table."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from knowledge.search.tokenize import char_bigrams, html_to_text, index_tokens

# Tokenising more than this much body text adds index size but no findability: the answer's
# topic is stated early.
BODY_INDEX_CHARS = 4000


@dataclass(frozen=True)
class IndexDoc:
    """One article's index entry: space-joined tokens per field."""

    article_id: int
    title: str
    body: str
    grams: str


def build_doc(
    article_id: int,
    title: str,
    body_html: str,
    category: str = "",
    tags: Iterable[str] = (),
) -> IndexDoc:
    """Segment an article's fields into an index entry."""
    body_text = html_to_text(body_html)[:BODY_INDEX_CHARS]
    extra = " ".join([category or "", *tags])
    title_tokens = index_tokens(title)
    body_tokens = index_tokens(f"{extra} {body_text}")
    # Title bigrams twice so the fallback, like the word search, favours title matches.
    grams = char_bigrams(title) * 2 + char_bigrams(body_text)
    return IndexDoc(article_id, " ".join(title_tokens), " ".join(body_tokens), " ".join(grams))


def _build_doc_row(row: tuple) -> IndexDoc:
    return build_doc(*row)


def _is_pg(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def write_docs(session: Session, docs: Sequence[IndexDoc], *, replace: bool = True) -> None:
    """Write the index entries of ``docs`` (replacing old ones unless the index was just emptied)."""
    if not docs:
        return
    ids = [{"id": d.article_id} for d in docs]
    rows = [{"id": d.article_id, "title": d.title, "body": d.body, "grams": d.grams} for d in docs]
    if _is_pg(session):
        if replace:
            session.execute(text("DELETE FROM kb_search_docs WHERE article_id = :id"), ids)
        session.execute(
            text(
                "INSERT INTO kb_search_docs (article_id, tsv, grams) VALUES (:id, "
                "setweight(to_tsvector('simple', :title), 'A') || to_tsvector('simple', :body), "
                "to_tsvector('simple', :grams))"
            ),
            rows,
        )
    else:
        if replace:
            session.execute(text("DELETE FROM kb_search_fts WHERE rowid = :id"), ids)
        session.execute(
            text("INSERT INTO kb_search_fts (rowid, title, body, grams) VALUES (:id, :title, :body, :grams)"),
            rows,
        )


def index_article(session: Session, article) -> None:
    """Re-index one article after its content was saved (call from the service that saved it)."""
    session.flush()
    write_docs(
        session,
        [
            build_doc(
                article.id,
                article.title,
                article.body,
                article.category,
                article.tags or (),
            )
        ],
    )


def remove_from_index(session: Session, article_id: int) -> None:
    """Drop one article's index entry."""
    if _is_pg(session):
        session.execute(
            text("DELETE FROM kb_search_docs WHERE article_id = :id"),
            {"id": article_id},
        )
    else:
        session.execute(text("DELETE FROM kb_search_fts WHERE rowid = :id"), {"id": article_id})


def rebuild_index(session: Session, *, processes: int = 1, batch: int = 2000) -> int:
    """Re-segment every article into a fresh index and return how many were indexed."""
    import json

    if _is_pg(session):
        session.execute(text("DELETE FROM kb_search_docs"))
    else:
        session.execute(text("DELETE FROM kb_search_fts"))
    # Read everything first: SQLite must not write the index while a read cursor is still open.
    everything = session.execute(text("SELECT id, title, body, category, tags FROM kb_articles ORDER BY id")).all()
    pool = None
    if processes > 1:
        import multiprocessing

        # fork: children inherit the initialised jieba dictionary instead of loading it again.
        pool = multiprocessing.get_context("fork").Pool(processes)
    total = 0
    try:
        for start in range(0, len(everything), batch):
            chunk = everything[start : start + batch]
            rows = [
                (
                    r[0],
                    r[1],
                    r[2],
                    r[3] or "",
                    json.loads(r[4]) if isinstance(r[4], str) else (r[4] or []),
                )
                for r in chunk
            ]
            docs = pool.map(_build_doc_row, rows, chunksize=200) if pool else [_build_doc_row(r) for r in rows]
            write_docs(session, docs, replace=False)
            total += len(docs)
    finally:
        if pool:
            pool.close()
            pool.join()
    if not _is_pg(session):
        session.execute(text("INSERT INTO kb_search_fts (kb_search_fts) VALUES ('optimize')"))
    return total
