"""万件清理 campaigns with their ledger rows, and stored report snapshots."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Date, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.auth.models import User
from hotline.core.db_types import UTCDateTime
from hotline.core.extensions import db
from hotline.tickets.models import Ticket
from hotline.units.models import Unit


class Campaign(db.Model):
    """A 万件清理 campaign: the backlog of ``scope_unit``'s subtree snapshotted at ``snapshot_at``."""

    __tablename__ = "report_campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    start_date: Mapped[dt.date] = mapped_column(Date)
    scope_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    snapshot_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    backlog_at_start: Mapped[int] = mapped_column(default=0)

    scope_unit: Mapped[Unit | None] = relationship()
    created_by: Mapped[User | None] = relationship()


class LedgerRow(db.Model):
    """One ticket on a campaign's ledger (台账), followed until a supervisor strikes it off (销号)."""

    __tablename__ = "report_ledger_rows"
    __table_args__ = (
        UniqueConstraint("campaign_id", "ticket_id", name="uq_report_ledger_rows_ticket"),
        Index("ix_report_ledger_rows_campaign_unit", "campaign_id", "unit_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("report_campaigns.id", ondelete="CASCADE"))
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    # The unit holding the ticket and its category when the snapshot was taken.
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    category: Mapped[str | None] = mapped_column(String(40))
    state_at_start: Mapped[str] = mapped_column(String(20))
    age_days_at_start: Mapped[int] = mapped_column()
    age_bucket: Mapped[str] = mapped_column(String(10))
    reasons: Mapped[list] = mapped_column(JSON, default=list)
    struck_off_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    struck_off_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    strike_note: Mapped[str | None] = mapped_column(Text)

    ticket: Mapped[Ticket] = relationship()
    unit: Mapped[Unit | None] = relationship()
    struck_off_by: Mapped[User | None] = relationship()


class ReportSnapshot(db.Model):
    """A generated summary (daily or weekly): its JSON and the workbook, for download."""

    __tablename__ = "report_snapshots"
    __table_args__ = (Index("ix_report_snapshots_period_start", "period", "period_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(10))  # daily, weekly
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)  # inclusive
    generated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    summary: Mapped[dict] = mapped_column(JSON)
    xlsx: Mapped[bytes] = mapped_column(LargeBinary)
