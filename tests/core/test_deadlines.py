"""Deadlines per stage and preset, extensions, suspension and the yellow/red warnings."""

from __future__ import annotations

import datetime as dt

import pytest

from hotline.core import clock
from hotline.core.clock import TZ
from hotline.core.errors import DomainError
from hotline.tickets import limits
from hotline.tickets.deadlines import worst_deadline
from hotline.tickets.lifecycle import ActionParams, perform_action
from hotline.tickets.services import NewTicket, register_ticket
from hotline.tickets.warnings import sweep_warnings


def local(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TZ)


@pytest.mark.parametrize(
    ("preset", "kind", "urgency", "amount", "unit"),
    [
        ("default", "consult", "normal", 5, "working_days"),
        ("default", "complaint", "normal", 15, "working_days"),
        ("default", "complaint", "urgent", 24, "hours"),
        ("beijing", "help", "normal", 24, "hours"),
        ("beijing", "consult", "normal", 168, "hours"),
        ("beijing", "complaint", "urgent", 2, "hours"),
        ("guangdong", "consult", "normal", 2, "working_days"),
        ("guangdong", "suggestion", "normal", 10, "working_days"),
        ("guangdong", "report", "normal", 15, "working_days"),
    ],
)
def test_reply_limits_by_preset(session, preset, kind, urgency, amount, unit):
    duration = limits.limit_for(session, preset, "reply", kind=kind, urgency=urgency)
    assert (duration.amount, duration.unit) == (amount, unit)


def test_a_preset_without_a_stage_falls_back_to_default(session):
    assert limits.limit_for(session, "guangdong", "accept", kind="help", urgency="normal").unit == "working_days"
    assert limits.limit_for(session, "beijing", "dispatch", kind="help", urgency="urgent").amount == 30


def test_edited_rows_in_the_database_override_the_preset(session):
    from hotline.tickets.models import TimeLimit

    session.add(TimeLimit(preset="default", stage="reply", kind="consult", amount=3, unit="working_days"))
    session.add(TimeLimit(preset="default", stage="reply", amount=10, unit="working_days"))
    session.flush()
    assert limits.limit_for(session, "default", "reply", kind="consult", urgency="normal").amount == 3
    assert limits.limit_for(session, "default", "reply", kind="complaint", urgency="normal").amount == 10


def _do(session, world, ticket, action, who, now, **params):
    return perform_action(session, ticket, action, world.user(who), ActionParams(**params), now=now)


def test_stage_deadlines_across_national_day(session, world):
    start = local(2026, 9, 30, 15, 0)
    ticket, _ = register_ticket(
        session, NewTicket(channel="phone", content="噪音扰民", kind="complaint"), world.user("agent1"), now=start
    )
    # dispatch within 2 working hours: 15:00 + 2 h = 17:00 the same day.
    assert clock.to_local(ticket.dispatch_due) == local(2026, 9, 30, 17, 0)
    _do(session, world, ticket, "dispatch", "dispatcher1", start, unit="A1")
    assert clock.to_local(ticket.accept_due) == local(2026, 10, 8, 15, 0)  # 1 wd, over 国庆
    assert clock.to_local(ticket.return_due) == local(2026, 10, 8, 15, 0)
    # 15 wd = 120 h: 2 h on 30 Sep; 14 full days 8, 9, 10 (调休 Sat), 12–16, 19–23, 26 Oct; 6 h on 27 Oct.
    assert clock.to_local(ticket.reply_due) == local(2026, 10, 27, 15, 0)


def test_extension_moves_the_deadline_only_on_approval_and_at_most_three_times(session, world):
    now = local(2026, 11, 23, 10, 0)
    ticket, _ = register_ticket(
        session, NewTicket(channel="phone", content="道路破损", kind="complaint"), world.user("agent1"), now=now
    )
    _do(session, world, ticket, "dispatch", "dispatcher1", now, unit="A1")
    _do(session, world, ticket, "accept", "handler1", now)
    due = ticket.reply_due
    for n in range(1, 4):
        _do(session, world, ticket, "request_extension", "handler1", now, days=5, reason="需要协调")
        assert ticket.reply_due == due  # not before approval
        _do(session, world, ticket, "approve_extension", "supervisor1", now)
        assert ticket.reply_due == clock.add_working_seconds(due, 5 * 8 * 3600)
        assert ticket.extension_count == n
        due = ticket.reply_due
    with pytest.raises(DomainError) as refused:
        _do(session, world, ticket, "request_extension", "handler1", now, days=1, reason="还要")
    assert refused.value.code == "too_many_extensions"
    with pytest.raises(DomainError) as too_long:
        _do(session, world, ticket, "approve_extension", "supervisor1", now)
    assert too_long.value.code == "no_pending_request"


def test_extension_longer_than_the_limit_is_refused(session, world):
    now = local(2026, 11, 23, 10, 0)
    ticket, _ = register_ticket(session, NewTicket(channel="phone", content="x"), world.user("agent1"), now=now)
    _do(session, world, ticket, "dispatch", "dispatcher1", now, unit="A1")
    _do(session, world, ticket, "accept", "handler1", now)
    with pytest.raises(DomainError) as refused:
        _do(session, world, ticket, "request_extension", "handler1", now, days=6, reason="太久")
    assert refused.value.code == "out_of_range"


def test_suspension_stops_the_clock(session, world):
    now = local(2026, 11, 23, 10, 0)  # Monday
    ticket, _ = register_ticket(
        session, NewTicket(channel="phone", content="x", kind="consult"), world.user("agent1"), now=now
    )
    _do(session, world, ticket, "dispatch", "dispatcher1", now, unit="A1")
    _do(session, world, ticket, "accept", "handler1", now)
    due = ticket.reply_due  # 5 wd → Monday 30 Nov 10:00
    assert clock.to_local(due) == local(2026, 11, 30, 10, 0)
    _do(session, world, ticket, "request_suspend", "handler1", now, reason="等待法院判决")
    _do(session, world, ticket, "approve_suspend", "supervisor1", local(2026, 11, 24, 10, 0))
    assert ticket.state == "suspended"
    assert worst_deadline(ticket, local(2026, 12, 30, 10, 0))[0] == "none"  # no clock while suspended
    _do(session, world, ticket, "resume", "handler1", local(2026, 11, 26, 10, 0))
    # Two working days stood still (Tue 10:00 → Thu 10:00): the deadline moves by two working days.
    assert clock.to_local(ticket.reply_due) == local(2026, 12, 2, 10, 0)


def test_return_only_within_its_window(session, world):
    now = local(2026, 11, 23, 10, 0)
    ticket, _ = register_ticket(session, NewTicket(channel="phone", content="x"), world.user("agent1"), now=now)
    _do(session, world, ticket, "dispatch", "dispatcher1", now, unit="A1")
    with pytest.raises(DomainError) as late:
        _do(session, world, ticket, "request_return", "handler1", local(2026, 11, 25, 10, 0), reason="不归我们管")
    assert late.value.code == "return_window_over"
    with pytest.raises(DomainError) as no_reason:
        _do(session, world, ticket, "request_return", "handler1", now)
    assert no_reason.value.code == "missing_field"


def test_warnings_turn_yellow_at_80_percent_and_red_when_overdue(session, world):
    now = local(2026, 11, 23, 9, 0)  # Monday
    ticket, _ = register_ticket(
        session, NewTicket(channel="phone", content="x", kind="consult"), world.user("agent1"), now=now
    )
    _do(session, world, ticket, "dispatch", "dispatcher1", now, unit="A1")
    _do(session, world, ticket, "accept", "handler1", now)
    assert sweep_warnings(session, local(2026, 11, 26, 9, 0)).changed == 0  # 60 %
    result = sweep_warnings(session, local(2026, 11, 27, 9, 30))  # > 80 %
    assert (result.changed, result.reminders, ticket.warning) == (1, 1, "yellow")
    assert sweep_warnings(session, local(2026, 11, 27, 10, 0)).changed == 0  # no duplicate reminder
    result = sweep_warnings(session, local(2026, 11, 30, 9, 1))
    assert (ticket.warning, result.reminders) == ("red", 1)
    from hotline.tickets.models import TicketReminder

    levels = [r.level for r in session.query(TicketReminder).order_by(TicketReminder.id)]
    assert levels == ["yellow", "red"]
