"""Keep the ticket search index caught up: tickets are indexed by id order, a batch at a time.

Ticket text does not change after intake, so the index only ever appends. Each search first indexes the
tickets registered since the last one (a small batch); ``flask search reindex`` builds a large backlog.
The window below the highest indexed id is re-checked, so a ticket whose transaction committed after a
later-numbered one is not skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import func, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from hotline.search.models import TicketSearchDoc
from hotline.tickets.models import Ticket
from knowledge.search.index import tsvector_literal
from knowledge.search.tokenize import STOP_WORDS, get_tokenizer, index_tokens

CATCH_UP_BATCH = 300
RECHECK_WINDOW = 200
MAX_TOKENS = 2000
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")


def spanning_words(text: str) -> list[str]:
    """Return every dictionary word of 2–4 characters found anywhere in the text's Chinese runs.

    jieba's route keeps only one reading of a run: 路灯不亮 becomes 路 / 灯不亮 (both dictionary words), so a
    search for 路灯 would miss it. The index also holds the words a reader sees across those cuts, as jieba's
    full mode would; a query word is one dictionary word, so it now finds them.
    """
    freq = get_tokenizer().FREQ
    out: list[str] = []
    for match in _CJK_RUN.finditer(text or ""):
        run = match.group()
        for i in range(len(run) - 1):
            for size in (2, 3, 4):
                word = run[i : i + size]
                if len(word) < size:
                    break
                if freq.get(word) and word not in STOP_WORDS:
                    out.append(word)
    return out


def ticket_tokens(title: str | None, content: str | None, address: str | None) -> list[str]:
    """Return the index tokens of a ticket's text: the knowledge base's jieba search-mode segmentation, plus
    the dictionary words spanning its cuts (``spanning_words``), each once."""
    text = " ".join(p for p in (title, content, address) if p)
    return list(dict.fromkeys([*index_tokens(text), *spanning_words(text)]))[:MAX_TOKENS]


def _pending(session: Session, limit: int) -> list[tuple[int, str, str, str | None]]:
    top = session.scalar(select(func.max(TicketSearchDoc.ticket_id))) or 0
    indexed = select(TicketSearchDoc.ticket_id).where(TicketSearchDoc.ticket_id == Ticket.id).exists()
    query = (
        select(Ticket.id, Ticket.title, Ticket.content, Ticket.address)
        .where(Ticket.id > max(0, top - RECHECK_WINDOW), ~indexed)
        .order_by(Ticket.id)
        .limit(limit)
    )
    return [tuple(r) for r in session.execute(query)]


def index_tickets(conn: Connection | Session, rows: Iterable[tuple[int, str | None, str | None, str | None]]) -> int:
    """Write the index rows of ``rows`` (id, title, content, address); a ticket already indexed is left as it is.

    Every writer of tickets goes through here (the search-time catch-up, the history generator's bulk writer),
    so the index holds the same tokens whichever way a ticket was written.
    """
    bind = conn if isinstance(conn, Connection) else conn.get_bind()
    pg = bind.dialect.name == "postgresql"
    values = []
    for ticket_id, title, content, address in rows:
        tokens = ticket_tokens(title, content, address)
        values.append(
            {"id": ticket_id, "tokens": " ".join(tokens), "tsv": tsvector_literal((tokens, "")) if pg else None}
        )
    if not values:
        return 0
    if pg:
        statement = text(
            "INSERT INTO ticket_search_docs (ticket_id, tokens, tsv) VALUES (:id, :tokens, CAST(:tsv AS tsvector)) "
            "ON CONFLICT (ticket_id) DO NOTHING"
        )
    else:
        statement = text("INSERT OR IGNORE INTO ticket_search_docs (ticket_id, tokens) VALUES (:id, :tokens)")
    conn.execute(statement, values)
    return len(values)


def catch_up(session: Session, limit: int = CATCH_UP_BATCH) -> int:
    """Index up to ``limit`` tickets not yet in the index; return how many (flushes, does not commit)."""
    return index_tickets(session, _pending(session, limit))
