"""Model versions (one active), every classification made, and agents' corrections."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.core.db_types import UTCDateTime
from hotline.core.extensions import db


class ModelVersion(db.Model):
    __tablename__ = "model_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(80), unique=True)
    # The model directory's name under HOTLINE_MODELS_DIR (never an absolute path from outside).
    directory: Mapped[str] = mapped_column(String(200))
    metrics: Mapped[dict] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(default=False, index=True)
    note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    promoted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class Classification(db.Model):
    """What a model said about a text (for a ticket when there is one)."""

    __tablename__ = "classifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    model_version: Mapped[str] = mapped_column(String(80), index=True)
    categories: Mapped[list] = mapped_column(JSON)
    kind: Mapped[str] = mapped_column(String(20))
    urgency: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class CategoryCorrection(db.Model):
    """An agent or dispatcher chose another category than the model suggested: training data."""

    __tablename__ = "category_corrections"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    suggested: Mapped[str | None] = mapped_column(String(40))
    chosen: Mapped[str] = mapped_column(String(40))
    model_version: Mapped[str | None] = mapped_column(String(80))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(String(20000))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    used_in_version: Mapped[str | None] = mapped_column(String(80))
