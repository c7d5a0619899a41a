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
