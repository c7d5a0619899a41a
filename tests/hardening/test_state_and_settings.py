"""Issue 13.1 state and settings: no pending request outlives its stage, a rejected answer is gone, the warning
sweep never makes a handler's action a 409, production refuses a random SECRET_KEY, cookies can be Secure."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

EXTENSION = {"days": 3, "reason": "需协调供电部门"}
SUSPEND = {"reason": "等待上级批复资金"}
REPLY = {"result": "已修复", "public_answer": "您反映的问题已处理"}


def _ok(api, number: str, action: str, who: str, **body) -> dict:
    response = api.act(number, action, who, **body)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["ticket"]


@pytest.mark.parametrize(
    ("leave", "who", "body"),
    [
        ("forward", "handler1", {"unit": "A1-01"}),
        ("escalate", "street1", {"reason": "需区级协调"}),
        ("reply", "handler1", REPLY),
    ],
)
def test_leaving_the_stage_withdraws_pending_requests(api, leave, who, body):
    number = api.new_ticket(kind="complaint")["number"]
    _ok(api, number, "dispatch", "dispatcher1", unit="A1")
    if leave == "escalate":
        _ok(api, number, "accept", "handler1")
        _ok(api, number, "forward", "handler1", unit="A1-01")
    requester = "street1" if leave == "escalate" else "handler1"
    _ok(api, number, "accept", requester)
    _ok(api, number, "request_extension", requester, **EXTENSION)
    _ok(api, number, "request_suspend", requester, **SUSPEND)
    ticket = _ok(api, number, leave, who, **body)
    assert ticket["pending_extension_days"] is None and ticket["pending_suspend"] is False
    for action in ("approve_extension", "approve_suspend"):
        refused = api.act(number, action, "supervisor1")
        assert refused.status_code == 409, refused.get_json()
    event = api.get(f"/api/v1/tickets/{number}/events", as_="agent1").get_json()["events"][-1]
    assert event["action"] == leave and event["data"]["withdrawn_extension_days"] == 3
    assert event["data"]["withdrawn_suspend_reason"] == SUSPEND["reason"]


def test_a_rejected_reply_leaves_no_public_answer(api):
    number = api.new_ticket(kind="complaint")["number"]
    _ok(api, number, "dispatch", "dispatcher1", unit="A1")
    _ok(api, number, "accept", "handler1")
    _ok(api, number, "reply", "handler1", **REPLY)
    ticket = _ok(api, number, "reject_reply", "supervisor1", reason="答复不完整")
    assert ticket["public_answer"] is None and ticket["state"] == "accepted"


def test_the_warning_sweep_does_not_bump_the_version(app, api):
    from hotline.core import clock
    from hotline.core.effects import commit
    from hotline.core.extensions import db
    from hotline.tickets.models import Ticket
    from hotline.tickets.warnings import sweep_warnings

    number = api.new_ticket(kind="complaint")["number"]
    before = _ok(api, number, "dispatch", "dispatcher1", unit="A1")
    with app.app_context():
        result = sweep_warnings(db.session, clock.now() + dt.timedelta(days=90))
        commit(db.session)
        ticket = db.session.scalar(select(Ticket).where(Ticket.number == number))
        assert result.changed == 1 and ticket.warning == "red" and ticket.version == before["version"]
        db.session.remove()
    # A handler who loaded the ticket before the sweep acts on it without a spurious 409.
    assert _ok(api, number, "accept", "handler1")["state"] == "accepted"


def test_a_ticket_changed_under_the_sweep_is_left_to_its_action(app, api):
    from hotline.core import clock
    from hotline.core.extensions import db
    from hotline.tickets.models import Ticket
    from hotline.tickets.warnings import sweep_warnings

    number = api.new_ticket(kind="complaint")["number"]
    _ok(api, number, "dispatch", "dispatcher1", unit="A1")
    with app.app_context():
        stale = db.session.scalar(select(Ticket).where(Ticket.number == number))
        assert stale.warning == "none"
        # Another process takes an action after this session read the ticket (its version moves on).
        with db.engine.begin() as other:
            other.execute(
                Ticket.__table__.update().where(Ticket.__table__.c.id == stale.id).values(version=stale.version + 1)
            )
        result = sweep_warnings(db.session, clock.now() + dt.timedelta(days=90))
        db.session.commit()
        assert result.changed == 0
        db.session.remove()


def test_production_refuses_to_start_without_a_fixed_secret_key(monkeypatch, tmp_path):
    from hotline.app import create_app
    from hotline.core.config import ConfigError

    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgresql://hotline@db.example/hotline")
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()
    monkeypatch.setenv("SECRET_KEY", "a-fixed-key-shared-by-every-process")
    assert create_app().config["SECRET_KEY"] == "a-fixed-key-shared-by-every-process"
    monkeypatch.delenv("SECRET_KEY")
    demo = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'demo.db'}"})
    assert len(demo.config["SECRET_KEY"]) == 64  # the embedded demo: a random key per start is harmless


def _login_cookie(app, **environ) -> str:
    client = app.test_client()
    response = client.post("/login", data={"username": "agent1", "password": "demo-12345"}, **environ)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))


def test_the_session_cookie_is_secure_over_https_or_when_told(app, world, monkeypatch):
    assert "Secure" not in _login_cookie(app)  # plain HTTP, not configured: the demo must still log in
    assert "Secure" in _login_cookie(app, base_url="https://hotline.example")
    monkeypatch.setitem(app.config, "SESSION_COOKIE_SECURE", True)
    assert "Secure" in _login_cookie(app)
    cookie = _login_cookie(app, base_url="https://hotline.example")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
