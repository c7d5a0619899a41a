"""Intake suggestions, auto-dispatch, grid workers, 并单, 110 intake, patrol reports, returns and accuracy."""

from __future__ import annotations

from sqlalchemy import select


def _decisions(app, number: str):
    from dispatch.models import DispatchDecision
    from hotline.core.extensions import db
    from hotline.tickets.models import Ticket

    with app.app_context():
        ticket = db.session.scalar(select(Ticket).where(Ticket.number == number))
        rows = list(db.session.scalars(select(DispatchDecision).where(DispatchDecision.ticket_id == ticket.id)))
        out = [(r.rule_id, r.auto, r.model_version) for r in rows]
        db.session.remove()
        return out


def _events(api, number: str, as_: str = "supervisor1") -> list[dict]:
    response = api.get(f"/api/v1/tickets/{number}/events", as_=as_)
    assert response.status_code == 200
    body = response.get_json()
    return body["events"] if isinstance(body, dict) else body


def test_intake_returns_proposal_and_records_area(api, app, demo_city, no_classifier):
    response = api.post(
        "/api/v1/tickets",
        as_="agent1",
        json={"channel": "phone", "content": "小区里垃圾没人清扫，臭气熏天", "address": "麓谷林语"},
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    proposal = body["suggestions"]["proposal"]
    assert proposal["rule"]["id"] == "WG-02" and proposal["grid"]["code"] == "A1-01-01-G02"
    assert body["suggestions"]["area_unit"] == "A1-01-01-G02"
    assert body["ticket"]["area"]["code"] == "A1-01-01-G02"
    assert body["ticket"]["state"] == "registered"  # no classifier: nothing is certain enough
    assert _decisions(app, body["ticket"]["number"]) == [("WG-02", False, None)]


def test_auto_dispatch_on_sends_to_the_least_loaded_grid_worker(api, app, demo_city, classifier):
    from dispatch.models import DispatchAssignment
    from hotline.auth.models import User
    from hotline.auth.services import create_user
    from hotline.core.extensions import db
    from hotline.units.services import get_unit_by_code

    with app.app_context():
        grid = get_unit_by_code(db.session, "A1-01-01-G01")
        create_user(db.session, "grid1b", "demo-12345", "grid_worker", grid)
        create_user(db.session, "grid1c", "demo-12345", "grid_worker", grid)
        db.session.commit()
        db.session.remove()
    classifier.set("城乡建设", 0.95)
    first = api.new_ticket(content="春天小区门口垃圾堆积很久没人清运，卫生死角", address="春天小区")
    assert first["state"] == "dispatched"
    assert first["lead_unit"]["code"] == "A1-01" and first["handling_unit"]["code"] == "A1-01-01-G01"
    assert _decisions(app, first["number"]) == [("WG-02", True, "test-model-1")]
    dispatch_event = next(e for e in _events(api, first["number"]) if e["action"] == "dispatch")
    assert "WG-02" in dispatch_event["note"] and "test-model-1" in dispatch_event["note"]
    second = api.new_ticket(content="春天小区东门的生活垃圾乱倒，卫生状况很差", address="春天小区")
    third = api.new_ticket(content="春天小区3栋旁垃圾清扫不及时", address="春天小区")
    with app.app_context():
        rows = (
            db.session.execute(
                select(User.username)
                .join(DispatchAssignment, DispatchAssignment.user_id == User.id)
                .order_by(DispatchAssignment.id)
            )
            .scalars()
            .all()
        )
        db.session.remove()
    assert rows == ["grid1", "grid1b", "grid1c"]  # each time the worker with the least open load
    # The grid worker sees it and may 上报 it up to the community (within the street the rule chose).
    assert api.get(f"/api/v1/tickets/{third['number']}", as_="grid1").status_code == 200
    up = api.act(second["number"], "escalate", as_="grid1", reason="需社区协调环卫公司")
    assert up.status_code == 200, up.get_json()
    assert up.get_json()["ticket"]["handling_unit"]["code"] == "A1-01-01"


def test_auto_dispatch_off_or_unsure_leaves_ticket_for_dispatcher(api, app, demo_city, classifier, monkeypatch):
    monkeypatch.setitem(app.config, "HOTLINE_AUTO_DISPATCH", False)
    off = api.new_ticket(content="春天小区门口垃圾堆积很久没人清运", address="春天小区")
    assert off["state"] == "registered"
    assert _decisions(app, off["number"]) == [("WG-02", False, "test-model-1")]
    monkeypatch.setitem(app.config, "HOTLINE_AUTO_DISPATCH", True)
    classifier.set("城乡建设", 0.6)
    unsure = api.new_ticket(content="春天小区门口垃圾堆积很久没人清运了", address="春天小区")
    assert unsure["state"] == "registered"
    classifier.set("城乡建设", 0.99)
    rival = api.post(
        "/api/v1/dispatch/rules",
        as_="admin1",
        json={"id": "AMB-1", "priority": 50, "category": "城乡建设", "lead_unit": "CGJ", "legal_basis": "测试"},
    )
    assert rival.status_code == 201
    ambiguous = api.new_ticket(content="想了解一下城市规划的情况", address="春天小区")
    assert ambiguous["state"] == "registered"  # LB-01 and AMB-1 tie with different lead units
    fight = api.new_ticket(content="春天小区门口现在有人打架，垃圾桶都被踢翻了", address="春天小区")
    assert fight["state"] == "registered"
    proposal = api.get(f"/api/v1/dispatch/tickets/{fight['number']}", as_="dispatcher1").get_json()["proposal"]
    assert proposal["transfer_110"]["target"] == "110"
    transfer = api.act(
        fight["number"], "transfer", as_="dispatcher1", target="110", reason=proposal["transfer_110"]["reason"]
    )
    assert transfer.status_code == 200 and transfer.get_json()["ticket"]["state"] == "transferred"
    applied = api.post(f"/api/v1/dispatch/tickets/{off['number']}/apply", as_="dispatcher1", json={})
    assert applied.status_code == 200, applied.get_json()
    assert applied.get_json()["ticket"]["handling_unit"]["code"] == "A1-01-01-G01"


def test_near_identical_tickets_are_proposed_for_merge(api, app, demo_city, no_classifier):
    text = "春天小区南门的路灯坏了两个多月，晚上一片漆黑，老人孩子出行很不安全，希望尽快修复。"
    first = api.new_ticket(content=text, address="春天小区")
    other = api.new_ticket(content="公积金提取需要哪些材料", address="春天小区")
    response = api.post(
        "/api/v1/tickets",
        as_="agent1",
        json={
            "channel": "web",
            "content": "春天小区南门路灯坏了两个多月了，晚上一片漆黑，老人孩子出行很不安全",
            "address": "春天小区",
        },
    )
    similar = response.get_json()["suggestions"]["similar"]
    assert [s["number"] for s in similar] == [first["number"]] and similar[0]["score"] >= 0.4
    second = response.get_json()["ticket"]["number"]
    by_number = api.get(f"/api/v1/dispatch/similar/{second}", as_="dispatcher1").get_json()["similar"]
    assert first["number"] in [s["number"] for s in by_number] and other["number"] not in [
        s["number"] for s in by_number
    ]
    merged = api.act(second, "merge", as_="dispatcher1", into=first["number"])
    assert merged.status_code == 200, merged.get_json()
    assert merged.status_code == 200 and merged.get_json()["ticket"]["state"] == "merged"
    assert api.get(f"/api/v1/dispatch/similar/{second}", as_="handler2").status_code == 403


def test_from_110_is_idempotent_and_patrol_reports_come_from_the_grid(api, app, demo_city, no_classifier):
    body = {
        "incident_number": "110-20261124-0007",
        "content": "春天小区楼下商户噪音扰民，110出警后转12345",
        "address": "春天小区",
    }
    first = api.post("/api/v1/dispatch/from-110", as_="dispatcher1", json=body)
    assert first.status_code == 201, first.get_json()
    ticket = first.get_json()["ticket"]
    assert ticket["channel"] == "transfer_110" and ticket["external_id"] == "110-20261124-0007"
    again = api.post("/api/v1/dispatch/from-110", as_="admin1", json=body)
    assert again.status_code == 200 and again.get_json()["ticket"]["number"] == ticket["number"]
    assert api.post("/api/v1/dispatch/from-110", as_="agent1", json=body).status_code == 403

    patrol = api.post("/api/v1/dispatch/patrol", as_="grid1", json={"content": "巡查发现东风社区健身器材损坏"})
    assert patrol.status_code == 201, patrol.get_json()
    report = patrol.get_json()["ticket"]
    assert report["channel"] == "api" and report["area"]["code"] == "A1-01-01-G01"
    events = _events(api, report["number"])
    assert events[0]["action"] == "register"
    # the find stays with the grid: dispatched to it at once, in the worker's list, not the centre's queue
    assert (report["state"], report["handling_unit"]["code"]) == ("dispatched", "A1-01-01-G01")
    assert report["number"] in [
        t["number"] for t in api.get("/api/v1/search?state=dispatched", as_="grid1").get_json()["tickets"]
    ]
    assert report["number"] not in [
        t["number"] for t in api.get("/api/v1/search?state=registered", as_="dispatcher1").get_json()["tickets"]
    ]
    assert api.post("/api/v1/dispatch/patrol", as_="agent1", json={"content": "x"}).status_code == 403


def test_returns_cite_rules_and_accuracy_per_rule_and_unit(api, app, demo_city, classifier):
    classifier.set("交通运输", 0.99)
    right = api.new_ticket(content="公交车班次太少，等车要一个小时")
    wrong = api.new_ticket(content="地铁站出口的公交线路调整后很不方便")
    assert right["state"] == wrong["state"] == "dispatched" and right["lead_unit"]["code"] == "JTJ"
    asked = api.act(
        wrong["number"],
        "request_return",
        as_="handler2",
        reason="不属于我局职责",
        basis="rule:LB-07 线路调整属公交集团",
    )
    assert asked.status_code == 200, asked.get_json()
    assert api.act(wrong["number"], "approve_return", as_="dispatcher1", note="同意").status_code == 200

    rows = api.get("/api/v1/dispatch/rules/returns", as_="supervisor1").get_json()["rows"]
    assert rows[0]["rule"]["id"] == "LB-07" and rows[0]["approved_returns"] == 1
    assert rows[0]["cited_in_returns"] == 1 and rows[0]["tickets"] == [wrong["number"]]
    assert "交通运输" in rows[0]["rule"]["legal_basis"] or rows[0]["rule"]["legal_basis"]

    acc = api.get("/api/v1/dispatch/accuracy", as_="dispatcher1").get_json()
    assert acc["dispatched"] == 2 and acc["approved_returns"] == 1 and acc["accuracy"] == 0.5
    rule_row = next(r for r in acc["by_rule"] if r["rule"]["id"] == "LB-07")
    assert rule_row == rule_row | {"dispatched": 2, "approved_returns": 1, "auto_dispatched": 2, "accuracy": 0.5}
    unit_row = next(r for r in acc["by_unit"] if r["unit"]["code"] == "JTJ")
    assert unit_row["accuracy"] == 0.5 and unit_row["unit"]["name"] == "市交通运输局"
    assert api.get("/api/v1/dispatch/accuracy", as_="handler1").status_code == 403
    assert api.get("/api/v1/dispatch/accuracy?from=bad", as_="dispatcher1").status_code == 422


def test_parse_rule_basis():
    from dispatch.stats import parse_rule_basis

    assert parse_rule_basis("rule:ZT-01 供水属企业") == "ZT-01"
    assert parse_rule_basis("规则：WG-02") == "WG-02"
    assert parse_rule_basis("依据三定方案") is None and parse_rule_basis(None) is None
