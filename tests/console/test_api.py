"""The console's JSON endpoints, and CSRF on the page-session path of every API call."""

from __future__ import annotations

import re

import pytest

from tests.conftest import login_form


@pytest.fixture
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


def _page_token(client, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def _login(app, username: str):
    client = app.test_client()
    token = _page_token(client, "/login")
    response = client.post("/login", data=login_form(username) | {"csrf_token": token})
    assert response.status_code == 302
    return client


BODY = {"channel": "phone", "content": "楼上漏水一周了"}


def test_session_post_without_csrf_token_is_refused(app, world, csrf_on):
    client = _login(app, "agent1")
    response = client.post("/api/v1/tickets", json=BODY)
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "csrf_failed"
    assert client.post("/api/v1/tickets", json=BODY, headers={"X-CSRFToken": "forged"}).status_code == 403


def test_session_post_with_the_page_token_passes(app, world, csrf_on):
    client = _login(app, "agent1")
    token = _page_token(client, "/console")
    response = client.post("/api/v1/tickets", json=BODY, headers={"X-CSRFToken": token})
    assert response.status_code == 201, response.get_json()


def test_session_get_needs_no_token(app, world, csrf_on):
    client = _login(app, "agent1")
    assert client.get("/api/v1/tickets").status_code == 200


def test_bearer_needs_no_csrf_token(api, csrf_on):
    assert api.post("/api/v1/tickets", as_="agent1", json=BODY).status_code == 201


def test_suggest_returns_providers_output(app, api):
    from dataclasses import replace

    from hotline.intake.seams import INTAKE

    seams = INTAKE.get(app)
    echo = {"test": lambda s, text, addr: {"echo": [text, addr]}}
    with INTAKE.replaced(app, replace(seams, suggesters=seams.suggesters | echo)):
        body = api.post("/api/v1/console/suggest", as_="agent1", json={"text": "路灯", "address": "东风路"}).get_json()
    assert body["echo"] == ["路灯", "东风路"]
    assert api.post("/api/v1/console/suggest", as_="handler1", json={"text": "x"}).status_code == 403


def test_summary_counts_and_roles(api):
    a = api.new_ticket()
    api.new_ticket(content="公交车到站不停")
    api.act(a["number"], "dispatch", "dispatcher1", unit="A1")
    api.act(a["number"], "accept", "handler1")
    api.act(a["number"], "request_extension", "handler1", days=3, reason="需协调")
    body = api.get("/api/v1/console/summary", as_="supervisor1").get_json()
    states = {s["state"]: s["count"] for s in body["states"]}
    assert states["registered"] == 1 and states["accepted"] == 1 and body["open"] == 2
    assert body["approvals"]["extension"] == 1
    assert body["today"]["total"] == 2
    assert sum(r["count"] for r in body["today"]["by_category"]) == 2
    assert {r["name"] for r in body["today"]["by_unit"]} == {"A1区", "未派单"}
    for user in ("agent1", "handler1", "grid1"):
        assert api.get("/api/v1/console/summary", as_=user).status_code == 403
    approvals = api.get("/api/v1/console/approvals", as_="dispatcher1").get_json()
    assert [t["number"] for t in approvals["extension"]] == [a["number"]]
