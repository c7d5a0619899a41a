"""Issue 13.1 privacy: nothing unapproved or confidential leaks through the public doors (Open311, portal,
health, the log), and a unit's scope cannot be widened by ``_`` or ``%`` in a unit code."""

from __future__ import annotations

import logging

import pytest

from tests.core.test_open311 import key  # noqa: F401  (the Open311 client-key fixture, one definition)

REPLY = {"result": "已更换路灯", "public_answer": "您反映的路灯问题已修复，联系人13955556666"}


def _shown(api, number: str):
    return api.client.get(f"/open311/v2/requests/{number}.json")


def _act(api, number: str, *steps) -> None:
    for action, who, body in steps:
        response = api.act(number, action, who, **body)
        assert response.status_code == 200, response.get_json()


def test_open311_never_shows_lists_or_counts_a_report(api, key):  # noqa: F811  (the fixture imported above)
    report = api.new_ticket(
        channel="message_board", kind="report", content="举报某餐馆后厨卫生很差", address="东风路9号"
    )
    other = api.new_ticket(channel="message_board", kind="complaint", content="东风路9号夜市噪音扰民")
    assert _shown(api, report["number"]).status_code == 404
    assert api.client.get(f"/open311/v2/requests/{report['number']}.xml").status_code == 404
    assert api.client.get(f"/open311/v2/tokens/{report['number']}.json").status_code == 404
    by_ids = api.client.get(f"/open311/v2/requests.json?service_request_id={report['number']},{other['number']}")
    assert [r["service_request_id"] for r in by_ids.get_json()] == [other["number"]]
    listed = [r["service_request_id"] for r in api.client.get("/open311/v2/requests.json").get_json()]
    assert listed == [other["number"]]


def test_open311_publishes_the_answer_only_once_approved(api, key):  # noqa: F811  (the fixture imported above)
    number = api.new_ticket(kind="complaint")["number"]
    _act(
        api,
        number,
        ("dispatch", "dispatcher1", {"unit": "A1"}),
        ("accept", "handler1", {}),
        ("reply", "handler1", REPLY),
    )
    assert _shown(api, number).get_json()[0]["service_notice"] is None  # a draft awaiting the supervisor
    _act(api, number, ("reject_reply", "supervisor1", {"reason": "答复不完整"}))
    assert _shown(api, number).get_json()[0]["service_notice"] is None
    _act(api, number, ("reply", "handler1", REPLY), ("approve_reply", "supervisor1", {}))
    notice = _shown(api, number).get_json()[0]["service_notice"]
    assert notice.startswith("您反映的路灯问题已修复") and "13955556666" not in notice and "139****6666" in notice


def test_only_public_channels_text_is_public(api, key):  # noqa: F811  (the fixture imported above)
    patrol = api.new_ticket(
        channel="api", kind="help", content="巡查发现3栋楼道堆物，住户王五13811112222", address="东风社区3栋"
    )
    shown = _shown(api, patrol["number"]).get_json()[0]
    assert shown["description"] is None and shown["address"] is None
    filed = api.client.post(
        "/open311/v2/requests.json",
        data={
            "api_key": key,
            "service_code": "CX.01",
            "description": "东风路8号工地夜间施工",
            "address_string": "东风路8号",
        },
    )
    shown = _shown(api, filed.get_json()[0]["service_request_id"]).get_json()[0]
    assert shown["description"] == "东风路8号工地夜间施工" and shown["address"] == "东风路8号"


@pytest.fixture
def _fresh_limiter(app):
    from hotline.console.portal import limiter

    with app.test_request_context():
        limiter().reset()
    yield
    with app.test_request_context():
        limiter().reset()


def _ticket_to_rate(api) -> str:
    number = api.new_ticket(kind="complaint", caller_phone="13912345678")["number"]
    _act(
        api,
        number,
        ("dispatch", "dispatcher1", {"unit": "A1"}),
        ("accept", "handler1", {}),
        ("reply", "handler1", REPLY),
        ("approve_reply", "supervisor1", {}),
    )
    return number


def test_portal_rate_is_no_oracle_over_number_and_phone(app, api, _fresh_limiter):
    number = _ticket_to_rate(api)
    client = app.test_client()
    right = client.post("/portal/rate", data={"number": number, "phone": "13912345678", "satisfaction": "bogus"})
    wrong = client.post("/portal/rate", data={"number": number, "phone": "13900000000", "satisfaction": "bogus"})
    assert right.status_code == wrong.status_code == 422


def test_portal_rate_is_rate_limited(app, api, _fresh_limiter):
    number = _ticket_to_rate(api)
    app.config["HOTLINE_PORTAL_RATE"] = 3
    app.extensions.pop("hotline.portal_limiter", None)
    try:
        client = app.test_client()
        codes = [
            client.post(
                "/portal/rate", data={"number": number, "phone": f"1390000000{i}", "satisfaction": "satisfied"}
            ).status_code
            for i in range(5)
        ]
        assert codes == [404, 404, 404, 429, 429]
        # The right pair is refused too once the budget is spent: guessing cannot go on through /rate.
        right = client.post(
            "/portal/rate", data={"number": number, "phone": "13912345678", "satisfaction": "satisfied"}
        )
        assert right.status_code == 429
    finally:
        app.config["HOTLINE_PORTAL_RATE"] = 10
        app.extensions.pop("hotline.portal_limiter", None)


def test_health_is_minimal_for_the_public(app, api):
    anonymous = api.client.get("/api/v1/health")
    assert anonymous.status_code == 200 and anonymous.get_json() == {"status": "ok"}
    assert api.get("/api/v1/health", as_="agent1").get_json() == {"status": "ok"}
    detailed = api.get("/api/v1/health", as_="admin1").get_json()
    assert detailed["status"] == "ok" and detailed["database"]["ok"] is True and "queue" in detailed
    app.config["HOTLINE_HEALTH_TOKEN"] = "monitor-secret"
    try:
        assert "database" in api.client.get("/api/v1/health", headers={"X-Health-Token": "monitor-secret"}).get_json()
        assert "database" not in api.client.get("/api/v1/health", headers={"X-Health-Token": "guess"}).get_json()
    finally:
        app.config["HOTLINE_HEALTH_TOKEN"] = None


def test_health_details_of_a_failure_are_not_public(app, api, monkeypatch):
    from hotline.core import health

    def broken() -> dict:
        return {"database": {"ok": False, "error": "OperationalError"}, "redis": {"ok": True}}

    monkeypatch.setattr(health, "check_parts", broken)
    down = api.client.get("/api/v1/health")
    assert down.status_code == 503 and down.get_json() == {"status": "degraded"}
    assert "OperationalError" in api.get("/api/v1/health", as_="admin1").get_data(as_text=True)


def test_no_phone_number_reaches_the_log(app, api, jobs_in_process, caplog):
    caplog.set_level(logging.INFO)
    api.new_ticket(caller_phone="13987654321", content="我的电话是13987654321，身份证110101199003071234")
    logging.getLogger("hotline.test").error("lookup failed for %s", "13987654321")
    try:
        raise ValueError("duplicate key (caller_phone)=(13987654321)")
    except ValueError:
        logging.getLogger("hotline.test").exception("insert failed")
    assert "告知" in caplog.text  # the demo SMS sender logged the message
    assert "13987654321" not in caplog.text and "110101199003071234" not in caplog.text
    assert "139****4321" in caplog.text


def test_unit_scope_escapes_like_wildcards(app, api):
    from hotline.auth.services import create_user
    from hotline.core.extensions import db
    from hotline.units.services import create_unit, get_unit_by_code

    with app.app_context():
        city = get_unit_by_code(db.session, "A")
        create_unit(db.session, "B_1", "B_1区", "district", city)
        create_unit(db.session, "BX1", "BX1区", "district", city)
        create_unit(db.session, "C%", "C%区", "district", city)
        create_unit(db.session, "CZ", "CZ区", "district", city)
        create_user(db.session, "underscore", "demo-12345", "handler", get_unit_by_code(db.session, "B_1"))
        create_user(db.session, "percent", "demo-12345", "handler", get_unit_by_code(db.session, "C%"))
        db.session.commit()
    for unit in ("BX1", "CZ"):
        number = api.new_ticket(kind="complaint")["number"]
        _act(api, number, ("dispatch", "dispatcher1", {"unit": unit}))
        for user in ("underscore", "percent"):
            assert api.get(f"/api/v1/tickets/{number}", as_=user).status_code == 404
            assert api.get("/api/v1/tickets", as_=user).get_json()["tickets"] == []
