"""Writing the append-only audit trail."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from hotline.auth.models import User
from hotline.tickets.models import Ticket, TicketEvent


def record_event(
    session: Session,
    ticket: Ticket,
    action: str,
    actor: User | None,
    *,
    from_state: str | None,
    to_state: str,
    moment: dt.datetime,
    note: str | None = None,
    data: dict | None = None,
) -> TicketEvent:
    """Append one event (who, when, from, to, note) to the ticket's trail."""
    event = TicketEvent(
        ticket_id=ticket.id,
        action=action,
        actor_id=actor.id if actor else None,
        actor_role=actor.role if actor else "system",
        from_state=from_state,
        to_state=to_state,
        note=note,
        data=data or None,
        created_at=moment,
    )
    session.add(event)
    return event
