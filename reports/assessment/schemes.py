"""Assessment schemes as data: weighted measures, deductions and bonuses, validated into typed rules.

A scheme's ``definition`` (JSON, edited by an admin) looks like::

    {"max_score": 100, "min_sample": 10, "response_only_kinds": ["consult"],
     "measures": [{"measure": "response_rate", "weight": 30},
                  {"measure": "resolution_rate", "weight": 35},
                  {"measure": "satisfaction_rate", "weight": 35, "basic_weight": 0.9}],
     "deductions": [{"kind": "overdue", "points": 1, "cap": 10}, …],
     "bonuses": [{"kind": "direct_answer", "points": 0.5, "cap": 5, "within_working_hours": 8}],
     "board_size": 3}

Measure weights add up to ``max_score`` (100, or 150 for counties). Every edit writes a new version row;
a version applies from its ``effective_from`` month on.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.auth.models import User
from hotline.core import clock
from hotline.core.errors import ApiError, DomainError
from hotline.tickets.models import KINDS
from reports.assessment.models import AssessmentScheme

MEASURES = {"response_rate": "响应率", "resolution_rate": "解决率", "satisfaction_rate": "满意率"}
DEDUCTIONS = {
    "overdue": "超期办结",
    "improper_return": "不当退单",
    "rework": "重办",
    "urged": "自动催办",
    "supervised": "督办",
    "escalated": "提级督办",
}
BONUSES = {"direct_answer": "直接答复"}
MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class MeasureRule:
    measure: str
    weight: float
    # 满意率 only: how much a 基本满意 counts (1.0 = as in the rates report; 0.9 = a Beijing district's practice).
    basic_weight: float = 1.0


@dataclass(frozen=True)
class PointRule:
    """A deduction or bonus: ``points`` per ticket counted, at most ``cap`` in all (None = no cap)."""

    kind: str
    points: float
    cap: float | None = None
    # direct_answer only: replied within this many working hours of the dispatch.
    within_working_hours: float = 8.0


@dataclass(frozen=True)
class Scheme:
    """A validated scheme version."""

    id: int | None
    code: str
    version: int
    name: str
    effective_from: str
    max_score: float
    min_sample: int
    measures: tuple[MeasureRule, ...]
    deductions: tuple[PointRule, ...] = ()
    bonuses: tuple[PointRule, ...] = ()
    response_only_kinds: frozenset[str] = field(default_factory=frozenset)
    board_size: int = 3

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "code": self.code,
            "version": self.version,
            "name": self.name,
            "effective_from": self.effective_from,
            "max_score": self.max_score,
            "min_sample": self.min_sample,
            "board_size": self.board_size,
            "definition": definition_of(self),
        }


def definition_of(scheme: Scheme) -> dict:
    """Return the JSON definition of ``scheme`` (what an admin edits)."""
    return {
        "max_score": scheme.max_score,
        "min_sample": scheme.min_sample,
        "board_size": scheme.board_size,
        "response_only_kinds": sorted(scheme.response_only_kinds),
        "measures": [
            {"measure": m.measure, "weight": m.weight, "basic_weight": m.basic_weight} for m in scheme.measures
        ],
        "deductions": [_point_dict(r) for r in scheme.deductions],
        "bonuses": [_point_dict(r) for r in scheme.bonuses],
    }


def _point_dict(rule: PointRule) -> dict:
    out: dict = {"kind": rule.kind, "points": rule.points, "cap": rule.cap}
    if rule.kind == "direct_answer":
        out["within_working_hours"] = rule.within_working_hours
    return out


def _bad(message: str, field: str = "definition") -> ApiError:
    return ApiError(422, "invalid_scheme", message, field=field)


def _number(
    raw: dict, name: str, where: str, *, default: float | None = None, low: float = 0, high: float = 1000
) -> float:
    value = raw.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise _bad(f"{where}的 {name} 须为 {low} 到 {high} 之间的数字")
    return float(value)


def _point_rules(raw: object, names: dict[str, str], label: str) -> tuple[PointRule, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise _bad(f"{label}须为列表")
    rules = []
    for item in raw:
        if not isinstance(item, dict) or item.get("kind") not in names:
            raise _bad(f"{label}的 kind 无效，可选：{'、'.join(names)}")
        where = f"{label}“{names[item['kind']]}”"
        cap = None if item.get("cap") is None else _number(item, "cap", where)
        rules.append(
            PointRule(
                item["kind"],
                _number(item, "points", where, high=100),
                cap,
                _number(item, "within_working_hours", where, default=8.0, low=0.5, high=200),
            )
        )
    if len({r.kind for r in rules}) != len(rules):
        raise _bad(f"{label}的 kind 不能重复")
    return tuple(rules)


def parse_definition(
    definition: object,
    *,
    code: str = "",
    version: int = 0,
    name: str = "",
    effective_from: str = "2000-01",
    scheme_id: int | None = None,
) -> Scheme:
    """Validate a scheme definition and return it typed, or refuse with 422 (in Chinese)."""
    if not isinstance(definition, dict):
        raise _bad("考评方案须为 JSON 对象")
    max_score = _number(definition, "max_score", "方案", default=100, low=1, high=1000)
    min_sample = int(_number(definition, "min_sample", "方案", default=10, high=100_000))
    board_size = int(_number(definition, "board_size", "方案", default=3, low=1, high=50))
    raw_measures = definition.get("measures")
    if not isinstance(raw_measures, list) or not raw_measures:
        raise _bad("请至少设置一项考评指标（measures）")
    measures = []
    for item in raw_measures:
        if not isinstance(item, dict) or item.get("measure") not in MEASURES:
            raise _bad(f"指标无效，可选：{'、'.join(MEASURES)}")
        where = f"指标“{MEASURES[item['measure']]}”"
        measures.append(
            MeasureRule(
                item["measure"],
                _number(item, "weight", where, high=max_score),
                _number(item, "basic_weight", where, default=1.0, high=1),
            )
        )
    if len({m.measure for m in measures}) != len(measures):
        raise _bad("指标不能重复")
    total = sum(m.weight for m in measures)
    if abs(total - max_score) > 1e-6:
        raise _bad(f"各指标权重之和（{total:g}）须等于满分（{max_score:g}）")
    kinds = definition.get("response_only_kinds") or []
    if not isinstance(kinds, list) or any(k not in KINDS for k in kinds):
        raise _bad(f"response_only_kinds 取值无效，可选：{'、'.join(KINDS)}")
    return Scheme(
        scheme_id,
        code,
        version,
        name,
        effective_from,
        max_score,
        min_sample,
        tuple(measures),
        _point_rules(definition.get("deductions"), DEDUCTIONS, "扣分项"),
        _point_rules(definition.get("bonuses"), BONUSES, "加分项"),
        frozenset(kinds),
        board_size,
    )


def scheme_from_row(row: AssessmentScheme) -> Scheme:
    """Return the typed scheme of a stored version."""
    return parse_definition(
        row.definition,
        code=row.code,
        version=row.version,
        name=row.name,
        effective_from=row.effective_from,
        scheme_id=row.id,
    )


def parse_month(value: str | None, name: str = "month") -> str:
    """Return ``YYYY-MM`` or refuse with 422."""
    if not value or not MONTH_RE.match(value.strip()):
        raise ApiError(422, "invalid_month", f"月份格式无效（{name}），应为 YYYY-MM", field=name)
    return value.strip()


def month_bounds(month: str) -> tuple[dt.date, dt.date]:
    """Return the first and last day of ``YYYY-MM``."""
    year, mon = (int(x) for x in month.split("-"))
    first = dt.date(year, mon, 1)
    following = dt.date(year + (mon == 12), mon % 12 + 1, 1)
    return first, following - dt.timedelta(days=1)


def save_scheme(
    session: Session,
    code: str,
    name: str,
    definition: dict,
    actor: User,
    *,
    effective_from: str,
    note: str | None = None,
    now: dt.datetime | None = None,
) -> AssessmentScheme:
    """Write a new version of scheme ``code`` (version 1 when new) after validating it."""
    if not re.fullmatch(r"[A-Za-z0-9_\-]{1,40}", code or ""):
        raise ApiError(422, "invalid_code", "方案编码只能由字母、数字、下划线和连字符组成（最多 40 个）", field="code")
    parse_month(effective_from, "effective_from")
    parse_definition(definition)
    latest = session.scalar(select(func.max(AssessmentScheme.version)).where(AssessmentScheme.code == code)) or 0
    row = AssessmentScheme(
        code=code,
        version=latest + 1,
        name=name,
        effective_from=effective_from,
        definition=definition,
        note=note,
        created_at=now or clock.now(),
        created_by=actor,
    )
    session.add(row)
    session.flush()
    return row


def scheme_versions(session: Session, code: str) -> list[AssessmentScheme]:
    """Return every version of ``code``, newest first."""
    return list(
        session.scalars(
            select(AssessmentScheme).where(AssessmentScheme.code == code).order_by(AssessmentScheme.version.desc())
        )
    )


def list_schemes(session: Session) -> list[AssessmentScheme]:
    """Return the newest version of every scheme."""
    newest = (
        select(AssessmentScheme.code, func.max(AssessmentScheme.version).label("v"))
        .group_by(AssessmentScheme.code)
        .subquery()
    )
    query = (
        select(AssessmentScheme)
        .join(newest, (AssessmentScheme.code == newest.c.code) & (AssessmentScheme.version == newest.c.v))
        .order_by(AssessmentScheme.code)
    )
    return list(session.scalars(query))


def scheme_for(session: Session, ref: str, month: str) -> AssessmentScheme:
    """Return the version named by ``ref`` — a version id, or a code (its newest version in force in ``month``)."""
    if not ref:
        raise ApiError(422, "missing_field", "请指定考评方案（scheme）", field="scheme")
    if ref.isdigit():
        row = session.get(AssessmentScheme, int(ref))
    else:
        row = session.scalar(
            select(AssessmentScheme)
            .where(AssessmentScheme.code == ref, AssessmentScheme.effective_from <= month)
            .order_by(AssessmentScheme.version.desc())
            .limit(1)
        )
        if row is None and session.scalar(select(AssessmentScheme.id).where(AssessmentScheme.code == ref).limit(1)):
            raise DomainError(404, "not_in_force", f"考评方案 {ref} 在 {month} 尚未生效")
    if row is None:
        raise DomainError(404, "not_found", f"考评方案不存在：{ref}")
    return row


# Two schemes the demo installs (local variation is data): 准格尔旗's 三率 30/35/35 out of 100, and a county
# scheme out of 150 with a Beijing district's 满意率 (基本满意 × 0.9), deductions and the 直接答复 bonus.
DEMO_SCHEMES = (
    (
        "sanlv",
        "三率考评（响应30/解决35/满意35）",
        {
            "max_score": 100,
            "min_sample": 10,
            "response_only_kinds": ["consult"],
            "measures": [
                {"measure": "response_rate", "weight": 30},
                {"measure": "resolution_rate", "weight": 35},
                {"measure": "satisfaction_rate", "weight": 35},
            ],
            "deductions": [
                {"kind": "overdue", "points": 1, "cap": 10},
                {"kind": "improper_return", "points": 0.5, "cap": 5},
                {"kind": "rework", "points": 1, "cap": 10},
                {"kind": "supervised", "points": 0.5, "cap": 5},
                {"kind": "escalated", "points": 1, "cap": 5},
            ],
            "bonuses": [{"kind": "direct_answer", "points": 0.2, "cap": 3, "within_working_hours": 8}],
        },
    ),
    (
        "county150",
        "区县考评（满分150，基本满意按0.9计）",
        {
            "max_score": 150,
            "min_sample": 10,
            "response_only_kinds": ["consult"],
            "measures": [
                {"measure": "response_rate", "weight": 40},
                {"measure": "resolution_rate", "weight": 55},
                {"measure": "satisfaction_rate", "weight": 55, "basic_weight": 0.9},
            ],
            "deductions": [
                {"kind": "overdue", "points": 4, "cap": 20},
                {"kind": "improper_return", "points": 1, "cap": 10},
                {"kind": "rework", "points": 2, "cap": 20},
                {"kind": "escalated", "points": 2, "cap": 10},
            ],
            "bonuses": [{"kind": "direct_answer", "points": 0.5, "cap": 5, "within_working_hours": 8}],
        },
    ),
)
