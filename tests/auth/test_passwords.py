"""Password rules (length, not the user name, not common) and the maximum age."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.auth.conftest import page_login


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("short-1", "至少 10 位"),
        ("handler1-secret", "用户名"),
        ("Password123", "常见"),
        ("1q2w3e4r5t", "常见"),
        ("1234567890", "常见"),
        ("aaaaaaaaaaaa", "常见"),
    ],
)
def test_weak_passwords_are_refused_with_the_rule(api, password, why):
    response = api.post(
        "/api/v1/auth/password", as_="handler1", json={"current_password": "demo-12345", "new_password": password}
    )
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "weak_password"
    assert why in response.get_json()["error"]["message"]


def test_a_good_password_is_set_and_the_old_one_stops_working(app, api):
    wrong = api.post(
        "/api/v1/auth/password",
        as_="handler1",
        json={"current_password": "nope-nope-nope", "new_password": "河边-路灯-2026-修好"},
    )
    assert wrong.status_code == 422 and wrong.get_json()["error"]["code"] == "wrong_password"
    ok = api.post(
        "/api/v1/auth/password",
        as_="handler1",
        json={"current_password": "demo-12345", "new_password": "河边-路灯-2026-修好"},
    )
    assert ok.status_code == 200 and not ok.get_json()["password_expired"]
    client = app.test_client()
    assert client.post("/api/v1/auth/token", json={"username": "handler1", "password": "demo-12345"}).status_code == 401
    assert (
        client.post("/api/v1/auth/token", json={"username": "handler1", "password": "河边-路灯-2026-修好"}).status_code
        == 200
    )


def test_an_expired_password_must_be_changed_before_anything_else(app, world, monkeypatch):
    from hotline.core import clock

    monkeypatch.setitem(app.config, "HOTLINE_PASSWORD_MAX_AGE_DAYS", 30)
    later = clock.now() + dt.timedelta(days=31)
    monkeypatch.setattr(clock, "now", lambda: later)
    client = app.test_client()
    login = page_login(client, "agent1")
    assert login.headers["Location"] == "/account/password"
    assert client.get("/console").headers["Location"] == "/account/password"
    token = client.post("/api/v1/auth/token", json={"username": "agent1", "password": "demo-12345"})
    assert token.status_code == 403 and token.get_json()["error"]["code"] == "password_expired"
    changed = client.post(
        "/account/password", data={"current_password": "demo-12345", "new_password": "新的-话务-密码-77"}
    )
    assert changed.status_code == 200 and "密码已修改" in changed.get_data(as_text=True)
    assert client.get("/console").status_code == 200
    monkeypatch.setitem(app.config, "HOTLINE_PASSWORD_MAX_AGE_DAYS", 0)  # 0: passwords never expire


def test_create_user_command_applies_the_rules(app, world):
    runner = app.test_cli_runner()
    weak = runner.invoke(
        args=[
            "hotline",
            "create-user",
            "--username",
            "agent7",
            "--role",
            "agent",
            "--unit",
            "A",
            "--password",
            "agent7agent7",
        ]
    )
    assert weak.exit_code != 0 and "用户名" in weak.output
    ok = runner.invoke(
        args=[
            "hotline",
            "create-user",
            "--username",
            "agent7",
            "--role",
            "agent",
            "--unit",
            "A",
            "--password",
            "热线-坐席-2026-七号",
        ]
    )
    assert ok.exit_code == 0, ok.output


def test_the_open311_key_command_as_the_readme_writes_it(app, world):
    result = app.test_cli_runner().invoke(args=["hotline", "open311-key", "--name", "city-app"])
    assert result.exit_code == 0 and len(result.output.strip()) >= 20
