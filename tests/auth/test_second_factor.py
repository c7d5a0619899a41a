"""TOTP second factor: required for admin and supervisor, enrolment, codes once, recovery codes once."""

from __future__ import annotations

import pyotp
from sqlalchemy import select

from tests.auth.conftest import enrol_on_page, page_login
from tests.conftest import DEMO_PASSWORD


def test_an_admin_without_the_second_factor_cannot_reach_an_admin_page(app, make_user):
    make_user("admin2", "admin")
    client = app.test_client()
    login = page_login(client, "admin2")
    assert login.status_code == 302 and login.headers["Location"] == "/account/security"
    for page in ("/admin/staff", "/admin/users", "/admin/dispatch-rules", "/dashboard", "/reports"):
        response = client.get(page)
        assert response.status_code == 302 and response.headers["Location"] == "/account/security", page
    refused = client.get("/api/v1/users")
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "second_factor_enrolment_required"
    assert client.post("/api/v1/auth/tokens", json={"name": "x", "days": 1}).status_code == 403
    # nor can it get an API token with the password alone
    token = client.post("/api/v1/auth/token", json={"username": "admin2", "password": DEMO_PASSWORD})
    assert token.status_code == 403 and token.get_json()["error"]["code"] == "second_factor_enrolment_required"
    # the enrolment page says why
    assert "须先绑定手机动态验证码" in client.get("/account/security").get_data(as_text=True)


def test_enrolment_on_the_page_opens_the_admin_pages_and_the_secret_is_shown_once(app, make_user):
    make_user("admin2", "admin")
    client = app.test_client()
    page_login(client, "admin2")
    started = client.post("/account/security", data={"action": "start"}).get_data(as_text=True)
    assert "<svg" in started and "otpauth://totp/" in started  # the QR code and the URI
    client.post("/account/security", data={"action": "start"})  # a reload makes a new secret: the old one is void
    secret, codes = enrol_on_page(client)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get("/admin/staff").status_code == 200
    again = client.get("/account/security").get_data(as_text=True)
    assert secret not in again and codes[0] not in again and "剩余恢复码 10 个" in again
    with app.app_context():
        from hotline.auth.models import RecoveryCode, User
        from hotline.core.extensions import db

        user = db.session.scalar(select(User).where(User.username == "admin2"))
        stored = [
            r.code_sha256 for r in db.session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id))
        ]
        assert len(stored) == 10 and not set(stored) & {c.replace("-", "") for c in codes}  # only hashes


def test_sign_in_needs_the_code_once_enrolled_and_a_code_is_accepted_once(app, make_user):
    make_user("super2", "supervisor")
    client = app.test_client()
    page_login(client, "super2")
    secret, codes = enrol_on_page(client)
    fresh = app.test_client()
    missing = page_login(fresh, "super2")
    assert missing.status_code == 401 and "动态验证码" in missing.get_data(as_text=True)
    assert page_login(fresh, "super2", "000000").status_code == 401
    api_missing = fresh.post("/api/v1/auth/token", json={"username": "super2", "password": DEMO_PASSWORD})
    assert api_missing.status_code == 401 and api_missing.get_json()["error"]["code"] == "second_factor_required"
    # the code used to confirm the binding cannot sign in again (replay within its 30 s step)
    code = pyotp.TOTP(secret).now()
    replay = fresh.post("/api/v1/auth/token", json={"username": "super2", "password": DEMO_PASSWORD, "otp": code})
    assert replay.status_code == 401 and replay.get_json()["error"]["code"] == "invalid_second_factor"
    # a recovery code works exactly once, on the page or for a token
    ok = page_login(fresh, "super2", codes[0])
    assert ok.status_code == 302 and ok.headers["Location"] == "/dashboard"
    assert fresh.get("/dashboard").status_code == 200
    assert page_login(app.test_client(), "super2", codes[0]).status_code == 401
    token = app.test_client().post(
        "/api/v1/auth/token", json={"username": "super2", "password": DEMO_PASSWORD, "otp": codes[1].upper()}
    )
    assert token.status_code == 200
    security = (
        app.test_client()
        .get("/api/v1/auth/security", headers={"Authorization": f"Bearer {token.get_json()['token']}"})
        .get_json()
    )
    assert security["second_factor"] and security["recovery_codes_left"] == 8


def test_the_next_step_s_code_signs_in(app, make_user, session):
    make_user("super2", "supervisor")
    from hotline.auth.second_factor import confirm_enrolment, start_enrolment, verify_second_factor
    from hotline.auth.services import find_user
    from hotline.core import clock

    user = find_user(session, "super2")
    totp = pyotp.TOTP(start_enrolment(session, user))
    now = clock.now()
    confirm_enrolment(session, user, totp.at(now), now)
    later = now + __import__("datetime").timedelta(seconds=30)
    assert verify_second_factor(session, user, totp.at(later), later) == "totp"
    assert verify_second_factor(session, user, totp.at(later), later) is None  # used
    assert verify_second_factor(session, user, totp.at(now), later) is None  # an older step after a newer one


def test_which_roles_need_it_is_configurable(app, make_user, monkeypatch):
    make_user("super2", "supervisor")
    make_user("agent9", "agent")
    monkeypatch.setitem(app.config, "HOTLINE_SECOND_FACTOR_ROLES", "admin")
    client = app.test_client()
    assert page_login(client, "super2").headers["Location"] == "/dashboard"
    monkeypatch.setitem(app.config, "HOTLINE_SECOND_FACTOR_ROLES", "admin,supervisor,agent")
    # the tightened rule applies to the session already open, and to the agent's password-only token
    assert client.get("/dashboard").headers["Location"] == "/account/security"
    monkeypatch.setitem(app.config, "HOTLINE_SECOND_FACTOR_ROLES", "admin,supervisor")
    token = client.post("/api/v1/auth/token", json={"username": "agent9", "password": DEMO_PASSWORD}).get_json()
    monkeypatch.setitem(app.config, "HOTLINE_SECOND_FACTOR_ROLES", "admin,supervisor,agent")
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token['token']}"}).status_code == 401


def test_an_admin_resets_a_lost_second_factor_and_the_user_enrols_again(app, api):
    client = app.test_client()
    reset = api.post("/api/v1/users/supervisor1/reset-second-factor", as_="admin1")
    assert reset.status_code == 200 and reset.get_json()["user"]["second_factor"] is False
    assert page_login(client, "supervisor1").headers["Location"] == "/account/security"
    enrol_on_page(client)
    assert client.get("/dashboard").status_code == 200
