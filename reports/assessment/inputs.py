"""What the 考评 API accepts; each model parses its input and is the OpenAPI document's schema."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from hotline.core.api_schemas import ApiModel, QueryModel, choice, optional_text, required_text
from reports.inputs import Month, RequiredMonth


class _Scheme(QueryModel):
    scheme: required_text(40) = Field(description="考评方案编码")


class AssessmentQuery(_Scheme):
    """``GET /reports/assessment``: one month's scores under one scheme."""

    month: RequiredMonth = Field(description="月份 YYYY-MM")
    format: choice(("json", "xlsx")) = Field(default=None, description="json（默认）或 xlsx")
    board: Annotated[int, Field(ge=1, le=50)] | None = Field(default=None, description="红黑榜各几名，默认按方案")


class ExplainQuery(_Scheme):
    """``GET /reports/assessment/explain``: how one unit's score was made."""

    month: RequiredMonth = Field(description="月份 YYYY-MM")
    unit: required_text(40) = Field(description="单位编码")


class TrendQuery(_Scheme):
    """``GET /reports/assessment/trend``: scores month by month."""

    from_: RequiredMonth = Field(alias="from", description="开始月份 YYYY-MM")
    to: RequiredMonth = Field(description="结束月份 YYYY-MM")
    unit: optional_text(40) = Field(default=None, description="只看这个单位")


class SchemesQuery(QueryModel):
    """``GET /reports/assessment/schemes``: every scheme's current version, or every version of one."""

    code: optional_text(40) = None


class CloseMonth(ApiModel):
    """``POST /reports/assessment/close``: freeze one month's scores."""

    month: RequiredMonth = Field(description="月份 YYYY-MM")
    scheme: required_text(40) = Field(description="考评方案编码")


class NewScheme(ApiModel):
    """``POST /reports/assessment/schemes``: a new version of a scheme (version 1 when new)."""

    code: required_text(40) = Field(description="方案编码（字母、数字、下划线、连字符）")
    name: required_text(120)
    definition: dict[str, Any] = Field(description="指标、权重与红黑榜（见 docs）")
    effective_from: Month = Field(default=None, description="生效月份 YYYY-MM，默认本月")
    note: optional_text(2000) = None
