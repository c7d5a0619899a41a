"""Enterprises and the link of a 涉企 ticket to one (the enterprise ledger's row, with its 销号)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.auth.models import User
from hotline.core.db_types import UTCDateTime
from hotline.core.extensions import db
from hotline.tickets.models import Ticket


class Enterprise(db.Model):
    """An enterprise, known by its 统一社会信用代码 (18 characters, check digit verified)."""

    __tablename__ = "enterprises"

    id: Mapped[int] = mapped_column(primary_key=True)
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class TicketEnterprise(db.Model):
    """A 涉企 ticket's enterprise and contact; a supervisor strikes the row off (销号) once it is settled."""

    __tablename__ = "ticket_enterprises"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), unique=True)
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"), index=True)
    contact_name: Mapped[str | None] = mapped_column(String(80))
    contact_phone: Mapped[str | None] = mapped_column(String(30))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    struck_off_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    struck_off_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    strike_note: Mapped[str | None] = mapped_column(Text)

    ticket: Mapped[Ticket] = relationship()
    enterprise: Mapped[Enterprise | None] = relationship()
    struck_off_by: Mapped[User | None] = relationship()
