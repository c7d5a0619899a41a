"""Knowledge-base tables: articles, their versions, attachment metadata, feedback and synonyms."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.core.clock import now
from hotline.core.db_types import UTCDateTime
from hotline.core.extensions import db
from hotline.units.models import Unit
from knowledge.sanitize import answer_text
from knowledge.states import ArticleStatus

_STATUS_VALUES = tuple(s.value for s in ArticleStatus)


class Article(db.Model):
    __tablename__ = "kb_articles"
    __table_args__ = (
        CheckConstraint(f"status IN {_STATUS_VALUES!r}", name="status"),
        CheckConstraint(
            "valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from",
            name="validity",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)  # sanitised HTML
    category: Mapped[str] = mapped_column(String(80), default="", index=True)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    source: Mapped[str] = mapped_column(Text, default="")  # 依据
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(16), default=ArticleStatus.DRAFT.value, index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    helpful_count: Mapped[int] = mapped_column(Integer, default=0)
    unhelpful_count: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=now)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=now)

    unit: Mapped[Unit | None] = relationship()

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "body": self.body,
            "text": answer_text(self.body),
            "category": self.category,
            "tags": list(self.tags or []),
            "source": self.source,
            "unit": self.unit.brief() if self.unit else None,
            "valid_from": self.valid_from.isoformat() if self.valid_from else None,
            "valid_to": self.valid_to.isoformat() if self.valid_to else None,
            "status": self.status,
            "version": self.version,
            "helpful": self.helpful_count,
            "unhelpful": self.unhelpful_count,
            "reviewed_at": self.reviewed_at.isoformat() if self.reviewed_at else None,
            "updated_at": self.updated_at.isoformat() if self.updated_at else None,
        }


class ArticleVersion(db.Model):
    """A snapshot of an article's content after each save."""

    __tablename__ = "kb_article_versions"
    __table_args__ = (UniqueConstraint("article_id", "version", name="uq_kb_article_versions_article_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_articles.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(80), default="")
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    source: Mapped[str] = mapped_column(Text, default="")
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    edited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=now)


class Attachment(db.Model):
    """Metadata of a file attached to an article; the bytes live elsewhere."""

    __tablename__ = "kb_attachments"
    __table_args__ = (CheckConstraint("size >= 0", name="size"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_articles.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(120))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=now)


class Feedback(db.Model):
    """One agent's verdict on whether an article answered a query."""

    __tablename__ = "kb_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_articles.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    helpful: Mapped[bool] = mapped_column(Boolean)
    query: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=now)


class Synonym(db.Model):
    """An editable synonym group: ``term`` and the words searched with it (comma-separated)."""

    __tablename__ = "kb_synonyms"

    id: Mapped[int] = mapped_column(primary_key=True)
    term: Mapped[str] = mapped_column(String(40), unique=True)
    synonyms: Mapped[str] = mapped_column(Text)


class SearchTerm(db.Model):
    """How many indexed articles contain a word; kept by the index writer, read to pick suggestion terms."""

    __tablename__ = "kb_search_terms"

    term: Mapped[str] = mapped_column(String(100), primary_key=True)
    df: Mapped[int] = mapped_column(Integer, default=0)
