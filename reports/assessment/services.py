"""Score a month, close it (store the results with the scheme version that made them), 红黑榜, trend."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.auth.models import User
from hotline.core import clock
from hotline.core.errors import DomainError
from hotline.units.models import Unit
from reports.assessment.facts import gather_facts
from reports.assessment.models import AssessmentResult, AssessmentScheme
from reports.assessment.schemes import month_bounds, scheme_for, scheme_from_row
from reports.assessment.scoring import rank_units, score_unit
from reports.queries import Period


def month_period(month: str) -> Period:
    """Return the Asia/Shanghai days of ``YYYY-MM`` as a report period."""
    return Period(*month_bounds(month))


def month_over(month: str, now: dt.datetime) -> bool:
    """Tell whether ``month`` has ended at ``now``."""
    return clock.as_utc(now) >= month_period(month).end


def _sort(rows: list[dict]) -> list[dict]:
    return sorted(rows, key=lambda r: (r["rank"] is None, r["rank"] or 0, -r["score"], r["unit"]["code"]))


def score_month(session: Session, row: AssessmentScheme, month: str, *, now: dt.datetime | None = None) -> dict:
    """Score every unit's ``month`` under scheme version ``row`` (live, nothing stored)."""
    scheme = scheme_from_row(row)
    facts = gather_facts(session, month_period(month), now=now or clock.now())
    units = {u.id: u for u in session.scalars(select(Unit).where(Unit.id.in_(list(facts))))} if facts else {}
    rows = [{"unit": units[uid].brief(), **score_unit(scheme, f)} for uid, f in facts.items() if uid in units]
    rank_units(rows, scheme)
    return {"month": month, "scheme": scheme.to_dict(), "closed": False, "closed_at": None, "rows": _sort(rows)}


def _stored(session: Session, code: str, month: str) -> list[AssessmentResult]:
    return list(
        session.scalars(
            select(AssessmentResult).where(AssessmentResult.scheme_code == code, AssessmentResult.month == month)
        )
    )


def _from_stored(results: list[AssessmentResult], month: str) -> dict:
    scheme = scheme_from_row(results[0].scheme)
    rows = [
        {
            "unit": r.unit.brief(),
            "score": r.score,
            "rank": r.rank,
            "rank_reason": r.rank_reason,
            "valid_callbacks": next((i["denominator"] for i in r.items if i["measure"] == "response_rate"), None),
            "items": r.items,
        }
        for r in results
    ]
    return {
        "month": month,
        "scheme": scheme.to_dict(),
        "closed": True,
        "closed_at": results[0].closed_at.isoformat(),
        "rows": _sort(rows),
    }


def assessment(session: Session, ref: str, month: str, *, now: dt.datetime | None = None) -> dict:
    """Return ``month`` under scheme ``ref``: the stored result when the month is closed, else scored live."""
    row = scheme_for(session, ref, month)
    stored = _stored(session, row.code, month)
    if stored and (not ref.isdigit() or stored[0].scheme_id == row.id):
        return _from_stored(stored, month)
    return score_month(session, row, month, now=now)


def close_month(session: Session, ref: str, month: str, actor: User | None, *, now: dt.datetime | None = None) -> dict:
    """Score ``month`` once and store it; later edits of the scheme never change what is stored."""
    now = now or clock.now()
    if not month_over(month, now):
        raise DomainError(409, "month_not_over", f"{month} 尚未结束，不能结账")
    row = scheme_for(session, ref, month)
    if _stored(session, row.code, month):
        raise DomainError(409, "already_closed", f"考评方案 {row.code} 的 {month} 结果已结账，不再重算")
    result = score_month(session, row, month, now=now)
    units = {u.code: u.id for u in session.scalars(select(Unit))}
    for r in result["rows"]:
        session.add(
            AssessmentResult(
                month=month,
                scheme_code=row.code,
                scheme_id=row.id,
                unit_id=units[r["unit"]["code"]],
                score=r["score"],
                rank=r["rank"],
                rank_reason=r["rank_reason"],
                items=r["items"],
                closed_at=now,
                closed_by_id=actor.id if actor else None,
            )
        )
    session.flush()
    return _from_stored(_stored(session, row.code, month), month)


def previous_month(now: dt.datetime) -> str:
    """Return the ``YYYY-MM`` before the one ``now`` falls in (Asia/Shanghai)."""
    first = clock.to_local(now).date().replace(day=1)
    last = first - dt.timedelta(days=1)
    return f"{last.year:04d}-{last.month:02d}"


def close_previous_month(session: Session, *, now: dt.datetime | None = None) -> list[str]:
    """Close last month for every scheme in force that has not been closed yet; return the codes closed."""
    now = now or clock.now()
    month = previous_month(now)
    closed = []
    for code in sorted(set(session.scalars(select(AssessmentScheme.code)))):
        in_force = session.scalar(
            select(AssessmentScheme.id)
            .where(AssessmentScheme.code == code, AssessmentScheme.effective_from <= month)
            .limit(1)
        )
        if in_force is not None and not _stored(session, code, month):
            close_month(session, code, month, None, now=now)
            closed.append(code)
    return closed


def boards(result: dict, size: int | None = None) -> dict:
    """Return the 红榜 (best ``size``) and 黑榜 (worst ``size``) of a scored month, ranked units only."""
    size = size or result["scheme"]["board_size"]
    ranked = [r for r in result["rows"] if r["rank"] is not None]
    return {"size": size, "red": ranked[:size], "black": list(reversed(ranked[-size:])) if ranked else []}


def explain(result: dict, unit_code: str) -> dict:
    """Return one unit's row of a scored month (every item with the ticket numbers behind it)."""
    for row in result["rows"]:
        if row["unit"]["code"] == unit_code:
            return row
    raise DomainError(404, "not_found", f"{result['month']} 没有 {unit_code} 的考评数据")


def months_between(first: str, last: str) -> list[str]:
    """Return every ``YYYY-MM`` from ``first`` to ``last`` inclusive."""
    year, mon = (int(x) for x in first.split("-"))
    out = []
    while f"{year:04d}-{mon:02d}" <= last and len(out) < 120:
        out.append(f"{year:04d}-{mon:02d}")
        year, mon = (year + 1, 1) if mon == 12 else (year, mon + 1)
    return out


def trend(session: Session, ref: str, first: str, last: str, *, now: dt.datetime | None = None) -> list[dict]:
    """Return each unit's score and rank per month from ``first`` to ``last``."""
    if first > last:
        raise DomainError(422, "invalid_period", "开始月份不能晚于结束月份", field="from")
    months = months_between(first, last)
    if len(months) > 36:
        raise DomainError(422, "period_too_long", "趋势最多 36 个月", field="from")
    series: dict[str, dict] = {}
    for month in months:
        try:
            result = assessment(session, ref, month, now=now)
        except DomainError as exc:
            if exc.code == "not_in_force":
                continue
            raise
        for row in result["rows"]:
            entry = series.setdefault(row["unit"]["code"], {"unit": row["unit"], "points": []})
            entry["points"].append(
                {
                    "month": month,
                    "score": row["score"],
                    "rank": row["rank"],
                    "scheme_version": result["scheme"]["version"],
                    "closed": result["closed"],
                }
            )
    return sorted(series.values(), key=lambda e: e["unit"]["code"])
