"""万件清理: backlog buckets and reasons, campaign ledger, 销号, bulk actions, burn-down, the workbook."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from hotline.core.clock import TZ, as_utc
from hotline.core.errors import DomainError
from hotline.tickets.lifecycle import ActionParams, perform_action
from hotline.tickets.models import Ticket, TicketEvent
from reports import exports, ledger
from reports.backlog import BUCKETS, backlog_rows, summarise
from tests.reports.conftest import NOW

OPEN = {"registered", "dispatched", "return_requested", "accepted", "suspended", "replied", "callback_due", "disputed"}


def expected_bucket(days: int) -> str:
    return "≤7" if days <= 7 else "7-15" if days <= 15 else "15-30" if days <= 30 else "30-90" if days <= 90 else ">90"


def test_backlog_rows_buckets_and_reasons(month, session):
    rows = {r["number"]: r for r in backlog_rows(session, now=NOW)}
    tickets = list(session.scalars(select(Ticket)))
    assert set(rows) == {t.number for t in tickets if t.state in OPEN}
    for t in tickets:
        if t.state in OPEN:
            age = (NOW - as_utc(t.created_at)).days
            assert rows[t.number]["age_days"] == age
            assert rows[t.number]["age_bucket"] == expected_bucket(age)
    n = month.numbers
    assert rows[n["age_over_90"]]["age_bucket"] == ">90" and rows[n["age_30_90"]]["age_bucket"] == "30-90"
    assert rows[n["age_15_30"]]["age_bucket"] == "15-30" and rows[n["age_7_15"]]["age_bucket"] == "7-15"
    assert rows[n["age_le_7"]]["age_bucket"] == "≤7"
    assert "suspended" in rows[n["suspended"]]["reasons"] and "overdue" not in rows[n["suspended"]]["reasons"]
    assert "reworked" in rows[n["reworked_twice"]]["reasons"]
    assert "overdue" in rows[n["unsigned"]]["reasons"]
    # 07-20 is more than 90 days before now: only the other two count, so the address no longer repeats 3×…
    assert all("repeat_address" not in rows[n[f"repeat{i}"]]["reasons"] for i in range(3))
    # …but seen from 10-15 noon all three fall in the window.
    earlier = {r["number"]: r for r in backlog_rows(session, now=dt.datetime(2024, 10, 15, 12, tzinfo=TZ))}
    assert all("repeat_address" in earlier[n[f"repeat{i}"]]["reasons"] for i in range(3))
    assert rows[n["unsigned"]]["unit"] == {"code": "A1-01", "name": "东风街道"}
    summary = summarise(list(rows.values()))
    assert sum(summary["by_bucket"].values()) == len(rows)
    assert summary["by_reason"]["suspended"] == 1


def make_campaign(session, world, when: dt.datetime, scope=None):
    campaign = ledger.create_campaign(
        session, "2024年四季度万件清理", when.astimezone(TZ).date(), scope, world.user("supervisor1"), now=when
    )
    session.commit()
    return campaign


def test_campaign_snapshot_strike_off_and_burndown(month, session, world):
    start = dt.datetime(2024, 10, 21, 9, tzinfo=TZ)
    campaign = make_campaign(session, world, start)
    open_numbers = {t.number for t in session.scalars(select(Ticket)) if t.state in OPEN}
    rows = {r["number"]: r for r in ledger.ledger_rows(session, campaign)}
    assert set(rows) == open_numbers and campaign.backlog_at_start == len(open_numbers)

    # 销号 is refused for an open ticket, and nothing changes.
    number = month.numbers["reworked_twice"]
    with pytest.raises(DomainError) as refused:
        ledger.strike_off(session, campaign, [number], world.user("supervisor1"), now=start)
    assert refused.value.status == 409
    session.rollback()
    assert ledger.remaining_count(session, campaign) == len(open_numbers)

    # Close it on 10-22 (reply, approve, satisfied callback), strike it off on 10-23.
    t = session.scalar(select(Ticket).where(Ticket.number == number))
    users = {u: world.user(u) for u in ("handler1", "supervisor1", "agent1")}
    day2 = dt.datetime(2024, 10, 22, 10, tzinfo=TZ)
    perform_action(session, t, "reply", users["handler1"], ActionParams(result="好", public_answer="已处理"), now=day2)
    perform_action(session, t, "approve_reply", users["supervisor1"], ActionParams(), now=day2 + dt.timedelta(hours=1))
    perform_action(
        session,
        t,
        "callback",
        users["agent1"],
        ActionParams(contacted=True, resolved=True, satisfaction="satisfied"),
        now=day2 + dt.timedelta(hours=2),
    )
    day3 = dt.datetime(2024, 10, 23, 10, tzinfo=TZ)
    result = ledger.strike_off(session, campaign, [number], users["supervisor1"], note="已办结", now=day3)
    session.commit()
    assert result == {"struck_off": [number], "already_struck_off": []}
    again = ledger.strike_off(session, campaign, [number], users["supervisor1"], now=day3)
    assert again["already_struck_off"] == [number]

    points = {p["date"]: p for p in ledger.burndown(session, campaign, today=dt.date(2024, 10, 24))}
    total = len(open_numbers)
    assert list(points) == ["2024-10-21", "2024-10-22", "2024-10-23", "2024-10-24"]
    assert [points[d]["remaining"] for d in points] == [total, total, total - 1, total - 1]
    assert [points[d]["closed"] for d in points] == [0, 1, 1, 1]
    assert points["2024-10-24"]["clearance_rate"] == round(1 / total, 4)
    units = {u["unit"]["code"] if u["unit"] else None: u for u in ledger.unit_clearance(session, campaign)}
    a1_rows = [r for r in rows.values() if r["unit"] and r["unit"]["code"] == "A1"]
    assert units["A1"]["backlog_at_start"] == len(a1_rows)
    assert units["A1"]["closed"] == 1 and units["A1"]["clearance_rate"] == round(1 / len(a1_rows), 4)
    assert sum(u["backlog_at_start"] for u in units.values()) == total


def test_bulk_supervise_and_redispatch(month, session, world):
    campaign = make_campaign(session, world, dt.datetime(2024, 10, 21, 9, tzinfo=TZ))
    sup = world.user("supervisor1")
    results = ledger.bulk_supervise(session, campaign, None, sup, note="限期办结", now=NOW)
    session.commit()
    assert results and all(r["ok"] for r in results)
    supervised = session.scalars(select(TicketEvent.ticket_id).where(TicketEvent.action == "supervise")).all()
    assert len(supervised) == len(results)
    # 改派: registered tickets are dispatched; signed ones are refused one by one, the rest still go through.
    n = month.numbers
    results = ledger.bulk_redispatch(
        session,
        campaign,
        [n["boundary_in"], n["reworked_twice"], n["age_le_7"]],
        "A2",
        world.user("dispatcher1"),
        now=NOW,
    )
    session.commit()
    by_number = {r["number"]: r for r in results}
    assert by_number[n["boundary_in"]]["ok"] and by_number[n["boundary_in"]]["state"] == "dispatched"
    assert not by_number[n["reworked_twice"]]["ok"] and by_number[n["reworked_twice"]]["state"] == "accepted"
    assert by_number[n["age_le_7"]]["error"]["code"] == "cannot_redispatch"
    moved = session.scalar(select(Ticket).where(Ticket.number == n["boundary_in"]))
    assert moved.lead_unit.code == "A2"
    with pytest.raises(DomainError):
        ledger.bulk_redispatch(session, campaign, ["20990101000001"], "A2", world.user("dispatcher1"), now=NOW)


def test_ledger_workbook_has_a_sheet_per_unit_and_totals(month, session, world):
    campaign = make_campaign(session, world, dt.datetime(2024, 10, 21, 9, tzinfo=TZ))
    rows = ledger.ledger_rows(session, campaign)
    clearance = ledger.unit_clearance(session, campaign)
    data = exports.ledger_workbook(
        ledger.campaign_to_dict(campaign), rows, clearance, generated_at=dt.datetime(2024, 10, 21, 9, tzinfo=TZ)
    )
    wb = load_workbook(io.BytesIO(data))
    names = {r["unit"]["name"] if r["unit"] else "未派单" for r in rows}
    assert wb.sheetnames[0] == "汇总" and set(wb.sheetnames[1:]) == names
    totals = wb["汇总"]
    assert "2024-10-21" in totals["A1"].value and totals.freeze_panes == "A3"
    assert totals["A2"].font.b and totals["A2"].value == "承办单位"
    body = [r for r in totals.iter_rows(min_row=3, values_only=True)]
    assert body[-1][0] == "合计" and body[-1][1] == len(rows) == sum(r[1] for r in body[:-1])
    for name in names:
        sheet = wb[name]
        numbers = [r[0] for r in sheet.iter_rows(min_row=3, values_only=True)]
        assert sorted(numbers) == sorted(
            r["number"] for r in rows if (r["unit"]["name"] if r["unit"] else "未派单") == name
        )
        assert sheet.column_dimensions["B"].width == 36 and sheet.freeze_panes == "A3"
    assert set(BUCKETS) >= {r["age_bucket"] for r in rows}
