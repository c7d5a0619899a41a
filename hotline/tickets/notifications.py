"""告知: tell the citizen at registration, at the approved answer and at closing, by their channel.

Messages wait in the outbox (``notifications``) and are delivered after the commit by a job through a
pluggable sender; each one is also an event in the ticket's trail.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.core import clock
from hotline.core.effects import defer
from hotline.tickets.events import record_event
from hotline.tickets.models import Notification, Ticket

log = logging.getLogger("hotline.notify")

# Where the citizen hears from us, by the channel they came through.
CHANNEL_ROUTE = {
    "phone": "sms",
    "transfer_110": "sms",
    "web": "portal",
    "app": "portal",
    "wechat": "portal",
    "api": "portal",
    "mailbox": "message_board",
    "message_board": "message_board",
}


def _body(ticket: Ticket, purpose: str, master: Ticket | None) -> str:
    if purpose == "registered":
        due = clock.to_local(ticket.dispatch_due).strftime("%Y-%m-%d %H:%M") if ticket.dispatch_due else "—"
        return f"【12345】您的诉求已受理，工单编号{ticket.number}，将于{due}前派至承办单位办理。"
    if purpose == "answered":
        return f"【12345】工单{ticket.number}已办理完毕，答复如下：{ticket.public_answer or ''}"
    if purpose == "merged" and master is not None:
        return f"【12345】您反映的问题已与工单{master.number}合并办理，可凭该编号查询进度。"
    return f"【12345】工单{ticket.number}已办结，感谢您对政务服务便民热线的支持。"


def notify_citizen(
    session: Session,
    ticket: Ticket,
    purpose: str,
    moment: dt.datetime,
    *,
    master: Ticket | None = None,
    route: str | None = None,
    body: str | None = None,
) -> Notification | None:
    """Put a message to the citizen in the outbox (none for anonymous callers without a way back).

    ``route`` overrides the channel's (the 回访 link goes by SMS to every citizen who left a phone) and
    ``body`` the standard text of ``purpose``."""
    route = route or CHANNEL_ROUTE.get(ticket.channel, "portal")
    if route == "sms" and not ticket.caller_phone:
        return None
    notification = Notification(
        ticket_id=ticket.id,
        purpose=purpose,
        channel=route,
        recipient=ticket.caller_phone if route == "sms" else None,
        body=body or _body(ticket, purpose, master),
        status="pending",
        created_at=moment,
    )
    session.add(notification)
    record_event(
        session,
        ticket,
        "notify",
        None,
        from_state=ticket.state,
        to_state=ticket.state,
        moment=moment,
        note=notification.body,
        data={"purpose": purpose, "channel": route},
    )
    session.flush()
    defer(session, "hotline.tickets.tasks:send_notification", notification.id)
    return notification


class Sender(Protocol):
    """Delivers (or starts delivering) one outbox message; may return the outbox status to record."""

    def send(self, notification: Notification) -> str | None: ...


class LogSender:
    """The demo sender: writes the message to the log (never the phone number: logs are not for personal data)."""

    def send(self, notification: Notification) -> None:
        log.info(
            "告知 %s（%s，工单 %s）: %s",
            notification.id,
            notification.channel,
            notification.ticket_id,
            notification.body,
        )


SENDERS: dict[str, Callable[[], Sender]] = {"sms": LogSender, "portal": LogSender, "message_board": LogSender}


def bind_sender(channel: str, factory: Callable[[], Sender]) -> None:
    """Have ``channel``'s messages go through ``factory()`` (the app factory binds a real SMS provider here)."""
    SENDERS[channel] = factory


def deliver(session: Session, notification_id: int, moment: dt.datetime | None = None) -> bool:
    """Send one pending notification through its channel's sender; return whether it was sent now."""
    notification = session.scalar(
        select(Notification).where(Notification.id == notification_id, Notification.status == "pending")
    )
    if notification is None:
        return False
    status = SENDERS[notification.channel]().send(notification) or "sent"
    notification.status = status
    notification.sent_at = (moment or clock.now()) if status == "sent" else None
    return status == "sent"
