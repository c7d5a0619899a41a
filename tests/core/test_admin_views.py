"""Admins edit the time-limit table; units read their 临期提醒."""

from __future__ import annotations

import datetime as dt


def test_admin_edits_a_limit_and_new_tickets_follow_it(api):
    listing = api.get("/api/v1/time-limits?preset=default", as_="admin1").get_json()
    assert {"amount": 2, "unit": "working_hours"}.items() <= listing["stages"]["dispatch"][0].items()
    assert api.post("/api/v1/time-limits", as_="handler1", json={}).status_code == 403
    bad = api.post(
        "/api/v1/time-limits",
        as_="admin1",
        json={"preset": "default", "stage": "dispatch", "unit": "weeks", "amount": 1},
    )
    assert bad.status_code == 422 and bad.get_json()["error"]["code"] == "invalid_choice"
    added = api.post(
        "/api/v1/time-limits",
        as_="admin1",
        json={"preset": "default", "stage": "dispatch", "unit": "hours", "amount": 48},
    )
    assert added.status_code == 201
    ticket = api.new_ticket()
    created = dt.datetime.fromisoformat(ticket["created_at"])
    due = dt.datetime.fromisoformat(ticket["deadlines"]["dispatch"])
    assert due - created == dt.timedelta(hours=48)
    assert (
        api.client.delete(
            f"/api/v1/time-limits/{added.get_json()['id']}", headers={"Authorization": f"Bearer {api.token('admin1')}"}
        ).status_code
        == 200
    )


def test_reminders_are_scoped_to_the_unit(api, app):
    from hotline.core import clock
    from hotline.core.extensions import db
    from hotline.tickets.warnings import sweep_warnings

    number = api.new_ticket()["number"]
    api.act(number, "dispatch", "dispatcher1", unit="A1")
    with app.app_context():
        sweep_warnings(db.session, clock.now() + dt.timedelta(days=60))
        db.session.commit()
    mine = api.get("/api/v1/reminders", as_="handler1").get_json()
    assert [r["number"] for r in mine] == [number] and mine[0]["level"] == "red"
    assert api.get("/api/v1/reminders", as_="handler2").get_json() == []


def test_a_unit_marks_its_reminder_read_and_no_other_unit_can(api, app):
    from sqlalchemy import select

    from hotline.core import clock
    from hotline.core.audit import AdminChange
    from hotline.core.extensions import db
    from hotline.tickets.warnings import sweep_warnings

    number = api.new_ticket()["number"]
    api.act(number, "dispatch", "dispatcher1", unit="A1")
    with app.app_context():
        sweep_warnings(db.session, clock.now() + dt.timedelta(days=60))
        db.session.commit()
    [reminder] = api.get("/api/v1/reminders?unread=1&open=1", as_="handler1").get_json()
    assert (reminder["number"], reminder["level_name"], reminder["stage_name"]) == (number, "超期", "签收")
    assert reminder["state_name"] == "待签收" and reminder["read_at"] is None and reminder["due_text"][:2] == "20"
    assert [r["id"] for r in api.get("/api/v1/reminders", as_="supervisor1").get_json()] == [reminder["id"]]

    # another unit's handler cannot read it, nor learn it exists; an unknown id is the same 404
    for who, rid in (("handler2", reminder["id"]), ("handler1", reminder["id"] + 999)):
        refused = api.post(f"/api/v1/reminders/{rid}/read", as_=who)
        assert refused.status_code == 404 and "临期提醒" in refused.get_json()["error"]["message"]
    assert api.post(f"/api/v1/reminders/{reminder['id']}/read").status_code == 401

    read = api.post(f"/api/v1/reminders/{reminder['id']}/read", as_="handler1")
    assert read.status_code == 200 and read.get_json()["read_at"]
    again = api.post(f"/api/v1/reminders/{reminder['id']}/read", as_="handler1").get_json()
    assert again["read_at"] == read.get_json()["read_at"]  # reading twice changes nothing
    assert api.get("/api/v1/reminders?unread=1", as_="handler1").get_json() == []
    assert [r["read_at"] for r in api.get("/api/v1/reminders", as_="handler1").get_json()] == [again["read_at"]]
    with app.app_context():  # a 回访 deadline is the centre's: the unit holding the ticket is not told of it
        from hotline.tickets.models import Ticket, TicketReminder

        ticket = db.session.scalar(select(Ticket).where(Ticket.number == number))
        db.session.add(
            TicketReminder(
                ticket_id=ticket.id,
                unit_id=ticket.handling_unit_id,
                stage="callback",
                level="red",
                due_at=clock.now(),
                created_at=clock.now(),
            )
        )
        db.session.commit()
    assert [r["stage"] for r in api.get("/api/v1/reminders", as_="handler1").get_json()] == ["accept"]
    assert {r["stage"] for r in api.get("/api/v1/reminders", as_="supervisor1").get_json()} == {"accept", "callback"}
    with app.app_context():
        changes = db.session.scalars(select(AdminChange).where(AdminChange.entity == "reminder")).all()
        assert [(c.action, c.entity_key, c.before["number"]) for c in changes] == [
            ("read", str(reminder["id"]), number)
        ]
        assert changes[0].actor.username == "handler1"
        db.session.remove()
