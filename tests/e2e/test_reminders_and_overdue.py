"""In real Chromium: the handler's inbox shows its 临期提醒 (read and marked read), and a supervisor opens the
dashboard's 已超期 card and 督办 every overdue ticket of the list at once."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def _new(rest, content: str) -> dict:
    return rest.post("/api/v1/tickets", "agent1", channel="phone", content=content, caller_phone="13700008888")[
        "ticket"
    ]


def _sweep(app, days: int) -> None:
    """Run the warning sweep as if ``days`` days had passed (the server reads the same database)."""
    from hotline.core import clock
    from hotline.core.extensions import db
    from hotline.tickets.warnings import sweep_warnings

    with app.app_context():
        sweep_warnings(db.session, clock.now() + dt.timedelta(days=days))
        db.session.commit()
        db.session.remove()


def test_the_inbox_lists_the_units_reminders_and_marks_one_read(app, server, rest, open_as):
    mine = _new(rest, "东风路路灯不亮已经一周")["number"]
    other = _new(rest, "解放路井盖松动")["number"]
    rest.post(f"/api/v1/tickets/{mine}/dispatch", "dispatcher1", unit="A1")
    rest.post(f"/api/v1/tickets/{other}/dispatch", "dispatcher1", unit="A2")  # handler2's unit, not handler1's
    _sweep(app, 60)

    inbox = open_as("handler1", "/inbox")
    panel = inbox.locator("#reminders")
    item = panel.locator("li.reminder", has=inbox.locator(f'a.number[href="/tickets/{mine}"]'))
    expect(item).to_be_visible(timeout=5000)
    expect(item).to_have_class("reminder red")
    expect(item).to_contain_text("超期")
    expect(item).to_contain_text("签收期限：")
    expect(item).to_contain_text("待签收")
    expect(panel.locator(f'a.number[href="/tickets/{other}"]')).to_have_count(0)  # another unit's reminder
    before = int(inbox.locator("#reminder-count").inner_text())
    assert before >= 1

    item.locator("button[data-read]").click()
    expect(item).to_have_count(0, timeout=5000)
    expect(inbox.locator("#reminder-count")).to_have_text(str(before - 1))
    [read] = [r for r in rest.get("/api/v1/reminders", "handler1") if r["number"] == mine]
    assert read["read_at"]
    inbox.reload()
    expect(inbox.locator("#reminder-list")).not_to_contain_text(mine)  # read stays read

    inbox.goto(server + f"/tickets/{other}")  # another unit's ticket stays hidden from handler1
    expect(inbox.locator("body")).not_to_contain_text("解放路井盖松动")


def test_the_overdue_card_opens_the_list_and_supervise_all_of_it(app, server, rest, open_as):
    numbers = [_new(rest, f"第{i}处占道经营堵塞交通")["number"] for i in range(2)]
    _sweep(app, 60)  # still registered 60 days on: past the dispatch limit, red
    supervisor = open_as("supervisor1", "/dashboard")
    supervisor.locator('a.stat[data-stat="red"]').click()
    supervisor.wait_for_url("**/search?*warning=red*")
    rows = supervisor.locator("#results tbody tr[data-ticket]")
    expect(rows.first).to_be_visible(timeout=5000)
    listed = [r.get_attribute("data-ticket") for r in rows.all()]
    assert set(numbers) <= set(listed)
    supervisor.locator("#select-all").check()
    expect(supervisor.locator("#bulk-count")).to_have_text(str(len(listed)))
    supervisor.once("dialog", lambda d: d.accept("超期未派，列入督办"))
    supervisor.locator('button[data-bulk="supervise"]').click()
    expect(supervisor.locator(".toast").first).to_contain_text(f"已督办 {len(listed)} 件", timeout=10000)
    for n in numbers:
        assert rest.get(f"/api/v1/tickets/{n}", "supervisor1")["ticket"]["supervised"]
        trail = rest.get(f"/api/v1/tickets/{n}/events", "supervisor1")
        events = trail["events"] if isinstance(trail, dict) else trail
        assert [e["note"] for e in events if e["action"] == "supervise"] == ["超期未派，列入督办"]
