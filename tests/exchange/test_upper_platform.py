"""Exchange with a real separate process playing the provincial platform (tests/exchange/upper_platform.py)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from tests.exchange.conftest import CODE, free_port


@pytest.fixture
def clock_at(monkeypatch):
    """Return ``advance(seconds)``: move the application's clock on (backoff waits without sleeping)."""
    from hotline.core import clock

    real = clock.now
    offset = {"s": 0.0}
    monkeypatch.setattr(clock, "now", lambda: real() + dt.timedelta(seconds=offset["s"]))

    def advance(seconds: float) -> None:
        offset["s"] += seconds

    return advance


def _pull_until_done(app, upper, limit: int = 10) -> int:
    from hotline.exchange.tasks import pull_platform

    runs = 0
    with app.app_context():
        while runs < 60:
            runs += 1
            result = pull_platform(CODE, limit=limit)
            if result["error"] is None and len(upper.state()["receipts"]) == len(upper.state()["tickets"]):
                break
    return runs


def _messages(app, **where):
    from hotline.core.extensions import db
    from hotline.exchange.models import ExchangeMessage

    with app.app_context():
        query = select(ExchangeMessage).order_by(ExchangeMessage.id)
        for name, value in where.items():
            query = query.where(getattr(ExchangeMessage, name) == value)
        rows = [(m.id, m.message_id, m.kind, m.status, m.tries, m.external_id) for m in db.session.scalars(query)]
        db.session.remove()
    return rows


def test_fifty_pulled_through_drops_arrive_once_and_their_status_reaches_it_once_after_an_outage(
    app, api, upper, platform_row, jobs_in_process, clock_at
):
    from hotline.core.extensions import db
    from hotline.exchange.tasks import deliver_due
    from hotline.tickets.models import Ticket

    upper.control(drop_every=3, drop_mode="before")
    runs = _pull_until_done(app, upper)
    state = upper.state()
    assert state["dropped"] >= 3 and runs > 1  # the drops really interrupted the pulls
    with app.app_context():
        tickets = db.session.scalars(select(Ticket).where(Ticket.channel == "upper").order_by(Ticket.id)).all()
        assert len(tickets) == 50
        assert sorted(t.external_id for t in tickets) == [f"sd12345:SD-2026-{i:06d}" for i in range(1, 51)]
        numbers = {t.external_id.split(":", 1)[1]: t.number for t in tickets}
        db.session.remove()
    assert state["receipts"] == numbers  # every ticket acknowledged with our number, exactly these 50
    inbound = _messages(app, direction="in")
    assert len(inbound) == 50 and {m[3] for m in inbound} == {"acked"}
    assert max(m[4] for m in inbound) >= 1

    # The platform goes down; the centre works its tickets meanwhile.
    upper.stop()
    acked_before = {m[1] for m in _messages(app, direction="out", status="acked")}
    for number in numbers.values():
        assert api.act(number, "dispatch", "dispatcher1", unit="A1").status_code == 200
    answered = list(numbers.values())[:10]
    for number in answered:
        assert api.act(number, "accept", "handler1").status_code == 200
        assert (
            api.act(number, "reply", "handler1", result="已更换灯具", public_answer="路灯已修复。").status_code == 200
        )
        assert api.act(number, "approve_reply", "supervisor1").status_code == 200
    for number in answered[:5]:
        closed = api.act(number, "callback", "agent1", contacted=True, resolved=True, satisfaction="satisfied")
        assert closed.status_code == 200 and closed.get_json()["ticket"]["state"] == "closed"
    for number in list(numbers.values())[10:15]:
        assert api.act(number, "accept", "handler1").status_code == 200
        assert api.act(number, "request_extension", "handler1", days=3, reason="需协调供电公司").status_code == 200
    with app.app_context():
        deliver_due(CODE)
    out = _messages(app, direction="out")
    kinds = [m[2] for m in out]
    assert len(out) == 120
    assert (
        kinds.count("accepted"),
        kinds.count("processing"),
        kinds.count("answered"),
        kinds.count("closed"),
        kinds.count("extension_request"),
    ) == (50, 50, 10, 5, 5)
    assert {m[1] for m in out if m[3] == "acked"} == acked_before  # nothing got through while it was down
    assert any(m[4] >= 1 and m[3] == "pending" for m in out)  # tried, failed, waiting with backoff

    # It comes back, still losing every third answer (done there, the reply lost): retries, same message ids.
    upper.start()
    upper.control(drop_every=3, drop_mode="after")
    for _ in range(40):
        clock_at(3600)
        with app.app_context():
            deliver_due(CODE)
        if all(m[3] == "acked" for m in _messages(app, direction="out")):
            break
    out = _messages(app, direction="out")
    assert {m[3] for m in out} == {"acked"}
    state = upper.state()
    ours = [m[1] for m in out]
    assert sorted(state["applied"]) == sorted(ours) and len(state["applied"]) == len(set(state["applied"])) == 120
    assert state["duplicates"] >= 1 and state["bad_signatures"] == 0  # resent after a lost answer, applied once
    for number in answered[:5]:  # and in the order things happened
        external = next(k for k, v in numbers.items() if v == number)
        order = [
            state["applied"].index(f"sd12345:{external}:{kind}:1")
            for kind in ("accepted", "processing", "answered", "closed")
        ]
        assert order == sorted(order)
    answer = state["statuses"][f"sd12345:{next(iter(numbers))}:answered:1"]["message"]
    assert answer["answer"] == "路灯已修复。" and answer["local_number"] == answered[0]


def _one_dead_message(app, api, upper) -> tuple[int, str]:
    """Pull, then have the platform refuse everything (HTTP 422) while a ticket is dispatched: one dead letter."""
    from hotline.core.extensions import db
    from hotline.exchange.tasks import deliver_due, pull_platform
    from hotline.tickets.models import Ticket

    with app.app_context():
        pull_platform(CODE, limit=50)
        deliver_due(CODE)
        number = db.session.scalar(select(Ticket.number).where(Ticket.external_id == "sd12345:SD-2026-000001"))
        db.session.remove()
    upper.control(drop_every=1, drop_mode="reject")
    assert api.act(number, "dispatch", "dispatcher1", unit="A1").status_code == 200
    with app.app_context():
        deliver_due(CODE)
    dead = _messages(app, direction="out", status="dead")
    assert len(dead) == 1 and dead[0][2] == "processing" and dead[0][4] == 1  # a refusal is not retried blindly
    upper.control(drop_every=0)
    return dead[0][0], dead[0][1]


def test_a_refused_message_goes_dead_and_an_admin_replays_it_once(app, api, upper, platform_row, jobs_in_process):
    from hotline.exchange.tasks import deliver_due

    dead_id, dead_key = _one_dead_message(app, api, upper)
    rows = api.get(f"/api/v1/exchange/log?platform={CODE}", as_="supervisor1").get_json()["rows"]
    assert {"direction", "platform", "external_id", "number", "kind", "status", "tries"} <= set(rows[0])
    assert [r["kind"] for r in rows if r["status"] == "dead"] == ["processing"]
    assert {r["direction"] for r in rows} == {"in", "out"} and all(r["platform"] == CODE for r in rows)
    assert len([r for r in rows if r["direction"] == "in"]) == 50
    dead_only = api.get(f"/api/v1/exchange/log?platform={CODE}&status=dead", as_="admin1").get_json()["rows"]
    assert [r["id"] for r in dead_only] == [dead_id]
    assert api.get("/api/v1/exchange/log?platform=nope", as_="admin1").status_code == 404
    assert api.get("/api/v1/exchange/log?status=bogus", as_="admin1").status_code == 422
    assert api.get("/api/v1/exchange/log", as_="handler1").status_code == 403

    assert api.post(f"/api/v1/exchange/messages/{dead_id}/replay", as_="supervisor1").status_code == 403
    assert api.post(f"/api/v1/exchange/messages/{dead_id}/replay", as_="admin1").status_code == 200
    with app.app_context():
        deliver_due(CODE)
    assert dict((m[0], m[3]) for m in _messages(app, direction="out"))[dead_id] == "acked"
    assert api.post(f"/api/v1/exchange/messages/{dead_id}/replay", as_="admin1").status_code == 409  # not dead now
    assert upper.state()["applied"].count(dead_key) == 1
    events = api.get("/api/v1/auth/events", as_="admin1").get_json()["rows"]
    assert any(e["action"] == "exchange_replayed" and e["actor"] == "admin1" for e in events)


def test_the_exchange_page_shows_in_out_failed_and_replays(app, api, upper, platform_row, login, jobs_in_process):
    dead_id, _ = _one_dead_message(app, api, upper)
    admin = login("admin1")
    html = admin.get("/admin/exchange").get_data(as_text=True)
    assert "SD-2026-000001" in html and "失败（死信，可重放）" in html and f'value="{dead_id}"' in html
    after = admin.post("/admin/exchange/replay", data={"message_id": str(dead_id)})
    assert after.status_code == 200 and "已重新排队发送" in after.get_data(as_text=True)
    viewer = login("supervisor1").get("/admin/exchange").get_data(as_text=True)
    assert "SD-2026-000001" in viewer and 'action="/admin/exchange/replay"' not in viewer
    assert login("handler1").get("/admin/exchange").status_code == 403


def test_an_upper_ticket_is_flagged_ranked_first_keeps_attachments_and_the_stricter_deadline(
    app, api, upper, platform_row, jobs_in_process
):
    from hotline.core.extensions import db
    from hotline.exchange.tasks import pull_platform
    from hotline.tickets.models import Ticket

    ours = api.new_ticket()
    with app.app_context():
        pull_platform(CODE, limit=50)
        tight = db.session.scalar(select(Ticket).where(Ticket.external_id == "sd12345:SD-2026-000005"))
        loose = db.session.scalar(select(Ticket).where(Ticket.external_id == "sd12345:SD-2026-000001"))
        assert tight.upper_due is not None and tight.dispatch_due <= tight.upper_due
        tight_number, loose_number, upper_due = tight.number, loose.number, tight.upper_due
        db.session.remove()
    shown = api.get(f"/api/v1/tickets/{tight_number}", as_="dispatcher1").get_json()["ticket"]
    assert shown["upper"]["label"] == "上级交办" and shown["upper"]["platform"] == CODE and shown["channel"] == "upper"
    assert api.get(f"/api/v1/tickets/{ours['number']}", as_="dispatcher1").get_json()["ticket"]["upper"] is None
    queue = api.get("/api/v1/tickets?state=registered", as_="dispatcher1").get_json()["tickets"]
    assert len(queue) == 50 and all(t["upper"] is not None for t in queue)  # ours is older, yet after them
    later = api.get("/api/v1/tickets?state=registered&page=2", as_="dispatcher1").get_json()["tickets"]
    assert [t["number"] for t in later] == [ours["number"]]
    files = api.get(f"/api/v1/exchange/tickets/{tight_number}/attachments", as_="dispatcher1").get_json()["rows"]
    assert (
        files
        == [
            {
                "name": "现场照片5.jpg",
                "url": "https://up.example.gov.cn/files/5.jpg",
                "mime": "image/jpeg",
                "size": 204800,
                "sha256": files[0]["sha256"],
            }
        ]
        and len(files[0]["sha256"]) == 64
    )
    dispatched = api.act(tight_number, "dispatch", "dispatcher1", unit="A1").get_json()["ticket"]
    assert dt.datetime.fromisoformat(dispatched["deadlines"]["reply"]) <= upper_due  # theirs, stricter than ours
    loose_reply = api.act(loose_number, "dispatch", "dispatcher1", unit="A1").get_json()["ticket"]["deadlines"]["reply"]
    assert dt.datetime.fromisoformat(loose_reply) < dt.datetime.now(dt.UTC) + dt.timedelta(days=29)  # ours


def test_a_signed_push_is_taken_in_once_and_a_bad_or_replayed_one_is_refused(
    app, api, upper, platform_row, jobs_in_process
):
    from hotline.core.extensions import db
    from hotline.exchange.models import ExchangeMessage
    from hotline.tickets.models import Ticket

    # The platform pushes over HTTP, so our app listens for real here (werkzeug, a port of our range).
    server = make_server("127.0.0.1", free_port(), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        city = f"http://127.0.0.1:{server.server_port}/api/v1/exchange/{CODE}/tickets"
        first = upper.push(city, ["SD-2026-000007", "SD-2026-000008"])
        assert first["status"] == 200 and [r["created"] for r in first["answer"]["receipts"]] == [True, True]
        again = upper.push(city, ["SD-2026-000007"])
        assert again["status"] == 200 and again["answer"]["receipts"][0]["created"] is False
        assert again["answer"]["receipts"][0]["local_number"] == first["answer"]["receipts"][0]["local_number"]
        assert upper.push(city, ["SD-2026-000009"], tamper=True)["status"] == 401
        assert upper.push(city, ["SD-2026-000009"], nonce="0123456789abcdef")["status"] == 200
        assert upper.push(city, ["SD-2026-000010"], nonce="0123456789abcdef")["status"] == 401  # nonce replayed
    finally:
        server.shutdown()
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Ticket).where(Ticket.channel == "upper")) == 3
        assert (
            db.session.scalar(
                select(func.count()).select_from(ExchangeMessage).where(ExchangeMessage.direction == "in")
            )
            == 3
        )
    assert api.client.post(f"/api/v1/exchange/{CODE}/tickets", json={"tickets": []}).status_code == 401


def test_tickets_of_other_channels_tell_no_platform(app, api, platform_row, jobs_in_process):
    ticket = api.new_ticket()
    assert api.act(ticket["number"], "dispatch", "dispatcher1", unit="A1").status_code == 200
    assert _messages(app) == []
