"""The ticket search index (one row per ticket) and each user's saved search views."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Mapped, mapped_column

from hotline.core.clock import now
from hotline.core.db_types import UTCDateTime
from hotline.core.extensions import db


class TicketSearchDoc(db.Model):
    """A ticket's jieba tokens (title, content, address), space-joined.

    SQLite mirrors ``tokens`` into the FTS5 table ``ticket_search_fts`` by trigger; PostgreSQL keeps the
    same tokens as a tsvector in ``tsv`` (GIN-indexed), so both answer a token query from an index.
    """

    __tablename__ = "ticket_search_docs"

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True)
    tokens: Mapped[str] = mapped_column(Text)
    tsv: Mapped[str | None] = mapped_column(Text().with_variant(postgresql.TSVECTOR(), "postgresql"))


class SavedView(db.Model):
    """A search a user named and keeps (filters and sort), shown as a link on the search page."""

    __tablename__ = "ticket_saved_views"
    __table_args__ = (UniqueConstraint("user_id", "name", name="uq_ticket_saved_views_user_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    params: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=now)
