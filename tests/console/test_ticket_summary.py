"""A summary for every ticket: computed at intake, stored, and in the ticket and list API shapes."""

from __future__ import annotations

LETTER = (
    "尊敬的领导：您好！我是东风社区的居民。小区自今年六月以来经常停水，每次停水都没有通知。"
    "业主多次找物业、开发商和居委会，至今没有找到原因。大家都要上班，孩子要上学，生活非常不便。"
    "恳请有关部门尽快查明原因，解决停水问题。此致敬礼！"
)


def test_intake_stores_the_summary_and_lists_show_it(api):
    ticket = api.new_ticket(content=LETTER, title="小区长期停水")
    summary = ticket["summary"]
    assert 0 < len(summary) <= 80
    assert "停水" in summary and "尽快查明原因" in summary and "尊敬的领导" not in summary
    listed = api.get("/api/v1/tickets", as_="agent1").get_json()["tickets"]
    row = next(t for t in listed if t["number"] == ticket["number"])
    assert row["summary"] == summary
    assert row["content"] == LETTER  # existing fields are kept


def test_a_short_request_is_its_own_summary(api):
    ticket = api.new_ticket(content="楼上漏水一周了")
    assert ticket["summary"] == "楼上漏水一周了"
