"""Time-limit rows layer over the preset: a row overrides only what it matches; no edit leaves a stage bare."""

from __future__ import annotations

from hotline.tickets import limits


def _add(api, **row):
    return api.post("/api/v1/time-limits", as_="admin1", json={"preset": "default"} | row)


def test_one_category_row_does_not_shadow_the_rest_of_its_stage(api):
    assert _add(api, stage="accept", category_prefix="JT", amount=4, unit="hours").status_code == 201
    other = api.new_ticket(content="小区路灯不亮")
    response = api.act(other["number"], "dispatch", "dispatcher1", unit="A1")
    assert response.status_code == 200, response.get_json()  # was HTTP 500: the JT row hid every other row
    listing = api.get("/api/v1/time-limits?preset=default", as_="admin1").get_json()["stages"]["accept"]
    # the JT row beside the built-in general, urgent and 涉企 rows, not instead of them
    assert len(listing) == 4 and {r["category_prefix"] for r in listing} == {None, "JT"}


def test_the_category_row_governs_its_own_tickets_only(session):
    from hotline.tickets.models import TimeLimit

    session.add(TimeLimit(preset="default", stage="accept", category_prefix="JT", amount=4, unit="hours"))
    session.flush()
    jt = limits.limit_for(session, "default", "accept", kind="help", urgency="normal", category="JT.01")
    other = limits.limit_for(session, "default", "accept", kind="help", urgency="normal", category="CX.01")
    urgent = limits.limit_for(session, "default", "accept", kind="help", urgency="urgent", category="CX.01")
    assert (jt.amount, jt.unit) == (4, "hours")
    assert (other.amount, other.unit) == (1, "working_days")
    assert (urgent.amount, urgent.unit) == (1, "hours")


def test_a_stored_row_replaces_only_the_built_in_row_it_matches(session):
    from hotline.tickets.models import TimeLimit

    session.add(TimeLimit(preset="default", stage="reply", kind="consult", amount=3, unit="working_days"))
    session.flush()
    assert limits.limit_for(session, "default", "reply", kind="consult", urgency="normal").amount == 3
    assert limits.limit_for(session, "default", "reply", kind="complaint", urgency="normal").amount == 15
    assert limits.limit_for(session, "default", "reply", kind="consult", urgency="urgent").amount == 24


def test_an_edit_that_leaves_a_stage_without_a_limit_is_refused(api, monkeypatch):
    bare = tuple(r for r in limits.PRESETS["default"] if not (r.stage == "accept" and r.urgency is None))
    monkeypatch.setitem(limits.PRESETS, "default", bare)
    refused = _add(api, stage="accept", category_prefix="JT", amount=4, unit="hours")
    assert refused.status_code == 409
    error = refused.get_json()["error"]
    assert error["code"] == "stage_without_limit" and "签收" in error["message"] and "通用" in error["message"]
    stored = api.get("/api/v1/time-limits?preset=default", as_="admin1").get_json()["stages"]["accept"]
    assert [r for r in stored if not r.get("enterprise")] == [
        r | {"id": None}
        for r in [
            {
                "stage": "accept",
                "amount": 1,
                "unit": "hours",
                "kind": None,
                "urgency": "urgent",
                "category_prefix": None,
                "area_code": None,
                "note": None,
                "enterprise": None,
            }
        ]
    ]


def test_a_ticket_finding_no_limit_gets_409_not_500(api, monkeypatch):
    ticket = api.new_ticket(content="小区路灯不亮")
    monkeypatch.setitem(limits.PRESETS, "default", tuple(r for r in limits.PRESETS["default"] if r.stage != "accept"))
    response = api.act(ticket["number"], "dispatch", "dispatcher1", unit="A1")
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "no_time_limit"


def test_api_edits_are_audited(api, app):
    added = _add(api, stage="reply", kind="consult", amount=3, unit="working_days").get_json()
    api.client.delete(f"/api/v1/time-limits/{added['id']}", headers=api._headers("admin1"))
    from hotline.core.audit import list_admin_changes
    from hotline.core.extensions import db

    with app.app_context():
        changes = [c.to_dict() for c in list_admin_changes(db.session, entity="time_limit")]
    assert [(c["action"], c["actor"]) for c in changes] == [("delete", "admin1"), ("create", "admin1")]
    assert changes[0]["before"]["amount"] == 3 and changes[1]["after"]["kind"] == "consult"


def _changes(app) -> list[dict]:
    from hotline.core.audit import list_admin_changes
    from hotline.core.extensions import db

    with app.app_context():
        return [c.to_dict() for c in list_admin_changes(db.session, entity="time_limit")]


def _delete(api, row_id: int):
    return api.client.delete(f"/api/v1/time-limits/{row_id}", headers=api._headers("admin1"))


def test_api_audit_rows_hold_the_whole_row(api, app):
    added = _add(api, stage="reply", kind="consult", amount=2, unit="working_days", enterprise=True, note="涉企咨询")
    row = added.get_json()
    assert added.status_code == 201 and row["enterprise"] is True and "preset" not in row
    assert _delete(api, row["id"]).get_json() == {"deleted": row["id"]}
    deleted, created = _changes(app)
    record = {
        "id": row["id"],
        "preset": "default",
        "stage": "reply",
        "amount": 2,
        "unit": "working_days",
        "kind": "consult",
        "urgency": None,
        "category_prefix": None,
        "area_code": None,
        "note": "涉企咨询",
        "enterprise": True,
    }
    assert (created["action"], created["entity_key"], created["after"], created["before"]) == (
        "create",
        str(row["id"]),
        record,
        None,
    )
    assert (deleted["action"], deleted["entity_key"], deleted["before"], deleted["after"]) == (
        "delete",
        str(row["id"]),
        record,
        None,
    )


def test_bad_rows_and_unknown_ids_are_refused_and_leave_no_audit_row(api, app):
    refused = _add(api, stage="reply", amount=0, unit="hours")
    assert refused.status_code == 422
    missing = _delete(api, 987654)
    assert missing.status_code == 404
    assert missing.get_json()["error"] == {"code": "not_found", "message": "时限规则不存在或无权查看"}
    assert _changes(app) == []


def test_a_delete_that_leaves_a_stage_without_a_limit_is_refused(api, app, monkeypatch):
    general = _add(api, stage="accept", amount=2, unit="hours").get_json()
    bare = tuple(r for r in limits.PRESETS["default"] if not (r.stage == "accept" and r.urgency is None))
    monkeypatch.setitem(limits.PRESETS, "default", bare)  # now the stored row is the stage's only general limit
    refused = _delete(api, general["id"])
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "stage_without_limit"
    from hotline.core.extensions import db
    from hotline.tickets.models import TimeLimit

    with app.app_context():
        assert db.session.get(TimeLimit, general["id"]) is not None
    assert [c["action"] for c in _changes(app)] == ["create"]
