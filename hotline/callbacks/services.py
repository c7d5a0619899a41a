"""智能回访 by link: the link sent when a reply is approved, the citizen's answer, the return to the agents.

The token is ``secrets.token_urlsafe(16)`` (128 random bits, 22 characters) and only its SHA-256 is stored.
Not an itsdangerous-signed id: one answer per link and the expiry must be looked up in the database anyway,
so a signature would add length to an SMS (70 characters a segment) and nothing to the check; a random
token does not depend on ``SECRET_KEY`` (rotating it does not break the links in flight), and a copy of the
database (a backup, a report extract) holds no usable link.

Who gets a link: citizens who came by phone, the portal (``web``), the app or WeChat and left a phone
number — by SMS, since a link to a phone-sized page is for the phone, whichever channel they used. Not
110's transfers (the police keep the caller), the 市长信箱 / 留言板 (answered where they wrote), API and 上级交办
tickets (the other system or platform calls back). A 举报 caller gets one too: they are the citizen whose
request this was, the 告知 of the answer already went to the same phone, and the page shows only the ticket
number, its title and the approved public answer — no name, no phone, nothing about whom they reported.
Without a link they could only be called, which exposes them more than a text to their own phone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import and_, exists, select, update
from sqlalchemy.orm import Session

from hotline.callbacks.models import CallbackLink
from hotline.core import clock
from hotline.core.effects import defer
from hotline.core.errors import DomainError
from hotline.tickets.events import record_event
from hotline.tickets.lifecycle import ActionParams, StateChange, perform_action
from hotline.tickets.models import SATISFACTION_LEVELS, Ticket, TicketCallback
from hotline.tickets.notifications import notify_citizen
from hotline.tickets.states import Action, State

LINK_CHANNELS = frozenset({"phone", "web", "app", "wechat"})
PATH = "/r/"
DEFAULT_WAIT_HOURS = 48


@dataclass(frozen=True)
class LinkSettings:
    """Where the portal lives (the link's host) and how long a link waits before the agents call instead."""

    base_url: str
    wait_hours: float = DEFAULT_WAIT_HOURS


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def wants_link(ticket: Ticket) -> bool:
    """Tell whether the citizen of ``ticket`` is sent a callback link (see the module docstring)."""
    return ticket.channel in LINK_CHANNELS and bool(ticket.caller_phone)


def open_condition(now: dt.datetime):
    """SQL: the link is still waiting for the citizen at ``now``."""
    return and_(
        CallbackLink.used_at.is_(None),
        CallbackLink.expired_at.is_(None),
        CallbackLink.wait_until > now,
        CallbackLink.expires_at > now,
    )


def awaiting_citizen(now: dt.datetime):
    """SQL on ``Ticket``: a callback link is out and still waiting (the agents do not call meanwhile)."""
    return exists().where(CallbackLink.ticket_id == Ticket.id, open_condition(now))


def is_awaiting_citizen(session: Session, ticket: Ticket, now: dt.datetime | None = None) -> bool:
    """Tell whether ``ticket`` waits for its citizen's answer through a link."""
    if ticket.state != State.CALLBACK_DUE.value:
        return False
    moment = now or clock.now()
    query = select(CallbackLink.id).where(CallbackLink.ticket_id == ticket.id, open_condition(moment)).limit(1)
    return session.scalar(query) is not None


def _close_open_links(session: Session, ticket_id: int, moment: dt.datetime, reason: str) -> int:
    result = session.execute(
        update(CallbackLink)
        .where(CallbackLink.ticket_id == ticket_id, CallbackLink.used_at.is_(None), CallbackLink.expired_at.is_(None))
        .values(expired_at=moment, expired_reason=reason)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def issue_link(session: Session, ticket: Ticket, moment: dt.datetime, settings: LinkSettings) -> str | None:
    """Create the link of this reply approval and put its SMS in the outbox; return the token (None: no link).

    Runs in the approval's own transaction: the link, the SMS and the approval commit together or not at all.
    """
    if not wants_link(ticket):
        return None
    _close_open_links(session, ticket.id, moment, "superseded")
    token = secrets.token_urlsafe(16)
    expires = ticket.callback_due_at or moment + dt.timedelta(hours=settings.wait_hours)
    wait_until = min(expires, moment + dt.timedelta(hours=settings.wait_hours))
    link = CallbackLink(
        ticket_id=ticket.id, token_hash=hash_token(token), created_at=moment, expires_at=expires, wait_until=wait_until
    )
    session.add(link)
    url = settings.base_url.rstrip("/") + PATH + token
    until = clock.to_local(expires).strftime("%m月%d日%H:%M")
    body = (
        f"【12345】请您评价工单{ticket.number}的办理结果（是否解决、是否满意）：{url} 链接{until}前有效，仅可评价一次。"
    )
    notification = notify_citizen(session, ticket, "callback_link", moment, route="sms", body=body)
    link.notification_id = notification.id if notification is not None else None
    return token


def find_link(session: Session, token: str) -> CallbackLink | None:
    """Return the link of ``token`` (None for an unknown one)."""
    if not token or len(token) > 64:
        return None
    return session.scalar(select(CallbackLink).where(CallbackLink.token_hash == hash_token(token)))


def link_status(link: CallbackLink, ticket: Ticket, now: dt.datetime) -> str:
    """Return ``open``, ``used`` (this link's answer is in), ``answered`` (the callback was made another way)
    or ``expired``."""
    if link.used_at is not None:
        return "used"
    if link.expired_reason == "answered_elsewhere":
        return "answered"
    if link.expired_at is not None or now >= link.expires_at:
        return "expired"
    if ticket.state != State.CALLBACK_DUE.value:
        return "answered"
    return "open"


def answer_link(
    session: Session,
    link: CallbackLink,
    actor_for,
    *,
    resolved: bool | None,
    satisfaction: str | None,
    comment: str | None,
    preset: str = "default",
    now: dt.datetime | None = None,
) -> Ticket:
    """Record the citizen's answer as the ticket's callback (source ``citizen_link``), through the state machine.

    ``actor_for(session)`` returns the system agent the action is taken as (the portal's, inactive). Refuses
    with 410 a link no longer open, 422 an incomplete answer (nothing is chosen for the citizen).
    """
    moment = now or clock.now()
    ticket = session.get(Ticket, link.ticket_id)
    assert ticket is not None
    status = link_status(link, ticket, moment)
    if status != "open":
        raise DomainError(410, f"link_{status}", STATUS_MESSAGES[status])
    if resolved is None:
        raise DomainError(422, "missing_field", "请选择问题是否解决", field="resolved")
    if satisfaction not in SATISFACTION_LEVELS:
        raise DomainError(422, "missing_field", "请选择满意度", field="satisfaction")
    link.used_at = moment  # before the action: the listener closes the *other* open links only
    note = "市民短信链接评价" + (f"：{comment}" if comment else "")
    params = ActionParams(contacted=True, resolved=resolved, satisfaction=satisfaction, note=note[:2000])
    perform_action(
        session,
        ticket,
        Action.CALLBACK.value,
        actor_for(session),
        params,
        preset=preset,
        now=moment,
        callback_source="citizen_link",
    )
    link.callback_id = session.scalar(
        select(TicketCallback.id).where(TicketCallback.ticket_id == ticket.id).order_by(TicketCallback.id.desc())
    )
    return ticket


STATUS_MESSAGES = {
    "used": "您已评价，感谢您的支持！",
    "answered": "本工单已完成回访，感谢您的支持！",
    "expired": "链接已过期。如对办理结果有意见，请拨打 12345 反映。",
}


def on_state_change(session: Session, change: StateChange, settings: LinkSettings) -> None:
    """Listener of every action: a reply approval sends a link; a ticket leaving 待回访 closes its open link."""
    if change.action == Action.APPROVE_REPLY:
        issue_link(session, change.ticket, change.moment, settings)
    elif change.from_state == State.CALLBACK_DUE.value and change.to_state != State.CALLBACK_DUE.value:
        _close_open_links(session, change.ticket.id, change.moment, "answered_elsewhere")


def return_unanswered(session: Session, now: dt.datetime) -> list[str]:
    """Expire the links unanswered by their time: their tickets go back to the agents' 回访 queue.

    Returns the numbers of those tickets; each gets a line in its trail and a live event (``callback.due``)."""
    due = session.execute(
        select(CallbackLink, Ticket)
        .join(Ticket, Ticket.id == CallbackLink.ticket_id)
        .where(
            CallbackLink.used_at.is_(None),
            CallbackLink.expired_at.is_(None),
            (CallbackLink.wait_until <= now) | (CallbackLink.expires_at <= now),
        )
        .order_by(CallbackLink.id)
        .limit(1000)
    ).all()
    numbers = []
    for link, ticket in due:
        link.expired_at, link.expired_reason = now, "timeout"
        if ticket.state != State.CALLBACK_DUE.value:
            continue
        record_event(
            session,
            ticket,
            "callback_link_timeout",
            None,
            from_state=ticket.state,
            to_state=ticket.state,
            moment=now,
            note="市民未通过短信链接评价，转话务员回访",
            data={"link_id": link.id},
        )
        defer(session, "push:hotline.console.push:ticket_changed", ticket.id, "ticket.updated")
        numbers.append(ticket.number)
    session.flush()
    return numbers
