"""One SMS delivery per outbox notification: attempts, the provider's ids, the receipt."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.core.db_types import UTCDateTime
from hotline.core.extensions import db

# queued → sent → delivered | undelivered; or failed (gave up); ``rate_limited`` waits for its next attempt.
STATUSES = ("queued", "rate_limited", "sent", "delivered", "undelivered", "failed")


class SmsDelivery(db.Model):
    __tablename__ = "sms_deliveries"
    __table_args__ = (
        CheckConstraint(f"status IN {STATUSES!r}", name="status"),
        Index("ix_sms_deliveries_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id", ondelete="CASCADE"), unique=True)
    provider: Mapped[str] = mapped_column(String(20))
    template_code: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(15), default="queued")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(200))
    biz_id: Mapped[str | None] = mapped_column(String(64), index=True)
    request_id: Mapped[str | None] = mapped_column(String(64))
    receipt_code: Mapped[str | None] = mapped_column(String(40))
    receipt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
