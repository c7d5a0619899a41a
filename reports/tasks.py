"""Scheduled summaries: ``reports.tasks:generate_summary(period)`` stores JSON + a workbook in ``report_snapshots``.

Enqueue by dotted name (``hotline.core.jobs.enqueue("reports.tasks:generate_summary", "daily")``) from a
scheduler or run ``flask --app wsgi reports summary --period daily``.
"""

from __future__ import annotations

import datetime as dt

from openpyxl import Workbook
from sqlalchemy.orm import Session

from hotline.core import clock
from hotline.core.effects import commit
from hotline.core.extensions import db
from reports import exports
from reports.backlog import backlog_rows, summarise
from reports.hotspots import surges, top_areas, top_categories
from reports.models import ReportSnapshot
from reports.queries import Period, local_today
from reports.rates import COUNTS, RATES, compute_rates

PERIODS = ("daily", "weekly")


def summary_period(period: str, today: dt.date) -> Period:
    """Return the period a summary made on ``today`` covers: yesterday, or the 7 days up to yesterday."""
    if period not in PERIODS:
        raise ValueError(f"unknown period {period!r}; choose one of {PERIODS}")
    last = today - dt.timedelta(days=1)
    return Period(last - dt.timedelta(days=6) if period == "weekly" else last, last)


def build_summary(session: Session, period: str, *, now: dt.datetime | None = None) -> ReportSnapshot:
    """Compute the summary of ``period`` (daily/weekly) and add it as a snapshot (flushes, never commits)."""
    now = now or clock.now()
    span = summary_period(period, local_today(now))
    rates = compute_rates(session, span, by="unit", now=now)
    backlog = summarise(backlog_rows(session, now=now))
    summary = {
        "period": period,
        **span.to_dict(),
        "generated_at": now.isoformat(),
        "totals": rates["totals"],
        "units": rates["rows"],
        "backlog": {k: backlog[k] for k in ("total", "by_bucket", "by_reason")},
        "top_categories": top_categories(session, span),
        "top_areas": top_areas(session, span),
        "surges": surges(session, span.last),
    }
    wb = Workbook(write_only=True)
    used: set[str] = set()
    columns = [("unit", "单位", 22, None), ("rank", "排名", 8, None)]
    columns += [(n, exports.COUNT_NAMES[n], 10, None) for n in COUNTS]
    columns += [(n, exports.RATE_NAMES[n], 11, exports.PERCENT) for n in RATES]
    rows = [[r["unit"]["name"], r["rank"], *(r[n] for n in COUNTS), *(r[n] for n in RATES)] for r in rates["rows"]]
    rows.append(["合计", None, *(rates["totals"][n] for n in COUNTS), *(rates["totals"][n] for n in RATES)])
    title = f"{'日报' if period == 'daily' else '周报'} {span.first} 至 {span.last}"
    exports.table_sheet(wb, "三率", columns, rows, title=title, used=used)
    exports.table_sheet(
        wb,
        "积压",
        [("bucket", "账龄", 14, None), ("count", "件数", 10, None)],
        [[exports.BUCKET_NAMES[b], n] for b, n in backlog["by_bucket"].items()],
        used=used,
    )
    exports.table_sheet(
        wb,
        "热点",
        [("category", "分类", 16, None), ("count", "件数", 10, None)],
        [[c["category"] or "未分类", c["count"]] for c in summary["top_categories"]],
        used=used,
    )
    snapshot = ReportSnapshot(
        period=period,
        period_start=span.first,
        period_end=span.last,
        generated_at=now,
        summary=summary,
        xlsx=exports.save(wb),
    )
    session.add(snapshot)
    session.flush()
    return snapshot


def generate_summary(period: str = "daily") -> int:
    """rq job: build and store the ``period`` summary; return the snapshot id (needs an app context)."""
    snapshot = build_summary(db.session, period)
    commit(db.session)
    return snapshot.id


def scheduled_summary(period: str = "daily") -> int | None:
    """Scheduler entry: build the ``period`` summary unless it exists (weekly ones on Mondays only)."""
    from sqlalchemy import select

    now = clock.now()
    today = local_today(now)
    if period == "weekly" and today.weekday() != 0:
        return None
    span = summary_period(period, today)
    exists = db.session.scalar(
        select(ReportSnapshot.id).where(
            ReportSnapshot.period == period,
            ReportSnapshot.period_start == span.first,
            ReportSnapshot.period_end == span.last,
        )
    )
    return None if exists else generate_summary(period)


def snapshot_to_dict(snapshot: ReportSnapshot, *, full: bool = False) -> dict:
    """Serialise a snapshot (the summary itself only when ``full``)."""
    data = {
        "id": snapshot.id,
        "period": snapshot.period,
        "from": snapshot.period_start.isoformat(),
        "to": snapshot.period_end.isoformat(),
        "generated_at": clock.as_utc(snapshot.generated_at).isoformat(),
        "xlsx_url": f"/api/v1/reports/snapshots/{snapshot.id}.xlsx",
    }
    if full:
        data["summary"] = snapshot.summary
    return data
