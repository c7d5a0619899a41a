"""智能回访 in real Chromium on a phone: the citizen opens the SMS link, rates 基本满意, and the unit's 三率 row
moves by exactly that one callback."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import requests
from playwright.sync_api import expect
from sqlalchemy import select

from hotline.core import clock

pytestmark = pytest.mark.browser
PHONE_CONTEXT = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
    "user_agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
}
ANSWER = "东风路 12 号路灯已于今日更换，恢复照明。"


def _rates_row(rest, unit: str = "A1") -> dict:
    today = clock.to_local(clock.now()).date().isoformat()
    body = rest.get(f"/api/v1/reports/rates?from={today}&to={today}&min_sample=1", "supervisor1")
    return next(r for r in body["rows"] if r["unit"]["code"] == unit)


def _link_token(app, number: str) -> str:
    from hotline.core.extensions import db
    from hotline.tickets.models import Notification, Ticket

    with app.app_context():
        ticket = db.session.scalar(select(Ticket).where(Ticket.number == number))
        body = db.session.scalar(
            select(Notification.body).where(
                Notification.ticket_id == ticket.id, Notification.purpose == "callback_link"
            )
        )
        db.session.remove()
    return re.search(r"/r/([A-Za-z0-9_-]+)", body).group(1)


def test_a_citizen_rates_through_the_link_on_a_phone_and_the_rates_row_moves_by_that_callback(
    app, server, rest, browser
):
    ticket = rest.post(
        "/api/v1/tickets", "agent1", channel="phone", content="东风路 12 号路灯不亮一周了", caller_phone="13655556666"
    )["ticket"]
    number = ticket["number"]
    rest.post(f"/api/v1/tickets/{number}/dispatch", "dispatcher1", unit="A1")
    rest.post(f"/api/v1/tickets/{number}/accept", "handler1")
    rest.post(f"/api/v1/tickets/{number}/reply", "handler1", result="内部：联系路灯所王工更换", public_answer=ANSWER)
    rest.post(f"/api/v1/tickets/{number}/approve_reply", "supervisor1")
    # the unit already has an agent's callback today (a 市长信箱 letter: satisfied, not resolved)
    letter = rest.post("/api/v1/tickets", "agent1", channel="mailbox", content="来信反映路面破损", caller_phone="1")
    other = letter["ticket"]["number"]
    rest.post(f"/api/v1/tickets/{other}/dispatch", "dispatcher1", unit="A1")
    rest.post(f"/api/v1/tickets/{other}/accept", "handler1")
    rest.post(f"/api/v1/tickets/{other}/reply", "handler1", result="已登记", public_answer="已列入维修计划。")
    rest.post(f"/api/v1/tickets/{other}/approve_reply", "supervisor1")
    body = {"contacted": True, "resolved": False, "satisfaction": "satisfied"}
    rest.post(f"/api/v1/tickets/{other}/callback", "agent1", **body)
    before = _rates_row(rest)
    assert (before["valid_callbacks"], before["resolved"], before["callbacks_by_source"]["agent"]) == (1, 0, 1)

    context = browser.new_context(locale="zh-CN", **PHONE_CONTEXT)
    try:
        page = context.new_page()
        url = f"{server}/r/{_link_token(app, number)}"
        response = page.goto(url)
        assert response.status == 200
        expect(page.locator("#ticket-number")).to_have_text(number)
        expect(page.locator("#public-answer")).to_have_text(ANSWER)
        assert "王工" not in page.content()  # the handler's result is internal
        # phone-sized: nothing wider than the screen, targets large enough to tap
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert page.locator("#link-form input:checked").count() == 0  # nothing chosen for the citizen
        choice = page.locator("label", has_text="基本满意")
        assert choice.bounding_box()["height"] >= 44
        page.locator("label", has_text="已解决").tap()
        choice.tap()
        page.fill("textarea[name=comment]", "修得挺快")
        page.locator("#link-form button[type=submit]").tap()
        expect(page.locator("#link-message")).to_contain_text("评价已提交")

        after = _rates_row(rest)
        names = ("valid_callbacks", "contacted", "resolved", "satisfied")
        print("三率 A1 before", {k: before[k] for k in names}, before["callbacks_by_source"])
        print("三率 A1 after", {k: after[k] for k in names}, after["callbacks_by_source"])
        assert {k: after[k] - before[k] for k in names} == dict.fromkeys(names, 1)
        assert after["callbacks_by_source"]["citizen_link"] - before["callbacks_by_source"]["citizen_link"] == 1
        assert after["callbacks_by_source"]["agent"] == before["callbacks_by_source"]["agent"]
        assert (after["satisfaction_rate"], after["resolution_rate"]) == (1.0, 0.5)
        state = rest.get(f"/api/v1/tickets/{number}", "supervisor1")["ticket"]
        assert state["state"] == "closed" and state["satisfaction"] == "basically_satisfied"

        # the same link again: spent
        again = page.goto(url)
        assert again.status == 410
        expect(page.locator("#link-message")).to_contain_text("您已评价，感谢")
        assert page.locator("#link-form").count() == 0
    finally:
        context.close()
    assert requests.get(f"{server}/r/not-a-real-token-000000", timeout=10).status_code == 404


def _to_callback_due(rest, channel: str, content: str) -> str:
    number = rest.post("/api/v1/tickets", "agent1", channel=channel, content=content, caller_phone="13677778888")[
        "ticket"
    ]["number"]
    rest.post(f"/api/v1/tickets/{number}/dispatch", "dispatcher1", unit="A1")
    rest.post(f"/api/v1/tickets/{number}/accept", "handler1")
    rest.post(f"/api/v1/tickets/{number}/reply", "handler1", result="已处理", public_answer="已处理完毕。")
    rest.post(f"/api/v1/tickets/{number}/approve_reply", "supervisor1")
    return number


def test_the_agents_console_leaves_out_a_ticket_awaiting_its_link_until_the_wait_is_over(app, rest, open_as):
    agent = open_as("agent1", "/console")
    texted = _to_callback_due(rest, "phone", "东风路井盖松动，车过有响声")
    letter = _to_callback_due(rest, "mailbox", "来信反映东风路井盖松动")  # approved after: its event comes later
    expect(agent.locator(f'#callbacks tr[data-ticket="{letter}"]')).to_be_visible(timeout=10000)
    assert agent.locator(f'#callbacks tr[data-ticket="{texted}"]').count() == 0  # the live event did not add it
    events = [e["number"] for e in agent.evaluate("H.events") if e["event"] == "ticket.updated"]
    assert texted in events  # it was heard, and left out

    from sqlalchemy import update

    from hotline.callbacks.models import CallbackLink
    from hotline.core.extensions import db
    from hotline.tickets.models import Ticket

    with app.app_context():  # the wait is over (as HOTLINE_CALLBACK_LINK_WAIT_HOURS later)
        ticket_id = db.session.scalar(select(Ticket.id).where(Ticket.number == texted))
        past = clock.now() - dt.timedelta(minutes=1)
        db.session.execute(update(CallbackLink).where(CallbackLink.ticket_id == ticket_id).values(wait_until=past))
        db.session.commit()
        db.session.remove()
    agent.reload()
    expect(agent.locator(f'#callbacks tr[data-ticket="{texted}"]')).to_be_visible(timeout=10000)
