"""What ``POST /api/v1/tickets`` accepts (SPEC §5): one model, which parses the body and is the document's schema."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from hotline.core.api_schemas import ApiModel, choice, optional_text, required_choice, required_text
from hotline.tickets.models import CHANNELS, KINDS, URGENCIES


class NewTicket(ApiModel):
    """A citizen's 诉求 as the agent takes it in; idempotent on ``(channel, external_id)``."""

    channel: required_choice(CHANNELS) = Field(description="受理渠道")
    content: required_text(20000) = Field(description="诉求内容")
    title: optional_text(200) = None
    caller_name: optional_text(80) = None
    caller_phone: optional_text(30) = None
    address: optional_text(300) = None
    kind: choice(KINDS) = Field(default=None, description="诉求类型（缺省时由分类器给出）")
    urgency: choice(URGENCIES) = None
    category: optional_text(80) = Field(default=None, description="分类编码或名称")
    external_id: optional_text(120) = Field(default=None, description="来源系统的编号：同一渠道同一编号只受理一次")
    area: optional_text(40) = Field(default=None, description="所属区域的单位编码")
    enterprise: bool | None = Field(default=None, description="涉企")
    business_env: bool | None = Field(default=None, description="营商环境")
    enterprise_info: dict[str, Any] | None = Field(
        default=None, description="涉企诉求的企业：{name, credit_code, contact_name?, contact_phone?}"
    )
