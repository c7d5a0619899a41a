"""Ticket jobs (run by rq workers, or in-process without Redis): they call services and commit once."""

from __future__ import annotations

from hotline.core import clock
from hotline.core.effects import commit
from hotline.core.extensions import db
from hotline.tickets.notifications import deliver
from hotline.tickets.warnings import sweep_warnings


def send_notification(notification_id: int) -> bool:
    """Deliver one outbox message."""
    sent = deliver(db.session, notification_id)
    commit(db.session)
    return sent


def recompute_warnings() -> dict:
    """Recompute every open ticket's warning now and record 临期提醒."""
    result = sweep_warnings(db.session, clock.now())
    commit(db.session)
    return {"checked": result.checked, "changed": result.changed, "reminders": result.reminders}
