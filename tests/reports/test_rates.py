"""Every §6 number against an independent plain-Python count over the same rows."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

from sqlalchemy import select

from hotline.core.clock import as_utc
from hotline.tickets.deadlines import running_deadlines
from hotline.tickets.models import SATISFIED_LEVELS, Ticket, TicketCallback, TicketEvent
from hotline.units.models import Unit
from reports.queries import parse_period
from reports.rates import RATES, compute_rates, drill_down, rank_rows
from tests.reports.conftest import FROM, NOW, TO

PERIOD = parse_period(FROM, TO)


def independent_counts(session, start: dt.datetime, end: dt.datetime, now: dt.datetime) -> dict:
    """Recount every measure per unit id from the raw rows, without the reports package."""
    tickets = {t.id: t for t in session.scalars(select(Ticket))}
    units = {u.code: u.id for u in session.scalars(select(Unit))}
    counts: dict = defaultdict(Counter)
    on_time: dict = defaultdict(set)

    def within(moment) -> bool:
        return moment is not None and start <= as_utc(moment) < end

    for e in session.scalars(select(TicketEvent).order_by(TicketEvent.id)):
        if not within(e.created_at):
            continue
        if e.action == "dispatch":
            unit = units[e.data["unit"]]
            counts[unit]["dispatched"] += 1
            t = tickets[e.ticket_id]
            if t.lead_unit_id == unit and t.accepted_at is not None and t.accepted_on_time:
                on_time[unit].add(t.id)
        elif e.action == "approve_return":
            counts[units[e.data["returned_by"]]]["returns_approved"] += 1
    for unit, ids in on_time.items():
        counts[unit]["accepted_on_time"] = len(ids)
    for t in tickets.values():
        if t.lead_unit_id is not None and not t.is_final_reply:
            replied = within(t.replied_at)
            missed = (
                t.replied_at is None
                and t.state in ("dispatched", "return_requested", "accepted")
                and t.reply_due is not None
                and start <= as_utc(t.reply_due) < min(end, now)
            )
            if replied or missed:
                counts[t.lead_unit_id]["due"] += 1
                counts[t.lead_unit_id]["replied_on_time"] += replied and bool(t.replied_on_time)
        if t.state == "closed" and t.lead_unit_id is not None and within(t.closed_at):
            counts[t.lead_unit_id]["closed"] += 1
            counts[t.lead_unit_id]["reworked"] += t.rework_count > 0
        # 超期 from the core's own notion of running deadlines.
        late = [d.stage for d in running_deadlines(t) if as_utc(d.due_at) < now]
        if late and t.handling_unit_id is not None:
            counts[t.handling_unit_id]["overdue"] += 1
            for stage in late:
                counts[t.handling_unit_id][stage] += 1
    for c in session.scalars(select(TicketCallback)):
        t = tickets[c.ticket_id]
        if not within(c.created_at) or c.unreachable or t.is_final_reply or t.dispute_upheld:
            continue
        counts[c.unit_id]["valid_callbacks"] += 1
        counts[c.unit_id]["contacted"] += c.contacted
        counts[c.unit_id]["resolved"] += bool(c.resolved)
        counts[c.unit_id]["satisfied"] += c.satisfaction in SATISFIED_LEVELS
    return counts


def test_every_unit_number_matches_an_independent_count(month, session):
    result = compute_rates(session, PERIOD, now=NOW.astimezone(dt.UTC))
    expected = independent_counts(session, PERIOD.start, PERIOD.end, NOW.astimezone(dt.UTC))
    units = {u.id: u.code for u in session.scalars(select(Unit))}
    expected_codes = {units[uid] for uid, c in expected.items() if any(c.values())}
    assert {r["unit"]["code"] for r in result["rows"]} == expected_codes
    names = (
        "dispatched",
        "accepted_on_time",
        "returns_approved",
        "due",
        "replied_on_time",
        "valid_callbacks",
        "contacted",
        "resolved",
        "satisfied",
        "closed",
        "reworked",
        "overdue",
    )
    for row in result["rows"]:
        uid = next(i for i, code in units.items() if code == row["unit"]["code"])
        for name in names:
            assert row[name] == expected[uid][name], (row["unit"]["code"], name)
        for stage in ("accept", "reply", "callback"):
            assert row["overdue_by_stage"][stage] == expected[uid][stage], (row["unit"]["code"], stage)
        for rate_name, (num, den) in RATES.items():
            if row[den]:
                assert row[rate_name] == round(row[num] / row[den], 4)
            else:
                assert row[rate_name] is None


def test_known_outcomes_of_the_month(month, session):
    rows = {r["unit"]["code"]: r for r in compute_rates(session, PERIOD, now=NOW)["rows"]}
    a1, jtj, street = rows["A1"], rows["JTJ"], rows["A1-01"]
    # JTJ returned one ticket; A1 got it afterwards. Five A1 tickets closed, one of them after a rework.
    assert jtj["returns_approved"] == 1 and a1["returns_approved"] == 0
    assert (a1["closed"], a1["reworked"]) == (5, 1)
    # A1's valid callbacks: plain, extended, 2 on the reworked one, 2 on the twice-reworked one — not the
    # upheld 最终答复 and not the three unreachable attempts.
    assert (a1["valid_callbacks"], a1["satisfied"], a1["resolved"]) == (6, 3, 2)
    assert (jtj["valid_callbacks"], jtj["satisfied"]) == (3, 2)
    # The street never signed: late at 签收 and at reply.
    assert street["overdue_by_stage"] == {"dispatch": 0, "accept": 1, "reply": 1, "callback": 0}
    # The extension made a reply after the original (holiday-spanning) deadline on time.
    extended = session.scalar(select(Ticket).where(Ticket.number == month.numbers["extended"]))
    assert extended.replied_on_time is True and extended.accepted_on_time is False
    assert month.numbers["extended"] in drill_down(
        session, "replied_on_time", PERIOD, now=NOW, unit=session.scalar(select(Unit).where(Unit.code == "A1"))
    )
    final = drill_down(session, "due", PERIOD, now=NOW)
    assert month.numbers["final_upheld"] not in final and month.numbers["resumed"] in final


def test_city_totals_and_direct_answer_rate(month, session):
    result = compute_rates(session, PERIOD, now=NOW)
    tickets = list(session.scalars(select(Ticket)))
    registered = [t for t in tickets if PERIOD.start <= as_utc(t.created_at) < PERIOD.end]
    on_call = [t for t in registered if t.number == month.numbers["on_call"]]
    totals = result["totals"]
    assert totals["registered"] == len(registered) and totals["closed_on_call"] == len(on_call) == 1
    assert totals["direct_answer_rate"] == round(1 / len(registered), 4)
    # Totals include the registered-but-undispatched overdue tickets (no unit), rows do not.
    assert totals["overdue_by_stage"]["dispatch"] == sum(
        1 for t in tickets if t.state == "registered" and as_utc(t.dispatch_due) < NOW
    )
    for name in ("dispatched", "returns_approved", "valid_callbacks", "satisfied", "closed", "due"):
        assert totals[name] == sum(r[name] for r in result["rows"])
    # A unit-scoped report has no 直接答复率 (a registered ticket has no unit).
    scoped = compute_rates(session, PERIOD, now=NOW, scope=session.scalar(select(Unit).where(Unit.code == "A1")))
    assert scoped["totals"]["registered"] is None
    assert {r["unit"]["code"] for r in scoped["rows"]} <= {"A1", "A1-01", "A1-01-01", "A1-01-01-G01"}


def test_grouping_by_day_week_month_and_category(month, session):
    by_day = compute_rates(session, PERIOD, by="day", now=NOW)
    days = {r["period"]: r for r in by_day["rows"]}
    assert "2024-09-22" not in days  # 23:30 on 09-22 Shanghai is outside, 00:30 on 09-23 is inside
    assert days["2024-09-23"]["registered"] == 2
    assert sum(r["registered"] for r in by_day["rows"]) == by_day["totals"]["registered"]
    by_week = compute_rates(session, PERIOD, by="week", now=NOW)
    assert all(dt.date.fromisoformat(r["period"]).weekday() == 0 for r in by_week["rows"])
    assert sum(r["valid_callbacks"] for r in by_week["rows"]) == by_week["totals"]["valid_callbacks"]
    by_month = compute_rates(session, PERIOD, by="month", now=NOW)
    assert [r["period"] for r in by_month["rows"]] == ["2024-09-01", "2024-10-01"]
    expected_sept = sum(
        1
        for t in session.scalars(select(Ticket))
        if PERIOD.start <= as_utc(t.created_at) < PERIOD.end and as_utc(t.created_at).astimezone(NOW.tzinfo).month == 9
    )
    assert by_month["rows"][0]["registered"] == expected_sept
    by_category = compute_rates(session, PERIOD, by="category", now=NOW)
    cats = {r["category"]: r for r in by_category["rows"]}
    assert cats["HB.02"]["reworked"] == 0 and cats["CX.01"]["reworked"] == 1


def test_ranking_needs_a_minimum_sample(month, session):
    default = compute_rates(session, PERIOD, now=NOW)
    assert all(r["rank"] is None and "样本不足" in r["rank_reason"] for r in default["rows"])
    ranked = {r["unit"]["code"]: r for r in compute_rates(session, PERIOD, now=NOW, min_sample=3)["rows"]}
    assert ranked["JTJ"]["rank"] == 1 and ranked["A1"]["rank"] == 2  # 2/3 satisfied beats 3/6
    assert ranked["A1-01"]["rank"] is None
    by_resolution = {
        r["unit"]["code"]: r["rank"]
        for r in compute_rates(session, PERIOD, now=NOW, min_sample=4, rank_by="resolution_rate")["rows"]
    }
    assert by_resolution == {"A1": 1, "JTJ": None, "A1-01": None}


def test_ties_share_a_rank():
    rows = [
        {"valid_callbacks": 20, "satisfaction_rate": 0.9},
        {"valid_callbacks": 15, "satisfaction_rate": 0.9},
        {"valid_callbacks": 12, "satisfaction_rate": 0.5},
        {"valid_callbacks": 3, "satisfaction_rate": 1.0},
    ]
    rank_rows(rows, min_sample=10, rank_by="satisfaction_rate")
    assert [r["rank"] for r in rows] == [1, 1, 3, None]
