"""What the ladder's API accepts and answers; each model parses its input (or names its answer) and is the
OpenAPI document's schema. Rules across rows (unique codes, a 督办 level needs the supervise action) stay with
the ladder (``replace_ladder``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from hotline.core.api_schemas import (
    ApiModel,
    QueryModel,
    ResponseModel,
    choice,
    optional_text,
    required_choice,
    required_text,
)
from hotline.core.clock import UNITS
from hotline.escalation.rules import ACTIONS, LEVELS, STAGES, TARGETS
from hotline.tickets.inputs import PresetQuery

__all__ = ["PresetQuery"]  # the same ?preset= as the time-limit table


class EscalationsQuery(QueryModel):
    """``GET /escalations``."""

    level: choice(tuple(LEVELS)) = Field(default=None, description="级别：urged、supervised、escalated")


class LadderStep(ApiModel):
    """One step of the ladder: after how long past a stage's limit, which action at which level, to whom."""

    code: required_text(40) = Field(description="规则编码（在梯度内唯一）")
    stage: required_choice(STAGES) = Field(description="环节：accept 签收、reply 答复")
    after_amount: Annotated[float, Field(ge=0, le=10000, description="超时多久后")]
    after_unit: required_choice(UNITS) = Field(description="时长单位")
    action: required_choice(ACTIONS)
    level: required_choice(tuple(LEVELS))
    target: required_choice(tuple(TARGETS)) = Field(description="通知对象")
    name: optional_text(60) = Field(default=None, description="名称，默认按级别")


class Ladder(ApiModel):
    """``PUT /escalation-rules``: the preset's whole ladder, in order (admins; audited)."""

    rules: Annotated[list[LadderStep], Field(min_length=1, max_length=50)]

    def raw(self) -> list[dict[str, Any]]:
        return [step.model_dump() for step in self.rules]


class LadderStepOut(ResponseModel):
    code: str
    position: int
    stage: str
    after_amount: float
    after_unit: str
    action: str
    level: str
    target: str
    name: str


class LadderAnswer(ResponseModel):
    preset: str
    rules: list[LadderStepOut]


class LadderChange(ResponseModel):
    at: str
    actor_id: int | None
    before: list[dict[str, Any]] | None
    after: list[dict[str, Any]] | None


class LadderView(LadderAnswer):
    """``GET /escalation-rules``: the ladder and its last 20 changes."""

    changes: list[LadderChange]


class EscalationRow(ResponseModel):
    """One ladder step taken on a ticket."""

    number: str = Field(pattern=r"^[0-9]{14}$")
    rule: str
    stage: str
    level: Literal[tuple(LEVELS)]  # type: ignore[valid-type]
    target: str
    due_at: str
    at: str


class EscalationList(ResponseModel):
    rows: list[EscalationRow]
    open: dict[str, int] = Field(description="各级别的在办工单数")
