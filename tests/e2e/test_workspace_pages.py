"""In real Chromium: the dispatch dialog (type-ahead, proposal prefilled, 110 guard), bulk 催办 from a list,
the ticket page's actions, and the grid worker's phone page (call link, patrol report kept in the grid)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def _new(rest, content: str, **extra) -> dict:
    return rest.post(
        "/api/v1/tickets", "agent1", channel="phone", content=content, caller_phone="13700009999", **extra
    )["ticket"]


def test_dispatch_dialog_finds_units_by_pinyin_initials(server, rest, open_as):
    number = _new(rest, "市区公交站台顶棚破损漏雨")["number"]
    dispatcher = open_as("dispatcher1", "/dashboard")
    row = dispatcher.locator(f'#queue tr[data-ticket="{number}"]')
    expect(row).to_be_visible(timeout=5000)
    row.locator('button[data-action="dispatch"]').click()
    dialog = dispatcher.locator("dialog[open]")
    unit_filter = dialog.locator('input[data-filter="unit"]')
    unit_filter.fill("sjtysj")  # 市交通运输局
    expect(dialog.locator("select[name=unit]")).to_have_value("JTJ")
    unit_filter.fill("A1")
    assert dialog.locator("select[name=unit] option:not([hidden])").count() >= 1
    unit_filter.fill("交通")
    expect(dialog.locator("select[name=unit]")).to_have_value("JTJ")
    dialog.locator('button[data-role="submit"]').click()
    expect(dialog).to_have_count(0, timeout=5000)
    ticket = rest.get(f"/api/v1/tickets/{number}", "dispatcher1")["ticket"]
    assert (ticket["state"], ticket["lead_unit"]["code"]) == ("dispatched", "JTJ")


def test_a_ticket_flagged_for_110_is_never_dispatched_in_one_click(server, rest, open_as):
    number = _new(rest, "小区门口有人持刀打架斗殴，现在还在打")["number"]
    proposal = (rest.get(f"/api/v1/tickets/{number}", "dispatcher1")["ticket"]["suggestion"] or {}).get(
        "proposal"
    ) or {}
    assert proposal.get("transfer_110"), proposal
    dispatcher = open_as("dispatcher1", "/dashboard")
    row = dispatcher.locator(f'#queue tr[data-ticket="{number}"]')
    expect(row).to_be_visible(timeout=5000)
    expect(row.locator("button[data-quick]")).to_have_count(0)
    row.locator('button[data-action="dispatch"]').click()
    dialog = dispatcher.locator("dialog[open]")
    expect(dialog).to_contain_text("系统建议转 110")
    dialog.locator("select[name=unit]").select_option("A1")
    dialog.locator('button[data-role="submit"]').click()  # the required confirmation is not ticked: nothing is sent
    dispatcher.wait_for_timeout(400)
    assert rest.get(f"/api/v1/tickets/{number}", "dispatcher1")["ticket"]["state"] == "registered"


def test_bulk_urge_from_the_search_list_and_actions_on_the_ticket_page(server, rest, open_as):
    numbers = [_new(rest, f"第{i}处路灯不亮，请尽快维修")["number"] for i in range(2)]
    supervisor = open_as("supervisor1", "/dashboard")
    supervisor.goto(server + "/search?state=registered&sort=newest")
    for n in numbers:
        supervisor.locator(f'input.pick[value="{n}"]').check()
    expect(supervisor.locator("#bulk-count")).to_have_text("2")
    supervisor.once("dialog", lambda d: d.accept("请今天内派出"))
    supervisor.locator('button[data-bulk="urge"]').click()
    expect(supervisor.locator(".toast")).to_contain_text("已催办 2 件", timeout=5000)
    for n in numbers:
        assert rest.get(f"/api/v1/tickets/{n}", "supervisor1")["ticket"]["urge_count"] == 1

    supervisor.goto(server + f"/tickets/{numbers[0]}")
    expect(supervisor.locator("#trail")).to_contain_text("请今天内派出")
    supervisor.locator('#ticket-actions button[data-action="supervise"]').click()
    dialog = supervisor.locator("dialog[open]")
    dialog.locator("textarea[name=note]").fill("列入督办")
    dialog.locator('button[data-role="submit"]').click()
    expect(supervisor.locator("#trail")).to_contain_text("列入督办", timeout=5000)


def test_grid_worker_calls_and_reports_a_patrol_find_that_stays_in_the_grid(server, rest, open_as):
    number = _new(rest, "网格内楼道堆满杂物")["number"]
    rest.post(f"/api/v1/tickets/{number}/dispatch", "dispatcher1", unit="A1", grid="A1-01-01-G01")
    grid = open_as("grid1", "/grid", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    card = grid.locator(f'.tcard[data-ticket="{number}"]')
    expect(card).to_be_visible(timeout=5000)
    assert card.locator("a.tel").get_attribute("href").startswith("tel:")
    assert card.bounding_box()["height"] < 400  # a compact card, not several screens
    grid.locator("details.patrol summary").click()
    grid.fill("#patrol-form textarea[name=content]", "巡查发现东风社区 3 栋门口路面塌陷")
    grid.click("#patrol-form button[type=submit]")
    expect(grid.locator(".toast")).to_contain_text("留在本网格", timeout=5000)
    found = [c.get_attribute("data-ticket") for c in grid.locator(".tcard").all()]
    reported = rest.get("/api/v1/search?q=塌陷", "grid1")["tickets"]
    assert reported and reported[0]["state"] == "dispatched" and reported[0]["number"] in found
