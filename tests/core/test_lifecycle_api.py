"""The closed loop through the API alone, as the product side will check it."""

from __future__ import annotations

EXPECTED_ACTIONS = [
    ("register", "agent1", None, "registered"),
    ("dispatch", "dispatcher1", "registered", "dispatched"),
    ("request_return", "handler1", "dispatched", "return_requested"),
    ("approve_return", "dispatcher1", "return_requested", "registered"),
    ("dispatch", "dispatcher1", "registered", "dispatched"),
    ("accept", "handler1", "dispatched", "accepted"),
    ("request_extension", "handler1", "accepted", "accepted"),
    ("approve_extension", "supervisor1", "accepted", "accepted"),
    ("reply", "handler1", "accepted", "replied"),
    ("approve_reply", "supervisor1", "replied", "callback_due"),
    ("callback", "agent1", "callback_due", "disputed"),
    ("rework", "supervisor1", "disputed", "dispatched"),
    ("accept", "handler1", "dispatched", "accepted"),
    ("reply", "handler1", "accepted", "replied"),
    ("approve_reply", "supervisor1", "replied", "callback_due"),
    ("callback", "agent1", "callback_due", "closed"),
]


def test_the_whole_loop_with_return_extension_and_rework(api):
    ticket = api.new_ticket(kind="complaint", address="A1区东风街道东风社区3栋")
    number = ticket["number"]
    assert ticket["state"] == "registered"
    steps = [
        ("dispatch", "dispatcher1", {"unit": "JTJ"}),
        ("request_return", "handler2", {"reason": "路灯属城区管理，不属交通部门职责", "basis": "确责清单第12条"}),
        ("approve_return", "dispatcher1", {"note": "同意，改派A1区"}),
    ]
    for action, who, body in steps:
        response = api.act(number, action, who, **body)
        assert response.status_code == 200, response.get_json()
    # handler2's unit (市交通运输局) returned it; now it goes to A1区 (handler1).
    steps = [
        ("dispatch", "dispatcher1", {"unit": "A1"}),
        ("accept", "handler1", {}),
        ("request_extension", "handler1", {"days": 3, "reason": "需协调供电部门"}),
    ]
    for action, who, body in steps:
        response = api.act(number, action, who, **body)
        assert response.status_code == 200, response.get_json()
    before = response.get_json()["ticket"]["deadlines"]["reply"]
    response = api.act(number, "approve_extension", "supervisor1")
    assert response.status_code == 200
    after = response.get_json()["ticket"]
    assert after["deadlines"]["reply"] > before and after["extension_count"] == 1
    reply = {"result": "已更换路灯灯泡", "public_answer": "您反映的路灯问题已修复。"}
    for action, who, body in [
        ("reply", "handler1", reply),
        ("approve_reply", "supervisor1", {}),
        ("callback", "agent1", {"contacted": True, "resolved": False, "satisfaction": "unsatisfied"}),
    ]:
        response = api.act(number, action, who, **body)
        assert response.status_code == 200, response.get_json()
    assert response.get_json()["ticket"]["state"] == "disputed"
    response = api.act(number, "rework", "supervisor1", note="市民反映仍有一盏不亮")
    assert response.get_json()["ticket"]["state"] == "dispatched"
    assert response.get_json()["ticket"]["rework_count"] == 1
    for action, who, body in [
        ("accept", "handler1", {}),
        ("reply", "handler1", reply),
        ("approve_reply", "supervisor1", {}),
        ("callback", "agent1", {"contacted": True, "resolved": True, "satisfaction": "satisfied"}),
    ]:
        response = api.act(number, action, who, **body)
        assert response.status_code == 200, response.get_json()
    final = response.get_json()["ticket"]
    assert final["state"] == "closed" and final["rework_count"] == 1 and final["satisfaction"] == "satisfied"

    events = api.get(f"/api/v1/tickets/{number}/events", as_="supervisor1").get_json()["events"]
    transitions = [
        (e["action"], e["actor"], e["from"], e["to"]) for e in events if e["action"] not in ("notify", "warning")
    ]
    expected = [(a, who if a != "request_return" else "handler2", f, t) for a, who, f, t in EXPECTED_ACTIONS]
    assert transitions == expected
    assert all(e["at"] for e in events)
    assert [e["at"] for e in events] == sorted(e["at"] for e in events)
    # 告知 at registration, at each approved answer (with the 回访 link, 智能回访) and at closing.
    purposes = [e["data"]["purpose"] for e in events if e["action"] == "notify"]
    assert purposes == ["registered", "answered", "callback_link", "answered", "callback_link", "closed"]
    # Each 告知 follows the action that caused it (the link right after the answer it asks about).
    actions = [e["action"] if e["action"] != "notify" else e["data"]["purpose"] for e in events]
    assert [actions[i + 1] for i, a in enumerate(actions) if a == "answered"] == ["callback_link", "callback_link"]
    actions = [e["action"] for e in events if e["action"] != "notify" or e["data"]["purpose"] != "callback_link"]
    assert [actions[i - 1] for i, a in enumerate(actions) if a == "notify"] == [
        "register",
        "approve_reply",
        "approve_reply",
        "callback",
    ]


def test_an_illegal_action_is_409_and_changes_nothing(api):
    number = api.new_ticket()["number"]
    before = api.get(f"/api/v1/tickets/{number}", as_="agent1").get_json()["ticket"]
    response = api.act(number, "accept", "handler1")
    # handler1 cannot see a ticket that is not at their unit yet …
    assert response.status_code == 404
    api.act(number, "dispatch", "dispatcher1", unit="A1")
    response = api.act(number, "reply", "handler1", result="x", public_answer="y")
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "invalid_transition"
    assert "待签收" in response.get_json()["error"]["message"]
    after = api.get(f"/api/v1/tickets/{number}", as_="agent1").get_json()["ticket"]
    assert after["state"] == "dispatched" and after["version"] == before["version"] + 1
    events = api.get(f"/api/v1/tickets/{number}/events", as_="agent1").get_json()["events"]
    assert [e["action"] for e in events if e["action"] != "notify"] == ["register", "dispatch"]


def test_another_units_handler_gets_404(api):
    number = api.new_ticket()["number"]
    api.act(number, "dispatch", "dispatcher1", unit="A1")
    assert api.get(f"/api/v1/tickets/{number}", as_="handler2").status_code == 404
    assert api.get(f"/api/v1/tickets/{number}/events", as_="handler2").status_code == 404
    assert api.act(number, "accept", "handler2").status_code == 404
    listing = api.get("/api/v1/tickets", as_="handler2").get_json()["tickets"]
    assert number not in [t["number"] for t in listing]
    # The street below A1 does not see it either (it is held at district level), the district does.
    assert api.get(f"/api/v1/tickets/{number}", as_="street1").status_code == 404
    assert api.get(f"/api/v1/tickets/{number}", as_="handler1").status_code == 200


def test_wrong_role_is_403_with_nothing_changed(api):
    number = api.new_ticket()["number"]
    response = api.act(number, "dispatch", "agent1", unit="A1")
    assert response.status_code == 403
    assert api.get(f"/api/v1/tickets/{number}", as_="agent1").get_json()["ticket"]["state"] == "registered"


def test_a_grid_worker_escalates_up_the_chain_it_came_down(api):
    """上报: grid → community (the unit above), visible in its inbox; never past the unit the centre chose."""
    number = api.new_ticket(content="东风社区3栋楼顶违建需执法部门处理")["number"]
    assert api.act(number, "dispatch", "dispatcher1", unit="A1").status_code == 200
    assert api.act(number, "accept", "handler1").status_code == 200
    assert api.act(number, "forward", "handler1", grid="A1-01-01-G01").status_code == 200
    assert api.act(number, "accept", "grid1").status_code == 200
    no_reason = api.act(number, "escalate", "grid1")
    assert no_reason.status_code == 422 and no_reason.get_json()["error"]["code"] == "missing_field"
    up = api.act(number, "escalate", "grid1", reason="违建拆除需街道执法队")
    assert up.status_code == 200, up.get_json()
    ticket = up.get_json()["ticket"]
    assert ticket["state"] == "dispatched" and ticket["handling_unit"]["code"] == "A1-01-01"
    assert ticket["lead_unit"]["code"] == "A1"  # the unit the centre dispatched to still answers for it
    event = api.get(f"/api/v1/tickets/{number}/events", as_="handler1").get_json()["events"][-1]
    assert (event["action"], event["action_name"], event["actor"], event["from"], event["to"]) == (
        "escalate",
        "上报",
        "grid1",
        "accepted",
        "dispatched",
    )
    assert event["data"] == {"from": "A1-01-01-G01", "to": "A1-01-01", "reason": "违建拆除需街道执法队"}
    # The street (above the community) sees it in its subtree; the grid no longer holds it.
    assert api.get(f"/api/v1/tickets/{number}", as_="street1").status_code == 200
    assert api.act(number, "accept", "grid1").status_code in (403, 404)
    # Up to A1 itself, and no further: above A1 is the centre, which takes tickets back by 退单.
    assert api.act(number, "escalate", "street1", reason="需区级协调").status_code == 200
    assert api.act(number, "escalate", "handler1", reason="需区级协调").status_code == 200
    top = api.act(number, "escalate", "handler1", reason="再往上")
    assert top.status_code == 409 and top.get_json()["error"]["code"] == "cannot_escalate"
    assert api.get(f"/api/v1/tickets/{number}", as_="handler1").get_json()["ticket"]["handling_unit"]["code"] == "A1"
