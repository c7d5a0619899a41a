"""The 并单 index: every open ticket's MinHash bands in a table, kept up to date as tickets open and close.

A query reads the open tickets sharing a band with the new text (one indexed statement), re-scores them by
TF-IDF cosine (the weights of :class:`dispatch.similarity.IdfTable`, from a sample of open tickets, refreshed
hourly) and keeps those at least ``DEFAULT_THRESHOLD`` alike in a compatible area of the same district.

Intake indexes each new ticket (``index_ticket``). A ticket that leaves the open states is filtered out at once
by the query and its rows are pruned by the periodic ``dispatch.tasks:maintain_similar_index``, which also
indexes open tickets that have no rows (a reopened ticket, one created outside intake, an upgraded database).
"""

from __future__ import annotations

import functools
import threading
import time
from typing import Any
from weakref import WeakKeyDictionary

from flask import Flask, current_app
from sqlalchemy import Select, bindparam, delete, exists, func, insert, select
from sqlalchemy.orm import Session, aliased

from dispatch.models import SimilarBand
from dispatch.similarity import DEFAULT_THRESHOLD, IdfTable, areas_compatible, cosine, minhash_bands
from hotline.tickets.models import Ticket
from hotline.tickets.states import DONE, OPEN
from hotline.units.models import Unit

CANDIDATES = 30  # open tickets sharing the most bands, re-scored exactly
TEXT_CHARS = 400  # a duplicate states its problem early (see dispatch.similarity.MAX_CHARS)
IDF_SAMPLE = 1000
IDF_MAX_AGE_SECONDS = 3600.0
MAINTAIN_BATCH = 5000
_OPEN = [s.value for s in OPEN]
_DONE = [s.value for s in DONE]
_idf_lock = threading.Lock()
_idf: WeakKeyDictionary[Flask, tuple[float, IdfTable]] = WeakKeyDictionary()


def ticket_text(title: str | None, content: str | None) -> str:
    """Return the text a ticket is indexed and compared by."""
    return f"{title or ''} {content or ''}"[:TEXT_CHARS]


def index_ticket(session: Session, ticket_id: int, text: str) -> int:
    """Store the bands of an open ticket's text (one statement); return how many."""
    bands = sorted(set(minhash_bands(text)))
    if bands:  # the table, not the ORM entity: plain rows need no bulk unit-of-work (half this call's CPU)
        session.execute(insert(SimilarBand.__table__), [{"band": b, "ticket_id": ticket_id} for b in bands])
    return len(bands)


def idf_table(session: Session) -> IdfTable:
    """Return this process's IDF weights (a sample of the newest open tickets), rebuilt once an hour."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    cached = _idf.get(app)
    if cached is not None and time.monotonic() - cached[0] < IDF_MAX_AGE_SECONDS:
        return cached[1]
    with _idf_lock:
        rows = session.execute(
            select(Ticket.title, func.substr(Ticket.content, 1, TEXT_CHARS))
            .where(Ticket.state.in_(_OPEN))
            .order_by(Ticket.id.desc())
            .limit(IDF_SAMPLE)
        ).all()
        table = IdfTable(ticket_text(title, content) for title, content in rows)
        _idf[app] = (time.monotonic(), table)
    return table


def forget_idf(app: Flask | None = None) -> None:
    """Drop the cached IDF weights (after loading tickets in bulk)."""
    _idf.pop(app or current_app._get_current_object(), None)  # type: ignore[attr-defined]


@functools.cache
def _candidates() -> Select:
    """The candidates' statement, built once per process: building it (an aliased join) cost more CPU than
    running it (5 ms a call, twice per suggestion)."""
    area = aliased(Unit)
    hits = func.count(SimilarBand.band)
    return (
        select(
            Ticket.id,
            Ticket.number,
            Ticket.title,
            func.substr(Ticket.content, 1, TEXT_CHARS),
            Ticket.state,
            Ticket.created_at,
            area.code,
            area.name,
            area.path,
        )
        .join(SimilarBand, SimilarBand.ticket_id == Ticket.id)
        .outerjoin(area, Ticket.area_unit_id == area.id)
        .where(
            SimilarBand.band.in_(bindparam("bands", expanding=True)),
            Ticket.state.in_(_OPEN),
            Ticket.id != bindparam("exclude_id"),
        )
        .group_by(Ticket.id, area.id)
        .order_by(hits.desc(), Ticket.id.desc())
        .limit(CANDIDATES)
    )


def find_similar(
    session: Session,
    text: str,
    area_code: str | None,
    *,
    district: str | None = None,
    exclude_id: int | None = None,
    limit: int = 5,
    threshold: float = DEFAULT_THRESHOLD,
) -> list[dict[str, Any]]:
    """Return open tickets that say much the same thing in a compatible area (same district when known)."""
    text = text[:TEXT_CHARS]
    bands = minhash_bands(text)
    if not bands:
        return []
    query = _candidates()
    params = {"bands": bands, "exclude_id": exclude_id if exclude_id is not None else -1}
    rows = session.execute(query, params).all()
    if not rows:
        return []
    idf = idf_table(session)
    wanted = idf.vector(text)
    inside = f"/{district}/" if district else None
    found = []
    for row in rows:
        if inside and (row.path is None or inside not in row.path):
            continue  # the same complaint in another district is another ticket
        if not areas_compatible(area_code or "", row.code or ""):
            continue
        score = round(cosine(wanted, idf.vector(ticket_text(row.title, row[3]))), 4)
        if score >= threshold:
            found.append((score, row))
    found.sort(key=lambda pair: (-pair[0], pair[1].number))
    return [
        {
            "number": row.number,
            "score": score,
            "title": row.title,
            "state": row.state,
            "area": {"code": row.code, "name": row.name} if row.code else None,
            "created_at": row.created_at.isoformat(),
        }
        for score, row in found[:limit]
    ]


def maintain(session: Session, batch: int = MAINTAIN_BATCH) -> dict[str, int]:
    """Prune the bands of tickets no longer open; index open tickets without bands (``batch`` at a time)."""
    closed = select(Ticket.id).where(Ticket.state.in_(_DONE))
    pruned = session.execute(delete(SimilarBand).where(SimilarBand.ticket_id.in_(closed))).rowcount or 0
    has_bands = exists().where(SimilarBand.ticket_id == Ticket.id)
    missing = session.execute(
        select(Ticket.id, Ticket.title, func.substr(Ticket.content, 1, TEXT_CHARS))
        .where(Ticket.state.in_(_OPEN), ~has_bands)
        .order_by(Ticket.id)
        .limit(batch)
    ).all()
    rows = [
        {"band": b, "ticket_id": tid}
        for tid, title, content in missing
        for b in sorted(set(minhash_bands(ticket_text(title, content))))
    ]
    if rows:
        session.execute(insert(SimilarBand), rows)
    return {"pruned": pruned, "indexed": len(missing)}


def rebuild(session: Session) -> int:
    """Index every open ticket afresh; return how many were indexed."""
    session.execute(delete(SimilarBand))
    total = 0
    while True:
        done = maintain(session)["indexed"]
        total += done
        if done < MAINTAIN_BATCH:
            return total
