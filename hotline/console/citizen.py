"""The citizen's side (市民门户): submit without an account, follow by number + phone, rate (好差评).

A citizen's rating is the ``callback`` action (SPEC §3) taken by the system user ``portal``: an
inactive agent account (it cannot log in nor hold tokens) created on first use, so the audit trail,
the callback record and the 三率 measures treat a self-service rating like an agent's callback in
which the citizen was reached (``contacted`` = true). The callback row says ``source`` = ``portal`` (no
``agent_id``); the link sent after the approved reply (hotline.callbacks) records ``citizen_link`` alike.
"""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.attachments.schemas import public_to_dict
from hotline.attachments.services import public_attachments
from hotline.auth.models import User
from hotline.auth.roles import Role
from hotline.auth.services import create_user
from hotline.core.errors import DomainError
from hotline.tickets.lifecycle import ActionParams, perform_action
from hotline.tickets.models import SATISFACTION_LEVELS, Ticket
from hotline.tickets.services import list_events
from hotline.tickets.states import ACTION_NAMES, ANSWER_PUBLISHED, STATE_NAMES, Action, State
from hotline.units.models import Unit

PORTAL_USERNAME = "portal"
# What a citizen may read of the audit trail: milestones only, never notes or staff names.
PUBLIC_ACTIONS = {
    "register": "已受理",
    "dispatch": "已派至承办单位",
    "accept": "承办单位已签收",
    "forward": "已转至下级单位办理",
    "approve_extension": "办理期限已延长",
    "approve_suspend": "暂缓办理（挂账）",
    "resume": "恢复办理",
    "approve_reply": "已答复",
    "callback": "已回访",
    "rework": "重新办理",
    "uphold": "已办结",
    "close_on_call": "已直接答复办结",
    "merge": "已与相同诉求合并办理",
    "transfer": "已转相关部门处理",
    "reopen": "重新办理",
}


def find_for_citizen(session: Session, number: str, phone: str) -> Ticket | None:
    """Return the ticket ``number`` when ``phone`` is the caller's; else None (never say which was wrong)."""
    number, phone = number.strip(), phone.strip()
    if not number or not phone:
        return None
    ticket = session.scalar(select(Ticket).where(Ticket.number == number))
    if ticket is None or not ticket.caller_phone or not secrets.compare_digest(ticket.caller_phone, phone):
        return None
    return ticket


def public_view(session: Session, ticket: Ticket) -> dict:
    """Return what the citizen sees: state, milestones (no staff names, no notes), the approved answer."""
    state = State(ticket.state)
    events = [
        {"at": e.created_at, "text": PUBLIC_ACTIONS[e.action]}
        for e in list_events(session, ticket)
        if e.action in PUBLIC_ACTIONS
    ]
    return {
        "number": ticket.number,
        "title": ticket.title,
        "state": ticket.state,
        "state_name": STATE_NAMES[state],
        "created_at": ticket.created_at,
        "reply_due": ticket.reply_due,
        "unit": ticket.lead_unit.name if ticket.lead_unit else None,
        "events": events,
        "public_answer": ticket.public_answer if state in ANSWER_PUBLISHED else None,
        "may_rate": state == State.CALLBACK_DUE,
        "satisfaction": ticket.satisfaction,
        "attachments": [public_to_dict(a) for a in public_attachments(session, ticket)],
    }


def portal_user(session: Session) -> User:
    """Return the system agent that records citizens' own ratings, creating it (inactive) once."""
    user = session.scalar(select(User).where(User.username == PORTAL_USERNAME))
    if user is not None:
        return user
    root = session.scalar(select(Unit).where(Unit.parent_id.is_(None)).order_by(Unit.path))
    if root is None:
        raise DomainError(409, "no_units", "系统尚未配置单位，暂不能评价")
    user = create_user(session, PORTAL_USERNAME, secrets.token_urlsafe(24), Role.AGENT.value, root, "市民自助评价")
    user.active = False
    session.flush()
    return user


def rate_by_citizen(
    session: Session,
    ticket: Ticket,
    satisfaction: str,
    resolved: bool | None,
    comment: str | None,
    *,
    preset: str = "default",
) -> Ticket:
    """Record the citizen's own rating as the ``callback`` action (see the module docstring)."""
    if satisfaction not in SATISFACTION_LEVELS:
        raise DomainError(422, "invalid_choice", "请选择满意度")
    if ticket.state != State.CALLBACK_DUE.value:
        raise DomainError(409, "not_ratable", f"工单当前不能评价（{ACTION_NAMES[Action.CALLBACK]}已完成或尚未答复）")
    if resolved is None:  # no default answers for the citizen: it would inflate the 解决率
        raise DomainError(422, "missing_field", "请选择问题是否解决")
    note = "市民自助评价" + (f"：{comment}" if comment else "")
    params = ActionParams(contacted=True, resolved=resolved, satisfaction=satisfaction, note=note[:2000])
    return perform_action(
        session, ticket, Action.CALLBACK.value, portal_user(session), params, preset=preset, callback_source="portal"
    )
