"""How staff pages show times and deadlines: local time, the deadline that matters now and how far off it is."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from hotline.core import clock
from hotline.tickets.models import Ticket
from hotline.tickets.states import State

# The deadline shown for each state (label, attribute), as the pages' countdowns show it.
_CURRENT = {
    State.REGISTERED: ("派单", "dispatch_due"),
    State.DISPATCHED: ("签收", "accept_due"),
    State.RETURN_REQUESTED: ("签收", "accept_due"),
    State.ACCEPTED: ("办结", "reply_due"),
    State.REPLIED: ("办结", "reply_due"),
    State.CALLBACK_DUE: ("回访", "callback_due_at"),
}


@dataclass(frozen=True)
class Due:
    label: str
    at: dt.datetime
    overdue: bool
    text: str


def local_time(moment: dt.datetime | None, with_year: bool = False) -> str:
    """Return ``moment`` in Asia/Shanghai as ``MM-DD HH:MM`` (or with the year)."""
    if moment is None:
        return "—"
    return clock.to_local(moment).strftime("%Y-%m-%d %H:%M" if with_year else "%m-%d %H:%M")


def span_text(delta: dt.timedelta) -> str:
    """Return a duration in Chinese (``2天3小时``, ``5小时10分``, ``12分钟``)."""
    minutes = int(abs(delta.total_seconds()) // 60)
    days, hours, mins = minutes // 1440, (minutes % 1440) // 60, minutes % 60
    if days:
        return f"{days}天{hours}小时"
    if hours:
        return f"{hours}小时{mins}分"
    return f"{mins}分钟"


def current_due(ticket: Ticket, moment: dt.datetime | None = None) -> Due | None:
    """Return the deadline that matters in the ticket's state now (none while suspended or done)."""
    found = _CURRENT.get(State(ticket.state))
    if found is None:
        return None
    label, attr = found
    due = getattr(ticket, attr)
    if due is None:
        return None
    left = clock.as_utc(due) - clock.as_utc(moment or clock.now())
    overdue = left < dt.timedelta(0)
    text = f"{label}已超期 {span_text(left)}" if overdue else f"{label}剩余 {span_text(left)}"
    return Due(label, due, overdue, text)
