"""The exchange's operations: take an upper platform's tickets in, write what it must be told, deliver, replay."""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from hotline.auth.models import User
from hotline.auth.services import record_auth_event
from hotline.core import clock
from hotline.core.effects import defer
from hotline.core.errors import DomainError
from hotline.exchange.adapters import (
    ADAPTERS,
    ExchangeError,
    InboundTicket,
    OutboundMessage,
    PullPage,
    UpperPlatformAdapter,
    adapter_for,
)
from hotline.exchange.models import ExchangeAttachment, ExchangeMessage, ExchangePlatform
from hotline.intake.services import take_in
from hotline.tickets.lifecycle import StateChange
from hotline.tickets.models import KINDS, Ticket
from hotline.tickets.services import NewTicket
from hotline.tickets.states import Action, State

log = logging.getLogger("hotline.exchange")

CHANNEL = "upper"
MAX_TRIES = 8
# Backoff after the n-th failed try: 30 s, 1, 2, 4, 8 … minutes, at most an hour.
BACKOFF_BASE_SECONDS = 30
BACKOFF_MAX_SECONDS = 3600
# A claimed message whose sender died is tried again after this.
CLAIM_SECONDS = 120
DELIVER_JOB = "hotline.exchange.tasks:deliver_due"

# Which of our actions an upper platform hears about, and as what (docs/exchange.md §4).
ACTION_KINDS = {
    Action.DISPATCH: "processing",
    Action.REWORK: "processing",
    Action.REOPEN: "processing",
    Action.APPROVE_REPLY: "answered",
    Action.REQUEST_EXTENSION: "extension_request",
}


def get_platform(session: Session, code: str) -> ExchangePlatform:
    """Return the platform called ``code`` or refuse with 404."""
    platform = session.scalar(select(ExchangePlatform).where(ExchangePlatform.code == code))
    if platform is None:
        raise DomainError(404, "unknown_platform", f"上级平台不存在：{code}")
    return platform


def add_platform(
    session: Session, code: str, name: str, base_url: str, key_id: str, secret: str, adapter: str = "json-v1"
) -> ExchangePlatform:
    """Register an upper platform (operators do this once per platform)."""
    if adapter not in ADAPTERS:
        raise DomainError(422, "invalid_choice", f"未知的对接协议：{adapter}")
    if len(secret) < 16:
        raise DomainError(422, "weak_secret", "签名密钥至少 16 位")
    if session.scalar(select(ExchangePlatform).where(ExchangePlatform.code == code)):
        raise DomainError(409, "platform_exists", f"上级平台已存在：{code}")
    platform = ExchangePlatform(
        code=code,
        name=name,
        base_url=base_url,
        key_id=key_id,
        secret=secret,
        adapter=adapter,
        active=True,
        created_at=clock.now(),
    )
    session.add(platform)
    session.flush()
    return platform


def _local_external_id(platform: ExchangePlatform, external_id: str) -> str:
    return f"{platform.code}:{external_id}"


def _next_seq(session: Session, platform: ExchangePlatform, external_id: str, kind: str) -> int:
    current = session.scalar(
        select(func.max(ExchangeMessage.seq)).where(
            ExchangeMessage.platform_id == platform.id,
            ExchangeMessage.direction == "out",
            ExchangeMessage.external_id == external_id,
            ExchangeMessage.kind == kind,
        )
    )
    return (current or 0) + 1


def queue_message(
    session: Session, platform: ExchangePlatform, ticket: Ticket, kind: str, moment: dt.datetime, **details: object
) -> ExchangeMessage:
    """Write one message the platform must receive; it leaves from a job after the commit."""
    external_id = (ticket.external_id or "").split(":", 1)[-1]
    seq = _next_seq(session, platform, external_id, kind)
    payload = {
        "ticket_id": external_id,
        "local_number": ticket.number,
        "kind": kind,
        "seq": seq,
        "state": ticket.state,
        "occurred_at": moment.isoformat(),
        **details,
    }
    message = ExchangeMessage(
        platform_id=platform.id,
        direction="out",
        external_id=external_id,
        ticket_id=ticket.id,
        kind=kind,
        seq=seq,
        payload=payload,
        status="pending",
        tries=0,
        next_try_at=moment,
        created_at=moment,
    )
    session.add(message)
    session.flush()
    defer(session, DELIVER_JOB, platform.code)
    return message


def receive_ticket(
    session: Session, platform: ExchangePlatform, inbound: InboundTicket, *, preset: str
) -> tuple[Ticket, bool]:
    """Register an upper platform's ticket once (idempotent on platform + its id) through the one intake."""
    data = NewTicket(
        channel=CHANNEL,
        content=inbound.content,
        title=inbound.title,
        caller_name=inbound.caller_name,
        caller_phone=inbound.caller_phone,
        address=inbound.address,
        kind=inbound.kind if inbound.kind in KINDS else None,  # type: ignore[arg-type]
        urgency="urgent" if inbound.urgent else None,  # type: ignore[arg-type]
        external_id=_local_external_id(platform, inbound.external_id),
    )
    ticket, created, *_ = take_in(session, data, None, preset=preset)
    if not created:  # offered again (a page pulled twice, a push repeated): count it, change nothing else
        session.execute(
            update(ExchangeMessage)
            .where(
                ExchangeMessage.platform_id == platform.id,
                ExchangeMessage.direction == "in",
                ExchangeMessage.external_id == inbound.external_id,
                ExchangeMessage.kind == "ticket",
            )
            .values(tries=ExchangeMessage.tries + 1)
        )
        return ticket, False
    moment = clock.now()
    ticket.upper_platform = platform.code
    ticket.upper_due = inbound.due_at.astimezone(dt.UTC) if inbound.due_at else None
    if ticket.upper_due is not None and (ticket.dispatch_due is None or ticket.upper_due < ticket.dispatch_due):
        ticket.dispatch_due = ticket.upper_due  # the upper deadline overrides ours when it is stricter
    for ref in inbound.attachments:
        session.add(
            ExchangeAttachment(
                ticket_id=ticket.id, name=ref.name, url=ref.url, mime=ref.mime, size=ref.size, sha256=ref.sha256
            )
        )
    session.add(
        ExchangeMessage(
            platform_id=platform.id,
            direction="in",
            external_id=inbound.external_id,
            ticket_id=ticket.id,
            kind="ticket",
            seq=1,
            payload=inbound.raw,
            status="received",
            tries=1,
            ack=ticket.number,
            created_at=moment,
        )
    )
    session.flush()
    queue_message(session, platform, ticket, "accepted", moment)
    return ticket, True


def receive_tickets(
    session: Session, platform: ExchangePlatform, tickets: list[InboundTicket], *, preset: str
) -> list[tuple[str, Ticket, bool]]:
    """Take a batch in, each in a savepoint so a twin registered concurrently is found, not duplicated."""
    results = []
    for inbound in tickets:
        try:
            with session.begin_nested():
                ticket, created = receive_ticket(session, platform, inbound, preset=preset)
        except IntegrityError:  # the same id taken in by a concurrent pull: it is there now
            ticket, created = receive_ticket(session, platform, inbound, preset=preset)
        results.append((inbound.external_id, ticket, created))
    return results


def take_in_page(
    session: Session, platform: ExchangePlatform, page: PullPage, *, preset: str
) -> list[tuple[str, Ticket, bool]]:
    """Take a pulled page in and move the cursor past it (both land with the caller's commit, or neither).

    A page pulled again after a failure on either side is taken in once: intake is idempotent.
    """
    results = receive_tickets(session, platform, page.tickets, preset=preset)
    if page.next_cursor:
        platform.pull_cursor = page.next_cursor
    session.flush()
    return results


def unacknowledged(session: Session, platform: ExchangePlatform, limit: int = 200) -> list[ExchangeMessage]:
    """Return the tickets taken in whose receipt the platform has not confirmed yet."""
    return list(
        session.scalars(
            select(ExchangeMessage)
            .where(
                ExchangeMessage.platform_id == platform.id,
                ExchangeMessage.direction == "in",
                ExchangeMessage.status == "received",
            )
            .order_by(ExchangeMessage.id)
            .limit(limit)
        )
    )


def mark_acknowledged(messages: list[ExchangeMessage], now: dt.datetime) -> None:
    """Record that the platform confirmed these receipts."""
    for message in messages:
        message.status, message.done_at = "acked", now


def on_state_change(session: Session, change: StateChange) -> None:
    """The lifecycle listener: an action on a 上级交办 ticket writes what its platform must hear."""
    ticket = change.ticket
    if not ticket.upper_platform:
        return
    platform = session.scalar(select(ExchangePlatform).where(ExchangePlatform.code == ticket.upper_platform))
    if platform is None:
        return
    kind = ACTION_KINDS.get(change.action)
    if kind == "processing":
        unit = ticket.lead_unit.name if ticket.lead_unit else None
        queue_message(session, platform, ticket, kind, change.moment, unit=unit)
    elif kind == "answered":
        queue_message(session, platform, ticket, kind, change.moment, answer=ticket.public_answer, result=ticket.result)
    elif kind == "extension_request":
        queue_message(
            session,
            platform,
            ticket,
            kind,
            change.moment,
            days=change.data.get("days"),
            reason=change.data.get("reason"),
        )
    if change.to_state == State.CLOSED.value and change.from_state != State.CLOSED.value:
        queue_message(
            session,
            platform,
            ticket,
            "closed",
            change.moment,
            satisfaction=ticket.satisfaction,
            answer=ticket.public_answer,
        )


def backoff(tries: int) -> dt.timedelta:
    """How long to wait after the ``tries``-th failed try."""
    return dt.timedelta(seconds=min(BACKOFF_BASE_SECONDS * 2 ** max(tries - 1, 0), BACKOFF_MAX_SECONDS))


def _due(now: dt.datetime):
    stale = now - dt.timedelta(seconds=CLAIM_SECONDS)
    return ((ExchangeMessage.status == "pending") & (ExchangeMessage.next_try_at <= now)) | (
        (ExchangeMessage.status == "sending") & (ExchangeMessage.next_try_at <= stale)
    )


def due_messages(session: Session, platform: ExchangePlatform, now: dt.datetime, limit: int = 50) -> list[int]:
    """Return ids of messages due now, oldest first (a crashed sender's claim expires and is retaken).

    A message waits while an earlier one of the same ticket is still undelivered: the platform hears a
    ticket's events in the order they happened.
    """
    earlier = aliased(ExchangeMessage)
    blocked = exists().where(
        earlier.platform_id == ExchangeMessage.platform_id,
        earlier.direction == "out",
        earlier.external_id == ExchangeMessage.external_id,
        earlier.id < ExchangeMessage.id,
        earlier.status.in_(("pending", "sending")),
    )
    query = select(ExchangeMessage.id).where(
        ExchangeMessage.platform_id == platform.id, ExchangeMessage.direction == "out", _due(now), ~blocked
    )
    return list(session.scalars(query.order_by(ExchangeMessage.id).limit(limit)))


def claim_message(session: Session, message_id: int, now: dt.datetime) -> bool:
    """Claim a due message for sending (one UPDATE only one sender wins); the caller commits before sending."""
    claimed = session.execute(
        update(ExchangeMessage)
        .where(ExchangeMessage.id == message_id, _due(now))
        .values(status="sending", next_try_at=now, tries=ExchangeMessage.tries + 1)
    )
    return claimed.rowcount == 1


def send_claimed(
    session: Session, message_id: int, now: dt.datetime, adapter: UpperPlatformAdapter | None = None
) -> str:
    """Send a claimed message and record the outcome (acked, retry later with backoff, or dead); flush.

    The message id is stable, so a try whose answer was lost and is sent again is recognised by the platform
    (``duplicate``) and applied there once.
    """
    message = session.get(ExchangeMessage, message_id)
    assert message is not None and message.status == "sending"
    adapter = adapter or adapter_for(message.platform)
    outbound = OutboundMessage(message.message_id, message.external_id, message.kind, message.seq, message.payload)
    try:
        ack = adapter.send(outbound)
    except ExchangeError as exc:
        message.last_error = str(exc)[:1000]
        if not exc.retry or message.tries >= MAX_TRIES:
            message.status = "dead"
            log.warning("exchange message %s dead after %s tries: %s", message.message_id, message.tries, exc)
        else:
            message.status = "pending"
            message.next_try_at = now + backoff(message.tries)
    else:
        message.status, message.ack, message.done_at, message.last_error = "acked", ack.ack_id, clock.now(), None
    session.flush()
    return message.status


def replay_message(session: Session, actor: User, message_id: int) -> ExchangeMessage:
    """An admin sends a dead message again (same id: the platform applies it at most once)."""
    message = session.get(ExchangeMessage, message_id)
    if message is None or message.direction != "out":
        raise DomainError(404, "not_found", "交换消息不存在")
    if message.status != "dead":
        raise DomainError(409, "not_dead", "只有发送失败的消息可以重放")
    message.status, message.next_try_at, message.tries = "pending", clock.now(), 0
    record_auth_event(
        session,
        "exchange_replayed",
        actor,
        None,
        data={"message": message.message_id, "last_error": message.last_error},
    )
    session.flush()
    defer(session, DELIVER_JOB, message.platform.code)
    return message
