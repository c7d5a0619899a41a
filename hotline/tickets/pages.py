"""The page of one ticket (/tickets/<number>) and its printable 交办单, for every role that may see it."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, g, render_template

from hotline.auth.pages import page_for
from hotline.auth.roles import ROLE_NAMES, Role
from hotline.core.extensions import db
from hotline.tickets.display import local_time
from hotline.tickets.models import CHANNEL_NAMES, KIND_NAMES, SATISFACTION_NAMES, URGENCY_NAMES
from hotline.tickets.related import linked_tickets
from hotline.tickets.schemas import caller_view, event_to_dict, ticket_to_dict
from hotline.tickets.services import get_visible_ticket, list_events
from hotline.tickets.states import STATE_NAMES, State
from hotline.tickets.warnings import WARNING_NAMES
from hotline.tickets.whistleblower import redact_for, ticket_text

bp = Blueprint("ticket_pages", __name__)

# The trail's data fields a person reads, in Chinese (codes such as unit codes stay as they are).
EVENT_FIELDS = {
    "reason": "理由",
    "basis": "依据",
    "days": "天数",
    "unit": "承办单位",
    "grid": "网格",
    "co_units": "协办单位",
    "from": "从",
    "to": "至",
    "into": "并入",
    "target": "转办对象",
    "satisfaction": "满意度",
    "contacted": "联系上",
    "resolved": "已解决",
    "rework_count": "重办次数",
    "urge_count": "催办次数",
    "reply_due": "新办结期限",
    "attempt": "回访次数",
    "stage": "阶段",
    "due": "期限",
    "channel": "渠道",
    "purpose": "告知事项",
}
_VALUE_NAMES = {
    **{s.value: n for s, n in STATE_NAMES.items()},
    **SATISFACTION_NAMES,
    **CHANNEL_NAMES,
    **WARNING_NAMES,
    "dispatch": "派单",
    "accept": "签收",
    "reply": "办结",
    "callback": "回访",
    "registered": "受理告知",
    "closed": "办结告知",
    "sms": "短信",
    "portal": "门户",
}


def _iso_moment(value: str) -> dt.datetime | None:
    if len(value) < 19 or value[4] != "-" or "T" not in value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else None


def event_details(data: dict | None, note: str | None = None) -> list[tuple[str, str]]:
    """Return an event's data as (label, value) pairs in Chinese, leaving out what is not for people (and a
    text the trail already shows as the event's note, such as a 退单 reason)."""
    out: list[tuple[str, str]] = []
    for key, value in (data or {}).items():
        if key not in EVENT_FIELDS or value in (None, "", []) or (note and value == note):
            continue
        if isinstance(value, bool):
            text = "是" if value else "否"
        elif isinstance(value, list):
            text = "、".join(str(v) for v in value)
        elif isinstance(value, str) and (moment := _iso_moment(value)) is not None:
            text = local_time(moment, True)
        else:
            text = _VALUE_NAMES.get(str(value), str(value))
        out.append((EVENT_FIELDS[key], text))
    return out


def _context(number: str) -> dict:
    ticket = get_visible_ticket(db.session, number, g.me)
    events = list_events(db.session, ticket)
    return {
        "me": g.me,
        "role_name": ROLE_NAMES[g.me.role_enum],
        "t": ticket,
        "data": ticket_to_dict(ticket, g.me),
        "caller": caller_view(ticket, g.me),
        "text": ticket_text(ticket, g.me),  # what the page shows of title/content/address (举报人 masked)
        "text_of": lambda other: ticket_text(other, g.me),
        "note_of": lambda event: redact_for(ticket, g.me, event.note),
        "events": events,
        "event_dict": event_to_dict,
        "event_details": event_details,
        "linked": linked_tickets(db.session, ticket, g.me),
        "states": {s.value: n for s, n in STATE_NAMES.items()},
        "role_names": {r.value: n for r, n in ROLE_NAMES.items()},
        "channels": CHANNEL_NAMES,
        "kinds": KIND_NAMES,
        "urgencies": URGENCY_NAMES,
        "satisfactions": SATISFACTION_NAMES,
        "warnings": WARNING_NAMES,
        "suspended": ticket.state == State.SUSPENDED.value,
    }


@bp.get("/tickets/<number>")
@page_for(*Role)
def ticket_page(number: str):
    """Show everything about one ticket the user may see, and the actions they may take now."""
    return render_template("ticket.html", **_context(number))


@bp.get("/tickets/<number>/print")
@page_for(*Role)
def ticket_print(number: str):
    """Show the printable 交办单 of one ticket."""
    return render_template("ticket_print.html", **_context(number))
