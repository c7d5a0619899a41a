"""Intake: idempotent on (channel, external_id), numbered per day, bad input refused cleanly."""

from __future__ import annotations

import re

import pytest


def test_same_external_id_twice_gives_the_same_ticket(api):
    body = {"channel": "message_board", "content": "小区垃圾无人清运", "external_id": "mb-7781"}
    first = api.post("/api/v1/tickets", as_="agent1", json=body)
    second = api.post("/api/v1/tickets", as_="agent1", json=body)
    assert first.status_code == 201 and second.status_code == 200
    assert first.get_json()["ticket"]["number"] == second.get_json()["ticket"]["number"]
    other_channel = api.post("/api/v1/tickets", as_="agent1", json=body | {"channel": "web"})
    assert other_channel.status_code == 201
    assert other_channel.get_json()["ticket"]["number"] != first.get_json()["ticket"]["number"]
    listing = api.get("/api/v1/tickets", as_="agent1").get_json()["tickets"]
    assert len(listing) == 2


def test_numbers_are_date_plus_daily_sequence(api):
    numbers = [api.new_ticket()["number"] for _ in range(3)]
    assert all(re.fullmatch(r"\d{8}\d{6}", n) for n in numbers)
    assert [int(n[8:]) for n in numbers] == [1, 2, 3]


def test_registration_sets_the_dispatch_deadline_and_tells_the_caller(api):
    ticket = api.new_ticket(urgency="urgent")
    assert ticket["deadlines"]["dispatch"] is not None
    events = api.get(f"/api/v1/tickets/{ticket['number']}/events", as_="agent1").get_json()["events"]
    assert [e["action"] for e in events] == ["register", "notify"]
    assert ticket["number"] in events[1]["note"]


def test_phone_is_masked_for_handlers_and_hidden_for_reports(api):
    normal = api.new_ticket(caller_name="张三", caller_phone="13812345678")
    report = api.new_ticket(kind="report", caller_name="李四", caller_phone="13900001111", content="举报某餐馆无证经营")
    for number in (normal["number"], report["number"]):
        api.act(number, "dispatch", "dispatcher1", unit="A1")
    assert (
        api.get(f"/api/v1/tickets/{normal['number']}", as_="agent1").get_json()["ticket"]["caller_phone"]
        == "13812345678"
    )
    seen = api.get(f"/api/v1/tickets/{normal['number']}", as_="handler1").get_json()["ticket"]
    assert (seen["caller_phone"], seen["caller_name"]) == ("138****5678", "张*")
    seen = api.get(f"/api/v1/tickets/{report['number']}", as_="handler1").get_json()["ticket"]
    assert (seen["caller_phone"], seen["caller_name"]) == ("保密", "保密")
    assert "13900001111" not in str(api.get(f"/api/v1/tickets/{report['number']}/events", as_="handler1").get_json())


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"content": "没有渠道"}, 422, "missing_field"),
        ({"channel": "phone"}, 422, "missing_field"),
        ({"channel": "fax", "content": "x"}, 422, "invalid_choice"),
        ({"channel": "phone", "content": 42}, 422, "invalid_type"),
        ({"channel": "phone", "content": "x", "kind": "rant"}, 422, "invalid_choice"),
        ({"channel": "phone", "content": "x", "area": "NOPE"}, 422, "unknown_unit"),
        ({"channel": "phone", "content": "x" * 20001}, 422, "too_long"),
    ],
)
def test_bad_intake_is_a_4xx_with_a_json_error(api, body, status, code):
    response = api.post("/api/v1/tickets", as_="agent1", json=body)
    assert response.status_code == status
    assert response.get_json()["error"]["code"] == code
    assert response.get_json()["error"]["message"]
    assert api.get("/api/v1/tickets", as_="agent1").get_json()["tickets"] == []


def test_malformed_bodies_never_500(api):
    token = api.token("agent1")
    auth = {"Authorization": f"Bearer {token}"}
    cases = [
        (b"\xff\xfe\x00bad", "application/json", 400, "invalid_utf8"),
        (b"{not json", "application/json", 400, "invalid_json"),
        (b"[1, 2]", "application/json", 400, "invalid_json"),
        (b"channel=phone", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
        (b"x" * (10 * 1024 * 1024), "application/json", 413, "payload_too_large"),
    ]
    for data, content_type, status, code in cases:
        response = api.client.post("/api/v1/tickets", data=data, headers=auth | {"Content-Type": content_type})
        assert response.status_code == status, (code, response.data[:200])
        assert response.get_json()["error"]["code"] == code


def test_unknown_action_and_wrong_types_on_actions(api):
    number = api.new_ticket()["number"]
    assert api.act(number, "teleport", "dispatcher1").status_code == 404
    response = api.act(number, "dispatch", "dispatcher1", unit=["A1"])
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "invalid_type"
    response = api.act(number, "dispatch", "dispatcher1", unit="NOWHERE")
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "unknown_unit"
    assert api.get(f"/api/v1/tickets/{number}", as_="agent1").get_json()["ticket"]["state"] == "registered"


def test_auth_is_required_and_tokens_checked(api):
    assert api.client.get("/api/v1/tickets").status_code == 401
    assert api.client.get("/api/v1/tickets", headers={"Authorization": "Bearer nope"}).status_code == 401
    bad = api.client.post("/api/v1/auth/token", json={"username": "agent1", "password": "wrong-password"})
    assert bad.status_code == 401 and bad.get_json()["error"]["code"] == "invalid_credentials"
    me = api.get("/api/v1/me", as_="handler1").get_json()
    assert me == {
        "username": "handler1",
        "display_name": "handler1",
        "role": "handler",
        "unit": {"code": "A1", "name": "A1区"},
    }
    units = api.get("/api/v1/units", as_="handler1").get_json()
    assert {"code": "A1-01", "name": "东风街道", "parent": "A1", "kind": "street", "initials": "dfjd"} in units
    assert api.post("/api/v1/tickets", as_="handler1", json={"channel": "phone", "content": "x"}).status_code == 403


def test_health_and_openapi(api):
    health = api.get("/api/v1/health", as_="admin1")
    assert health.status_code == 200
    assert health.get_json()["database"]["ok"] is True
    doc = api.client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    assert "/tickets/{number}/{action}" in doc["paths"]
    assert "callback" in doc["paths"]["/tickets/{number}/{action}"]["post"]["parameters"][1]["schema"]["enum"]
