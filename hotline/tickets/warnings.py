"""The periodic sweep: recompute yellow/red warnings and record 临期提醒 for the units holding tickets."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from hotline.core.effects import defer
from hotline.tickets.deadlines import worst_deadline
from hotline.tickets.events import record_event
from hotline.tickets.models import Ticket, TicketReminder
from hotline.tickets.states import OPEN

WARNING_NAMES = {"none": "正常", "yellow": "临期", "red": "超期"}  # the trail is read by people: no raw codes


BATCH = 500


@dataclass
class SweepResult:
    checked: int = 0
    changed: int = 0
    reminders: int = 0


def _remind(session: Session, ticket: Ticket, stage: str, level: str, due: dt.datetime, moment: dt.datetime) -> bool:
    unit_id = ticket.handling_unit_id
    already = session.scalar(
        select(TicketReminder.id).where(
            TicketReminder.ticket_id == ticket.id,
            TicketReminder.stage == stage,
            TicketReminder.level == level,
            TicketReminder.due_at == due,
        )
    )
    if already:
        return False
    session.add(
        TicketReminder(ticket_id=ticket.id, unit_id=unit_id, stage=stage, level=level, due_at=due, created_at=moment)
    )
    return True


def _store_warning(session: Session, ticket: Ticket, level: str) -> bool:
    """Write ``level`` if the ticket is unchanged since it was read; tell whether it was written.

    A plain UPDATE, not the versioned ORM flush: the warning is derived data, and bumping ``version`` here would
    give a handler acting on the ticket at this moment a spurious 409. Guarding on the version read instead
    means a ticket that changed meanwhile is left to its own action (which refreshes the warning itself) and
    the next sweep; no StaleDataError can arise.
    """
    written = session.execute(
        update(Ticket)
        .where(Ticket.id == ticket.id, Ticket.version == ticket.version)
        .values(warning=level)
        .execution_options(synchronize_session=False)
    )
    if written.rowcount != 1:
        return False
    set_committed_value(ticket, "warning", level)
    return True


def sweep_warnings(session: Session, moment: dt.datetime) -> SweepResult:
    """Recompute the warning of every open ticket at ``moment``; record an event and reminder on each change."""
    result = SweepResult()
    last_id = 0
    open_states = [s.value for s in OPEN]
    while True:
        batch = list(
            session.scalars(
                select(Ticket)
                .where(Ticket.state.in_(open_states), Ticket.id > last_id)
                .order_by(Ticket.id)
                .limit(BATCH)
            )
        )
        if not batch:
            return result
        for ticket in batch:
            result.checked += 1
            level, cause = worst_deadline(ticket, moment)
            if level == ticket.warning:
                continue
            previous = ticket.warning
            if not _store_warning(session, ticket, level):
                continue  # someone acted on it since we read it; their action recomputed its warning
            result.changed += 1
            data = {"from": previous, "to": level}
            if cause is not None:
                data |= {"stage": cause.stage, "due": cause.due_at.isoformat()}
                if level != "none" and _remind(session, ticket, cause.stage, level, cause.due_at, moment):
                    result.reminders += 1
            record_event(
                session,
                ticket,
                "warning",
                None,
                from_state=ticket.state,
                to_state=ticket.state,
                moment=moment,
                note=f"预警：{WARNING_NAMES[previous]} → {WARNING_NAMES[level]}",
                data=data,
            )
            defer(session, "push:hotline.console.push:ticket_changed", ticket.id, "ticket.warning")
        last_id = batch[-1].id
        session.flush()
