"""Ladder rules (admin overrides of the built-in ladder) and the steps taken, one row per ticket × step × deadline."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Float, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.core.db_types import UTCDateTime
from hotline.core.extensions import db
from hotline.tickets.models import Ticket


class EscalationRule(db.Model):
    """One step of a preset's ladder; when a preset has rows here they replace its built-in ladder."""

    __tablename__ = "escalation_rules"
    __table_args__ = (UniqueConstraint("preset", "code", name="uq_escalation_rules_preset_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    preset: Mapped[str] = mapped_column(String(30), index=True)
    code: Mapped[str] = mapped_column(String(40))
    position: Mapped[int] = mapped_column()
    stage: Mapped[str] = mapped_column(String(20))  # accept, reply
    after_amount: Mapped[float] = mapped_column(Float)
    after_unit: Mapped[str] = mapped_column(String(20))  # a clock unit: minutes, hours, working_hours, working_days
    action: Mapped[str] = mapped_column(String(20))  # urge, supervise
    level: Mapped[str] = mapped_column(String(20))  # urged, supervised, escalated
    target: Mapped[str] = mapped_column(String(30))  # unit, unit_leader, parent_and_supervisor
    name: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class TicketEscalation(db.Model):
    """A ladder step taken on a ticket: once per (ticket, step, deadline) — the unique key makes it so."""

    __tablename__ = "ticket_escalations"
    __table_args__ = (
        UniqueConstraint("ticket_id", "rule_code", "due_at", name="uq_ticket_escalations_once"),
        Index("ix_ticket_escalations_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    rule_code: Mapped[str] = mapped_column(String(40))
    stage: Mapped[str] = mapped_column(String(20))
    level: Mapped[str] = mapped_column(String(20))
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    # The unit the ticket was held by and its lead unit (whom 考评 counts it against) when the step was taken.
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    lead_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    # Who is told: the unit, its leader, or the parent unit and the centre's supervisors.
    notified_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    target: Mapped[str] = mapped_column(String(30))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("ticket_events.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    ticket: Mapped[Ticket] = relationship()


class EscalationRuleChange(db.Model):
    """Audit of the ladder: who replaced a preset's rules, when, from what to what."""

    __tablename__ = "escalation_rule_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    preset: Mapped[str] = mapped_column(String(30))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    before: Mapped[list] = mapped_column(JSON)
    after: Mapped[list] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
