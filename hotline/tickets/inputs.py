"""What the ticket API accepts (SPEC §5): the action body and the list's query; each model parses and documents."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, RootModel

from hotline.core.api_schemas import (
    ApiModel,
    QueryModel,
    ResponseModel,
    choice,
    optional_text,
    required_choice,
    text_list,
    whole,
)
from hotline.core.clock import UNITS
from hotline.core.validation import MAX_PAGE
from hotline.tickets.lifecycle import ActionParams
from hotline.tickets.limits import LIMIT_STAGES, PRESETS
from hotline.tickets.models import KINDS, URGENCIES, WARNINGS


class ActionBody(ApiModel):
    """What any action may carry (SPEC §5); each action reads what it needs and refuses what it lacks."""

    note: optional_text(5000) = Field(default=None, description="说明")
    unit: optional_text(40) = Field(default=None, description="承办单位编码（dispatch、forward）")
    co_units: text_list(20, 40) = Field(default_factory=list, description="协办单位编码")
    grid: optional_text(40) = Field(default=None, description="网格编码")
    reason: optional_text(2000) = None
    basis: optional_text(2000) = Field(default=None, description="退单依据")
    result: optional_text(10000) = Field(default=None, description="办理结果（reply）")
    public_answer: optional_text(10000) = Field(default=None, description="公开答复（reply）")
    days: whole(1, 30) = Field(default=None, description="延期天数（request_extension）")
    contacted: bool | None = Field(default=None, description="回访：是否联系上")
    resolved: bool | None = Field(default=None, description="回访：是否解决")
    satisfaction: optional_text(30) = Field(default=None, description="回访满意度（五级）")
    unreachable: bool | None = Field(default=None, description="回访：第三次仍联系不上")
    into: optional_text(14) = Field(default=None, description="合并到的主工单编号（merge）")
    target: optional_text(40) = Field(default=None, description="转办去向（transfer）")
    category: optional_text(80) = None

    def params(self) -> ActionParams:
        """The lifecycle's parameters."""
        return ActionParams(**self.model_dump())


class TicketListQuery(QueryModel):
    """``GET /api/v1/tickets``: what to list; ``after`` pages by key, ``page`` by offset."""

    state: optional_text(400) = Field(default=None, description="状态，可用逗号分隔多个")
    unit: optional_text(40) = Field(default=None, description="单位编码（含下级）")
    warning: choice(WARNINGS) = Field(default=None, description="预警")
    q: optional_text(100) = Field(default=None, description="编号或内容关键词")
    page: whole(1, MAX_PAGE) = None
    after: optional_text(80) = Field(default=None, description="上一页返回的 next")


class TimeLimitRow(ApiModel):
    """``POST /api/v1/time-limits``: one row of the time-limit table (admin)."""

    preset: required_choice(tuple(PRESETS)) = Field(description="预设：default、beijing、guangdong…")
    stage: required_choice(LIMIT_STAGES) = Field(description="环节")
    unit: required_choice(UNITS) = Field(description="时长单位")
    amount: Annotated[float, Field(gt=0, le=10000, description="时长")]
    kind: choice(KINDS) = None
    urgency: choice(URGENCIES) = None
    category_prefix: optional_text(40) = Field(default=None, description="分类编码前缀")
    area_code: optional_text(40) = Field(default=None, description="区域单位编码")
    note: optional_text(200) = None
    enterprise: bool | None = Field(default=None, description="只适用于涉企诉求")


class PresetQuery(QueryModel):
    """``?preset=``: which city's table (default: the configured one)."""

    preset: choice(tuple(PRESETS)) = Field(default=None, description="预设，默认按配置")


class RemindersQuery(QueryModel):
    """``GET /reminders``."""

    unread: bool | None = Field(default=None, description="只看未读的")
    open: bool | None = Field(default=None, description="只看仍在办理的工单的")


class ReminderOut(ResponseModel):
    """A 临期提醒 or overdue notice of one ticket."""

    id: int
    number: str = Field(pattern=r"^[0-9]{14}$")
    state: str
    open: bool = Field(description="工单是否仍在办理")
    stage: str
    level: str
    due_at: str
    created_at: str
    read_at: str | None


class ReminderList(RootModel[list[ReminderOut]]):
    """``GET /reminders``: newest first."""


class TimeLimitOut(ResponseModel):
    """A row of the time-limit table (``id`` null for the preset's built-in rows)."""

    id: int | None
    stage: str
    amount: float
    unit: str
    kind: str | None
    urgency: str | None
    category_prefix: str | None
    area_code: str | None
    note: str | None
    enterprise: bool | None


class TimeLimitTable(ResponseModel):
    preset: str
    presets: list[str]
    stages: dict[str, list[TimeLimitOut]]
