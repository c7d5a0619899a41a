"""The periodic sweep: recompute yellow/red warnings and record 临期提醒 for the units holding tickets."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.core.effects import defer
from hotline.tickets.deadlines import worst_deadline
from hotline.tickets.events import record_event
from hotline.tickets.models import Ticket, TicketReminder
from hotline.tickets.states import OPEN

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
    session.add(TicketReminder(ticket_id=ticket.id, unit_id=unit_id, stage=stage, level=level, due_at=due,
                               created_at=moment))
    return True


def sweep_warnings(session: Session, moment: dt.datetime) -> SweepResult:
    """Recompute the warning of every open ticket at ``moment``; record an event and reminder on each change."""
    result = SweepResult()
    last_id = 0
    open_states = [s.value for s in OPEN]
    while True:
        batch = list(
            session.scalars(
                select(Ticket).where(Ticket.state.in_(open_states), Ticket.id > last_id).order_by(Ticket.id).limit(BATCH)
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
            ticket.warning = level
            result.changed += 1
            data = {"from": previous, "to": level}
            if cause is not None:
                data |= {"stage": cause.stage, "due": cause.due_at.isoformat()}
                if level != "none" and _remind(session, ticket, cause.stage, level, cause.due_at, moment):
                    result.reminders += 1
            record_event(session, ticket, "warning", None, from_state=ticket.state, to_state=ticket.state,
                         moment=moment, note=f"预警：{previous} → {level}", data=data)
            defer(session, "push:hotline.console.push:ticket_changed", ticket.id, "ticket.warning")
        last_id = batch[-1].id
        session.flush()
