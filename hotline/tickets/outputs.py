"""What the ticket API answers (SPEC §5), for the OpenAPI document; the suite's schemathesis run checks every
answer against these."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import Field

from hotline.core.api_schemas import ResponseModel
from hotline.tickets.models import CHANNELS, KINDS, URGENCIES, WARNINGS
from hotline.tickets.states import State


class UnitBrief(ResponseModel):
    code: str
    name: str


class Deadlines(ResponseModel):
    dispatch: dt.datetime | None
    accept: dt.datetime | None
    return_window: dt.datetime | None
    reply: dt.datetime | None
    callback: dt.datetime | None


class TicketOut(ResponseModel):
    """A ticket as the caller may see it (caller data masked by role)."""

    number: str = Field(pattern=r"^[0-9]{14}$")
    state: Literal[tuple(s.value for s in State)]  # type: ignore[valid-type]
    state_name: str
    channel: Literal[tuple(CHANNELS)]  # type: ignore[valid-type]
    title: str | None
    content: str | None
    address: str | None
    category: str | None
    kind: Literal[tuple(KINDS)] | None  # type: ignore[valid-type]
    urgency: Literal[tuple(URGENCIES)] | None  # type: ignore[valid-type]
    lead_unit: UnitBrief | None
    handling_unit: UnitBrief | None
    co_units: list[UnitBrief]
    created_at: dt.datetime
    updated_at: dt.datetime | None
    deadlines: Deadlines
    warning: Literal[tuple(WARNINGS)]  # type: ignore[valid-type]
    rework_count: int = Field(ge=0)
    extension_count: int = Field(ge=0)
    actions: list[dict[str, str]] = Field(description="当前角色此刻可执行的操作")


class TicketAnswer(ResponseModel):
    ticket: TicketOut


class NewTicketAnswer(ResponseModel):
    ticket: TicketOut
    suggestions: dict[str, Any] = Field(description="分类、派单建议、相似工单与知识")


class TicketPage(ResponseModel):
    tickets: list[TicketOut]
    page: int | None = Field(description="按页码翻页时的页码；按 after 翻页时为 null")
    has_more: bool
    next: str | None = Field(description="下一页的 after；没有下一页时为 null")


class EventOut(ResponseModel):
    """One entry of the append-only trail."""

    action: str
    action_name: str
    actor: str = Field(description="用户名；系统动作为 system")
    at: dt.datetime


class TicketEvents(ResponseModel):
    number: str
    events: list[EventOut]
