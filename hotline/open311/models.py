"""Open311 client keys (the ``api_key`` of GeoReport v2); only a hash is stored."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.core.db_types import UTCDateTime
from hotline.core.extensions import db


class Open311Client(db.Model):
    __tablename__ = "open311_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    key_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class Open311Request(db.Model):
    """A ticket filed through GeoReport v2: the citizen wrote its text for a public system."""

    __tablename__ = "open311_requests"

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("open311_clients.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
