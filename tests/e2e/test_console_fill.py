"""In real Chromium: pasting a call transcript fills the registration form, keeping what the agent typed."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

TRANSCRIPT = (
    "话务员：您好，12345热线，请问有什么可以帮您？\n"
    "来电人：你好，我叫李秀英，住在A1区东风社区，家门口的路灯坏了已经一个月了，晚上很黑。\n"
    "话务员：李女士，请问您的联系电话？\n"
    "来电人：幺五九 八七六五 四三二一，希望尽快修好。"
)


def test_pasted_transcript_fills_the_form_but_keeps_the_agents_typing(server, open_as):
    page = open_as("agent1", "/console")
    page.fill("#f-caller", "李阿姨")  # the agent typed the caller's name before pasting
    # Paste as a user does: a clipboard paste event on the transcript box.
    page.locator("#fill-text").focus()
    page.evaluate(
        """text => {
        const box = document.getElementById('fill-text');
        const data = new DataTransfer();
        data.setData('text/plain', text);
        box.value = text;
        box.dispatchEvent(new ClipboardEvent('paste', {clipboardData: data, bubbles: true}));
    }""",
        TRANSCRIPT,
    )
    expect(page.locator("#f-phone")).to_have_value("15987654321", timeout=30000)  # the first fill may load jieba
    expect(page.locator("#f-caller")).to_have_value("李阿姨")  # never overwritten
    expect(page.locator("#f-address")).to_have_value("A1区东风社区")
    title = page.locator("#f-title").input_value()
    assert 0 < len(title) <= 30 and "路灯" in title
    expect(page.locator("#f-content")).to_have_value(TRANSCRIPT)
    # Each filled value shows where it came from; the kept field says so.
    expect(page.locator('#fill-fields [data-field="phone"] .source')).to_contain_text("幺五九 八七六五 四三二一")
    expect(page.locator('#fill-fields [data-field="caller"]')).to_contain_text("保留话务员填写")
    expect(page.locator("#fill-source mark")).not_to_have_count(0)

    # The agent corrects the filled address; a second transcript keeps the correction but fills on.
    page.fill("#f-address", "东风路8号")
    page.fill("#f-phone", "")
    page.fill("#fill-text", TRANSCRIPT.replace("幺五九 八七六五 四三二一", "一三八 一二三四 五六七八"))
    page.click("#fill-run")
    expect(page.locator("#f-phone")).to_have_value("13812345678", timeout=5000)
    expect(page.locator("#f-address")).to_have_value("东风路8号")
    expect(page.locator("#f-caller")).to_have_value("李阿姨")

    # The filled form registers as it is.
    page.keyboard.press("Control+Enter")
    number = page.locator("#new-number").inner_text(timeout=30000)  # the first intake may load the classifier
    assert len(number) == 14
