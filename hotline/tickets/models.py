"""Tickets, their audit trail, daily numbering, callbacks, reminders and linkage records."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from sqlalchemy import JSON, CheckConstraint, Column, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.auth.models import User
from hotline.core.db_types import UTCDateTime
from hotline.core.extensions import db
from hotline.tickets.states import State
from hotline.units.models import Unit

CHANNELS = ("phone", "web", "app", "wechat", "mailbox", "message_board", "transfer_110", "api", "upper")
CHANNEL_NAMES = {
    "phone": "电话",
    "web": "网站",
    "app": "APP",
    "wechat": "微信",
    "mailbox": "市长信箱",
    "message_board": "留言板",
    "transfer_110": "110转办",
    "api": "接口",
    "upper": "上级交办",
}
KINDS = ("consult", "help", "complaint", "report", "suggestion", "praise")
KIND_NAMES = {
    "consult": "咨询",
    "help": "求助",
    "complaint": "投诉",
    "report": "举报",
    "suggestion": "建议",
    "praise": "表扬",
}
URGENCIES = ("urgent", "normal")
URGENCY_NAMES = {"urgent": "紧急", "normal": "一般"}
SATISFACTION_LEVELS = ("very_satisfied", "satisfied", "basically_satisfied", "unsatisfied", "very_unsatisfied")
SATISFIED_LEVELS = frozenset(SATISFACTION_LEVELS[:3])
SATISFACTION_NAMES = {
    "very_satisfied": "非常满意",
    "satisfied": "满意",
    "basically_satisfied": "基本满意",
    "unsatisfied": "不满意",
    "very_unsatisfied": "非常不满意",
}
# Who recorded a callback (回访): an agent on the phone, the citizen through the portal's 评价 form, or the
# citizen through the link sent after the approved reply (智能回访). All count alike in 三率.
CALLBACK_SOURCES = ("agent", "portal", "citizen_link")
CALLBACK_SOURCE_NAMES = {"agent": "话务员回访", "portal": "门户自助评价", "citizen_link": "短信链接回访"}
WARNINGS = ("none", "yellow", "red")
STAGES = ("dispatch", "accept", "reply", "callback")
STAGE_NAMES = {"dispatch": "派单", "accept": "签收", "reply": "答复", "callback": "回访"}

_STATE_VALUES = tuple(s.value for s in State)

ticket_co_units = Table(
    "ticket_co_units",
    db.metadata,
    Column("ticket_id", ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True),
    Column("unit_id", ForeignKey("units.id"), primary_key=True),
)


class Ticket(db.Model):
    __tablename__ = "tickets"
    __table_args__ = (
        UniqueConstraint("channel", "external_id", name="uq_tickets_channel_external_id"),
        CheckConstraint(f"state IN {_STATE_VALUES!r}", name="state"),
        CheckConstraint(f"channel IN {CHANNELS!r}", name="channel"),
        CheckConstraint(f"kind IN {KINDS!r}", name="kind"),
        CheckConstraint(f"urgency IN {URGENCIES!r}", name="urgency"),
        CheckConstraint(f"warning IN {WARNINGS!r}", name="warning"),
        CheckConstraint("rework_count >= 0 AND extension_count >= 0 AND extension_count <= 3", name="counts"),
        CheckConstraint("state != 'merged' OR merged_into_id IS NOT NULL", name="merged_has_master"),
        Index("ix_tickets_state_unit", "state", "handling_unit_id"),
        Index("ix_tickets_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(14), unique=True)
    channel: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str | None] = mapped_column(String(120))
    caller_name: Mapped[str | None] = mapped_column(String(80))
    caller_phone: Mapped[str | None] = mapped_column(String(30), index=True)
    title: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)
    # The sentences that carry the request (classifier.summary, ≤ 80 characters), set at intake; lists show it.
    summary: Mapped[str | None] = mapped_column(String(80))
    address: Mapped[str | None] = mapped_column(String(300))
    category: Mapped[str | None] = mapped_column(String(40), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="consult")
    urgency: Mapped[str] = mapped_column(String(10), default="normal")
    is_enterprise: Mapped[bool] = mapped_column(default=False)
    is_business_env: Mapped[bool] = mapped_column(default=False)
    is_direct: Mapped[bool] = mapped_column(default=False)
    state: Mapped[str] = mapped_column(String(20), default=State.REGISTERED.value, index=True)

    area_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    lead_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    # The unit (or grid) holding the ticket now: the lead unit, or a child after 下派.
    handling_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    dispatched_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    accepted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    replied_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    reply_approved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    # Deadlines of each stage (SPEC §4), set when the stage starts.
    dispatch_due: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    accept_due: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    return_due: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    reply_due: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    callback_due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # When each stage's clock started, and whether it runs on working time ({"reply": true, …}).
    dispatch_started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    reply_started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    deadline_clocks: Mapped[dict] = mapped_column(JSON, default=dict)
    suspended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    warning: Mapped[str] = mapped_column(String(10), default="none", index=True)

    extension_count: Mapped[int] = mapped_column(default=0)
    pending_extension_days: Mapped[int | None] = mapped_column()
    pending_suspend_reason: Mapped[str | None] = mapped_column(String(500))
    rework_count: Mapped[int] = mapped_column(default=0)
    return_count: Mapped[int] = mapped_column(default=0)
    urge_count: Mapped[int] = mapped_column(default=0)
    supervised: Mapped[bool] = mapped_column(default=False)
    # The escalation ladder's latest step on this ticket (urged, supervised, escalated); see hotline.escalation.
    escalation_level: Mapped[str | None] = mapped_column(String(20))
    callback_attempts: Mapped[int] = mapped_column(default=0)
    accepted_on_time: Mapped[bool | None] = mapped_column()
    replied_on_time: Mapped[bool | None] = mapped_column()
    is_final_reply: Mapped[bool] = mapped_column(default=False)
    dispute_upheld: Mapped[bool] = mapped_column(default=False)
    contacted: Mapped[bool | None] = mapped_column()
    resolved: Mapped[bool | None] = mapped_column()
    satisfaction: Mapped[str | None] = mapped_column(String(30))
    result: Mapped[str | None] = mapped_column(Text)
    public_answer: Mapped[str | None] = mapped_column(Text)
    transfer_target: Mapped[str | None] = mapped_column(String(40))
    # 上级交办: the upper platform (exchange_platforms.code) that assigned the ticket, and its deadline.
    upper_platform: Mapped[str | None] = mapped_column(String(40), index=True)
    upper_due: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # What the classifier and dispatch proposed at intake, with the model version and rule used.
    suggestion: Mapped[dict | None] = mapped_column(JSON)

    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__: ClassVar[dict] = {"version_id_col": version}

    lead_unit: Mapped[Unit | None] = relationship(foreign_keys=[lead_unit_id])
    handling_unit: Mapped[Unit | None] = relationship(foreign_keys=[handling_unit_id])
    area_unit: Mapped[Unit | None] = relationship(foreign_keys=[area_unit_id])
    co_units: Mapped[list[Unit]] = relationship(secondary=ticket_co_units)
    merged_into: Mapped[Ticket | None] = relationship(remote_side=[id])
    registered_by: Mapped[User | None] = relationship()

    @property
    def state_enum(self) -> State:
        return State(self.state)


class TicketEvent(db.Model):
    """One line of the append-only audit trail."""

    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(30))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_role: Mapped[str | None] = mapped_column(String(20))
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)

    actor: Mapped[User | None] = relationship()


class TicketSequence(db.Model):
    """The last number handed out per day; incremented atomically in SQL."""

    __tablename__ = "ticket_sequences"

    day: Mapped[str] = mapped_column(String(8), primary_key=True)
    last: Mapped[int] = mapped_column()


class TicketCallback(db.Model):
    """One callback attempt (回访) and its answers."""

    __tablename__ = "ticket_callbacks"
    __table_args__ = (CheckConstraint(f"source IN {CALLBACK_SOURCES!r}", name="source"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    attempt: Mapped[int] = mapped_column()
    unreachable: Mapped[bool] = mapped_column(default=False)
    contacted: Mapped[bool] = mapped_column(default=False)
    resolved: Mapped[bool | None] = mapped_column()
    satisfaction: Mapped[str | None] = mapped_column(String(30))
    # CALLBACK_SOURCES; ``agent_id`` is NULL when the citizen answered themselves.
    source: Mapped[str] = mapped_column(String(20), default="agent", server_default="agent")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)


class TicketReminder(db.Model):
    """A 临期提醒 or overdue notice for the unit holding a ticket."""

    __tablename__ = "ticket_reminders"
    __table_args__ = (UniqueConstraint("ticket_id", "stage", "level", "due_at", name="uq_ticket_reminders_once"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    stage: Mapped[str] = mapped_column(String(20))
    level: Mapped[str] = mapped_column(String(10))
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class TicketLinkage(db.Model):
    """A transfer to 110/119/120 or another hotline, with what was handed over."""

    __tablename__ = "ticket_linkages"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    target: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class TimeLimit(db.Model):
    """One row of the time-limit table (SPEC §4): the most specific matching row wins."""

    __tablename__ = "time_limits"

    id: Mapped[int] = mapped_column(primary_key=True)
    preset: Mapped[str] = mapped_column(String(30), index=True)
    stage: Mapped[str] = mapped_column(String(20))  # dispatch, accept, reply, callback, return_window, extension
    kind: Mapped[str | None] = mapped_column(String(20))
    urgency: Mapped[str | None] = mapped_column(String(10))
    category_prefix: Mapped[str | None] = mapped_column(String(40))
    area_code: Mapped[str | None] = mapped_column(String(40))
    # True: the row applies to 涉企 tickets only.
    enterprise: Mapped[bool | None] = mapped_column()
    amount: Mapped[float] = mapped_column()
    unit: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(String(200))


class Notification(db.Model):
    """告知: a message to the citizen waiting in the outbox until a sender delivers it."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))  # registered, answered, closed, merged, callback_link
    channel: Mapped[str] = mapped_column(String(20))  # sms, portal, message_board
    recipient: Mapped[str | None] = mapped_column(String(60))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
