"""In real Chromium against the real server: a call pops, a ticket flows agent → dispatcher → handler, live."""

from __future__ import annotations

import re
import time

import pytest
import requests
from playwright.sync_api import expect

from tests.e2e.conftest import CTI_TOKEN

pytestmark = pytest.mark.browser
LIVE_MS = 1000  # the contract: a change reaches an open page within a second, without reload


def test_call_pop_register_dispatch_handle_live(server, rest, open_as):
    earlier = rest.post(
        "/api/v1/tickets", "agent1", channel="phone", content="小区路灯坏了", caller_phone="13812345678"
    )
    agent = open_as("agent1", "/console")
    dispatcher = open_as("dispatcher1", "/dashboard")
    supervisor = open_as("supervisor1", "/dashboard")
    handler1 = open_as("handler1", "/inbox")
    handler2 = open_as("handler2", "/inbox")

    # 1. the switchboard announces a call: the agent's console pops the caller's history
    r = requests.post(
        server + "/api/v1/cti",
        headers={"X-CTI-Token": CTI_TOKEN},
        timeout=10,
        json={"event": "newCall", "from": "13812345678", "to": "12345", "callId": "e2e-1", "agent": "agent1"},
    )
    assert r.status_code == 200, r.text
    expect(agent.locator("#call-pop")).to_be_visible(timeout=LIVE_MS)
    expect(agent.locator("#call-history")).to_contain_text(earlier["ticket"]["number"], timeout=LIVE_MS)
    expect(agent.locator("#f-phone")).to_have_value("13812345678")

    # 2. the agent registers with the keyboard
    agent.fill("#f-content", "东风路 8 号门口井盖缺失，晚上很危险，请尽快处理")
    agent.fill("#f-address", "东风路 8 号")
    agent.keyboard.press("Control+Enter")
    number = agent.locator("#new-number").inner_text(timeout=5000)
    assert len(number) == 14

    # 3. the dispatcher's queue shows it live; dispatch to A1 from the dashboard
    row = dispatcher.locator(f'#queue tr[data-ticket="{number}"]')
    expect(row).to_be_visible(timeout=LIVE_MS)
    row.locator('button[data-action="dispatch"]').click()
    dialog = dispatcher.locator("dialog[open]")
    dialog.locator("select[name=unit]").select_option("A1")
    dialog.locator('button[data-role="submit"]').click()
    expect(dialog).to_have_count(0, timeout=5000)
    started = time.monotonic()

    # 4. handler1's open inbox shows it within a second, without reload; handler2 never hears of it
    inbox_row = handler1.locator(f'#inbox-body tr[data-ticket="{number}"]')
    expect(inbox_row).to_be_visible(timeout=LIVE_MS)
    assert time.monotonic() - started < 1.5

    # 5. handler1 signs and replies; the manager dashboard's counts move
    expect(supervisor.locator('[data-stat="replied"] .n')).to_have_text("0")
    inbox_row.locator('button[data-action="accept"]').click()
    handler1.click('button[data-tab="doing"]')
    doing_row = handler1.locator(f'#inbox-body tr[data-ticket="{number}"]')
    expect(doing_row.locator('button[data-action="reply"]')).to_be_visible(timeout=3000)
    doing_row.locator('button[data-action="reply"]').click()
    dialog = handler1.locator("dialog[open]")
    dialog.locator("textarea[name=result]").fill("已安装新井盖")
    dialog.locator("textarea[name=public_answer]").fill("井盖已于今日补装，感谢您的反映。")
    dialog.locator('button[data-role="submit"]').click()
    expect(dialog).to_have_count(0, timeout=5000)
    expect(supervisor.locator('[data-stat="replied"] .n')).to_have_text("1", timeout=LIVE_MS)
    expect(supervisor.locator('[data-approval="reply"]')).to_have_text("1", timeout=LIVE_MS)
    expect(
        supervisor.locator(f'#approvals tr[data-ticket="{number}"] button[data-action="approve_reply"]')
    ).to_be_visible()

    assert number not in handler2.content()
    heard = handler2.evaluate("window.__hotlineEvents.map(e => e.number)")
    assert number not in heard and earlier["ticket"]["number"] not in heard
    heard_by_1 = handler1.evaluate("window.__hotlineEvents.map(e => e.number)")
    assert number in heard_by_1


def test_reconnect_refetches_what_was_missed(server, rest, open_as):
    handler1 = open_as("handler1", "/inbox")
    handler1.evaluate("window.__hotlineSocket.disconnect()")
    expect(handler1.locator("#live-status.off")).to_be_visible()
    ticket = rest.post("/api/v1/tickets", "agent1", channel="phone", content="公交站牌倒了", caller_phone="13700001111")
    number = ticket["ticket"]["number"]
    rest.post(f"/api/v1/tickets/{number}/dispatch", "dispatcher1", unit="A1")
    handler1.wait_for_timeout(300)
    assert number not in handler1.content()  # missed while away
    handler1.evaluate("window.__hotlineSocket.connect()")
    expect(handler1.locator(f'#inbox-body tr[data-ticket="{number}"]')).to_be_visible(timeout=3000)


def test_handler_signs_and_opens_the_reply_form_from_the_keyboard(server, rest, open_as):
    number = rest.post(
        "/api/v1/tickets", "agent1", channel="phone", content="路口信号灯不亮", caller_phone="13700002222"
    )["ticket"]["number"]
    rest.post(f"/api/v1/tickets/{number}/dispatch", "dispatcher1", unit="A1")
    handler1 = open_as("handler1", "/inbox")
    row = handler1.locator(f'#inbox-body tr[data-ticket="{number}"]')
    expect(row).to_be_visible(timeout=3000)
    for _ in range(handler1.locator("#inbox-body tr[data-ticket]").count()):
        handler1.keyboard.press("j")  # J walks down the list until our ticket is the selected row
        if handler1.locator("#inbox-body tr.selected").get_attribute("data-ticket") == number:
            break
    expect(row).to_have_class(re.compile(r"\bselected\b"))
    handler1.keyboard.press("s")  # 签收
    expect(row).to_have_count(0, timeout=3000)  # it left 待签收
    assert rest.get(f"/api/v1/tickets/{number}", "handler1")["ticket"]["state"] == "accepted"
    handler1.keyboard.press("2")  # 办理中
    expect(row).to_be_visible(timeout=3000)
    for _ in range(handler1.locator("#inbox-body tr[data-ticket]").count() + 1):
        selected = handler1.locator("#inbox-body tr.selected")  # none yet on a freshly opened tab
        if selected.count() and selected.get_attribute("data-ticket") == number:
            break
        handler1.keyboard.press("j")
    handler1.keyboard.press("r")  # 答复 opens its form
    expect(handler1.locator("dialog[open] textarea[name=public_answer]")).to_be_visible(timeout=3000)


def test_grid_worker_and_portal_pages(server, rest, open_as, browser):
    ticket = rest.post(
        "/api/v1/tickets",
        "agent1",
        channel="phone",
        content="网格内绿化带垃圾堆积",
        caller_phone="13600001111",
        address="东风社区 3 栋",
    )
    number = ticket["ticket"]["number"]
    rest.post(f"/api/v1/tickets/{number}/dispatch", "dispatcher1", unit="A1", grid="A1-01-01-G01")
    grid = open_as("grid1", "/grid", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    card = grid.locator(f'.tcard[data-ticket="{number}"]')
    expect(card).to_be_visible(timeout=3000)
    expect(card.locator("button", has_text="上报")).to_be_visible()
    card.locator('button[data-action="accept"]').click()
    expect(card.locator("button", has_text="现场答复")).to_be_visible(timeout=3000)
    # 上报 after signing: the ticket goes up to the community and leaves the grid worker's list.
    card.locator('button[data-action="escalate"]').click()
    dialog = grid.locator("dialog[open]")
    dialog.locator("textarea[name=reason]").fill("绿化带属物业管理区域，需社区协调物业")
    dialog.locator('button[data-role="submit"]').click()
    expect(dialog).to_have_count(0, timeout=5000)
    expect(card).to_have_count(0, timeout=3000)
    escalated = rest.get(f"/api/v1/tickets/{number}", "handler1")["ticket"]
    assert (escalated["state"], escalated["handling_unit"]["code"]) == ("dispatched", "A1-01-01")

    context = browser.new_context(locale="zh-CN", viewport={"width": 1200, "height": 900})
    try:
        page = context.new_page()
        page.goto(server + "/login")
        page.goto(server + "/portal")
        page.fill("textarea[name=content]", "建议在东风公园增加夜间照明，晚上散步太暗")
        page.fill("input[name=caller_phone]", "13500001111")
        page.click("#submit-form button[type=submit]")
        created = page.locator("#created-number").inner_text(timeout=5000)
        page.fill("#track-form input[name=number]", created)
        page.fill("#track-form input[name=phone]", "13500001111")
        page.click("#track-form button[type=submit]")
        expect(page.locator("#track-state")).to_have_text("已受理")
    finally:
        context.close()


PAGES_BY_USER = {
    "agent1": ("/console", ["/console"]),
    "handler1": ("/inbox", ["/inbox", "/kb", "/kb/new"]),
    "grid1": ("/grid", ["/grid"]),
    "supervisor1": ("/dashboard", ["/dashboard", "/reports", "/kb/review"]),
    "admin1": ("/dashboard", ["/admin/dispatch-rules", "/admin/dispatch-rules/new"]),
}


@pytest.mark.parametrize("username", sorted(PAGES_BY_USER))
def test_pages_run_under_the_content_security_policy(server, open_as, username):
    """Every page works with scripts only from our own files: no inline script or handler is refused."""
    landing, paths = PAGES_BY_USER[username]
    page = open_as(username, landing)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    for path in paths:
        response = page.goto(server + path)
        assert response.status == 200, path
        assert "script-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_load_state("networkidle")
    if username == "handler1":  # the status filter submits on change through autosubmit.js
        page.goto(server + "/kb")
        with page.expect_navigation():
            page.select_option("select[name=status]", index=1)
        assert "status=" in page.url
    assert not problems, problems


def test_anonymous_pages_run_under_the_content_security_policy(server, browser):
    context = browser.new_context(locale="zh-CN")
    try:
        page = context.new_page()
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        for path in ("/login", "/portal"):
            response = page.goto(server + path)
            assert response.status == 200 and response.headers["x-frame-options"] == "DENY"
        assert not problems, problems
    finally:
        context.close()


def test_a_change_patches_open_inboxes_without_a_request(server, rest, open_as):
    """Delta events: the ticket arrives in the event, so N open inboxes cost no list request (only reconnects re-fetch)."""
    inboxes = [open_as("handler1", "/inbox") for _ in range(3)]
    requests_seen: list[list[str]] = []
    for page in inboxes:
        seen: list[str] = []
        page.on("request", lambda r, seen=seen: seen.append(r.url) if "/api/" in r.url else None)
        requests_seen.append(seen)
    ticket = rest.post(
        "/api/v1/tickets", "agent1", channel="phone", content="东风路 3 号路灯不亮", caller_phone="13900001111"
    )
    number = ticket["ticket"]["number"]
    rest.post(f"/api/v1/tickets/{number}/dispatch", "dispatcher1", unit="A1")
    for page in inboxes:
        row = page.locator(f'#inbox-body tr[data-ticket="{number}"]')
        expect(row).to_be_visible(timeout=LIVE_MS)
        expect(row).to_contain_text("待签收")
        assert "13900001111" not in page.content()  # the handler's view of the caller is masked in the event too
    rest.post(f"/api/v1/tickets/{number}/accept", "handler1")
    for page in inboxes:
        expect(page.locator(f'#inbox-body tr[data-ticket="{number}"]')).to_have_count(0, timeout=LIVE_MS)  # left 待签收
        page.click('button[data-tab="doing"]')
        expect(page.locator(f'#inbox-body tr[data-ticket="{number}"]')).to_contain_text("办理中", timeout=LIVE_MS)
    assert requests_seen == [[], [], []]
