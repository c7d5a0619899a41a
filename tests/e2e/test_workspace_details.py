"""In real Chromium, the small things issue 12 found wrong: approvers see the reason and basis they decide on,
every control shows a focus ring, toasts stack in a live region without overlapping, and the 停用 button reads."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def _new(rest, content: str) -> dict:
    return rest.post("/api/v1/tickets", "agent1", channel="phone", content=content, caller_phone="13700007777")[
        "ticket"
    ]


def test_approval_rows_show_the_reason_basis_and_days(server, rest, open_as):
    returned = _new(rest, "小区门口垃圾桶满溢")["number"]
    extended = _new(rest, "老旧小区加装电梯协调")["number"]
    for number in (returned, extended):
        rest.post(f"/api/v1/tickets/{number}/dispatch", "dispatcher1", unit="A1")
    rest.post(
        f"/api/v1/tickets/{returned}/request_return", "handler1", reason="属物业管理范围", basis="确责清单第 7 条"
    )
    rest.post(f"/api/v1/tickets/{extended}/accept", "handler1")
    rest.post(f"/api/v1/tickets/{extended}/request_extension", "handler1", days=4, reason="需多部门会商")

    supervisor = open_as("supervisor1", "/dashboard")
    row = supervisor.locator(f'#approvals tr[data-ticket="{returned}"]')
    expect(row).to_contain_text("退单理由：属物业管理范围", timeout=5000)
    expect(row).to_contain_text("依据：确责清单第 7 条")
    expect(row.locator('button[data-action="approve_return"]')).to_be_visible()
    row = supervisor.locator(f'#approvals tr[data-ticket="{extended}"]')
    expect(row).to_contain_text("申请延期 4 个工作日")
    expect(row).to_contain_text("延期理由：需多部门会商")


def _rgb(color: str) -> tuple[int, ...]:
    return tuple(int(float(p)) for p in color[color.index("(") + 1 : color.index(")")].split(",")[:3])


def test_focus_ring_toasts_and_a_readable_disable_button(server, rest, open_as):
    supervisor = open_as("supervisor1", "/dashboard")
    supervisor.keyboard.press("Tab")
    supervisor.keyboard.press("Tab")
    ring = supervisor.evaluate(
        "() => { const s = getComputedStyle(document.activeElement); return [document.activeElement.tagName, s.outlineStyle, s.outlineWidth]; }"
    )
    assert ring[0] != "BODY" and ring[1] == "solid" and ring[2] == "3px", ring

    supervisor.evaluate("() => { H.toast('第一条提示'); H.toast('第二条提示', 'error'); }")
    toasts = supervisor.locator("#toasts .toast")
    expect(toasts).to_have_count(2)
    assert supervisor.locator("#toasts").get_attribute("aria-live") == "polite"
    first, second = (t.bounding_box() for t in toasts.all())
    apart = first["y"] + first["height"] <= second["y"] or second["y"] + second["height"] <= first["y"]
    assert apart, (first, second)  # stacked, not on top of each other

    admin = open_as("admin1", "/dashboard")
    admin.goto(server + "/admin/staff")
    button = admin.locator('tr[data-user="agent1"] form[action$="/active"] button')
    expect(button).to_have_text("停用")
    fg, bg = (
        _rgb(c)
        for c in admin.evaluate(
            "(b) => { const s = getComputedStyle(b); return [s.color, s.backgroundColor]; }", button.element_handle()
        )
    )
    assert sum(abs(a - b) for a, b in zip(fg, bg, strict=True)) > 300, (fg, bg)  # white on red, not white on white
