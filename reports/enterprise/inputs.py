"""What the enterprise ledger and 营商环境 report accept; each model parses its input and is the document's schema."""

from __future__ import annotations

from pydantic import Field

from hotline.core.api_schemas import ApiModel, QueryModel, choice, optional_text
from reports.inputs import RequiredMonth, Scoped


class EnterpriseLedgerQuery(Scoped):
    """``GET /reports/enterprise-ledger``."""

    format: choice(("json", "xlsx")) = Field(default=None, description="json（默认）或 xlsx")
    remaining: bool | None = Field(default=None, description="只看未销号的")


class MonthlyQuery(QueryModel):
    """``GET /reports/enterprise``: one month's 营商环境 report."""

    month: RequiredMonth = Field(description="月份 YYYY-MM")
    format: choice(("json", "xlsx")) = Field(default=None, description="json（默认）或 xlsx")


class EnterpriseStrikeOff(ApiModel):
    """``POST /reports/enterprise-ledger/<number>/strike-off``."""

    note: optional_text(2000) = None
