"""Tickets as JSON for a given viewer: phone numbers and 举报人 identities masked where not needed."""

from __future__ import annotations

import datetime as dt

from hotline.auth.models import User
from hotline.auth.roles import SEES_CALLER, Role
from hotline.core.personal_data import mask_name, mask_phone
from hotline.tickets.lifecycle import escalation_target
from hotline.tickets.models import CHANNEL_NAMES, KIND_NAMES, URGENCY_NAMES, Ticket, TicketEvent
from hotline.tickets.states import ACTION_NAMES, STATE_NAMES, Action, State, allowed_actions
from hotline.tickets.whistleblower import redact_for, ticket_text


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def caller_view(ticket: Ticket, viewer: User | None) -> dict:
    """Return the caller's name and phone as ``viewer`` may see them."""
    if viewer is not None and viewer.role_enum in SEES_CALLER:
        return {"caller_name": ticket.caller_name, "caller_phone": ticket.caller_phone}
    if ticket.kind == "report":  # 举报人 protection: the reported unit never learns who reported
        return {
            "caller_name": "保密" if ticket.caller_name else None,
            "caller_phone": "保密" if ticket.caller_phone else None,
        }
    return {"caller_name": mask_name(ticket.caller_name), "caller_phone": mask_phone(ticket.caller_phone)}


# The roles shown a ticket's dispatch suggestion (classification, proposal, similar tickets).
SUGGESTION_ROLES = frozenset({Role.AGENT, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN})


def view_key(role: Role) -> tuple[bool, bool]:
    """Return what decides how a role sees a ticket apart from its actions: the caller, and the suggestion.

    Two roles with the same key get the same :func:`ticket_fields` (the live push serialises once per key).
    """
    return (role in SEES_CALLER, role in SUGGESTION_ROLES)


def ticket_to_dict(ticket: Ticket, viewer: User | None) -> dict:
    """Serialise ``ticket`` for ``viewer``."""
    return ticket_fields(ticket, viewer) | {"actions": ticket_actions(ticket, viewer)}


def ticket_actions(ticket: Ticket, viewer: User | None) -> list[dict]:
    """Return the actions ``viewer``'s role may take on ``ticket`` now, with their Chinese names."""
    if viewer is None:
        return []
    return [
        {"action": a.value, "name": ACTION_NAMES[a]}
        for a in allowed_actions(State(ticket.state), viewer.role_enum)
        if a != Action.ESCALATE or escalation_target(ticket) is not None  # no 上报 button with nowhere to go
    ]


def ticket_fields(ticket: Ticket, viewer: User | None) -> dict:
    """Serialise ``ticket`` for ``viewer`` without its actions (the same for every role of one ``view_key``)."""
    state = State(ticket.state)
    text = ticket_text(ticket, viewer)  # a 举报's own words masked for whoever may not know the reporter
    return {
        "number": ticket.number,
        "state": ticket.state,
        "state_name": STATE_NAMES[state],
        "channel": ticket.channel,
        "channel_name": CHANNEL_NAMES.get(ticket.channel, ticket.channel),
        "external_id": ticket.external_id,
        "upper": {"platform": ticket.upper_platform, "due": _iso(ticket.upper_due), "label": "上级交办"}
        if ticket.upper_platform
        else None,
        **caller_view(ticket, viewer),
        "title": text.title,
        "content": text.content,
        "summary": text.summary,
        "address": text.address,
        "area": ticket.area_unit.brief() if ticket.area_unit else None,
        "category": ticket.category,
        "kind": ticket.kind,
        "kind_name": KIND_NAMES.get(ticket.kind),
        "urgency": ticket.urgency,
        "urgency_name": URGENCY_NAMES.get(ticket.urgency),
        "flags": {
            "enterprise": ticket.is_enterprise,
            "business_env": ticket.is_business_env,
            "direct": ticket.is_direct,
        },
        "lead_unit": ticket.lead_unit.brief() if ticket.lead_unit else None,
        "handling_unit": ticket.handling_unit.brief() if ticket.handling_unit else None,
        "co_units": [u.brief() for u in ticket.co_units],
        "merged_into": ticket.merged_into.number if ticket.merged_into else None,
        "transfer_target": ticket.transfer_target,
        "created_at": _iso(ticket.created_at),
        "updated_at": _iso(ticket.updated_at),
        "deadlines": {
            "dispatch": _iso(ticket.dispatch_due),
            "accept": _iso(ticket.accept_due),
            "return_window": _iso(ticket.return_due),
            "reply": _iso(ticket.reply_due),
            "callback": _iso(ticket.callback_due_at),
        },
        "warning": ticket.warning,
        "rework_count": ticket.rework_count,
        "extension_count": ticket.extension_count,
        "pending_extension_days": ticket.pending_extension_days,
        "pending_suspend": bool(ticket.pending_suspend_reason),
        "urge_count": ticket.urge_count,
        "supervised": ticket.supervised,
        "escalation_level": ticket.escalation_level,
        "callback_attempts": ticket.callback_attempts,
        "satisfaction": ticket.satisfaction,
        "contacted": ticket.contacted,
        "resolved": ticket.resolved,
        "final_reply": ticket.is_final_reply,
        "result": ticket.result,
        "public_answer": ticket.public_answer,
        "suggestion": ticket.suggestion if viewer is not None and viewer.role_enum in SUGGESTION_ROLES else None,
        "version": ticket.version,
    }


def event_to_dict(event: TicketEvent, ticket: Ticket | None = None, viewer: User | None = None) -> dict:
    """Serialise one audit-trail event (its note masked like the ticket's text when ``ticket`` is given)."""
    try:
        action_name = ACTION_NAMES[Action(event.action)]
    except ValueError:
        action_name = {
            "register": "受理",
            "notify": "告知",
            "warning": "预警",
            "attach": "上传附件",
            "download": "查看附件",
        }.get(event.action, event.action)
    return {
        "action": event.action,
        "action_name": action_name,
        "actor": event.actor.username if event.actor else "system",
        "actor_role": event.actor_role,
        "from": event.from_state,
        "to": event.to_state,
        "note": redact_for(ticket, viewer, event.note) if ticket is not None else event.note,
        "data": event.data,
        "at": _iso(event.created_at),
    }
