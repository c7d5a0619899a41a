"""Keep the ticket search index caught up: tickets are indexed by id order, a batch at a time.

Ticket text does not change after intake, so the index only ever appends. Each search first indexes the
tickets registered since the last one (a small batch); ``flask search reindex`` builds a large backlog.
The window below the highest indexed id is re-checked, so a ticket whose transaction committed after a
later-numbered one is not skipped.
"""

from __future__ import annotations

import re
import sys
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


# A piece of text's (search-mode tokens, spanning words), kept by a bulk writer whose texts repeat.
TokenMemo = dict[str, tuple[tuple[str, ...], tuple[str, ...]]]


def _piece_tokens(piece: str, memo: TokenMemo | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    found = memo.get(piece) if memo is not None else None
    if found is None:
        # Interned: a memo of thousands of texts then holds each word once, not once per text.
        found = tuple(map(sys.intern, index_tokens(piece))), tuple(map(sys.intern, spanning_words(piece)))
        if memo is not None:
            memo[piece] = found
    return found


def ticket_tokens(
    title: str | None, content: str | None, address: str | None, memo: TokenMemo | None = None
) -> list[str]:
    """Return the index tokens of a ticket's text: the knowledge base's jieba search-mode segmentation, plus
    the dictionary words spanning its cuts (``spanning_words``), each once.

    Title, content and address are segmented apart: a space ends every jieba block and every Chinese run, so
    the tokens of the joined text are the pieces' tokens in turn. ``memo`` keeps each piece's tokens for a
    writer whose texts repeat (the history generator draws a million tickets from some 14,000 messages: the
    segmentation was 84 % of its time).
    """
    pieces = [_piece_tokens(p, memo) for p in (title, content, address) if p]
    words = [w for found, _ in pieces for w in found] + [w for _, spanning in pieces for w in spanning]
    return list(dict.fromkeys(words))[:MAX_TOKENS]


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


def index_tickets(
    conn: Connection | Session,
    rows: Iterable[tuple[int, str | None, str | None, str | None]],
    memo: TokenMemo | None = None,
) -> int:
    """Write the index rows of ``rows`` (id, title, content, address); a ticket already indexed is left as it is.

    Every writer of tickets goes through here (the search-time catch-up, the history generator's bulk writer),
    so the index holds the same tokens whichever way a ticket was written. ``memo``: see ``ticket_tokens``.
    """
    bind = conn if isinstance(conn, Connection) else conn.get_bind()
    pg = bind.dialect.name == "postgresql"
    values = []
    for ticket_id, title, content, address in rows:
        tokens = ticket_tokens(title, content, address, memo)
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
