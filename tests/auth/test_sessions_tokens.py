"""Server-side revocation: logout and disabling end sessions and tokens at once; tokens expire and are revocable."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select, text

from tests.auth.conftest import page_login
from tests.conftest import DEMO_PASSWORD, login_form


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_a_disabled_user_s_token_is_refused_on_the_next_call(app, api):
    token = api.token("agent1")
    client = app.test_client()
    assert client.get("/api/v1/me", headers=_bearer(token)).status_code == 200
    page = app.test_client()
    page_login(page, "agent1")
    assert page.get("/console").status_code == 200
    disabled = api.post("/api/v1/users/agent1/disable", as_="admin1")
    assert disabled.status_code == 200
    assert disabled.get_json()["revoked"]["tokens"] == 1 and disabled.get_json()["revoked"]["sessions"] == 1
    refused = client.get("/api/v1/me", headers=_bearer(token))
    assert refused.status_code == 401 and refused.get_json()["error"]["code"] == "unauthorized"
    assert page.get("/console").headers["Location"] == "/login"
    assert client.post("/api/v1/auth/token", json={"username": "agent1", "password": DEMO_PASSWORD}).status_code == 401
    # enabling again does not bring the old token or session back
    assert api.post("/api/v1/users/agent1/enable", as_="admin1").status_code == 200
    assert client.get("/api/v1/me", headers=_bearer(token)).status_code == 401
    assert page.get("/console").status_code == 302


def test_only_admins_change_accounts_and_not_their_own_off(api):
    assert api.post("/api/v1/users/agent1/disable", as_="supervisor1").status_code == 403
    refused = api.post("/api/v1/users/admin1/disable", as_="admin1")
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "cannot_disable_self"
    assert api.post("/api/v1/users/nobody/disable", as_="admin1").status_code == 404
    assert api.post("/api/v1/users/agent1/explode", as_="admin1").status_code == 404


def test_api_logout_revokes_the_calling_token_only(app, api):
    first = api.token("agent1")
    second = app.test_client().post("/api/v1/auth/token", json=login_form("agent1")).get_json()["token"]
    client = app.test_client()
    out = client.post("/api/v1/auth/logout", headers=_bearer(first))
    assert out.status_code == 200 and out.get_json()["revoked"] == {"tokens": 1, "sessions": 0}
    assert client.get("/api/v1/me", headers=_bearer(first)).status_code == 401
    assert client.get("/api/v1/me", headers=_bearer(second)).status_code == 200
    everywhere = client.post("/api/v1/auth/logout", headers=_bearer(second), json={"everywhere": True})
    assert everywhere.get_json()["revoked"]["tokens"] == 1
    assert client.get("/api/v1/me", headers=_bearer(second)).status_code == 401


def test_page_logout_ends_the_session_on_the_server_so_a_copied_cookie_is_dead(app, world):
    client = app.test_client()
    page_login(client, "handler1")
    cookie = client.get_cookie("session").value
    assert client.get("/inbox").status_code == 200
    client.post("/logout")
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    assert thief.get("/inbox").headers["Location"] == "/login"
    assert thief.get("/api/v1/me").status_code == 401


def test_the_socket_is_refused_after_logout(app, world, sockets):
    client = app.test_client()
    page_login(client, "handler1")
    assert sockets(client).is_connected()
    client.post("/logout")
    assert not sockets(client).is_connected()


def test_personal_tokens_expire_and_are_listed_and_revoked_by_owner_and_admin(app, api, monkeypatch):
    made = api.post("/api/v1/auth/tokens", as_="handler1", json={"name": "夜间同步脚本", "days": 7})
    assert made.status_code == 201
    secret, row = made.get_json()["token"], made.get_json()["row"]
    expires = dt.datetime.fromisoformat(row["expires_at"])
    assert (
        dt.timedelta(days=6, hours=23) < expires - dt.datetime.fromisoformat(row["created_at"]) <= dt.timedelta(days=7)
    )
    client = app.test_client()
    assert client.get("/api/v1/me", headers=_bearer(secret)).status_code == 200
    mine = api.get("/api/v1/auth/tokens", as_="handler1").get_json()["rows"]
    assert {r["name"] for r in mine} == {"登录令牌", "夜间同步脚本"}
    assert all(r["username"] == "handler1" for r in mine)
    # someone else's token does not exist for an agent; an admin sees everyone's and revokes
    assert (
        app.test_client().delete(f"/api/v1/auth/tokens/{row['id']}", headers=_bearer(api.token("agent1"))).status_code
        == 404
    )
    every = api.get("/api/v1/auth/tokens?all=1", as_="admin1").get_json()["rows"]
    assert {"handler1", "agent1", "admin1"} <= {r["username"] for r in every}
    assert (
        api.client.delete(f"/api/v1/auth/tokens/{row['id']}", headers=_bearer(api.token("admin1"))).status_code == 200
    )
    assert client.get("/api/v1/me", headers=_bearer(secret)).status_code == 401
    assert api.post("/api/v1/auth/tokens", as_="handler1", json={"name": "x", "days": 400}).status_code == 422
    # and a token is refused once its time is up
    from hotline.core import clock

    later = clock.now() + dt.timedelta(hours=13)
    monkeypatch.setattr(clock, "now", lambda: later)
    assert client.get("/api/v1/me", headers=_bearer(api.token("handler1"))).status_code == 401


def test_the_token_page_creates_and_revokes(app, world):
    import re

    client = app.test_client()
    page_login(client, "agent1")
    made = client.post("/account/security", data={"action": "create_token", "name": "报表导出", "days": "3"})
    secret = re.search(r'id="new-token">([^<]+)<', made.get_data(as_text=True)).group(1)
    assert app.test_client().get("/api/v1/me", headers=_bearer(secret)).status_code == 200
    token_id = re.search(r'name="token_id" value="(\d+)"', made.get_data(as_text=True)).group(1)
    client.post("/account/security", data={"action": "revoke_token", "token_id": token_id})
    assert app.test_client().get("/api/v1/me", headers=_bearer(secret)).status_code == 401


def _user_id(app, username: str) -> int:
    from hotline.auth.models import User
    from hotline.core.extensions import db

    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.username == username))
        db.session.remove()
    return user_id


def test_admin_page_disables_and_every_change_is_audited(app, api, login):
    admin = login("admin1")
    moved = admin.get("/admin/users")  # account security lives on the one user page now
    assert moved.status_code == 301 and moved.headers["Location"] == "/admin/staff"
    page = admin.get("/admin/staff").get_data(as_text=True)
    assert 'data-username="agent1"' in page and "未绑定" in page and "已绑定" in page
    agent_token = api.token("agent1")
    agent, supervisor = _user_id(app, "agent1"), _user_id(app, "supervisor1")
    admin.post(f"/admin/staff/{agent}/active", data={"active": "0"})
    assert app.test_client().get("/api/v1/me", headers=_bearer(agent_token)).status_code == 401
    admin.post(f"/admin/staff/{agent}/active", data={"active": "1"})
    done = admin.post(f"/admin/staff/{supervisor}/security", data={"change": "revoke_sessions"}, follow_redirects=True)
    assert "已为用户 supervisor1 强制下线" in done.get_data(as_text=True)
    # the old form posts still work and land on the user page
    old = admin.post("/admin/users", data={"username": "agent1", "change": "revoke_sessions"})
    assert old.status_code == 302 and old.headers["Location"] == "/admin/staff"
    events = api.get("/api/v1/auth/events", as_="admin1").get_json()["rows"]
    changes = [
        (e["action"], e["actor"], e["target"]) for e in events if e["actor"] == "admin1" and e["target"] != "admin1"
    ]
    assert ("user_disabled", "admin1", "agent1") in changes and ("user_enabled", "admin1", "agent1") in changes
    assert ("revoked_all", "admin1", "supervisor1") in changes and ("revoked_all", "admin1", "agent1") in changes
    assert api.get("/api/v1/auth/events", as_="supervisor1").status_code in (401, 403)
    audit = admin.get("/admin/audit").get_data(as_text=True)  # the admin audit has the 停用 too
    assert "停用" in audit and "启用" in audit


def test_the_user_page_resets_the_second_factor_unlocks_and_revokes_a_token(app, api, login):
    from hotline.auth.throttle import FAILURES_PER_USERNAME, login_throttle

    admin = login("admin1")
    supervisor = _user_id(app, "supervisor1")
    with app.test_request_context():
        throttle = login_throttle()
        for _ in range(FAILURES_PER_USERNAME):
            throttle.failed("supervisor1", "10.0.0.1")
        assert throttle.locked("supervisor1")
    page = admin.get("/admin/staff").get_data(as_text=True)
    row = re.search(r'<tr data-user="supervisor1".*?</tr>', page, re.S).group(0)
    assert "登录已锁定" in row and 'data-change="unlock"' in row and "已绑定" in row
    admin.post(f"/admin/staff/{supervisor}/security", data={"change": "unlock"})
    with app.test_request_context():
        assert not login_throttle().locked("supervisor1")
    admin.post(f"/admin/staff/{supervisor}/security", data={"change": "reset_second_factor"})
    row = re.search(r'<tr data-user="supervisor1".*?</tr>', admin.get("/admin/staff").get_data(as_text=True), re.S)
    assert "未绑定" in row.group(0) and "登录已锁定" not in row.group(0)

    made = api.post("/api/v1/auth/tokens", as_="handler1", json={"name": "报表导出", "days": 3}).get_json()
    page = admin.get("/admin/staff").get_data(as_text=True)
    assert "报表导出" in page
    token_id = re.search(r'action="/admin/staff/tokens/(\d+)/revoke"', page).group(1)
    revoked = admin.post(f"/admin/staff/tokens/{token_id}/revoke", follow_redirects=True).get_data(as_text=True)
    assert "已吊销接口令牌：报表导出" in revoked
    assert app.test_client().get("/api/v1/me", headers=_bearer(made["token"])).status_code == 401
    refused = admin.post(f"/admin/staff/{supervisor}/security", data={"change": "nonsense"}, follow_redirects=True)
    assert "未知的操作" in refused.get_data(as_text=True)
    events = [(e["action"], e["target"]) for e in api.get("/api/v1/auth/events", as_="admin1").get_json()["rows"]]
    assert ("login_unlocked", "supervisor1") in events and ("second_factor_reset", "supervisor1") in events


def test_the_account_trail_is_append_only(app, api):
    api.post("/api/v1/users/agent1/disable", as_="admin1")
    from hotline.core.extensions import db

    with app.app_context():
        with pytest.raises(Exception, match="append-only"), db.engine.begin() as conn:
            conn.execute(text("UPDATE auth_events SET action = 'nothing'"))
        from hotline.auth.models import AuthEvent

        assert db.session.scalar(select(AuthEvent).where(AuthEvent.action == "user_disabled")) is not None
