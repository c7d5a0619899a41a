"""Dispatch tables: the responsibility list and its audit, decisions, grid assignments, a change counter."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.auth.models import User
from hotline.core.db_types import UTCDateTime
from hotline.core.extensions import db


class DispatchRule(db.Model):
    """One row of the responsibility list (确责清单); ``id`` is the list's own number (ZT-01)."""

    __tablename__ = "dispatch_rules"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    priority: Mapped[int] = mapped_column()
    category: Mapped[str] = mapped_column(String(40), default="")
    area: Mapped[str] = mapped_column(String(40), default="")
    kind: Mapped[str] = mapped_column(String(20), default="")
    keywords: Mapped[list] = mapped_column(JSON, default=list)
    lead_unit: Mapped[str] = mapped_column(String(40))
    co_units: Mapped[list] = mapped_column(JSON, default=list)
    direct: Mapped[bool] = mapped_column(default=False)
    grid_first: Mapped[bool] = mapped_column(default=False)
    legal_basis: Mapped[str] = mapped_column(Text, default="")
    enabled: Mapped[bool] = mapped_column(default=True)
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    updated_by: Mapped[User | None] = relationship()


class DispatchRuleChange(db.Model):
    """Audit of one change to the list: who, when, what (before/after as JSON)."""

    __tablename__ = "dispatch_rule_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[str] = mapped_column(String(40), index=True)
    action: Mapped[str] = mapped_column(String(20))  # create, update, disable, enable, import
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)

    actor: Mapped[User | None] = relationship()


class DispatchCounter(db.Model):
    """Named counters; ``rules`` goes up on every list change so every process rebuilds its RuleBook."""

    __tablename__ = "dispatch_counters"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(default=0)
    # A fresh random stamp with every bump: a cache keyed on it cannot mistake a rebuilt table for its own.
    stamp: Mapped[str] = mapped_column(String(32), default="")


class DispatchDecision(db.Model):
    """What dispatch proposed (or did) for a ticket, with the rule and model version behind it."""

    __tablename__ = "dispatch_decisions"
    __table_args__ = (Index("ix_dispatch_decisions_ticket_created", "ticket_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    rule_id: Mapped[str | None] = mapped_column(String(40), index=True)
    model_version: Mapped[str | None] = mapped_column(String(80))
    proposal: Mapped[dict] = mapped_column(JSON)
    auto: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class DispatchAssignment(db.Model):
    """A ticket sent to a grid, given to one grid worker (12345+网格)."""

    __tablename__ = "dispatch_assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    assigned_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()


class SimilarBand(db.Model):
    """One MinHash band of an open ticket's text: the 并单 index (``dispatch.similar_index``)."""

    __tablename__ = "similar_bands"
    __table_args__ = (Index("ix_similar_bands_ticket", "ticket_id"),)

    band: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True)
