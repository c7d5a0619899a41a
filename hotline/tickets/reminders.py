"""临期提醒: the reminders the warning sweep leaves for the unit holding a ticket, as that unit reads them.

A unit sees the reminders addressed to its own subtree (city roles see all); marking one read records who and
when in the audit, so a centre can tell which unit saw its deadline coming.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.auth.models import User
from hotline.auth.roles import SCOPED_ROLES
from hotline.core.audit import record_admin_change
from hotline.core.errors import not_found
from hotline.tickets.display import local_time
from hotline.tickets.limits import STAGE_NAMES
from hotline.tickets.models import Ticket, TicketReminder
from hotline.tickets.states import OPEN, STATE_NAMES, State
from hotline.tickets.whistleblower import redact_for
from hotline.units.models import Unit

LEVEL_NAMES = {"yellow": "临期", "red": "超期"}
# The deadlines a unit itself must meet (签收, 办结); 派单 and 回访 are the centre's, not the unit's to be told of.
UNIT_STAGES = ("accept", "reply")
LIST_LIMIT = 100


@dataclass(frozen=True)
class ReminderView:
    reminder: TicketReminder
    ticket: Ticket

    def to_dict(self, viewer: User) -> dict:
        """Serialise for ``viewer`` (a 举报's title masked like everywhere else)."""
        r, t = self.reminder, self.ticket
        return {
            "id": r.id,
            "number": t.number,
            "title": redact_for(t, viewer, t.title),
            "state": t.state,
            "state_name": STATE_NAMES[State(t.state)],
            "open": State(t.state) in OPEN,
            "stage": r.stage,
            "stage_name": STAGE_NAMES.get(r.stage, r.stage),
            "level": r.level,
            "level_name": LEVEL_NAMES.get(r.level, r.level),
            "due_at": r.due_at.isoformat(),
            "due_text": local_time(r.due_at, True),
            "created_at": r.created_at.isoformat(),
            "read_at": r.read_at.isoformat() if r.read_at else None,
        }


def _scoped(query, user: User):
    if user.role_enum in SCOPED_ROLES:
        in_scope = select(Unit.id).where(Unit.in_subtree_of(user.unit))
        query = query.where(TicketReminder.unit_id.in_(in_scope), TicketReminder.stage.in_(UNIT_STAGES))
    return query


def list_reminders(
    session: Session, user: User, *, unread_only: bool = False, open_only: bool = False, limit: int = LIST_LIMIT
) -> list[ReminderView]:
    """Return the reminders ``user`` may read, newest first (only unread / only of open tickets if asked)."""
    query = (
        select(TicketReminder, Ticket)
        .join(Ticket, Ticket.id == TicketReminder.ticket_id)
        .order_by(TicketReminder.created_at.desc(), TicketReminder.id.desc())
        .limit(limit)
    )
    if unread_only:
        query = query.where(TicketReminder.read_at.is_(None))
    if open_only:
        query = query.where(Ticket.state.in_([s.value for s in OPEN]))
    return [ReminderView(r, t) for r, t in session.execute(_scoped(query, user))]


def mark_read(session: Session, user: User, reminder_id: int, moment: dt.datetime) -> ReminderView:
    """Mark one reminder read (once; a second time changes nothing); 404 if ``user`` may not read it."""
    query = (
        select(TicketReminder, Ticket)
        .join(Ticket, Ticket.id == TicketReminder.ticket_id)
        .where(TicketReminder.id == reminder_id)
    )
    row = session.execute(_scoped(query, user)).first()
    if row is None:
        raise not_found("临期提醒")
    reminder, ticket = row
    if reminder.read_at is None:
        reminder.read_at = moment
        session.flush()
        record_admin_change(
            session,
            user,
            "reminder",
            reminder.id,
            "read",
            before={"number": ticket.number, "stage": STAGE_NAMES.get(reminder.stage, reminder.stage)},
            after={"read_at": local_time(moment, True)},
        )
    return ReminderView(reminder, ticket)
