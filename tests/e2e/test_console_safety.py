"""The agent's console in real Chromium: no wrong-ticket accidents, no borrowed caller, no default answers."""

from __future__ import annotations

import pytest
import requests
from playwright.sync_api import expect

from tests.e2e.conftest import CTI_TOKEN

pytestmark = pytest.mark.browser


def _call(server: str, phone: str, call_id: str, agent: str | None = "agent1") -> dict:
    body = {"event": "newCall", "from": phone, "to": "12345", "callId": call_id} | ({"agent": agent} if agent else {})
    r = requests.post(server + "/api/v1/cti", headers={"X-CTI-Token": CTI_TOKEN}, json=body, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()


def _article(rest) -> dict:
    body = "<p>住房公积金提取：携带<strong>身份证</strong>和购房合同到公积金中心办理。</p><p>咨询电话 12329。</p>"
    article = rest.post(
        "/api/v1/kb/articles", "supervisor1", title="住房公积金提取办理指南", body=body, category="住房保障"
    )
    rest.post(f"/api/v1/kb/articles/{article['id']}/submit", "supervisor1")
    return rest.post(f"/api/v1/kb/articles/{article['id']}/publish", "supervisor1")


def test_alt_d_never_closes_the_previous_callers_ticket(server, rest, open_as):
    _article(rest)
    agent = open_as("agent1", "/console")
    _call(server, "13811110001", "safety-1")
    expect(agent.locator("#f-phone")).to_have_value("13811110001", timeout=3000)
    agent.fill("#f-content", "东风路井盖缺失，已经有人摔倒了，请尽快处理")
    agent.keyboard.press("Control+Enter")
    first = agent.locator("#new-number").inner_text(timeout=5000)
    agent.click("#btn-next")  # 转派单员派单，登记下一件

    # the next call: its number replaces the last caller's, and the old ticket's 直接办结 is gone
    _call(server, "13922220002", "safety-2")
    expect(agent.locator("#f-phone")).to_have_value("13922220002", timeout=3000)
    expect(agent.locator("#btn-close-call")).to_have_count(0)
    agent.fill("#kb-q", "公积金")
    agent.press("#kb-q", "Enter")
    agent.locator("[data-use-article]").first.click()
    agent.keyboard.press("Alt+d")
    expect(agent.locator(".toast.error")).to_contain_text("请先登记", timeout=3000)
    assert rest.get(f"/api/v1/tickets/{first}", "agent1")["ticket"]["state"] == "registered"

    # the new caller is registered first; only then does Alt+D close the new ticket, with the answer as text
    agent.fill("#f-content", "想咨询住房公积金提取需要带什么材料")
    agent.keyboard.press("Control+Enter")
    second = agent.locator("#new-number").inner_text(timeout=5000)
    assert second != first
    agent.locator("[data-use-article]").first.click()
    box = agent.locator("#register-result textarea[name=public_answer]")
    expect(box).to_have_value("住房公积金提取：携带身份证和购房合同到公积金中心办理。\n咨询电话 12329。", timeout=3000)
    agent.keyboard.press("Alt+d")
    expect(agent.locator("#register-result")).to_be_hidden(timeout=5000)
    closed = rest.get(f"/api/v1/tickets/{second}", "agent1")["ticket"]
    assert closed["state"] == "closed" and "<" not in closed["public_answer"]
    assert closed["caller_phone"] == "13922220002"
    assert rest.get(f"/api/v1/tickets/{first}", "agent1")["ticket"]["state"] == "registered"


def test_typing_the_next_request_disarms_the_last_tickets_close(server, rest, open_as):
    agent = open_as("agent1", "/console")
    agent.fill("#f-content", "咨询社保卡补办流程")
    agent.keyboard.press("Control+Enter")
    number = agent.locator("#new-number").inner_text(timeout=5000)
    agent.fill("#f-content", "另一位市民：小区停水三天了")
    expect(agent.locator("#btn-close-call")).to_have_count(0)
    agent.keyboard.press("Alt+d")
    assert rest.get(f"/api/v1/tickets/{number}", "agent1")["ticket"]["state"] == "registered"


def test_a_call_naming_no_agent_pops_nowhere(server, rest, open_as):
    agent = open_as("agent1", "/console")
    assert _call(server, "13733330003", "safety-3", agent=None)["popped"] is False
    agent.wait_for_timeout(500)
    expect(agent.locator("#call-pop")).to_be_hidden()
    expect(agent.locator("#f-phone")).to_have_value("")


def _to_callback_due(rest, content: str) -> str:
    # A 市长信箱 letter: a phone caller would first get the 回访 link by SMS (智能回访) and reach the agents'
    # queue only when it goes unanswered (tests/callbacks); a letter's callback is the agents' from the start.
    number = rest.post("/api/v1/tickets", "agent1", channel="mailbox", content=content, caller_phone="13644440004")[
        "ticket"
    ]["number"]
    rest.post(f"/api/v1/tickets/{number}/dispatch", "dispatcher1", unit="A1")
    rest.post(f"/api/v1/tickets/{number}/accept", "handler1")
    rest.post(f"/api/v1/tickets/{number}/reply", "handler1", result="已修复", public_answer="路灯已修复。")
    rest.post(f"/api/v1/tickets/{number}/approve_reply", "supervisor1")
    return number


def test_callback_form_has_no_defaults_and_takes_a_comment(server, rest, open_as):
    number = _to_callback_due(rest, "小区路灯坏了一周")
    agent = open_as("agent1", "/console")
    form = agent.locator(f'form.callback-form[data-number="{number}"]')
    expect(form).to_be_visible(timeout=3000)
    assert form.locator("input:checked").count() == 0
    expect(form.locator("select[name=satisfaction]")).to_have_value("")
    form.locator('button[type="submit"]').click()
    assert rest.get(f"/api/v1/tickets/{number}", "agent1")["ticket"]["state"] == "callback_due"
    form.locator('input[name="contacted"][value="yes"]').check()
    form.locator('input[name="resolved"][value="no"]').check()
    form.locator("select[name=satisfaction]").select_option("unsatisfied")
    form.locator("textarea[name=note]").fill("市民说灯还是不亮")
    form.locator('button[type="submit"]').click()
    expect(form).to_have_count(0, timeout=5000)
    ticket = rest.get(f"/api/v1/tickets/{number}", "supervisor1")["ticket"]
    assert (ticket["state"], ticket["contacted"], ticket["resolved"]) == ("disputed", True, False)
    events = rest.get(f"/api/v1/tickets/{number}/events", "supervisor1")["events"]
    assert events[-1]["action"] == "callback" and "灯还是不亮" in (events[-1]["note"] or "")
