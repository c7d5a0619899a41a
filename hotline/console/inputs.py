"""What the console's JSON endpoints accept; each model parses the body and is the OpenAPI document's schema."""

from __future__ import annotations

from pydantic import Field

from hotline.console.services import CTI_EVENTS
from hotline.core.api_schemas import ApiModel, optional_text, raw_required_text, required_choice, required_text

FILL_MAX_CHARS = 20000


class Draft(ApiModel):
    """``POST /console/suggest``: the agent's draft so far."""

    text: optional_text(20000) = Field(default=None, description="诉求内容（空时不给建议）")
    address: optional_text(300) = None


class Transcript(ApiModel):
    """``POST /console/fill``: a call transcript or the agent's notes, kept exactly as sent."""

    text: raw_required_text(FILL_MAX_CHARS) = Field(description="来电记录原文（返回的片段位置即其下标）")


class CtiEvent(ApiModel):
    """``POST /cti``: a call event in the shape of Zammad's generic CTI push."""

    event: required_choice(CTI_EVENTS)
    from_: optional_text(40) = Field(default=None, alias="from", description="来电号码（newCall 必填）")
    to: optional_text(40) = None
    callId: required_text(120) = Field(description="通话编号")
    agent: optional_text(80) = Field(default=None, description="话务员用户名")
    digit: optional_text(4) = Field(default=None, description="IVR 按键")
    queue: optional_text(40) = Field(default=None, description="交换机队列")


class AgentSkills(ApiModel):
    """``PUT /console/agents/<username>/skills``."""

    skills: list[str] = Field(max_length=20, description="技能名称，如 business_env（营商环境专席）")
