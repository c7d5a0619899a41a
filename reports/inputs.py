"""What the reports API accepts and answers (SPEC §5 ``?from=&to=&unit=&format=``); each model parses its input
(or names its answer) and is the OpenAPI document's schema."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, StringConstraints, create_model
from pydantic_core import PydanticCustomError

from hotline.core.api_schemas import (
    ApiModel,
    IsoDate,
    QueryModel,
    ResponseModel,
    choice,
    optional_text,
    required_text,
    text_list,
)
from hotline.tickets.outputs import UnitBrief
from reports.assessment.schemes import MONTH_RE
from reports.backlog import BUCKETS, REASONS
from reports.rates import COUNTS, GROUPINGS, RANKABLE, RATES

MAX_ROWS = 100_000


def _month(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip() or None
    if isinstance(value, str) and not MONTH_RE.match(value):
        raise PydanticCustomError(
            "month_format",
            "Input should be YYYY-MM",
            {"code": "invalid_month", "message": "月份格式无效（{field}），应为 YYYY-MM"},
        )
    return value


def _required_month(value: Any) -> Any:
    value = _month(value)
    if value is None:
        raise PydanticCustomError("missing", "Field required")
    return value


_MonthText = Annotated[str, StringConstraints(pattern=MONTH_RE.pattern), Field(examples=["2026-01"])]
# A calendar month written YYYY-MM (blank counts as absent) …
Month = Annotated[_MonthText | None, BeforeValidator(_month)]
# … and one that must be given.
RequiredMonth = Annotated[_MonthText, BeforeValidator(_required_month)]


class Period(QueryModel):
    """``from``/``to``: calendar days (Asia/Shanghai), both included; the report's default when absent."""

    from_: IsoDate = Field(default=None, alias="from", description="开始日期 YYYY-MM-DD")
    to: IsoDate = Field(default=None, description="结束日期 YYYY-MM-DD（含）")


class Scoped(QueryModel):
    """``unit``: the subtree the report covers (a unit role: within its own unit)."""

    unit: optional_text(40) = Field(default=None, description="单位编码（含下级）")


class RatesQuery(Period, Scoped):
    """``GET /reports/rates``."""

    format: choice(("json", "xlsx")) = Field(default=None, description="json（默认）或 xlsx")
    by: choice(GROUPINGS) = Field(default=None, description="分组：unit（默认）、category 或 day/week/month")
    min_sample: Annotated[int, Field(ge=0, le=100_000)] | None = Field(default=None, description="参与排名的最少回访数")
    rank_by: choice(RANKABLE) = Field(default=None, description="排名指标，默认 satisfaction_rate")


class BacklogQuery(Period, Scoped):
    """``GET /reports/backlog``: open tickets (registered within ``from``..``to`` when given)."""

    format: choice(("json", "xlsx")) = Field(default=None, description="json（默认）或 xlsx")
    reason: choice(REASONS) = None
    bucket: choice(BUCKETS) = Field(default=None, description="账龄段")
    limit: Annotated[int, Field(ge=1, le=MAX_ROWS)] = Field(default=20_000, description="最多返回的行数")


class HotspotsQuery(Period, Scoped):
    """``GET /reports/hotspots`` (default: the last 28 days)."""

    format: choice(("json", "xlsx")) = Field(default=None, description="json（默认）或 xlsx")
    limit: Annotated[int, Field(ge=1, le=100)] = Field(default=10, description="每类热点的条数")


class DrillQuery(Period, Scoped):
    """``GET /reports/tickets``: the tickets behind one number of the rates table."""

    measure: optional_text(40) = Field(default=None, description="指标，如 dispatched、satisfied")
    exact_unit: optional_text(40) = Field(default=None, description="只看恰好归属该单位的工单")
    category: optional_text(40) = None


class LedgerQuery(Scoped):
    """``GET /reports/campaigns/<id>/ledger``."""

    remaining: bool | None = Field(default=None, description="只看未销号的")


class SnapshotsQuery(QueryModel):
    """``GET /reports/snapshots``."""

    period: choice(("daily", "weekly")) = None


class NewCampaign(ApiModel):
    """``POST /reports/campaigns``: a 万件清理 campaign; its backlog is what is open at its start."""

    name: required_text(120)
    start_date: IsoDate = Field(default=None, description="开始日期 YYYY-MM-DD，默认今天")
    scope_unit: optional_text(40) = Field(default=None, description="只清理该单位（含下级）")


Numbers = text_list(5000, 20)


class StrikeOff(ApiModel):
    """``POST /reports/campaigns/<id>/strike-off``: 销号 of closed tickets of the ledger."""

    numbers: Annotated[Numbers, Field(min_length=1, description="工单编号")]
    note: optional_text(2000) = None


class Supervise(ApiModel):
    """``POST /reports/campaigns/<id>/supervise``: 督办 of the tickets given (default: every remaining one)."""

    numbers: Numbers | None = Field(default=None, description="工单编号，缺省为台账中全部未办结的")
    note: optional_text(2000) = None


class Redispatch(ApiModel):
    """``POST /reports/campaigns/<id>/redispatch``: 改派 of the tickets given to one unit."""

    unit: required_text(40) = Field(description="改派到的单位编码")
    numbers: Annotated[Numbers, Field(min_length=1, description="工单编号")]
    note: optional_text(2000) = None


# --- answers ------------------------------------------------------------------------------------------------

# A rates row carries every count and every rate of §6, named as the code names them (registered and
# closed_on_call are null below the city: they have no unit).
RatesMeasures = create_model(
    "RatesMeasures",
    __base__=ResponseModel,
    **{name: (int | None, ...) for name in COUNTS},
    **{name: (Annotated[float, Field(ge=0, le=1)] | None, ...) for name in RATES},
)


class RatesRow(RatesMeasures):  # type: ignore[misc,valid-type]
    """One unit (``by=unit``), category or period of the rates table."""

    unit: UnitBrief | None = Field(default=None, description="by=unit 时")


class PeriodOut(ResponseModel):
    from_: str = Field(alias="from")
    to: str


class RatesAnswer(ResponseModel):
    rows: list[RatesRow]
    totals: RatesMeasures  # type: ignore[valid-type]
    period: PeriodOut
    by: str


class BacklogRow(ResponseModel):
    """One open ticket of the backlog."""

    number: str
    unit: UnitBrief | None
    category: str | None
    state: str
    age_days: int = Field(description="账龄（天）")
    age_bucket: Literal[BUCKETS]  # type: ignore[valid-type]
    reasons: list[Literal[REASONS]]  # type: ignore[valid-type]


class BacklogAnswer(ResponseModel):
    rows: list[BacklogRow]
    total: int = Field(ge=0)
    truncated: bool
    summary: dict[str, Any]


class CampaignOut(ResponseModel):
    id: int
    name: str


class CampaignAnswer(ResponseModel):
    campaign: CampaignOut


class CampaignList(ResponseModel):
    rows: list[CampaignOut]


class BulkResult(ResponseModel):
    number: str
    ok: bool


class BulkAnswer(ResponseModel):
    results: list[BulkResult]
    ok: int = Field(ge=0)
    failed: int = Field(ge=0)


class CampaignDetail(ResponseModel):
    campaign: CampaignOut
    units: list[dict[str, Any]] = Field(description="各单位的清理进度")


class LedgerRow(ResponseModel):
    """One ticket of a campaign's ledger (台账)."""

    number: str
    unit: UnitBrief | None
    category: str | None
    age_days: int = Field(description="活动开始时的账龄（天）")
    age_bucket: Literal[BUCKETS]  # type: ignore[valid-type]
    reasons: list[Literal[REASONS]]  # type: ignore[valid-type]
    state: str
    closed: bool
    struck_off: bool
    struck_off_at: str | None


class LedgerAnswer(ResponseModel):
    rows: list[LedgerRow]


class HotspotRow(ResponseModel):
    kind: Literal["category", "area"]
    count: int = Field(ge=0)


class HotspotsAnswer(ResponseModel):
    rows: list[HotspotRow] = Field(description="热点分类与热点区域，按件数")
    period: PeriodOut
    top_categories: list[dict[str, Any]]
    top_areas: list[dict[str, Any]]
