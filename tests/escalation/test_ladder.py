"""The escalation ladder: an overdue ticket climbs one step at a time, once per step, on the working-day clock."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from hotline.core import clock
from hotline.core.clock import TZ
from hotline.core.extensions import db
from hotline.escalation.models import TicketEscalation
from hotline.escalation.services import sweep_escalations
from hotline.tickets.lifecycle import ActionParams, perform_action
from hotline.tickets.models import Ticket, TicketEvent
from hotline.tickets.services import NewTicket, register_ticket


def local(month: int, day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(2024, month, day, hour, tzinfo=TZ)


# Dispatched on Sunday 2024-09-29, a 调休 working day, to the street 东风街道 (A1-01; its parent is A1区):
#   签收 due 1 working day later, Mon 09-30 10:00 → 催办 2 working hours later, 09-30 12:00;
#   reply (consult, 5 working days, skipping the National Day holiday 10-01…10-07) due Fri 10-11 10:00
#   → 督办 1 working day later on Sat 10-12 10:00 (a 调休 working Saturday; a Mon–Fri calendar would say 10-14)
#   → 提级督办 3 working days later, Tue 10-15 10:00 (10-12, 10-14, 10-15).
EXPECTED = [
    ("accept_urge", "urge", local(9, 30, 12)),
    ("reply_supervise", "supervise", local(10, 12)),
    ("reply_escalate", "supervise", local(10, 15)),
]


@pytest.fixture
def overdue(app, world, jobs_in_process) -> str:
    with app.app_context():
        users = {n: world.user(n) for n in world.usernames}
        ticket, _ = register_ticket(
            db.session,
            NewTicket(channel="phone", content="路灯不亮", kind="consult", caller_phone="13800000000"),
            users["agent1"],
            now=local(9, 29, 9),
        )
        perform_action(
            db.session, ticket, "dispatch", users["dispatcher1"], ActionParams(unit="A1-01"), now=local(9, 29)
        )
        db.session.commit()
        number = ticket.number
        db.session.remove()
    return number


def test_the_calendar_the_expectations_rest_on():
    assert clock.is_working_day(dt.date(2024, 9, 29)) and clock.is_working_day(dt.date(2024, 10, 12))
    assert not clock.is_working_day(dt.date(2024, 10, 7)) and not clock.is_working_day(dt.date(2024, 10, 13))


def test_an_overdue_ticket_climbs_once_per_step_across_the_tiaoxiu_weekend(app, world, overdue):
    with app.app_context():
        street1 = world.user("street1")
        moment = local(9, 29, 10)
        while moment <= local(10, 17, 10):
            if moment == local(
                10,
                8,
                10,
            ):
                ticket = db.session.scalar(select(Ticket).where(Ticket.number == overdue))
                perform_action(db.session, ticket, "accept", street1, ActionParams(), now=moment)
            for _ in range(2):  # a repeated sweep at the same moment takes nothing twice
                sweep_escalations(db.session, moment)
            db.session.commit()
            moment += dt.timedelta(hours=1)
        ticket = db.session.scalar(select(Ticket).where(Ticket.number == overdue))
        steps = list(
            db.session.scalars(
                select(TicketEscalation).where(TicketEscalation.ticket_id == ticket.id).order_by(TicketEscalation.id)
            )
        )
        assert [(s.rule_code, clock.as_utc(s.created_at)) for s in steps] == [
            (code, when.astimezone(dt.UTC)) for code, _, when in EXPECTED
        ]
        trail = list(
            db.session.scalars(
                select(TicketEvent)
                .where(TicketEvent.ticket_id == ticket.id, TicketEvent.action.in_(("urge", "supervise")))
                .order_by(TicketEvent.id)
            )
        )
        assert [(e.action, e.actor.username, clock.as_utc(e.created_at)) for e in trail] == [
            (action, "escalation", when.astimezone(dt.UTC)) for _, action, when in EXPECTED
        ]
        assert "通知上级单位A1区及中心督办员" in trail[2].note
        assert [s.notified_unit_id for s in steps] == [world.unit("A1-01").id] * 2 + [world.unit("A1").id]
        assert ticket.urge_count == 1 and ticket.supervised and ticket.escalation_level == "escalated"


def test_the_steps_show_in_the_inbox_dashboard_and_count_in_assessment(app, world, api, overdue):
    with app.app_context():
        sweep_escalations(db.session, local(10, 16))
        from reports.assessment.schemes import DEMO_SCHEMES, save_scheme

        code, name, definition = DEMO_SCHEMES[0]
        save_scheme(db.session, code, name, definition, world.user("admin1"), effective_from="2024-01")
        db.session.commit()
    ticket = api.get(f"/api/v1/tickets/{overdue}", as_="street1").get_json()["ticket"]
    assert ticket["escalation_level"] == "escalated"
    mine = api.get("/api/v1/escalations", as_="street1").get_json()
    assert [r["level"] for r in mine["rows"]] == ["escalated", "supervised", "urged"]
    assert api.get("/api/v1/escalations", as_="handler2").get_json()["rows"] == []
    summary = api.get("/api/v1/console/summary", as_="supervisor1").get_json()
    assert summary["escalations"] == {"urged": 0, "supervised": 0, "escalated": 1}
    row = api.get(
        "/api/v1/reports/assessment/explain?month=2024-10&scheme=sanlv&unit=A1-01", as_="supervisor1"
    ).get_json()["row"]
    items = {i["measure"]: i for i in row["items"]}
    assert items["supervised"]["numbers"]["numerator"] == [overdue] and items["supervised"]["points"] == -0.5
    assert items["escalated"]["numbers"]["numerator"] == [overdue] and items["escalated"]["points"] == -1


def test_the_admin_replaces_the_ladder_and_it_is_audited(app, world, api, overdue):
    rules = [
        {
            "code": "fast_urge",
            "stage": "accept",
            "after_amount": 30,
            "after_unit": "minutes",
            "action": "urge",
            "level": "urged",
            "target": "unit",
            "name": "签收超时半小时催办",
        }
    ]
    assert (
        api.client.put(
            "/api/v1/escalation-rules",
            json={"rules": rules},
            headers={"Authorization": f"Bearer {api.token('supervisor1')}"},
        ).status_code
        == 403
    )
    bad = api.client.put(
        "/api/v1/escalation-rules",
        json={"rules": [rules[0] | {"stage": "lunch"}]},
        headers={"Authorization": f"Bearer {api.token('admin1')}"},
    )
    assert bad.status_code == 422 and "stage" in bad.get_json()["error"]["message"]
    ok = api.client.put(
        "/api/v1/escalation-rules", json={"rules": rules}, headers={"Authorization": f"Bearer {api.token('admin1')}"}
    )
    assert ok.status_code == 200, ok.get_json()
    listed = api.get("/api/v1/escalation-rules", as_="admin1").get_json()
    assert [r["code"] for r in listed["rules"]] == ["fast_urge"]
    (change,) = listed["changes"]
    assert [r["code"] for r in change["before"]] == ["accept_urge", "reply_supervise", "reply_escalate"]
    with app.app_context():
        result = sweep_escalations(db.session, local(9, 30, 10) + dt.timedelta(minutes=31))
        db.session.commit()
        assert result.steps == 1
        assert db.session.scalar(select(TicketEscalation.rule_code)) == "fast_urge"
