"""What the search API accepts; each model parses the query or body and is the OpenAPI document's schema."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from hotline.core.api_schemas import ApiModel, IsoDate, QueryModel, choice, optional_text, required_text, whole
from hotline.search.services import QUEUES, SORTS
from hotline.tickets.models import CHANNEL_NAMES, KINDS, WARNINGS


class SearchQuery(QueryModel):
    """``GET /api/v1/search``: words and filters; ``cursor`` is the ``next`` of the previous page."""

    q: optional_text(200) = Field(default=None, description="关键词（分词检索）")
    state: optional_text(400) = Field(default=None, description="状态，可用逗号分隔多个")
    open: bool | None = Field(default=None, description="只看未办结")
    unit: optional_text(40) = Field(default=None, description="单位编码（含下级）")
    category: optional_text(80) = None
    warning: choice(WARNINGS) = None
    channel: choice(tuple(CHANNEL_NAMES)) = None
    kind: choice(KINDS) = None
    date_from: IsoDate = Field(default=None, alias="from", description="受理日期起（YYYY-MM-DD）")
    date_to: IsoDate = Field(default=None, alias="to", description="受理日期止（YYYY-MM-DD）")
    sort: choice(tuple(SORTS)) = None
    queue: choice(QUEUES) = Field(
        default=None, description="callback：话务员回访队列（不含等待市民短信链接评价的工单）"
    )
    limit: whole(1, 200) = Field(default=None, description="每页条数（默认 50）")
    cursor: optional_text(200) = None

    def mapping(self) -> dict[str, str]:
        """The parameters as the shared search reads them (the page passes its query string the same way)."""
        values = self.model_dump(exclude_none=True)
        return {k: ("1" if v is True else "" if v is False else str(v)) for k, v in values.items()}


class SavedView(ApiModel):
    """``POST /api/v1/search/views``: a name and the search's parameters."""

    name: required_text(60) = Field(description="名称")
    params: dict[str, Any] = Field(default_factory=dict, description="检索参数，同 GET /search")
