"""Attachments on tickets and the content-addressed blobs that hold their bytes."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from hotline.auth.models import User
from hotline.core.db_types import UTCDateTime
from hotline.core.extensions import db

STAGES = ("intake", "on_site", "before", "after", "reply")
STAGE_NAMES = {"intake": "受理", "on_site": "现场", "before": "处置前", "after": "处置后", "reply": "办理附件"}
KINDS = ("image", "video", "pdf", "office")
SOURCES = ("staff", "citizen")
# ``pending``: copies not made yet; ``ready``: thumbnail and web copy made; ``none``: not an image.
DERIVED = ("pending", "ready", "none", "failed")


class AttachmentBlob(db.Model):
    """One file's bytes, named by their SHA-256 (so the same bytes are stored once)."""

    __tablename__ = "attachment_blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column()
    backend: Mapped[str] = mapped_column(String(10))  # database, directory
    # The bytes, for the database backend; loaded only when asked for.
    data: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class Attachment(db.Model):
    """A file on a ticket: who added it, at which stage, and the copies made for display."""

    __tablename__ = "attachments"
    __table_args__ = (
        UniqueConstraint("ticket_id", "sha256", name="uq_attachments_ticket_sha256"),
        CheckConstraint(f"stage IN {STAGES!r}", name="stage"),
        CheckConstraint(f"kind IN {KINDS!r}", name="kind"),
        CheckConstraint(f"source IN {SOURCES!r}", name="source"),
        CheckConstraint(f"derived IN {DERIVED!r}", name="derived"),
        Index("ix_attachments_ticket", "ticket_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    sha256: Mapped[str] = mapped_column(ForeignKey("attachment_blobs.sha256"))
    name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(10))
    size: Mapped[int] = mapped_column()
    stage: Mapped[str] = mapped_column(String(10))
    source: Mapped[str] = mapped_column(String(10), default="staff")
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    width: Mapped[int | None] = mapped_column()
    height: Mapped[int | None] = mapped_column()
    # Re-encoded copies without EXIF (what citizens and Open311 get); staff also get the original.
    derived: Mapped[str] = mapped_column(String(10), default="pending")
    thumb_sha256: Mapped[str | None] = mapped_column(ForeignKey("attachment_blobs.sha256"))
    web_sha256: Mapped[str | None] = mapped_column(ForeignKey("attachment_blobs.sha256"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    uploaded_by: Mapped[User | None] = relationship()

    @property
    def is_image(self) -> bool:
        return self.kind == "image"
