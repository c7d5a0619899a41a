"""Every page of every role in real Chromium: no visible English word outside an allow-list, no console error."""

from __future__ import annotations

import re

import pytest

from hotline.auth.roles import LANDING_PAGES, Role
from hotline.core.navigation import NAVIGATION

pytestmark = pytest.mark.browser

USERS = {
    "agent1": Role.AGENT,
    "dispatcher1": Role.DISPATCHER,
    "handler1": Role.HANDLER,
    "grid1": Role.GRID_WORKER,
    "supervisor1": Role.SUPERVISOR,
    "admin1": Role.ADMIN,
}
# Words staff do read in Latin letters: keys, formats, product names and codes people type.
ALLOWED = {
    "Alt",
    "Ctrl",
    "Enter",
    "Esc",
    "APP",
    "App",
    "Excel",
    "CSV",
    "JSON",
    "xlsx",
    "ID",
    "SMS",
    "PDF",
    "OK",
    "macro",
    "F1",
    "JT",
    "CX",
    "YYYY",
    "MM",
    "DD",
    "JTJ",
    "GIS",
    "district",
    "street",
}  # @district / @street: tokens an admin types into the responsibility list
# What citizens and staff wrote (titles, addresses, answers, reasons: data-free-text) may hold Latin letters, e.g.
# a case code cut short by a chart label; only the interface's own words are checked.
VISIBLE_UI_TEXT = """() => {
  document.querySelectorAll("[data-free-text]").forEach((e) => { e.textContent = ""; });
  return document.body.innerText;
}"""
WORD = re.compile(r"[A-Za-z][A-Za-z_]*[0-9]*")


def _english(text: str) -> set[str]:
    words = set()
    for word in WORD.findall(text):
        # names with a number are identifiers people type (user names agent1, unit codes A1-01); one letter is a key
        if word in ALLOWED or word[-1].isdigit() or len(word) == 1:
            continue
        words.add(word)
    return words


@pytest.fixture
def city(rest):
    t = rest.post(
        "/api/v1/tickets",
        "agent1",
        channel="phone",
        content="东风路井盖缺失，晚上很危险",
        caller_phone="13812340000",
        address="东风路 8 号",
    )["ticket"]
    rest.post(f"/api/v1/tickets/{t['number']}/dispatch", "dispatcher1", unit="A1")
    rest.post(f"/api/v1/tickets/{t['number']}/request_return", "handler1", reason="不属本单位职责", basis="确责清单")
    g = rest.post("/api/v1/tickets", "agent1", channel="web", content="网格内垃圾堆放", caller_phone="13812340001")[
        "ticket"
    ]
    rest.post(f"/api/v1/tickets/{g['number']}/dispatch", "dispatcher1", unit="A1", grid="A1-01-01-G01")
    return t["number"], g["number"]


@pytest.mark.parametrize("username", sorted(USERS))
def test_every_page_of_the_role_is_chinese_and_error_free(server, open_as, city, username):
    role = USERS[username]
    number, grid_number = city
    page = open_as(username, LANDING_PAGES[role])
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"{page.url}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"{page.url}: {e}"))
    paths = [LANDING_PAGES[role]]
    paths += [a.get_attribute("href") for a in page.locator("nav.mainnav a").all()]
    paths += [f"/tickets/{grid_number if role == Role.GRID_WORKER else number}", "/search?q=井盖&open=1"]
    found: dict[str, set[str]] = {}
    for path in dict.fromkeys(p for p in paths if p):
        response = page.goto(server + path)
        assert response.status == 200, path
        page.wait_for_load_state("networkidle")
        words = _english(page.evaluate(VISIBLE_UI_TEXT))
        if words:
            found[path] = words
    assert not found, found
    assert not problems, problems
    assert {e.label for e in NAVIGATION if role in e.roles} <= set(page.locator("nav.mainnav a").all_inner_texts())
