"""Pages: each role lands on its workspace; others get 403; strangers go to /login."""

from __future__ import annotations

import pytest

from tests.conftest import login_form

PAGES = {
    "/console": {"agent1"},
    "/inbox": {"handler1", "handler2"},
    "/grid": {"grid1"},
    "/dashboard": {"dispatcher1", "supervisor1", "admin1"},
}
USERS = ("agent1", "dispatcher1", "handler1", "handler2", "grid1", "supervisor1", "admin1")


@pytest.mark.parametrize("path", sorted(PAGES))
def test_anonymous_goes_to_login(app, world, path):
    response = app.test_client().get(path)
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")


@pytest.mark.parametrize("username", USERS)
def test_each_role_opens_only_its_page(login, username):
    client = login(username)
    for path, allowed in PAGES.items():
        response = client.get(path)
        if username in allowed:
            assert response.status_code == 200, (username, path)
            html = response.get_data(as_text=True)
            assert 'name="csrf-token"' in html and "socket.io.min.js" in html
        else:
            assert response.status_code == 403, (username, path)
            assert "无权访问" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("username", "page"),
    [("agent1", "/console"), ("handler1", "/inbox"), ("grid1", "/grid"), ("supervisor1", "/dashboard")],
)
def test_login_lands_on_the_workspace(app, world, username, page):
    response = app.test_client().post("/login", data=login_form(username))
    assert response.headers["Location"] == page


def test_console_lists_shortcuts(login):
    html = login("agent1").get("/console").get_data(as_text=True)
    for key in ("Ctrl+Enter", "Alt+1", "Alt+K", "Esc"):
        assert key in html


def test_vendored_socket_io_client_is_served(app):
    response = app.test_client().get("/static/vendor/socket.io.min.js")
    assert response.status_code == 200 and b"io" in response.data
    response.close()
