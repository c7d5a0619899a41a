"""万件清理 backlog: every open ticket with its age, age bucket and the reasons it needs attention.

Age is whole days since registration (``floor((now - created_at) / 1 day)``); buckets: ``≤7`` (0–7 days),
``7-15`` (8–15), ``15-30`` (16–30), ``30-90`` (31–90), ``>90`` (91 and more). Reasons:

* ``overdue`` — past the deadline running in its state (dispatch, 签收, reply or callback);
* ``suspended`` — 挂账 (state ``suspended``);
* ``reworked`` — reworked (差评重办) at least twice;
* ``repeat_address`` — at least 3 tickets (any state) registered at the same address in the 90 days up to now.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from hotline.core import clock
from hotline.tickets.models import Ticket
from hotline.tickets.states import OPEN, STATE_NAMES, State
from hotline.units.models import Unit
from reports.queries import Period, any_overdue, in_period, subtree_ids

BUCKETS = ("≤7", "7-15", "15-30", "30-90", ">90")
BUCKET_NAMES = {"≤7": "7天以内", "7-15": "7至15天", "15-30": "15至30天", "30-90": "30至90天", ">90": "90天以上"}
REASONS = ("overdue", "suspended", "reworked", "repeat_address")
REASON_NAMES = {
    "overdue": "超期",
    "suspended": "挂账",
    "reworked": "重办2次以上",
    "repeat_address": "同一地址90天内3次以上",
}
REPEAT_WINDOW_DAYS = 90
REPEAT_MIN_TICKETS = 3
REWORK_MIN = 2
OPEN_STATES = tuple(sorted(s.value for s in OPEN))


def age_bucket(age_days: int) -> str:
    """Return the bucket of an age in whole days."""
    if age_days <= 7:
        return "≤7"
    if age_days <= 15:
        return "7-15"
    if age_days <= 30:
        return "15-30"
    if age_days <= 90:
        return "30-90"
    return ">90"


def repeat_addresses(now: dt.datetime):
    """Return a subquery of addresses with ≥ 3 tickets registered in the 90 days up to ``now``."""
    since = now - dt.timedelta(days=REPEAT_WINDOW_DAYS)
    return (
        select(Ticket.address.label("address"))
        .where(Ticket.created_at >= since, Ticket.created_at <= now, Ticket.address.is_not(None), Ticket.address != "")
        .group_by(Ticket.address)
        .having(func.count(Ticket.id) >= REPEAT_MIN_TICKETS)
        .subquery()
    )


def backlog_query(
    now: dt.datetime, *, period: Period | None = None, scope: Unit | None = None, condition: ColumnElement | None = None
):
    """Return the Core query of open tickets with the columns a backlog row needs."""
    repeat = repeat_addresses(now)
    holder = aliased(Unit)
    unit_id = func.coalesce(Ticket.handling_unit_id, Ticket.lead_unit_id)
    query = (
        select(
            Ticket.id,
            Ticket.number,
            Ticket.title,
            Ticket.category,
            Ticket.state,
            Ticket.warning,
            Ticket.created_at,
            Ticket.rework_count,
            Ticket.address,
            unit_id.label("unit_id"),
            holder.code.label("unit_code"),
            holder.name.label("unit_name"),
            case((any_overdue(now), True), else_=False).label("overdue"),
            case((repeat.c.address.is_not(None), True), else_=False).label("repeat_address"),
        )
        .select_from(Ticket)
        .outerjoin(holder, holder.id == unit_id)
        .outerjoin(repeat, repeat.c.address == Ticket.address)
        .where(Ticket.state.in_(OPEN_STATES), Ticket.created_at <= now)
        .order_by(Ticket.created_at, Ticket.id)
    )
    if period is not None:
        query = query.where(in_period(Ticket.created_at, period))
    if scope is not None:
        ids = subtree_ids(scope)
        query = query.where(
            or_(Ticket.handling_unit_id.in_(ids), and_(Ticket.handling_unit_id.is_(None), Ticket.lead_unit_id.in_(ids)))
        )
    if condition is not None:
        query = query.where(condition)
    return query


def row_from(record, now: dt.datetime) -> dict:
    """Turn one result row of :func:`backlog_query` into a backlog row."""
    age = int((now - clock.as_utc(record.created_at)).total_seconds() // 86400)
    reasons = []
    if record.overdue:
        reasons.append("overdue")
    if record.state == State.SUSPENDED.value:
        reasons.append("suspended")
    if record.rework_count >= REWORK_MIN:
        reasons.append("reworked")
    if record.repeat_address:
        reasons.append("repeat_address")
    return {
        "ticket_id": record.id,
        "number": record.number,
        "title": record.title,
        "unit": {"code": record.unit_code, "name": record.unit_name} if record.unit_code else None,
        "unit_id": record.unit_id,
        "category": record.category,
        "state": record.state,
        "state_name": STATE_NAMES[State(record.state)],
        "warning": record.warning,
        "created_at": clock.as_utc(record.created_at).isoformat(),
        "age_days": age,
        "age_bucket": age_bucket(age),
        "rework_count": record.rework_count,
        "address": record.address,
        "reasons": reasons,
        "reason_names": [REASON_NAMES[r] for r in reasons],
    }


def backlog_rows(
    session: Session,
    *,
    now: dt.datetime | None = None,
    period: Period | None = None,
    scope: Unit | None = None,
    reason: str | None = None,
    bucket: str | None = None,
) -> list[dict]:
    """Return the backlog: one row per open ticket (registered in ``period`` when given), oldest first."""
    now = now or clock.now()
    rows = [row_from(r, now) for r in session.execute(backlog_query(now, period=period, scope=scope))]
    if reason:
        rows = [r for r in rows if reason in r["reasons"]]
    if bucket:
        rows = [r for r in rows if r["age_bucket"] == bucket]
    return rows


def summarise(rows: list[dict]) -> dict:
    """Count backlog rows by bucket, by unit × bucket, by category × bucket, and by reason."""
    by_bucket = Counter(r["age_bucket"] for r in rows)
    by_reason = Counter(reason for r in rows for reason in r["reasons"])
    units: dict = {}
    categories: dict = {}
    for r in rows:
        code = r["unit"]["code"] if r["unit"] else None
        entry = units.setdefault(
            code, {"unit": r["unit"], "total": 0, **{b: 0 for b in BUCKETS}, **{x: 0 for x in REASONS}}
        )
        entry["total"] += 1
        entry[r["age_bucket"]] += 1
        for reason in r["reasons"]:
            entry[reason] += 1
        cat = categories.setdefault(r["category"], {"category": r["category"], "total": 0, **{b: 0 for b in BUCKETS}})
        cat["total"] += 1
        cat[r["age_bucket"]] += 1
    return {
        "total": len(rows),
        "by_bucket": {b: by_bucket.get(b, 0) for b in BUCKETS},
        "by_reason": {x: by_reason.get(x, 0) for x in REASONS},
        "by_unit": sorted(units.values(), key=lambda e: -e["total"]),
        "by_category": sorted(categories.values(), key=lambda e: -e["total"]),
    }
