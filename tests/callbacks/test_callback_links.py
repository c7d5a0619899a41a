"""智能回访 by link: the link made with the reply approval, the /r/<token> page, the timeout, 三率 by source."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from hotline.core import clock

LINK = re.compile(r"/r/([A-Za-z0-9_-]{20,})")
PHONE = "13812345678"
ANSWER = "路灯已于今日修复，感谢您的反映。"
INTERNAL = "内部备注：找了城管李科长"


@pytest.fixture(autouse=True)
def _fresh_limiter(app):
    from hotline.console.portal import limiter

    with app.test_request_context():
        limiter().reset()


def to_callback_due(api, number: str) -> None:
    for action, user, body in [
        ("dispatch", "dispatcher1", {"unit": "A1"}),
        ("accept", "handler1", {}),
        ("comment", "handler1", {"note": INTERNAL}),
        ("reply", "handler1", {"result": "内部结果：更换灯泡", "public_answer": ANSWER}),
        ("approve_reply", "supervisor1", {}),
    ]:
        response = api.act(number, action, user, **body)
        assert response.status_code == 200, response.get_json()


def link_rows(app, number: str) -> list:
    from hotline.callbacks.models import CallbackLink
    from hotline.core.extensions import db
    from hotline.tickets.models import Ticket

    with app.app_context():
        ticket = db.session.scalar(select(Ticket).where(Ticket.number == number))
        rows = list(db.session.scalars(select(CallbackLink).where(CallbackLink.ticket_id == ticket.id)))
        db.session.expunge_all()
        return rows


def link_sms(app, number: str) -> list:
    """Return the outbox notifications carrying the callback link of ``number``."""
    from hotline.core.extensions import db
    from hotline.tickets.models import Notification, Ticket

    with app.app_context():
        ticket = db.session.scalar(select(Ticket).where(Ticket.number == number))
        rows = list(
            db.session.scalars(
                select(Notification).where(Notification.ticket_id == ticket.id, Notification.purpose == "callback_link")
            )
        )
        db.session.expunge_all()
        return rows


def token_of(app, number: str) -> str:
    (sms,) = link_sms(app, number)
    return LINK.search(sms.body).group(1)


def agent_queue(api) -> list[str]:
    body = api.get("/api/v1/search?state=callback_due&queue=callback&limit=100", as_="agent1").get_json()
    return [t["number"] for t in body["tickets"]]


def rates_row(api, unit: str = "A1") -> dict:
    today = clock.to_local(clock.now()).date().isoformat()
    body = api.get(f"/api/v1/reports/rates?from={today}&to={today}&min_sample=1", as_="supervisor1").get_json()
    return next((r for r in body["rows"] if r["unit"]["code"] == unit), None) or {}


def test_approval_creates_a_link_and_its_sms_in_the_same_transaction(app, api):
    number = api.new_ticket(caller_phone=PHONE)["number"]
    to_callback_due(api, number)
    (link,) = link_rows(app, number)
    (sms,) = link_sms(app, number)
    token = LINK.search(sms.body).group(1)
    assert sms.channel == "sms" and sms.recipient == PHONE and number in sms.body
    assert len(token) >= 22 and link.token_hash != token and token not in link.token_hash  # stored hashed
    ticket = api.get(f"/api/v1/tickets/{number}", as_="agent1").get_json()["ticket"]
    assert clock.as_utc(link.expires_at).isoformat()[:19] == ticket["deadlines"]["callback"][:19]
    assert link.wait_until <= link.expires_at and link.used_at is None and link.notification_id == sms.id

    from hotline.core.extensions import db
    from hotline.core.outbox import OutboxMessage

    with app.app_context():
        jobs = db.session.scalars(select(OutboxMessage).where(OutboxMessage.task.like("%send_notification"))).all()
        assert [sms.id] in [m.args for m in jobs]  # the SMS is an outbox effect of the approval
    # the SMS template gets the link as its variable
    from hotline.sms.services import template_params
    from hotline.tickets.models import Notification, Ticket

    with app.app_context():
        params = template_params(db.session.get(Notification, sms.id), db.session.get(Ticket, sms.ticket_id))
        assert params == {"number": number, "link": f"http://localhost/r/{token}"}


def test_a_portal_citizen_gets_the_link_by_sms(app, api):
    response = app.test_client().post(
        "/portal/submit", data={"content": "小区门口路灯坏了一个月", "caller_phone": "13911112222"}
    )
    number = re.search(r'id="created-number">(\d{14})<', response.get_data(as_text=True)).group(1)
    to_callback_due(api, number)
    (sms,) = link_sms(app, number)
    assert sms.channel == "sms" and sms.recipient == "13911112222" and LINK.search(sms.body)


@pytest.mark.parametrize("body", [{"channel": "mailbox"}, {"caller_phone": None}, {"channel": "transfer_110"}])
def test_no_link_without_a_phone_channel_and_the_agents_call_as_before(app, api, body):
    number = api.new_ticket(**body)["number"]
    to_callback_due(api, number)
    assert link_rows(app, number) == [] and link_sms(app, number) == []
    assert number in agent_queue(api)


def test_a_report_caller_gets_a_link_too(app, api):
    """举报: the citizen is the one rating; the page shows no identity (see hotline.callbacks.services)."""
    number = api.new_ticket(kind="report", caller_name="举报人张三")["number"]
    to_callback_due(api, number)
    page = app.test_client().get("/r/" + token_of(app, number)).get_data(as_text=True)
    assert number in page and "举报人张三" not in page and PHONE not in page


def test_the_page_shows_only_the_public_answer_and_chooses_nothing(app, api):
    number = api.new_ticket()["number"]
    to_callback_due(api, number)
    response = app.test_client().get("/r/" + token_of(app, number))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and number in page and ANSWER in page
    for secret in (INTERNAL, "内部结果", "handler1", "supervisor1", PHONE):
        assert secret not in page
    form = page[page.index('id="link-form"') : page.index("</form>")]
    assert "checked" not in form and "selected" not in form
    assert all(name in form for name in ("非常满意", "满意", "基本满意", "不满意", "非常不满意", "已解决", "未解决"))


def test_rating_through_the_link_moves_the_units_rates_row_by_exactly_that_callback(app, api):
    # the unit already has one agent callback today (satisfied, resolved)
    first = api.new_ticket(caller_phone=None)["number"]
    to_callback_due(api, first)
    agent = api.act(first, "callback", "agent1", contacted=True, resolved=True, satisfaction="satisfied")
    assert agent.status_code == 200
    number = api.new_ticket()["number"]
    to_callback_due(api, number)
    before = rates_row(api)
    client = app.test_client()
    url = "/r/" + token_of(app, number)

    response = client.post(url, data={"resolved": "no", "satisfaction": "basically_satisfied", "comment": "还行"})
    assert response.status_code == 200 and "感谢" in response.get_data(as_text=True)

    after = rates_row(api)
    moved = {k: after[k] - before[k] for k in ("valid_callbacks", "contacted", "resolved", "satisfied")}
    assert moved == {"valid_callbacks": 1, "contacted": 1, "resolved": 0, "satisfied": 1}
    assert (before["valid_callbacks"], before["satisfied"], before["resolved"]) == (1, 1, 1)
    assert (after["valid_callbacks"], after["satisfied"], after["resolved"]) == (2, 2, 1)
    assert after["satisfaction_rate"] == 1.0 and after["resolution_rate"] == 0.5
    assert before["callbacks_by_source"] == {"agent": 1, "portal": 0, "citizen_link": 0}
    assert after["callbacks_by_source"] == {"agent": 1, "portal": 0, "citizen_link": 1}
    print(f"三率 A1 before={before['valid_callbacks'], before['contacted'], before['resolved'], before['satisfied']}")
    print(f"三率 A1 after={after['valid_callbacks'], after['contacted'], after['resolved'], after['satisfied']}")

    ticket = api.get(f"/api/v1/tickets/{number}", as_="supervisor1").get_json()["ticket"]
    assert ticket["state"] == "closed" and ticket["satisfaction"] == "basically_satisfied"
    events = api.get(f"/api/v1/tickets/{number}/events", as_="supervisor1").get_json()["events"]
    callback = next(e for e in events if e["action"] == "callback")
    assert callback["data"]["source"] == "citizen_link" and "还行" in callback["note"]

    from hotline.core.extensions import db
    from hotline.tickets.models import TicketCallback

    with app.app_context():
        rows = db.session.scalars(select(TicketCallback).order_by(TicketCallback.id)).all()
        assert [(r.source, r.agent_id is None) for r in rows] == [("agent", False), ("citizen_link", True)]
    (link,) = link_rows(app, number)
    assert link.used_at is not None and link.callback_id == rows[-1].id

    # one link, one answer
    again = client.post(url, data={"resolved": "yes", "satisfaction": "very_satisfied"})
    assert again.status_code == 410 and "您已评价，感谢" in again.get_data(as_text=True)
    assert client.get(url).status_code == 410
    assert rates_row(api)["valid_callbacks"] == 2


def test_the_rates_page_and_workbook_show_callbacks_by_source(app, api):
    today = clock.to_local(clock.now()).date().isoformat()
    workbook = api.get(f"/api/v1/reports/rates?from={today}&to={today}&format=xlsx", as_="supervisor1")
    assert workbook.status_code == 200
    from io import BytesIO

    from openpyxl import load_workbook

    sheet = load_workbook(BytesIO(workbook.data)).active
    cells = {c.value for row in sheet.iter_rows(max_row=10) for c in row}
    assert {"话务员回访", "门户评价", "短信链接评价"} <= cells
    from pathlib import Path

    script = (Path(app.root_path) / "static" / "reports.js").read_text()
    assert '"callbacks_citizen_link", "短信链接评价"' in script


def test_unsatisfied_through_the_link_goes_to_dispute_review(app, api):
    number = api.new_ticket()["number"]
    to_callback_due(api, number)
    response = app.test_client().post(
        "/r/" + token_of(app, number), data={"resolved": "no", "satisfaction": "unsatisfied"}
    )
    assert response.status_code == 200
    ticket = api.get(f"/api/v1/tickets/{number}", as_="supervisor1").get_json()["ticket"]
    assert ticket["state"] == "disputed" and ticket["satisfaction"] == "unsatisfied"
    disputed = api.get("/api/v1/tickets?state=disputed", as_="supervisor1").get_json()["tickets"]
    assert number in [t["number"] for t in disputed]
    # 差评重办 → a new reply approval → a new link; the old one stays spent
    old = token_of(app, number)
    assert api.act(number, "rework", "supervisor1", note="重办").status_code == 200
    for action, user, body in [
        ("accept", "handler1", {}),
        ("reply", "handler1", {"result": "再修", "public_answer": "已再次修复。"}),
        ("approve_reply", "supervisor1", {}),
    ]:
        assert api.act(number, action, user, **body).status_code == 200
    tokens = [LINK.search(s.body).group(1) for s in link_sms(app, number)]
    assert len(tokens) == 2 and tokens[0] == old
    client = app.test_client()
    assert client.get("/r/" + old).status_code == 410
    fresh = client.get("/r/" + tokens[1])
    assert fresh.status_code == 200 and "已再次修复。" in fresh.get_data(as_text=True)


def test_an_incomplete_answer_is_refused_and_nothing_changes(app, api):
    number = api.new_ticket()["number"]
    to_callback_due(api, number)
    url = "/r/" + token_of(app, number)
    client = app.test_client()
    no_resolved = client.post(url, data={"satisfaction": "satisfied"})
    assert no_resolved.status_code == 422 and "是否解决" in no_resolved.get_data(as_text=True)
    bad_level = client.post(url, data={"resolved": "yes", "satisfaction": "great"})
    assert bad_level.status_code == 422 and "满意度" in bad_level.get_data(as_text=True)
    assert api.get(f"/api/v1/tickets/{number}", as_="agent1").get_json()["ticket"]["state"] == "callback_due"
    assert client.get(url).status_code == 200


def test_an_expired_link_says_so(app, api, monkeypatch):
    number = api.new_ticket()["number"]
    to_callback_due(api, number)
    url = "/r/" + token_of(app, number)
    (link,) = link_rows(app, number)
    later = clock.as_utc(link.expires_at) + dt.timedelta(minutes=1)
    monkeypatch.setattr(clock, "now", lambda: later)
    client = app.test_client()
    shown = client.get(url)
    assert shown.status_code == 410 and "链接已过期" in shown.get_data(as_text=True)
    posted = client.post(url, data={"resolved": "yes", "satisfaction": "satisfied"})
    assert posted.status_code == 410 and "链接已过期" in posted.get_data(as_text=True)
    monkeypatch.undo()  # the staff's tokens live for hours, not days
    assert api.get(f"/api/v1/tickets/{number}", as_="agent1").get_json()["ticket"]["state"] == "callback_due"


def test_an_unknown_token_is_404_on_the_same_page(app, world):
    client = app.test_client()
    for token in ("x" * 22, "nope", "a" * 200):
        response = client.get("/r/" + token)
        assert response.status_code == 404 and "链接无效" in response.get_data(as_text=True)
    assert client.post("/r/" + "y" * 22, data={"resolved": "yes"}).status_code == 404


def test_the_page_is_rate_limited_per_ip(app, world):
    app.config["HOTLINE_PORTAL_RATE"] = 3
    app.extensions.pop("hotline.portal_limiter", None)
    try:
        client = app.test_client()
        codes = [client.get("/r/" + "z" * 22).status_code for _ in range(4)]
        assert codes == [404, 404, 404, 429]
    finally:
        app.config["HOTLINE_PORTAL_RATE"] = 10
        app.extensions.pop("hotline.portal_limiter", None)


def test_the_form_needs_its_csrf_token(app, api):
    number = api.new_ticket()["number"]
    to_callback_due(api, number)
    url = "/r/" + token_of(app, number)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        client = app.test_client()
        refused = client.post(url, data={"resolved": "yes", "satisfaction": "satisfied"})
        assert refused.status_code == 400
        page = client.get(url).get_data(as_text=True)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page[page.index('id="link-form"') :]).group(1)
        done = client.post(url, data={"csrf_token": csrf, "resolved": "yes", "satisfaction": "satisfied"})
        assert done.status_code == 200
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def queue_now(world) -> list[str]:
    """The agents' queue as the search service answers it at ``clock.now()`` (inside an app context)."""
    from hotline.core.extensions import db
    from hotline.search.services import SearchParams, search_tickets

    params = SearchParams.from_mapping({"state": "callback_due", "queue": "callback"})
    return [t.number for t in search_tickets(db.session, world.user("agent1"), params, None, 100).tickets]


def test_the_agents_queue_waits_for_the_link_then_gets_the_ticket_back(app, api, world, monkeypatch):
    number = api.new_ticket()["number"]
    to_callback_due(api, number)
    assert number not in agent_queue(api)  # the citizen has the link: the agents do not call meanwhile
    everyone = api.get("/api/v1/search?state=callback_due", as_="agent1").get_json()["tickets"]
    assert number in [t["number"] for t in everyone]  # still 待回访 everywhere else

    from hotline.core.extensions import db
    from hotline.core.scheduler import run_periodic

    hours = app.config["HOTLINE_CALLBACK_LINK_WAIT_HOURS"]
    assert hours == 48
    (link,) = link_rows(app, number)
    assert link.wait_until == min(link.created_at + dt.timedelta(hours=hours), link.expires_at)
    not_yet = clock.as_utc(link.wait_until) - dt.timedelta(minutes=5)
    monkeypatch.setattr(clock, "now", lambda: not_yet)
    with app.app_context():
        assert run_periodic(db.session, "hotline.callbacks.tasks:return_unanswered_links") == {
            "returned": 0,
            "numbers": [],
        }
        assert number not in queue_now(world)
    due = clock.as_utc(link.wait_until) + dt.timedelta(minutes=1)
    monkeypatch.setattr(clock, "now", lambda: due)
    with app.app_context():
        result = run_periodic(db.session, "hotline.callbacks.tasks:return_unanswered_links")
    assert result == {"returned": 1, "numbers": [number]}
    monkeypatch.undo()  # the staff's tokens live for hours, not days; the link stays expired
    assert number in agent_queue(api)
    (link,) = link_rows(app, number)
    assert link.expired_reason == "timeout" and link.used_at is None
    events = api.get(f"/api/v1/tickets/{number}/events", as_="agent1").get_json()["events"]
    assert events[-1]["action"] == "callback_link_timeout"
    page = app.test_client().get("/r/" + token_of(app, number))
    assert page.status_code == 410 and "链接已过期" in page.get_data(as_text=True)
    # the agent's callback now counts as any agent's
    assert api.act(number, "callback", "agent1", contacted=True, resolved=True, satisfaction="satisfied").status_code
    assert rates_row(api)["callbacks_by_source"]["agent"] == 1


def test_the_wait_is_configurable(app, api, monkeypatch):
    monkeypatch.setitem(app.config, "HOTLINE_CALLBACK_LINK_WAIT_HOURS", 1)
    number = api.new_ticket()["number"]
    to_callback_due(api, number)
    (link,) = link_rows(app, number)
    assert link.wait_until - link.created_at == dt.timedelta(hours=1)


def test_an_agent_callback_first_closes_the_link(app, api):
    number = api.new_ticket()["number"]
    to_callback_due(api, number)
    assert api.act(number, "callback", "agent1", contacted=True, resolved=True, satisfaction="satisfied").status_code
    page = app.test_client().get("/r/" + token_of(app, number))
    assert page.status_code == 410 and "已完成回访" in page.get_data(as_text=True)
    (link,) = link_rows(app, number)
    assert link.expired_reason == "answered_elsewhere"


def test_a_portal_rating_is_recorded_with_source_portal(app, api):
    response = app.test_client().post(
        "/portal/submit", data={"content": "小区门口路灯坏了一个月", "caller_phone": "13911112222"}
    )
    number = re.search(r'id="created-number">(\d{14})<', response.get_data(as_text=True)).group(1)
    to_callback_due(api, number)
    rated = app.test_client().post(
        "/portal/rate",
        data={"number": number, "phone": "13911112222", "satisfaction": "satisfied", "resolved": "yes"},
    )
    assert rated.status_code == 200
    assert rates_row(api)["callbacks_by_source"] == {"agent": 0, "portal": 1, "citizen_link": 0}
    (link,) = link_rows(app, number)
    assert link.expired_reason == "answered_elsewhere"
