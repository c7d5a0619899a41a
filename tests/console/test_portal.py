"""/portal: a citizen submits without an account, follows by number + phone, and rates."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

FORM = {
    "content": "我家门口的下水道堵塞三天了，污水外溢",
    "caller_phone": "13911112222",
    "caller_name": "王五",
    "address": "东风路 8 号",
}


@pytest.fixture(autouse=True)
def _fresh_limiter(app):
    from hotline.console.portal import limiter

    with app.test_request_context():
        limiter().reset()


def _submit(client, **change) -> str:
    response = client.post("/portal/submit", data=FORM | change)
    assert response.status_code == 201, response.get_data(as_text=True)
    return re.search(r'id="created-number">(\d{14})<', response.get_data(as_text=True)).group(1)


def test_portal_needs_no_login(app, world):
    assert app.test_client().get("/portal").status_code == 200


def test_submit_creates_a_web_ticket_without_actor(app, world, api):
    number = _submit(app.test_client())
    ticket = api.get(f"/api/v1/tickets/{number}", as_="agent1").get_json()["ticket"]
    assert ticket["channel"] == "web" and ticket["state"] == "registered" and ticket["caller_phone"] == "13911112222"
    events = api.get(f"/api/v1/tickets/{number}/events", as_="agent1").get_json()["events"]
    assert events[0]["action"] == "register" and events[0]["actor"] == "system"


@pytest.mark.parametrize("change", [{"content": "短"}, {"caller_phone": "abc"}, {"caller_phone": ""}])
def test_submit_refuses_bad_input(app, world, change):
    assert app.test_client().post("/portal/submit", data=FORM | change).status_code == 422


def test_submit_is_rate_limited_by_ip(app, world):
    app.config["HOTLINE_PORTAL_RATE"] = 2
    app.extensions.pop("hotline.portal_limiter", None)
    try:
        client = app.test_client()
        _submit(client)
        _submit(client)
        assert client.post("/portal/submit", data=FORM).status_code == 429
    finally:
        app.config["HOTLINE_PORTAL_RATE"] = 10
        app.extensions.pop("hotline.portal_limiter", None)


def _submission_id(html: str) -> str:
    return re.search(r'name="submission_id" value="([^"]+)"', html).group(1)


def test_the_same_form_submitted_twice_registers_one_ticket(app, world):
    """A double click or a reload that re-posts must not file the citizen's request twice."""
    client = app.test_client()
    form_id = _submission_id(client.get("/portal").get_data(as_text=True))
    refused = client.post("/portal/submit", data=FORM | {"submission_id": form_id, "caller_phone": "12"})
    assert refused.status_code == 422 and _submission_id(refused.get_data(as_text=True)) == form_id
    first = client.post("/portal/submit", data=FORM | {"submission_id": form_id})
    again = client.post("/portal/submit", data=FORM | {"submission_id": form_id})
    assert (first.status_code, again.status_code) == (201, 200)
    number = re.search(r'id="created-number">(\d{14})<', first.get_data(as_text=True)).group(1)
    assert re.search(r'id="created-number">(\d{14})<', again.get_data(as_text=True)).group(1) == number
    next_form = _submission_id(first.get_data(as_text=True))
    assert next_form != form_id  # the form shown after success is a new one
    assert _submit(client, submission_id=next_form) != number


def test_the_limit_counts_in_a_moving_window_per_key():
    from hotline.core.ratelimit import RateLimiter

    limiter = RateLimiter(2, 600)
    assert limiter.allow("10.0.0.1") and limiter.allow("10.0.0.1")
    assert not limiter.allow("10.0.0.1")
    assert limiter.allow("10.0.0.2")


@pytest.mark.redis
def test_the_limit_is_shared_by_every_web_process_through_redis():
    """Two web processes behind a load balancer must not each grant the full limit."""
    import subprocess
    import sys

    from hotline.core.ratelimit import RateLimiter
    from tests.conftest import REDIS_URL

    here = RateLimiter(2, 600, REDIS_URL)
    here.reset()
    assert here.allow("10.0.0.9")
    other_process = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from hotline.core.ratelimit import RateLimiter; "
            f"print(RateLimiter(2, 600, {REDIS_URL!r}).allow('10.0.0.9'))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert other_process.stdout.strip() == "True"
    assert not here.allow("10.0.0.9")
    here.reset()


def test_track_needs_the_callers_phone(app, world):
    client = app.test_client()
    number = _submit(client)
    assert client.post("/portal/track", data={"number": number, "phone": "13900000000"}).status_code == 404
    response = client.post("/portal/track", data={"number": number, "phone": FORM["caller_phone"]})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert number in html and "已受理" in html


def _to_callback_due(api, number: str) -> None:
    for action, user, body in [
        ("dispatch", "dispatcher1", {"unit": "A1"}),
        ("accept", "handler1", {}),
        ("comment", "handler1", {"note": "内部备注：联系了物业张经理"}),
        ("reply", "handler1", {"result": "已疏通", "public_answer": "下水道已于今日疏通。"}),
        ("approve_reply", "supervisor1", {}),
    ]:
        response = api.act(number, action, user, **body)
        assert response.status_code == 200, response.get_json()


def test_track_shows_public_events_and_answer_without_staff_names(app, world, api):
    client = app.test_client()
    number = _submit(client)
    _to_callback_due(api, number)
    html = client.post("/portal/track", data={"number": number, "phone": FORM["caller_phone"]}).get_data(as_text=True)
    assert "下水道已于今日疏通。" in html and "已派至承办单位" in html and "承办单位已签收" in html
    for secret in ("handler1", "supervisor1", "dispatcher1", "张经理", "已疏通"):
        assert secret not in html
    assert 'id="rate-form"' in html


def test_rate_performs_the_callback_as_the_portal_system_user(app, world, api):
    client = app.test_client()
    number = _submit(client)
    _to_callback_due(api, number)
    response = client.post(
        "/portal/rate",
        data={
            "number": number,
            "phone": FORM["caller_phone"],
            "satisfaction": "very_unsatisfied",
            "resolved": "no",
            "comment": "没修好",
        },
    )
    assert response.status_code == 200 and 'id="rated"' in response.get_data(as_text=True)
    ticket = api.get(f"/api/v1/tickets/{number}", as_="supervisor1").get_json()["ticket"]
    assert (
        ticket["state"] == "disputed" and ticket["satisfaction"] == "very_unsatisfied" and ticket["contacted"] is True
    )
    events = api.get(f"/api/v1/tickets/{number}/events", as_="supervisor1").get_json()["events"]
    assert events[-1]["action"] == "callback" and events[-1]["actor"] == "portal"
    again = client.post(
        "/portal/rate", data={"number": number, "phone": FORM["caller_phone"], "satisfaction": "satisfied"}
    )
    assert again.status_code == 409

    from hotline.auth.models import User
    from hotline.core.extensions import db

    with app.app_context():
        portal = db.session.scalar(select(User).where(User.username == "portal"))
        assert portal is not None and portal.active is False
    assert app.test_client().post("/login", data={"username": "portal", "password": ""}).status_code == 401


def test_rate_refused_before_the_answer_is_approved(app, world):
    client = app.test_client()
    number = _submit(client)
    response = client.post(
        "/portal/rate", data={"number": number, "phone": FORM["caller_phone"], "satisfaction": "satisfied"}
    )
    assert response.status_code == 409


def test_rating_has_no_default_answers(app, api, world):
    client = app.test_client()
    number = _submit(client)
    _to_callback_due(api, number)
    tracked = client.post("/portal/track", data={"number": number, "phone": FORM["caller_phone"]})
    page = tracked.get_data(as_text=True)
    form = page[page.index('id="rate-form"') : page.index("</form>", page.index('id="rate-form"'))]
    assert "checked" not in form and "selected" not in form and '<option value="">请选择</option>' in form
    unanswered = client.post(
        "/portal/rate", data={"number": number, "phone": FORM["caller_phone"], "satisfaction": "satisfied"}
    )
    assert unanswered.status_code == 422 and "是否解决" in unanswered.get_data(as_text=True)
    ticket = api.get(f"/api/v1/tickets/{number}", as_="supervisor1").get_json()["ticket"]
    assert ticket["state"] == "callback_due"
