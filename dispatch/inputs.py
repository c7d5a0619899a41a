"""What the dispatch API accepts and answers; each model parses its input (or names its answer) and is the OpenAPI
document's schema."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import Field

from hotline.core.api_schemas import (
    ApiModel,
    FormModel,
    IsoDate,
    QueryModel,
    ResponseModel,
    UploadedFile,
    choice,
    optional_text,
    required_text,
    text_list,
    whole,
)
from hotline.tickets.models import KINDS, URGENCIES
from hotline.tickets.outputs import UnitBrief


class Proposal(ApiModel):
    """``POST /dispatch/propose``: at least one of text, category, address."""

    text: optional_text(20000) = Field(default=None, description="诉求内容")
    category: optional_text(40) = Field(default=None, description="分类编码")
    address: optional_text(300) = None
    kind: choice(KINDS) = None


class PatrolReport(ApiModel):
    """``POST /dispatch/patrol``: what a grid worker found on patrol, registered in their own grid."""

    content: required_text(20000) = Field(description="巡查发现的问题")
    title: optional_text(200) = None
    address: optional_text(300) = None
    kind: choice(KINDS) = Field(default=None, description="诉求类型，默认 report")


class From110(ApiModel):
    """``POST /dispatch/from-110``: a non-police matter 110 pushes over (idempotent by ``incident_number``)."""

    incident_number: required_text(120) = Field(description="110 警情编号")
    content: required_text(20000)
    title: optional_text(200) = None
    address: optional_text(300) = None
    caller_name: optional_text(80) = None
    caller_phone: optional_text(30) = None
    kind: choice(KINDS) = Field(default=None, description="诉求类型，默认 help")
    urgency: choice(URGENCIES) = Field(default=None, description="紧急程度，默认 normal")


class _RuleFields(ApiModel):
    """The editable fields of a row of the responsibility list; what they must refer to the list checks."""

    category: optional_text(40) = Field(default=None, description="分类编码或名称")
    area: optional_text(40) = Field(default=None, description="区域单位编码")
    kind: choice(KINDS) = None
    keywords: text_list(200) | None = Field(default=None, description="关键词")
    co_units: text_list(200, 40) | None = Field(default=None, description="协办单位编码")
    direct: bool | None = Field(default=None, description="直通车")
    grid_first: bool | None = Field(default=None, description="网格优先")
    legal_basis: optional_text(5000) = Field(default=None, description="法定依据")
    enabled: bool | None = None
    note: optional_text(500) = Field(default=None, description="修改说明（记入审计）")

    def fields(self) -> dict[str, Any]:
        """The rule's fields the caller sent (an edit changes only those), without the note."""
        return self.model_dump(exclude_unset=True, exclude={"note"})


class NewRule(_RuleFields):
    """``POST /dispatch/rules``: a new row (admins; audited)."""

    id: required_text(40) = Field(description="条目编号，如 ZT-01")
    priority: Annotated[int, Field(ge=0, le=100000, description="排序号，越小越先")]
    lead_unit: required_text(40) = Field(description="主办单位编码")


class RuleChanges(_RuleFields):
    """``PATCH``/``PUT /dispatch/rules/<id>``: the fields to change; the others stay."""

    priority: whole(0, 100000) = Field(default=None, description="排序号，越小越先")
    lead_unit: optional_text(40) = Field(default=None, description="主办单位编码")


class RuleNote(ApiModel):
    """``POST /dispatch/rules/<id>/disable``: why (optional)."""

    note: optional_text(500) = None


class RulesWorkbook(FormModel):
    """``POST /dispatch/rules/import``: the list as an Excel workbook (the export's columns); all or nothing."""

    file: UploadedFile = Field(description="确责清单 .xlsx")


class RuleChangesQuery(QueryModel):
    """``GET /dispatch/rule-changes``."""

    rule: optional_text(40) = Field(default=None, description="只看这一条目的修改")


class DayRange(QueryModel):
    """``from``/``to`` (Asia/Shanghai calendar days, both included) of the dispatch reports."""

    from_: IsoDate = Field(default=None, alias="from", description="开始日期 YYYY-MM-DD")
    to: IsoDate = Field(default=None, description="结束日期 YYYY-MM-DD（含）")

    def bounds(self) -> tuple[dt.datetime | None, dt.datetime | None]:
        """The first moment of ``from`` and the first moment after ``to``, local time."""
        china = dt.timezone(dt.timedelta(hours=8))
        start = dt.datetime.combine(self.from_, dt.time(), tzinfo=china) if self.from_ else None
        end = dt.datetime.combine(self.to, dt.time(), tzinfo=china) + dt.timedelta(days=1) if self.to else None
        return start, end


# --- answers ------------------------------------------------------------------------------------------------


class RuleOut(ResponseModel):
    """A row of the responsibility list."""

    id: str
    priority: int
    category: str
    area: str
    kind: str
    keywords: list[str]
    lead_unit: str
    co_units: list[str]
    direct: bool
    grid_first: bool
    legal_basis: str
    enabled: bool
    version: int = Field(ge=1)
    updated_at: str | None
    updated_by: str | None


class RuleChangeOut(ResponseModel):
    """One audited change of a row."""

    id: int
    rule_id: str
    action: str
    actor: str | None
    created_at: str
    changed: list[str]
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    note: str | None


class RuleList(ResponseModel):
    rules: list[RuleOut]
    version: int = Field(ge=0, description="清单版本号（每次修改加一）")


class RuleDetail(RuleOut):
    changes: list[RuleChangeOut]


class RuleChangeList(ResponseModel):
    changes: list[RuleChangeOut]


class RuleCited(ResponseModel):
    id: str
    legal_basis: str | None
    reason: str | None


class Transfer110(ResponseModel):
    target: str = Field(description="转办去向，如 110")
    reason: str


class ProposalAnswer(ResponseModel):
    """SPEC §5: what dispatch would do, without doing it (the detail follows)."""

    unit: UnitBrief | None = Field(description="主办单位；确责清单无可适用条目时为 null")
    co_units: list[UnitBrief]
    grid: UnitBrief | None
    rule: RuleCited | None
    confidence: float = Field(ge=0, le=1)
    transfer_110: Transfer110 | None
