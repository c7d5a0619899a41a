"""The working-day clock: Asia/Shanghai office hours on working days (法定节假日 and 调休 from chinesecalendar).

A *working day* is one day of office hours (09:00–17:00, 8 working hours). Limits measured in working
time skip nights, weekends and public holidays and count 调休 Saturdays; limits in plain hours or minutes
(urgent matters) run on the wall clock.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

import chinese_calendar

TZ = ZoneInfo("Asia/Shanghai")
OFFICE_START = dt.time(9, 0)
OFFICE_END = dt.time(17, 0)
WORKDAY_SECONDS = 8 * 3600

UNITS = ("minutes", "hours", "working_hours", "working_days")


def now() -> dt.datetime:
    """Return the current time, aware, in UTC."""
    return dt.datetime.now(dt.UTC)


def to_local(moment: dt.datetime) -> dt.datetime:
    """Return ``moment`` in Asia/Shanghai (naive values are taken as UTC, as stored)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(TZ)


def as_utc(moment: dt.datetime) -> dt.datetime:
    """Return ``moment`` as an aware UTC datetime (naive values are taken as UTC)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


@lru_cache(maxsize=4096)
def is_working_day(day: dt.date) -> bool:
    """Tell whether ``day`` is a working day (调休 Saturdays are; holidays are not)."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        # Beyond the years chinesecalendar knows: plain Monday–Friday.
        return day.weekday() < 5


def _office_window(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    return (dt.datetime.combine(day, OFFICE_START, TZ), dt.datetime.combine(day, OFFICE_END, TZ))


def add_working_seconds(start: dt.datetime, seconds: float) -> dt.datetime:
    """Return the moment ``seconds`` of office time after ``start`` (UTC)."""
    cursor = to_local(start)
    remaining = float(seconds)
    day = cursor.date()
    # Guard against a runaway loop on absurd input: ten years of days at most.
    for _ in range(3660):
        if is_working_day(day):
            opens, closes = _office_window(day)
            begin = max(cursor, opens)
            if begin < closes:
                available = (closes - begin).total_seconds()
                if remaining <= available:
                    return (begin + dt.timedelta(seconds=remaining)).astimezone(dt.UTC)
                remaining -= available
        day += dt.timedelta(days=1)
        cursor = dt.datetime.combine(day, dt.time(0, 0), TZ)
    raise ValueError("working time too far in the future")


def working_seconds_between(start: dt.datetime, end: dt.datetime) -> float:
    """Return the office time between two moments (negative when ``end`` is before ``start``)."""
    a, b = to_local(start), to_local(end)
    if b < a:
        return -working_seconds_between(end, start)
    total = 0.0
    day = a.date()
    while day <= b.date():
        if is_working_day(day):
            opens, closes = _office_window(day)
            lo, hi = max(a, opens), min(b, closes)
            if hi > lo:
                total += (hi - lo).total_seconds()
        day += dt.timedelta(days=1)
    return total


@dataclass(frozen=True)
class Duration:
    """A time limit: an amount in one of ``UNITS``."""

    amount: float
    unit: str

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise ValueError(f"unknown unit {self.unit!r}")

    @property
    def on_working_clock(self) -> bool:
        return self.unit.startswith("working")

    def seconds(self) -> float:
        factor = {"minutes": 60, "hours": 3600, "working_hours": 3600, "working_days": WORKDAY_SECONDS}
        return self.amount * factor[self.unit]

    def after(self, start: dt.datetime) -> dt.datetime:
        """Return the deadline this limit sets for a clock started at ``start``."""
        if self.on_working_clock:
            return add_working_seconds(start, self.seconds())
        return as_utc(start) + dt.timedelta(seconds=self.seconds())

    def label(self) -> str:
        names = {"minutes": "分钟", "hours": "小时", "working_hours": "个工作时", "working_days": "个工作日"}
        amount = int(self.amount) if float(self.amount).is_integer() else self.amount
        return f"{amount}{names[self.unit]}"


def elapsed_share(start: dt.datetime, deadline: dt.datetime, moment: dt.datetime, *, working: bool) -> float:
    """Return how much of the span start→deadline has passed at ``moment`` (1.0 = due)."""
    if working:
        span = working_seconds_between(start, deadline)
        used = working_seconds_between(start, moment)
    else:
        span = (as_utc(deadline) - as_utc(start)).total_seconds()
        used = (as_utc(moment) - as_utc(start)).total_seconds()
    if span <= 0:
        return 1.0 if as_utc(moment) >= as_utc(deadline) else 0.0
    return used / span


def shift_for_pause(
    deadline: dt.datetime, paused_from: dt.datetime, paused_to: dt.datetime, *, working: bool
) -> dt.datetime:
    """Return ``deadline`` moved by the time the clock stood still (挂账)."""
    if working:
        remaining = working_seconds_between(paused_from, deadline)
        if remaining <= 0:  # already overdue when paused: the pause does not forgive it
            return as_utc(deadline)
        return add_working_seconds(paused_to, remaining)
    return as_utc(deadline) + (as_utc(paused_to) - as_utc(paused_from))
