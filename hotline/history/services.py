"""``generate_history``: fill the database with a city's history through the real models' tables."""

from __future__ import annotations

import datetime as dt
import random
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from dispatch.models import SimilarBand
from dispatch.similar_index import ticket_text
from dispatch.similarity import minhash_bands
from hotline.auth.models import User
from hotline.categories.models import Category
from hotline.categories.services import FIRST_LEVEL_CODES
from hotline.core import clock
from hotline.history import generator as gen
from hotline.history.writer import copy_rows, next_id, reset_sequence
from hotline.search.index import TokenMemo, index_tickets
from hotline.tickets import limits
from hotline.tickets.deadlines import worst_deadline
from hotline.tickets.models import (
    KINDS,
    Ticket,
    TicketCallback,
    TicketEvent,
    TicketReminder,
    TicketSequence,
    ticket_co_units,
)
from hotline.tickets.states import OPEN
from hotline.units.models import Unit

CHUNK = 20_000
STAGES = ("dispatch", "accept", "reply", "callback")

TITLE, CONTENT, ADDRESS = (gen.TICKET_COLUMNS.index(c) for c in ("title", "content", "address"))


@dataclass
class HistorySummary:
    tickets: int
    open: int
    events: int
    callbacks: int
    seconds: float


def load_city(session: Session, data_dir: Path) -> gen.City:
    """Read the units, users and categories the history is spread over (the demo city must be seeded)."""
    units = [gen.UnitRef(u.id, u.code, u.name, u.kind, u.path) for u in session.scalars(select(Unit))]
    areas = [u for u in units if u.kind in ("grid", "community")]
    if not areas:
        raise LookupError("no grids or communities: run `flask hotline seed-demo` first")
    users: dict[str, list[int]] = {}
    unit_users: dict[int, int] = {}
    for user in session.scalars(select(User).where(User.active.is_(True))):
        users.setdefault(user.role, []).append(user.id)
        if user.role in ("handler", "grid_worker"):
            unit_users.setdefault(user.unit_id, user.id)
    categories: dict[str, list[str]] = {}
    for code in session.scalars(select(Category.code).where(Category.active.is_(True))):
        categories.setdefault(code.split(".")[0], []).append(code)
    if not categories:
        categories = {code: [code] for code in FIRST_LEVEL_CODES.values()}
    messages = gen.load_messages(data_dir, FIRST_LEVEL_CODES)
    if not messages:
        raise LookupError(f"no messages under {data_dir}")
    return gen.City(
        areas=areas,
        units_by_code={u.code: u for u in units},
        departments=[u for u in units if u.kind == "department"],
        users=users,
        unit_users=unit_users,
        messages=messages,
        categories=categories,
    )


def _limits(session: Session, preset: str) -> dict:
    return {
        (stage, kind, urgency): limits.limit_for(session, preset, stage, kind=kind, urgency=urgency)
        for stage in STAGES
        for kind in KINDS
        for urgency in ("urgent", "normal")
    }


def _remind_warned(session: Session, first_ticket: int, now: dt.datetime) -> int:
    """Leave the 临期提醒 the warning sweep would have left for the generated tickets that are open and warned
    (unread, addressed to the unit holding each one), so a demo's inbox shows them; return how many."""
    warned = session.scalars(
        select(Ticket).where(
            Ticket.id >= first_ticket,
            Ticket.state.in_([s.value for s in OPEN]),
            Ticket.warning != "none",
            Ticket.handling_unit_id.is_not(None),
        )
    )
    rows = []
    for ticket in warned:
        level, cause = worst_deadline(ticket, now)
        if cause is None or level == "none":
            continue
        told = min(now, cause.due_at) if level == "red" else now
        rows.append((ticket.id, ticket.handling_unit_id, cause.stage, level, cause.due_at, told))
    columns = ("ticket_id", "unit_id", "stage", "level", "due_at", "created_at")
    copy_rows(session.connection(), TicketReminder.__table__, columns, rows)
    return len(rows)


def generate_history(
    session: Session,
    data_dir: Path,
    *,
    tickets: int,
    open_count: int,
    days: int,
    preset: str = "default",
    seed: int = 12345,
    now: dt.datetime | None = None,
    echo=None,
) -> HistorySummary:
    """Write ``tickets`` tickets over ``days`` days, ``open_count`` of them still open, with their trails."""
    started = time.perf_counter()
    now = now or clock.now()
    city = load_city(session, data_dir)
    rng = random.Random(seed)
    walker = gen.Lifecycle(city, now=now, days=days, seed=seed + 1, limits=_limits(session, preset))
    conn = session.connection()
    tables = (Ticket.__table__, TicketEvent.__table__, TicketCallback.__table__)
    first_ticket, walker.event_id, walker.callback_id = (next_id(conn, t) for t in tables)
    walker.event_id -= 1
    walker.callback_id -= 1
    sequences = dict(session.execute(select(TicketSequence.day, TicketSequence.last)).all())
    used: Counter[str] = Counter()
    created = gen.moments(rng, tickets, days, now)
    flags = gen.open_flags(rng, tickets, open_count)
    stops = gen.stops(rng)
    closed_ids: list[int] = []
    totals = Counter()
    token_memo: TokenMemo = {}  # the texts repeat: each is segmented once (index_tickets)
    for chunk_start in range(0, tickets, CHUNK):
        rows, events, callbacks, co_units, bands = [], [], [], [], []
        for i in range(chunk_start, min(chunk_start + CHUNK, tickets)):
            tid = first_ticket + i
            moment = created[i]
            day = clock.to_local(moment).strftime("%Y%m%d")
            used[day] += 1
            number = f"{day}{sequences.get(day, 0) + used[day]:06d}"
            stop = next(stops) if flags[i] else None
            row, evs, cbs, cos = walker.ticket(tid, number, moment, stop, closed_ids[-500:])
            rows.append(row)
            events += evs
            callbacks += cbs
            co_units += cos
            if stop is None:
                if len(closed_ids) < 100_000:
                    closed_ids.append(tid)
                else:
                    closed_ids[rng.randrange(len(closed_ids))] = tid
            else:
                bands += [(b, tid) for b in sorted(set(minhash_bands(ticket_text(row[6], row[7]))))]
        copy_rows(conn, Ticket.__table__, gen.TICKET_COLUMNS, rows)
        copy_rows(conn, TicketEvent.__table__, gen.EVENT_COLUMNS, events)
        copy_rows(conn, TicketCallback.__table__, gen.CALLBACK_COLUMNS, callbacks)
        copy_rows(conn, ticket_co_units, gen.CO_UNIT_COLUMNS, co_units)
        copy_rows(conn, SimilarBand.__table__, ("band", "ticket_id"), bands)
        # The search index as intake's tickets get it (the same tokens): a fresh demo finds its history at once,
        # not 300 tickets per search as the lazy catch-up would index them.
        index_tickets(conn, ((r[0], r[TITLE], r[CONTENT], r[ADDRESS]) for r in rows), token_memo)
        totals.update(tickets=len(rows), events=len(events), callbacks=len(callbacks))
        if echo:
            echo(f"{totals['tickets']:,} 件 / {time.perf_counter() - started:.0f} s")
    for table in tables:
        reset_sequence(conn, table)
    totals["reminders"] = _remind_warned(session, first_ticket, now)
    seq = TicketSequence.__table__
    for day, count in used.items():
        if day in sequences:
            conn.execute(seq.update().where(seq.c.day == day).values(last=sequences[day] + count))
        else:
            conn.execute(seq.insert().values(day=day, last=count))
    # Fresh statistics for the planner: without them a bulk-loaded table looks empty (or as it was), and the
    # list and dashboard queries pick a scan of the whole table (seen at a million tickets).
    if conn.dialect.name == "postgresql":
        conn.execute(text("ANALYZE tickets, ticket_events, ticket_callbacks, ticket_co_units, similar_bands"))
    else:
        conn.execute(text("ANALYZE"))
    return HistorySummary(
        totals["tickets"], sum(flags), totals["events"], totals["callbacks"], round(time.perf_counter() - started, 1)
    )
