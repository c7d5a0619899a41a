"""Assessment schemes (one row per version) and the stored results of closed months."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.auth.models import User
from hotline.core.db_types import UTCDateTime
from hotline.core.extensions import db
from hotline.units.models import Unit


class AssessmentScheme(db.Model):
    """One version of a scheme: rows are never edited; an edit writes the next version (the audit trail)."""

    __tablename__ = "assessment_schemes"
    __table_args__ = (UniqueConstraint("code", "version", name="uq_assessment_schemes_code_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), index=True)
    version: Mapped[int] = mapped_column()
    name: Mapped[str] = mapped_column(String(120))
    # The first month (YYYY-MM) this version applies to; earlier months keep the version before it.
    effective_from: Mapped[str] = mapped_column(String(7))
    definition: Mapped[dict] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    created_by: Mapped[User | None] = relationship()


class AssessmentResult(db.Model):
    """A unit's score for a closed month under the scheme version that made it (never recomputed)."""

    __tablename__ = "assessment_results"
    __table_args__ = (
        UniqueConstraint("month", "scheme_code", "unit_id", name="uq_assessment_results_month_scheme_unit"),
        Index("ix_assessment_results_scheme_month", "scheme_code", "month"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7))
    scheme_code: Mapped[str] = mapped_column(String(40))
    scheme_id: Mapped[int] = mapped_column(ForeignKey("assessment_schemes.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    score: Mapped[float] = mapped_column(Float)
    rank: Mapped[int | None] = mapped_column()
    rank_reason: Mapped[str | None] = mapped_column(String(200))
    items: Mapped[list] = mapped_column(JSON)
    closed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    scheme: Mapped[AssessmentScheme] = relationship()
    unit: Mapped[Unit] = relationship()
