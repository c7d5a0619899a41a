"""One callback link per ticket and reply approval: the hash of its token, when it expires, how it ended."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.core.db_types import UTCDateTime
from hotline.core.extensions import db


class CallbackLink(db.Model):
    """A link sent to the citizen after an approved reply (智能回访).

    Open (awaiting the citizen) while ``used_at`` and ``expired_at`` are NULL and both ``wait_until`` (when the
    ticket goes back to the agents' queue) and ``expires_at`` (the end of the callback window) lie ahead.
    """

    __tablename__ = "callback_links"
    __table_args__ = (Index("ix_callback_links_open", "used_at", "expired_at", "wait_until"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    # SHA-256 of the random token (hex): the database never holds a usable link.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    wait_until: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # Set when the link stopped waiting unanswered: ``timeout`` (back to the agents), ``superseded`` (a newer
    # approval sent a new link) or ``answered_elsewhere`` (an agent or the portal recorded the callback first).
    expired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    expired_reason: Mapped[str | None] = mapped_column(String(30))
    callback_id: Mapped[int | None] = mapped_column(ForeignKey("ticket_callbacks.id", ondelete="SET NULL"))
    notification_id: Mapped[int | None] = mapped_column(ForeignKey("notifications.id", ondelete="SET NULL"))
