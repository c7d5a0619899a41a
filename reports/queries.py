"""What every report query shares: periods in Asia/Shanghai days, unit scope, time buckets in SQL.

The measures themselves live in one module per concept: ``rates`` (§6 measures and rankings), ``backlog``
(open tickets, buckets, reasons), ``ledger`` (万件清理 campaigns), ``hotspots`` (热点, 类案), ``exports`` (Excel),
``tasks`` (scheduled summaries), ``views`` (API and pages).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, String, and_, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from hotline.core.clock import TZ
from hotline.core.errors import ApiError
from hotline.tickets.models import Ticket
from hotline.tickets.states import State
from hotline.units.models import Unit

GRAINS = ("day", "week", "month")
MAX_PERIOD_DAYS = 3660


@dataclass(frozen=True)
class Period:
    """Whole Asia/Shanghai days ``first`` … ``last`` (inclusive) as the UTC range ``[start, end)``."""

    first: dt.date
    last: dt.date

    @property
    def start(self) -> dt.datetime:
        return dt.datetime.combine(self.first, dt.time(0), TZ).astimezone(dt.UTC)

    @property
    def end(self) -> dt.datetime:
        return dt.datetime.combine(self.last + dt.timedelta(days=1), dt.time(0), TZ).astimezone(dt.UTC)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def to_dict(self) -> dict:
        return {"from": self.first.isoformat(), "to": self.last.isoformat()}


def local_today(moment: dt.datetime | None = None) -> dt.date:
    """Return today's date in Asia/Shanghai (of ``moment`` when given)."""
    return (moment or dt.datetime.now(dt.UTC)).astimezone(TZ).date()


def parse_date(value: str | dt.date | None, name: str) -> dt.date | None:
    """Return the ``YYYY-MM-DD`` date in ``value`` (a date the API's query model parsed: itself) or refuse with 422."""
    if isinstance(value, dt.date):
        return value
    if value is None or not value.strip():
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise ApiError(422, "invalid_date", f"日期格式无效（{name}），应为 YYYY-MM-DD", field=name) from None


def parse_period(
    raw_from: str | dt.date | None,
    raw_to: str | dt.date | None,
    *,
    default_days: int = 30,
    today: dt.date | None = None,
) -> Period:
    """Return the period of ``from``/``to`` (default: the last ``default_days`` days), or refuse with 422."""
    last = parse_date(raw_to, "to") or (today or local_today())
    first = parse_date(raw_from, "from") or last - dt.timedelta(days=default_days - 1)
    if first > last:
        raise ApiError(422, "invalid_period", "开始日期不能晚于结束日期", field="from")
    if (last - first).days >= MAX_PERIOD_DAYS:
        raise ApiError(422, "period_too_long", "统计区间不能超过 10 年", field="from")
    return Period(first, last)


def in_period(column: ColumnElement, period: Period) -> ColumnElement[bool]:
    """Return ``period.start <= column < period.end``."""
    return and_(column >= period.start, column < period.end)


class _LocalBucket(FunctionElement):
    """The Asia/Shanghai day, week (its Monday) or month (its 1st) of a UTC timestamp, as 'YYYY-MM-DD'."""

    type = String()
    inherit_cache = True
    grain = "day"


class _LocalDay(_LocalBucket):
    inherit_cache = True
    grain = "day"


class _LocalWeek(_LocalBucket):
    inherit_cache = True
    grain = "week"


class _LocalMonth(_LocalBucket):
    inherit_cache = True
    grain = "month"


_BUCKETS = {"day": _LocalDay, "week": _LocalWeek, "month": _LocalMonth}


def local_bucket(column: ColumnElement, grain: str) -> ColumnElement[str]:
    """Return the SQL for the Asia/Shanghai ``grain`` bucket of ``column`` ('YYYY-MM-DD' of its first day)."""
    if grain not in _BUCKETS:
        raise ValueError(grain)
    return _BUCKETS[grain](column)


@compiles(_LocalBucket, "sqlite")
def _bucket_sqlite(element: _LocalBucket, compiler, **kw) -> str:
    col = compiler.process(next(iter(element.clauses)), **kw)
    # Stored values are UTC text; Asia/Shanghai has had no DST since 1991, so +8 hours is exact.
    if element.grain == "day":
        return f"date({col}, '+8 hours')"
    if element.grain == "week":
        return f"date({col}, '+8 hours', '-6 days', 'weekday 1')"
    return f"strftime('%Y-%m-01', {col}, '+8 hours')"


@compiles(_LocalBucket, "postgresql")
def _bucket_pg(element: _LocalBucket, compiler, **kw) -> str:
    col = compiler.process(next(iter(element.clauses)), **kw)
    local = f"({col} AT TIME ZONE 'Asia/Shanghai')"
    if element.grain == "day":
        return f"to_char({local}, 'YYYY-MM-DD')"
    return f"to_char(date_trunc('{element.grain}', {local}), 'YYYY-MM-DD')"


def bucket_of(day: dt.date, grain: str) -> dt.date:
    """Return the first day of the bucket ``day`` falls in (Python twin of :class:`local_bucket`)."""
    if grain == "week":
        return day - dt.timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    return day


def subtree_ids(unit: Unit):
    """Return a subquery of the ids of ``unit`` and every unit below it."""
    return select(Unit.id).where(Unit.in_subtree_of(unit)).scalar_subquery()


# Which deadline runs in which state (mirrors hotline.tickets.deadlines.running_deadlines, in SQL).
STAGE_STATES: dict[str, tuple[str, ...]] = {
    "dispatch": (State.REGISTERED.value,),
    "accept": (State.DISPATCHED.value, State.RETURN_REQUESTED.value),
    "reply": (State.DISPATCHED.value, State.RETURN_REQUESTED.value, State.ACCEPTED.value),
    "callback": (State.CALLBACK_DUE.value,),
}
STAGE_DUE = {
    "dispatch": Ticket.dispatch_due,
    "accept": Ticket.accept_due,
    "reply": Ticket.reply_due,
    "callback": Ticket.callback_due_at,
}


def overdue_condition(stage: str, moment: dt.datetime) -> ColumnElement[bool]:
    """Return the condition 'open in ``stage`` and past that stage's deadline at ``moment``' (挂账 stops clocks)."""
    return and_(Ticket.state.in_(STAGE_STATES[stage]), STAGE_DUE[stage] < moment)


def any_overdue(moment: dt.datetime) -> ColumnElement[bool]:
    """Return the condition 'past some running deadline at ``moment``'."""
    return or_(*(overdue_condition(stage, moment) for stage in STAGE_STATES))


def rate(numerator: int | None, denominator: int | None) -> float | None:
    """Return numerator ÷ denominator rounded to 4 places, or None without a denominator."""
    if not denominator or numerator is None:
        return None
    return round(numerator / denominator, 4)
