"""Ticket numbers: ``YYYYMMDD`` (Asia/Shanghai) + a 6-digit daily sequence, unique under concurrency.

On PostgreSQL a number is taken in its own short transaction, committed at once, on a small pool of its own:
taken inside the intake's transaction, the day's counter row stayed locked until that intake committed, so
every intake of the city waited for the one before it. Under load (a gevent process fanning events out to
500 inboxes) a holder's remaining eight statements took seconds, and intake p50 reached 7 s behind a
queue of locked transactions with the web process half idle (``bench/city_load.py``). The price is a gap
in the day's numbers when an intake fails after taking one, as with any database sequence; numbers stay
unique and increasing. The pool is its own so that an intake holding a connection of the main pool
never waits for another one from it (a pool exhausted by such waiters would deadlock).

SQLite (the one-process embedded demo) takes the number in the intake's transaction: a second connection
would wait for the file lock the intake holds.
"""

from __future__ import annotations

import datetime as dt
import threading
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session

from hotline.core.clock import to_local
from hotline.core.upsert import upsert_insert
from hotline.tickets.models import TicketSequence

NUMBERING_POOL_SIZE = 2  # one statement of ~1 ms each: two connections serve hundreds of intakes a second
NUMBERING_MAX_OVERFLOW = 8
_engines: WeakKeyDictionary[Engine, Engine] = WeakKeyDictionary()
_engines_lock = threading.Lock()


def _numbering_engine(main: Engine) -> Engine:
    """Return the autocommit engine numbers are taken on, made once per main engine."""
    engine = _engines.get(main)
    if engine is None:
        with _engines_lock:
            engine = _engines.get(main)
            if engine is None:
                engine = create_engine(
                    main.url,
                    isolation_level="AUTOCOMMIT",
                    pool_size=NUMBERING_POOL_SIZE,
                    max_overflow=NUMBERING_MAX_OVERFLOW,
                    pool_pre_ping=True,
                )
                _engines[main] = engine
                # Closed with the main engine (a test's database is dropped, a worker forks), never left to GC.
                event.listen(main, "engine_disposed", lambda _main, numbering=engine: numbering.dispose())
    return engine


def next_ticket_number(session: Session, moment: dt.datetime) -> str:
    """Return the next number of the day of ``moment``; one atomic upsert, so racing requests never collide."""
    day = to_local(moment).strftime("%Y%m%d")
    table = TicketSequence.__table__
    statement = (
        upsert_insert(session, table)
        .values(day=day, last=1)
        .on_conflict_do_update(index_elements=[table.c.day], set_={"last": table.c.last + 1})
        .returning(table.c.last)
    )
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        with _numbering_engine(bind.engine).connect() as conn:
            last = conn.execute(statement).scalar_one()
    else:
        last = session.execute(statement).scalar_one()
    return f"{day}{last:06d}"
