"""``POST /api/v1/cti``: the switchboard pops the caller's history on the agent's console."""

from __future__ import annotations

import pytest

from tests.console.conftest import wait_for

CALL = {"event": "newCall", "from": "+86 138-1234-5678", "to": "12345", "callId": "c-1", "agent": "agent1"}


@pytest.fixture
def cti_token(app):
    app.config["HOTLINE_CTI_TOKEN"] = "switch-secret"
    yield "switch-secret"
    app.config["HOTLINE_CTI_TOKEN"] = None


def test_refuses_without_credentials(api):
    assert api.post("/api/v1/cti", json=CALL).status_code == 401


def test_refuses_a_wrong_switch_token(api, cti_token):
    response = api.client.post("/api/v1/cti", json=CALL, headers={"X-CTI-Token": "nope"})
    assert response.status_code == 401


@pytest.mark.parametrize("role_user", ["handler1", "dispatcher1"])
def test_refuses_other_roles(api, role_user):
    assert api.post("/api/v1/cti", as_=role_user, json=CALL).status_code == 403


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"event": "ring"}, 422),
        ({"from": ""}, 422),
        ({"from": "abc"}, 422),
        ({"callId": None}, 422),
        ({"agent": "nobody"}, 422),
        ({"agent": "handler1"}, 422),
    ],
)
def test_bad_input_is_4xx(api, change, status):
    assert api.post("/api/v1/cti", as_="agent1", json=CALL | change).status_code == status


def test_not_json_is_415(api):
    response = api.client.post("/api/v1/cti", data="x", headers={"Authorization": f"Bearer {api.token('agent1')}"})
    assert response.status_code == 415


def test_new_call_pushes_history_to_that_agent_only(api, login, sockets, cti_token):
    first = api.new_ticket(caller_phone="13812345678", content="路灯不亮")
    second = api.new_ticket(caller_phone="13812345678", content="井盖缺失")
    api.post(f"/api/v1/tickets/{first['number']}/close_on_call", as_="agent1", json={"public_answer": "已答复"})
    api.new_ticket(caller_phone="13900000000", content="别人的诉求")
    mine = sockets(login("agent1"))
    handler = sockets(login("handler1"))

    response = api.client.post("/api/v1/cti", json=CALL, headers={"X-CTI-Token": cti_token})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["from"] == "13812345678"
    assert [h["number"] for h in body["history"]] == [second["number"], first["number"]]  # open first
    assert body["history"][0]["open"] and not body["history"][1]["open"]
    assert body["repeat_caller"] is True and body["recent_count"] == 2 and body["open_count"] == 1

    received = wait_for(mine, lambda r: any(x["name"] == "call.new" for x in r))
    call = next(x for x in received if x["name"] == "call.new")["args"][0]
    assert call["call_id"] == "c-1" and len(call["history"]) == 2
    assert not [x for x in wait_for(handler, lambda r: bool(r), timeout=0.5) if x["name"].startswith("call.")]


def test_first_time_caller_is_not_a_repeat(api):
    body = api.post("/api/v1/cti", as_="agent1", json=CALL | {"from": "13700000000"}).get_json()
    assert body["history"] == [] and body["repeat_caller"] is False


def test_answer_and_hangup_are_accepted(api, login, sockets):
    mine = sockets(login("agent1"))
    for event in ("answer", "hangup"):
        response = api.post("/api/v1/cti", as_="agent1", json=CALL | {"event": event})
        assert response.status_code == 200
    received = wait_for(mine, lambda r: len([x for x in r if x["name"] == "call.updated"]) == 2)
    assert [x["args"][0]["event"] for x in received if x["name"] == "call.updated"] == ["answer", "hangup"]


def test_a_call_naming_no_agent_pops_no_console(api, login, sockets, cti_token):
    agent = sockets(login("agent1"))
    call = {k: v for k, v in CALL.items() if k != "agent"}
    for event in ("newCall", "answer"):
        response = api.client.post("/api/v1/cti", json=call | {"event": event}, headers={"X-CTI-Token": cti_token})
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["popped"] is False
    assert not [x for x in wait_for(agent, lambda r: bool(r), timeout=0.5) if x["name"].startswith("call.")]


def test_an_agents_own_softphone_pops_that_agents_console(api, login, sockets):
    agent = sockets(login("agent1"))
    call = {k: v for k, v in CALL.items() if k != "agent"}
    assert api.post("/api/v1/cti", as_="agent1", json=call).get_json()["popped"] is True
    received = wait_for(agent, lambda r: any(x["name"] == "call.new" for x in r))
    assert any(x["name"] == "call.new" for x in received)
