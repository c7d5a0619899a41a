"""The working-day clock across the 2026 春节 and 国庆 holidays and 调休 Saturdays."""

from __future__ import annotations

import datetime as dt

import pytest

from hotline.core import clock
from hotline.core.clock import TZ, Duration


def local(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TZ)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (dt.date(2026, 10, 1), False),  # 国庆
        (dt.date(2026, 10, 7), False),
        (dt.date(2026, 10, 8), True),
        (dt.date(2026, 9, 25), False),  # 中秋
        (dt.date(2026, 10, 10), True),  # 调休 Saturday
        (dt.date(2026, 2, 14), True),  # 调休 Saturday before 春节
        (dt.date(2026, 2, 17), False),  # 春节
        (dt.date(2026, 2, 28), True),  # 调休 Saturday after 春节
        (dt.date(2026, 11, 28), False),  # ordinary Saturday
        (dt.date(2026, 11, 24), True),
    ],
)
def test_working_days_follow_the_official_calendar(day, working):
    assert clock.is_working_day(day) is working


def test_one_working_day_before_national_day_lands_after_the_holiday():
    # Wednesday 30 Sep 15:00 + 1 working day: 2 h left that day, 6 h on the next working day, 8 Oct.
    due = Duration(1, "working_days").after(local(2026, 9, 30, 15, 0))
    assert clock.to_local(due) == local(2026, 10, 8, 15, 0)


def test_five_working_days_across_national_day_count_the_make_up_saturday():
    # From Thu 24 Sep 10:00: Fri 25 Sep is 中秋, 1–7 Oct 国庆; 28, 29, 30 Sep and 8 Oct are full working
    # days, so 5 wd end on Fri 9 Oct 10:00 …
    assert clock.to_local(Duration(5, "working_days").after(local(2026, 9, 24, 10, 0))) == local(2026, 10, 9, 10, 0)
    # … and the 6th working day is Saturday 10 Oct (调休), not Monday 12 Oct.
    assert clock.to_local(Duration(6, "working_days").after(local(2026, 9, 24, 10, 0))) == local(2026, 10, 10, 10, 0)


def test_spring_festival_skips_the_holiday_and_counts_both_saturdays():
    # From Fri 13 Feb 16:00, 2 working hours: 1 h on Fri, 1 h on Sat 14 Feb (调休).
    assert clock.to_local(Duration(2, "working_hours").after(local(2026, 2, 13, 16, 0))) == local(2026, 2, 14, 10, 0)
    # From Sat 14 Feb 9:00, 1 working day ends at 17:00 the same day; 2 wd jump the holiday to Tue 24 Feb.
    assert clock.to_local(Duration(1, "working_days").after(local(2026, 2, 14, 9, 0))) == local(2026, 2, 14, 17, 0)
    assert clock.to_local(Duration(2, "working_days").after(local(2026, 2, 14, 9, 0))) == local(2026, 2, 24, 17, 0)


def test_start_at_night_or_weekend_begins_next_morning():
    assert clock.to_local(Duration(2, "working_hours").after(local(2026, 11, 27, 20, 0))) == local(2026, 11, 30, 11, 0)


def test_wall_clock_limits_ignore_holidays():
    start = local(2026, 10, 1, 23, 0)
    assert clock.to_local(Duration(30, "minutes").after(start)) == local(2026, 10, 1, 23, 30)
    assert clock.to_local(Duration(24, "hours").after(start)) == local(2026, 10, 2, 23, 0)


def test_working_seconds_between_is_the_inverse_of_adding():
    start = local(2026, 9, 29, 11, 30)
    due = clock.add_working_seconds(start, 7 * 8 * 3600)
    assert clock.working_seconds_between(start, due) == pytest.approx(7 * 8 * 3600)
    assert clock.working_seconds_between(due, start) == pytest.approx(-7 * 8 * 3600)


def test_elapsed_share_reaches_eighty_percent_on_working_time():
    start = local(2026, 11, 23, 9, 0)
    due = Duration(5, "working_days").after(start)
    assert clock.elapsed_share(start, due, local(2026, 11, 26, 9, 0), working=True) == pytest.approx(0.6)
    assert clock.elapsed_share(start, due, local(2026, 11, 27, 9, 0), working=True) == pytest.approx(0.8)


def test_a_pause_moves_the_deadline_by_the_working_time_stood_still():
    due = local(2026, 11, 27, 17, 0)  # Friday
    shifted = clock.shift_for_pause(due, local(2026, 11, 26, 17, 0), local(2026, 11, 30, 9, 0), working=True)
    # One working day remained when paused on Thursday evening; resumed Monday morning → Monday 17:00.
    assert clock.to_local(shifted) == local(2026, 11, 30, 17, 0)


def test_a_pause_after_the_deadline_does_not_forgive_it():
    due = local(2026, 11, 24, 12, 0)
    assert clock.shift_for_pause(due, local(2026, 11, 25, 9, 0), local(2026, 11, 26, 9, 0), working=True) == due
