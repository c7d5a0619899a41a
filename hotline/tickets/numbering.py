"""Ticket numbers: ``YYYYMMDD`` (Asia/Shanghai) + a 6-digit daily sequence, unique under concurrency."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from hotline.core.clock import to_local
from hotline.core.upsert import upsert_insert
from hotline.tickets.models import TicketSequence


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
    last = session.execute(statement).scalar_one()
    return f"{day}{last:06d}"
