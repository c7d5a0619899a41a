"""What the live console and the manager dashboard ask of the tickets: call pops, counts, approvals."""

from __future__ import annotations

import datetime as dt
import re

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.auth.models import User
from hotline.auth.roles import Role
from hotline.console.seats import BUSINESS_ENV, has_skill
from hotline.core import clock
from hotline.escalation.services import open_counts
from hotline.tickets.models import SATISFACTION_NAMES, Ticket, TicketEvent
from hotline.tickets.services import caller_history
from hotline.tickets.states import DONE, OPEN, STATE_NAMES, State
from hotline.units.models import Unit

CTI_EVENTS = ("newCall", "answer", "hangup")
REPEAT_WINDOW = dt.timedelta(days=30)
REPEAT_THRESHOLD = 2
# The approvals a supervisor or dispatcher works through on the dashboard, in the order shown.
APPROVAL_KINDS = ("return", "extension", "suspend", "reply", "dispute")


def normalise_phone(raw: str) -> str:
    """Return the national number of ``raw`` (``+86 138-1234-5678`` → ``13812345678``)."""
    digits = re.sub(r"\D", "", raw)
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    elif digits.startswith("0") and len(digits) == 12 and digits[1] == "1":
        digits = digits[1:]
    return digits


def find_agent(session: Session, username: str) -> User | None:
    """Return the active agent called ``username``."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.active or user.role_enum != Role.AGENT:
        return None
    return user


def route_call(session: Session, agent: str | None, *, enterprise: bool) -> tuple[str | None, str | None]:
    """Return ``(agent, skill)`` to pop a call on: a 涉企 call goes only to 营商环境专席 seats (``business_env``).

    A 涉企 call the switch sent to an agent without the skill is popped on the skilled seats instead.
    """
    if not enterprise:
        return agent, None
    if agent and has_skill(session, agent, BUSINESS_ENV):
        return agent, BUSINESS_ENV
    return None, BUSINESS_ENV


def history_item(ticket: Ticket) -> dict:
    """Return one line of a caller's history (the agent sees it all; nothing masked here)."""
    state = State(ticket.state)
    return {
        "number": ticket.number,
        "title": ticket.title,
        "state": ticket.state,
        "state_name": STATE_NAMES[state],
        "open": state in OPEN,
        "warning": ticket.warning,
        "category": ticket.category,
        "unit": ticket.handling_unit.name if ticket.handling_unit else None,
        "created_at": ticket.created_at.isoformat(),
    }


def call_payload(
    session: Session,
    *,
    event: str,
    phone: str,
    to: str | None,
    call_id: str,
    agent: str | None,
    now: dt.datetime | None = None,
) -> dict:
    """Return what the agent's console shows for a call: the caller's history, open tickets first."""
    moment = now or clock.now()
    history = caller_history(session, phone) if phone else []
    recent = sum(1 for t in history if t.created_at >= moment - REPEAT_WINDOW)
    return {
        "event": event,
        "call_id": call_id,
        "from": phone,
        "to": to,
        "agent": agent,
        "at": moment.isoformat(),
        "history": [history_item(t) for t in history],
        "open_count": sum(1 for t in history if State(t.state) in OPEN),
        "recent_count": recent,
        "repeat_caller": recent >= REPEAT_THRESHOLD,
    }


def _local_day_start(moment: dt.datetime) -> dt.datetime:
    local = clock.to_local(moment)
    return clock.as_utc(local.replace(hour=0, minute=0, second=0, microsecond=0))


def dashboard_summary(session: Session, now: dt.datetime | None = None) -> dict:
    """Return the live counts of the manager dashboard: states, warnings, approvals, today's intake."""
    moment = now or clock.now()
    open_values = sorted(s.value for s in OPEN)
    # One pass over the open tickets (the partial index ix_tickets_open_state: 5 % of a year's table) gives
    # their states, warnings and pending approvals exactly; the finished ones are counted apart (done_counts).
    rows = session.execute(
        select(
            Ticket.state,
            Ticket.warning,
            func.count(),
            func.count(Ticket.pending_extension_days),
            func.count(Ticket.pending_suspend_reason),
        )
        .where(Ticket.state.in_(open_values))
        .group_by(Ticket.state, Ticket.warning)
    ).all()
    by_state: dict[str, int] = dict(done_counts(session, moment))
    by_warning: dict[str, int] = {}
    pending_extension = pending_suspend = 0
    for state, warning, count, extensions, suspends in rows:
        by_state[state] = by_state.get(state, 0) + count
        by_warning[warning] = by_warning.get(warning, 0) + count
        if state == State.ACCEPTED.value:
            pending_extension += extensions
            pending_suspend += suspends
    start = _local_day_start(moment)
    today = select(Ticket).where(Ticket.created_at >= start).subquery()
    by_category = session.execute(
        select(func.coalesce(today.c.category, ""), func.count())
        .group_by(today.c.category)
        .order_by(func.count().desc())
    ).all()
    by_unit = session.execute(
        select(Unit.code, Unit.name, func.count())
        .select_from(today)
        .outerjoin(Unit, Unit.id == today.c.lead_unit_id)
        .group_by(Unit.code, Unit.name)
        .order_by(func.count().desc())
    ).all()
    return {
        "at": moment.isoformat(),
        "states": [{"state": s.value, "name": STATE_NAMES[s], "count": int(by_state.get(s.value, 0))} for s in State],
        "open": sum(int(by_state.get(v, 0)) for v in open_values),
        "warnings": {"yellow": int(by_warning.get("yellow", 0)), "red": int(by_warning.get("red", 0))},
        # Open tickets at each step of the escalation ladder (催办 / 督办 / 提级督办).
        "escalations": open_counts(session),
        "approvals": {
            "return": int(by_state.get(State.RETURN_REQUESTED.value, 0)),
            "extension": int(pending_extension or 0),
            "suspend": int(pending_suspend or 0),
            "reply": int(by_state.get(State.REPLIED.value, 0)),
            "dispute": int(by_state.get(State.DISPUTED.value, 0)),
        },
        "today": {
            "total": sum(int(n) for _, n in by_category),
            "by_category": [{"category": c or "未分类", "count": int(n)} for c, n in by_category],
            "by_unit": [{"unit": code or "", "name": name or "未派单", "count": int(n)} for code, name, n in by_unit],
        },
    }


DONE_COUNTS_KEY = "console.done_counts"


def done_counts(session: Session, moment: dt.datetime) -> dict[str, int]:
    """Return how many tickets are closed, merged and transferred, counted at most once a minute per process.

    They are 95 % of a year's table and only grow: counting them is a scan of a million index entries, which
    a dashboard polled by every manager cannot pay on each refresh. ``HOTLINE_DONE_COUNTS_SECONDS`` (60)."""
    ttl = dt.timedelta(seconds=current_app.config.get("HOTLINE_DONE_COUNTS_SECONDS", 60))
    cached = current_app.extensions.get(DONE_COUNTS_KEY)
    if cached is not None and dt.timedelta(0) <= moment - cached[0] < ttl:
        return cached[1]
    done = [s.value for s in DONE]
    query = select(Ticket.state, func.count()).where(Ticket.state.in_(done)).group_by(Ticket.state)
    counts = {state: int(n) for state, n in session.execute(query).all()}
    current_app.extensions[DONE_COUNTS_KEY] = (moment, counts)
    return counts


def approval_queue(session: Session, limit: int = 50) -> dict[str, list[Ticket]]:
    """Return the tickets waiting for a manager's decision, by kind, oldest first."""
    accepted = Ticket.state == State.ACCEPTED.value

    def rows(condition) -> list[Ticket]:
        order = (Ticket.upper_platform.is_(None), Ticket.updated_at)  # 上级交办 first
        return list(session.scalars(select(Ticket).where(condition).order_by(*order).limit(limit)))

    return {
        "return": rows(Ticket.state == State.RETURN_REQUESTED.value),
        "extension": rows(accepted & Ticket.pending_extension_days.is_not(None)),
        "suspend": rows(accepted & Ticket.pending_suspend_reason.is_not(None)),
        "reply": rows(Ticket.state == State.REPLIED.value),
        "dispute": rows(Ticket.state == State.DISPUTED.value),
    }


# The request an approver decides on, per approval kind: the action whose latest event carries it.
REQUEST_ACTIONS = {
    "return": "request_return",
    "extension": "request_extension",
    "suspend": "request_suspend",
    "reply": "reply",
    "dispute": "callback",
}


def pending_request(session: Session, kind: str, ticket: Ticket) -> dict | None:
    """Return what the approver of ``kind`` needs to decide: who asked, when, why, on what basis."""
    action = REQUEST_ACTIONS[kind]
    event = session.scalar(
        select(TicketEvent)
        .where(
            TicketEvent.ticket_id == ticket.id,
            TicketEvent.action.in_([action, "final_reply"] if kind == "reply" else [action]),
        )
        .order_by(TicketEvent.id.desc())
        .limit(1)
    )
    if event is None:
        return None
    data = event.data or {}
    request = {
        "by": event.actor.display_name if event.actor else "系统",
        "unit": event.actor.unit.name if event.actor and event.actor.unit else None,
        "at": event.created_at.isoformat(),
        "reason": data.get("reason") or event.note,
        "basis": data.get("basis"),
        "days": data.get("days"),
    }
    if kind == "dispute":
        request["satisfaction_name"] = SATISFACTION_NAMES.get(ticket.satisfaction or "", "")
        request["resolved"] = ticket.resolved
        request["reason"] = event.note
    return request
