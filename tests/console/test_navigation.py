"""The header navigation per role (hotline.core.navigation), Chinese error pages, the favicon."""

from __future__ import annotations

import re

import pytest

from hotline.auth.roles import LANDING_PAGES, Role
from hotline.core.navigation import NAVIGATION

USERS = {
    "agent1": Role.AGENT,
    "dispatcher1": Role.DISPATCHER,
    "handler1": Role.HANDLER,
    "grid1": Role.GRID_WORKER,
    "supervisor1": Role.SUPERVISOR,
    "admin1": Role.ADMIN,
}


def _nav(html: str) -> list[tuple[str, str]]:
    block = re.search(r'<nav class="mainnav"[^>]*>(.*?)</nav>', html, re.S)
    assert block, "the header has no navigation"
    return re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', block.group(1))


def test_every_entry_names_a_real_page(app):
    endpoints = set(app.view_functions)
    assert [e.endpoint for e in NAVIGATION if e.endpoint not in endpoints] == []
    assert all(e.roles for e in NAVIGATION)


@pytest.mark.parametrize("username", sorted(USERS))
def test_each_role_sees_its_entries_and_each_opens(login, username):
    client = login(username)
    role = USERS[username]
    html = client.get(LANDING_PAGES[role]).get_data(as_text=True)
    links = _nav(html)
    expected = [e.label for e in NAVIGATION if role in e.roles]
    assert [label for _, label in links] == expected
    assert 'aria-current="page"' in html
    for href, label in links:
        assert client.get(href).status_code == 200, (username, label, href)


@pytest.mark.parametrize("path", ["/no-such-page", "/tickets/00000000000000", "/admin/nothing"])
def test_a_missing_page_is_a_chinese_404(login, path):
    response = login("agent1").get(path)
    html = response.get_data(as_text=True)
    assert response.status_code == 404 and "页面不存在" in html and "Not Found" not in html
    assert 'href="/console"' in html  # back to the user's own workspace


def test_anonymous_404_and_405_are_chinese(app, world):
    client = app.test_client()
    missing = client.get("/nowhere")
    assert missing.status_code == 404 and "页面不存在" in missing.get_data(as_text=True)
    wrong = client.put("/login")
    assert wrong.status_code == 405 and "Method Not Allowed" not in wrong.get_data(as_text=True)


def test_api_errors_stay_json(app, world):
    response = app.test_client().get("/api/v1/nothing-here")
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"


def test_an_unexpected_error_is_a_chinese_500_page(app, world, login, monkeypatch):
    from hotline.console import views

    def boom(*args, **kwargs):
        raise RuntimeError("kaputt")

    monkeypatch.setattr(views, "render_template", boom)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    try:
        response = login("agent1").get("/console")
    finally:
        app.config["PROPAGATE_EXCEPTIONS"] = None
    html = response.get_data(as_text=True)
    assert response.status_code == 500 and "系统出错了" in html and "kaputt" not in html


def test_favicon(app, world):
    with app.test_client().get("/favicon.ico") as response:
        assert response.status_code == 200 and response.mimetype == "image/svg+xml" and b"<svg" in response.data
