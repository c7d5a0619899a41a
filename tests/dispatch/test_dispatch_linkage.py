"""110/119/120 linkage: live emergencies flag, past events, consultations and hypotheticals do not."""

from __future__ import annotations

import pytest

from dispatch.linkage import detect_linkage


@pytest.mark.parametrize(
    ("text", "target", "matched"),
    [
        ("小区门口正在打架，快来人", "110", "打架"),
        ("有人持刀在菜市场闹事", "110", "持刀"),
        ("老公家暴我，救命", "110", "家暴"),
        ("楼顶有人要跳楼", "110", "要跳楼"),
        ("有小偷正在撬门", "110", "小偷"),
        ("我家厨房着火了！", "119", "着火"),
        ("楼道里燃气泄漏味道很大", "119", "燃气泄漏"),
        ("公交站有老人晕倒了", "120", "晕倒"),
        ("着火了，有人晕倒", "119", "着火"),  # fire outranks medical in one message
    ],
)
def test_flags_live_emergencies(text: str, target: str, matched: str) -> None:
    link = detect_linkage(text)
    assert link is not None
    assert (link.target, link.matched) == (target, matched)
    assert target in link.reason


@pytest.mark.parametrize(
    "text",
    [
        "去年有人打架的事情咨询一下",
        "没有打架，只是吵架",
        "我想咨询一下去年被盗窃的案子",
        "小区电动车乱停，一旦发生火灾后果不堪设想",
        "消防通道被占，存在火灾隐患",
        "家里东西被盗窃了",  # after the fact, no present marker: police station, not a 110 handover
        "小区停水三天了",
        "",
    ],
)
def test_does_not_flag_past_consult_or_hypothetical(text: str) -> None:
    assert detect_linkage(text) is None
