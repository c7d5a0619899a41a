"""Which deadlines run in each state, and the yellow/red warning they give."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from hotline.core import clock
from hotline.tickets.models import Ticket
from hotline.tickets.states import State

YELLOW_SHARE = 0.8
_LEVELS = {"none": 0, "yellow": 1, "red": 2}


@dataclass(frozen=True)
class RunningDeadline:
    stage: str
    started_at: dt.datetime
    due_at: dt.datetime
    working: bool


def running_deadlines(ticket: Ticket) -> list[RunningDeadline]:
    """Return the deadlines whose clocks run in the ticket's state (none while suspended)."""
    state = ticket.state_enum
    clocks = ticket.deadline_clocks or {}
    found: list[RunningDeadline] = []

    def add(stage: str, start: dt.datetime | None, due: dt.datetime | None) -> None:
        if start is not None and due is not None:
            found.append(RunningDeadline(stage, start, due, bool(clocks.get(stage, True))))

    if state == State.REGISTERED:
        add("dispatch", ticket.dispatch_started_at, ticket.dispatch_due)
    elif state in (State.DISPATCHED, State.RETURN_REQUESTED):
        add("accept", ticket.dispatched_at, ticket.accept_due)
        add("reply", ticket.reply_started_at, ticket.reply_due)
    elif state == State.ACCEPTED:
        add("reply", ticket.reply_started_at, ticket.reply_due)
    elif state == State.CALLBACK_DUE:
        add("callback", ticket.reply_approved_at, ticket.callback_due_at)
    return found


def level_for(deadline: RunningDeadline, moment: dt.datetime) -> str:
    """Return ``red`` past the deadline, ``yellow`` from 80 % of it, else ``none``."""
    if clock.as_utc(moment) > clock.as_utc(deadline.due_at):
        return "red"
    share = clock.elapsed_share(deadline.started_at, deadline.due_at, moment, working=deadline.working)
    return "yellow" if share >= YELLOW_SHARE else "none"


def worst_deadline(ticket: Ticket, moment: dt.datetime) -> tuple[str, RunningDeadline | None]:
    """Return the ticket's warning level now and the deadline that causes it."""
    worst, cause = "none", None
    for deadline in running_deadlines(ticket):
        level = level_for(deadline, moment)
        if cause is None or _LEVELS[level] > _LEVELS[worst]:
            worst, cause = level, deadline
    return worst, cause


def refresh_warning(ticket: Ticket, moment: dt.datetime) -> bool:
    """Set the ticket's warning for ``moment``; return whether it changed."""
    level, _ = worst_deadline(ticket, moment)
    if level == ticket.warning:
        return False
    ticket.warning = level
    return True
