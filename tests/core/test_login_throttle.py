"""Failed logins are throttled per user name (and address): guessing a password at speed is refused."""

from __future__ import annotations

import pytest

from hotline.auth.throttle import FAILURES_PER_USERNAME
from tests.conftest import DEMO_PASSWORD


@pytest.fixture
def throttle(app):
    from hotline.auth.throttle import login_throttle

    with app.test_request_context():
        limiter = login_throttle()
    limiter.reset()  # failures from an earlier run may still be in Redis
    yield limiter
    limiter.reset()


def test_token_guessing_is_refused_after_the_limit_even_with_the_right_password(app, world, throttle):
    client = app.test_client()
    for _ in range(FAILURES_PER_USERNAME):
        wrong = client.post("/api/v1/auth/token", json={"username": "handler2", "password": "guess"})
        assert wrong.status_code == 401
    blocked = client.post("/api/v1/auth/token", json={"username": "handler2", "password": DEMO_PASSWORD})
    assert blocked.status_code == 429
    assert (
        blocked.get_json()["error"]["code"] == "too_many_attempts"
        and "分钟后再试" in blocked.get_json()["error"]["message"]
    )
    other = client.post("/api/v1/auth/token", json={"username": "handler1", "password": DEMO_PASSWORD})
    assert other.status_code == 200  # another user name is not locked out by someone guessing handler2


def test_successful_logins_do_not_count(app, world, throttle):
    client = app.test_client()
    for _ in range(FAILURES_PER_USERNAME + 2):
        assert (
            client.post("/api/v1/auth/token", json={"username": "handler1", "password": DEMO_PASSWORD}).status_code
            == 200
        )


def test_the_login_page_is_throttled_too(app, world, throttle):
    client = app.test_client()
    for _ in range(FAILURES_PER_USERNAME):
        assert client.post("/login", data={"username": "agent1", "password": "guess"}).status_code == 401
    page = client.post("/login", data={"username": "agent1", "password": DEMO_PASSWORD})
    assert page.status_code == 429 and "登录失败次数过多" in page.get_data(as_text=True)


def test_without_a_reachable_redis_logins_are_throttled_in_this_process(app, world, monkeypatch):
    from hotline.auth.throttle import LoginThrottle

    # Redis configured but down (nothing listens on this port): never a 500, the local count decides.
    monkeypatch.setitem(app.extensions, "hotline.login_throttle", LoginThrottle("redis://127.0.0.1:6399/0"))
    client = app.test_client()
    assert (
        client.post("/api/v1/auth/token", json={"username": "handler1", "password": DEMO_PASSWORD}).status_code == 200
    )
    for _ in range(FAILURES_PER_USERNAME):
        assert client.post("/api/v1/auth/token", json={"username": "handler2", "password": "guess"}).status_code == 401
    blocked = client.post("/api/v1/auth/token", json={"username": "handler2", "password": DEMO_PASSWORD})
    assert blocked.status_code == 429
    assert client.post("/login", data={"username": "agent1", "password": DEMO_PASSWORD}).status_code == 302
