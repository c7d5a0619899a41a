"""Upper platforms we exchange with, the exchange log (one row per message in or out), attachment references."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.core.db_types import UTCDateTime
from hotline.core.extensions import db
from hotline.tickets.models import Ticket

DIRECTIONS = ("in", "out")
# What goes up: 受理, 办理中, 答复, 办结, 延期申请 (docs/exchange.md); what comes in: a ticket.
OUT_KINDS = ("accepted", "processing", "answered", "closed", "extension_request")
IN_KINDS = ("ticket",)
KIND_NAMES = {
    "ticket": "交办工单",
    "accepted": "受理",
    "processing": "办理中",
    "answered": "答复",
    "closed": "办结",
    "extension_request": "延期申请",
}
# pending → sending → acked; a failed try goes back to pending with a later next_try_at; too many → dead.
STATUSES = ("pending", "sending", "acked", "dead", "received")
STATUS_NAMES = {
    "pending": "待发送",
    "sending": "发送中",
    "acked": "已确认",
    "dead": "失败（待重放）",
    "received": "已接收",
}


class ExchangePlatform(db.Model):
    """One upper platform: where it is, the adapter that speaks its protocol, the shared signing secret."""

    __tablename__ = "exchange_platforms"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    adapter: Mapped[str] = mapped_column(String(40), default="json-v1")
    base_url: Mapped[str] = mapped_column(String(300))
    # The key id we sign with (the platform knows us by it) and the shared HMAC secret.
    key_id: Mapped[str] = mapped_column(String(80))
    secret: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    # Where the next pull continues (the platform's opaque cursor), advanced only after a committed page.
    pull_cursor: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class ExchangeMessage(db.Model):
    """One message in the exchange log: a ticket that came in, or a status change that must go out exactly once."""

    __tablename__ = "exchange_messages"
    __table_args__ = (
        UniqueConstraint("platform_id", "direction", "external_id", "kind", "seq", name="uq_exchange_messages_key"),
        CheckConstraint(f"direction IN {DIRECTIONS!r}", name="direction"),
        CheckConstraint(f"status IN {STATUSES!r}", name="status"),
        Index("ix_exchange_messages_due", "status", "next_try_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("exchange_platforms.id"), index=True)
    direction: Mapped[str] = mapped_column(String(3))
    external_id: Mapped[str] = mapped_column(String(120))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    # The n-th message of this kind for this ticket (a second 办理中 after 重办 is seq 2), so the key is stable.
    seq: Mapped[int] = mapped_column(default=1)
    payload: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(10))
    tries: Mapped[int] = mapped_column(default=0)
    next_try_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    # The platform's acknowledgement (its receipt id) once it has the message.
    ack: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    platform: Mapped[ExchangePlatform] = relationship()
    ticket: Mapped[Ticket | None] = relationship()

    @property
    def message_id(self) -> str:
        """The idempotency key the platform dedupes on: stable across retries and replays."""
        return f"{self.platform.code}:{self.external_id}:{self.kind}:{self.seq}"


class ExchangeAttachment(db.Model):
    """An attachment an upper platform sent with a ticket, kept as a reference (URL, name, size, checksum)."""

    __tablename__ = "exchange_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(1000))
    mime: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[int | None] = mapped_column()
    sha256: Mapped[str | None] = mapped_column(String(64))


class ExchangeNonce(db.Model):
    """Nonces of signed requests a platform pushed to us, kept for the signature window to refuse replays."""

    __tablename__ = "exchange_nonces"
    __table_args__ = (UniqueConstraint("platform_id", "nonce", name="uq_exchange_nonces_platform_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("exchange_platforms.id"))
    nonce: Mapped[str] = mapped_column(String(64))
    seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
