"""Races on real PostgreSQL: exactly one accept wins, numbers and intake stay unique."""

from __future__ import annotations

import threading

import pytest

pytestmark = pytest.mark.postgres


def _race(app, n: int, call) -> list:
    """Run ``call(client, i)`` from ``n`` threads released at once; return the responses."""
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(i: int) -> None:
        client = app.test_client()
        barrier.wait()
        results[i] = call(client, i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def test_two_handlers_accepting_at_once_exactly_one_wins(app, api):
    from tests.conftest import ApiClient

    # A second handler at the same unit, so both may accept.
    with app.app_context():
        from hotline.auth.services import create_user
        from hotline.core.extensions import db
        from hotline.units.services import get_unit_by_code

        create_user(db.session, "handler1b", "demo-12345", "handler", get_unit_by_code(db.session, "A1"))
        db.session.commit()
        db.session.remove()
    for attempt in range(5):
        number = api.new_ticket(content=f"并发签收测试 {attempt}")["number"]
        api.act(number, "dispatch", "dispatcher1", unit="A1")
        tokens = [api.token("handler1"), ApiClient(app.test_client()).token("handler1b")]
        path = f"/api/v1/tickets/{number}/accept"
        responses = _race(
            app, 2, lambda c, i, p=path, t=tokens: c.post(p, headers={"Authorization": f"Bearer {t[i]}"}, json={})
        )
        codes = sorted(r.status_code for r in responses)
        assert codes == [200, 409], [r.get_json() for r in responses]
        loser = next(r for r in responses if r.status_code == 409).get_json()
        assert loser["error"]["code"] in ("conflict", "invalid_transition")
        events = api.get(f"/api/v1/tickets/{number}/events", as_="handler1").get_json()["events"]
        assert [e["action"] for e in events].count("accept") == 1


def test_concurrent_intake_gets_unique_numbers_and_one_ticket_per_external_id(app, api):
    token = api.token("agent1")
    headers = {"Authorization": f"Bearer {token}"}
    responses = _race(
        app,
        8,
        lambda c, i: c.post("/api/v1/tickets", headers=headers, json={"channel": "phone", "content": "并发受理"}),
    )
    numbers = [r.get_json()["ticket"]["number"] for r in responses]
    assert all(r.status_code == 201 for r in responses)
    assert len(set(numbers)) == 8
    twins = _race(
        app,
        6,
        lambda c, i: c.post(
            "/api/v1/tickets", headers=headers, json={"channel": "app", "content": "重复推送", "external_id": "app-1"}
        ),
    )
    assert sorted(r.status_code for r in twins).count(201) == 1
    assert len({r.get_json()["ticket"]["number"] for r in twins}) == 1


def test_a_number_taken_by_an_open_intake_holds_up_no_other(app):
    """The day's counter is not locked until an intake commits: the next intake's number comes at once."""
    import datetime as dt

    from sqlalchemy.orm import Session

    from hotline.core.extensions import db
    from hotline.tickets.numbering import next_ticket_number

    moment = dt.datetime(2026, 12, 3, 2, 0, tzinfo=dt.UTC)
    with app.app_context():
        engine = db.engine
        first = Session(engine)
        try:
            first.begin()
            taken = next_ticket_number(first, moment)  # its transaction stays open, as a slow intake's would
            second: list[str] = []

            def take() -> None:
                with Session(engine) as other:
                    second.append(next_ticket_number(other, moment))
                    other.commit()

            racer = threading.Thread(target=take, daemon=True)
            racer.start()
            racer.join(5)
            assert second, "the second number waited for the first intake's transaction"
            assert int(second[0]) == int(taken) + 1
        finally:
            first.rollback()  # the intake fails: its number is not given again (a gap, as with a sequence)
            first.close()
        third = Session(engine)
        try:
            assert int(next_ticket_number(third, moment)) == int(second[0]) + 1
            third.commit()
        finally:
            third.close()
