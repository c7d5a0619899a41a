"""Issue 13.2: the answers the document declares are what the views answer.

Each call below is a real request on the test world whose answer is validated against the schema the document
gives for its status (JSON Schema 2020-12, as OpenAPI 3.1 reads it). The fuzz checks answers too, but a random
body rarely gets a 2xx from a create or an edit; these do. Every operation that declares an answer model is
called here or has its own flow elsewhere (``COVERED_ELSEWHERE``): a model added without a call fails the last test.
"""

from __future__ import annotations

import datetime as dt
import io
import json

import jsonschema_rs
import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from hotline.core.openapi import openapi_path
from tests.attachments.conftest import photo

# Declared in tests/core/test_openapi.py and the schemathesis run, with their own flows.
COVERED_ELSEWHERE = {
    ("post", "/tickets"),
    ("get", "/tickets"),
    ("get", "/tickets/{number}"),
    ("post", "/tickets/{number}/{action}"),
    ("get", "/tickets/{number}/events"),
    ("post", "/auth/token"),
    ("get", "/me"),
}


class Checked:
    """Calls the API and validates each answer against the document; records which operations it checked."""

    def __init__(self, app, api) -> None:
        self.app, self.api = app, api
        self.doc = app.test_client().get("/api/v1/openapi.json").get_json()
        self.adapter = app.url_map.bind("localhost")
        self.seen: set[tuple[str, str]] = set()

    def __call__(self, method: str, url: str, who: str, status: int = 200, **kwargs) -> dict | list:
        answer = self.api.client.open(url, method=method.upper(), headers=self.api._headers(who), **kwargs)
        assert answer.status_code == status, (url, answer.get_json())
        rule, _ = self.adapter.match(url.split("?")[0], method=method.upper(), return_rule=True)
        path = openapi_path(rule)
        declared = self.doc["paths"][path][method]["responses"][str(status)]
        schema = declared["content"]["application/json"]["schema"]
        root = {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema} | {
            "components": self.doc["components"]
        }
        body = answer.get_json()
        errors = [e.message for e in jsonschema_rs.validator_for(root).iter_errors(body)]
        assert not errors, (method, path, errors[:3], json.dumps(body, ensure_ascii=False)[:600])
        self.seen.add((method, path))
        return body


@pytest.fixture
def check(app, api, jobs_in_process, monkeypatch, tmp_path) -> Checked:
    monkeypatch.setitem(app.config, "HOTLINE_ATTACHMENT_STORAGE", "database")
    return Checked(app, api)


def _dispatch_answers(check: Checked, api) -> None:
    check("get", "/api/v1/units", "agent1")
    check("post", "/api/v1/dispatch/propose", "dispatcher1", json={"text": "路灯坏了", "address": "东风社区"})
    rule = {"id": "T-1", "priority": 5, "lead_unit": "A1", "keywords": ["路灯"], "co_units": ["JTJ"]}
    check("post", "/api/v1/dispatch/rules", "admin1", 201, json=rule | {"note": "新增"})
    check("get", "/api/v1/dispatch/rules", "dispatcher1")
    check("patch", "/api/v1/dispatch/rules/T-1", "admin1", json={"priority": 6, "direct": True})
    check("put", "/api/v1/dispatch/rules/T-1", "admin1", json={"legal_basis": "测试依据"})
    check("post", "/api/v1/dispatch/rules/T-1/disable", "admin1", json={"note": "停用"})
    check("get", "/api/v1/dispatch/rules/T-1", "dispatcher1")
    check("get", "/api/v1/dispatch/rule-changes?rule=T-1", "admin1")


def _report_answers(check: Checked, api) -> None:
    number = api.new_ticket()["number"]
    assert api.act(number, "dispatch", as_="dispatcher1", unit="A1").status_code == 200
    check("get", "/api/v1/reports/rates?from=2020-01-01", "supervisor1")
    check("get", "/api/v1/reports/rates", "handler1")
    check("get", "/api/v1/reports/backlog?limit=5", "supervisor1")
    campaign = check("post", "/api/v1/reports/campaigns", "supervisor1", 201, json={"name": "万件清理"})
    cid = campaign["campaign"]["id"]
    check("get", "/api/v1/reports/campaigns", "supervisor1")
    check("get", f"/api/v1/reports/campaigns/{cid}", "supervisor1")
    check("get", f"/api/v1/reports/campaigns/{cid}/ledger?remaining=true", "supervisor1")
    check("get", "/api/v1/reports/hotspots?from=2020-01-01", "supervisor1")
    check("post", f"/api/v1/reports/campaigns/{cid}/supervise", "supervisor1", json={"numbers": [number]})
    check(
        "post", f"/api/v1/reports/campaigns/{cid}/redispatch", "dispatcher1", json={"unit": "A1", "numbers": [number]}
    )


def _reminder_ladder_and_time_limit_answers(check: Checked, api) -> None:
    from hotline.core import clock
    from hotline.core.extensions import db
    from hotline.tickets.warnings import sweep_warnings

    number = api.new_ticket()["number"]
    assert api.act(number, "dispatch", as_="dispatcher1", unit="A1").status_code == 200
    with check.app.app_context():
        sweep_warnings(db.session, clock.now() + dt.timedelta(days=60))  # the ticket is long overdue: a notice
        db.session.commit()
    listed = check("get", "/api/v1/reminders?unread=1&open=1", "handler1")
    reminder = next(r for r in listed if r["number"] == number)
    check("post", f"/api/v1/reminders/{reminder['id']}/read", "handler1")
    ladder = check("get", "/api/v1/escalation-rules", "admin1")
    steps = [
        {k: r[k] for k in ("code", "stage", "after_amount", "after_unit", "action", "level", "target", "name")}
        for r in ladder["rules"]
    ]
    check("put", "/api/v1/escalation-rules", "admin1", json={"rules": steps})
    check("get", "/api/v1/escalation-rules", "supervisor1")
    check("get", "/api/v1/escalations?level=urged", "handler1")
    check("get", "/api/v1/time-limits?preset=beijing", "admin1")
    row = {"preset": "default", "stage": "reply", "unit": "working_days", "amount": 3, "kind": "consult"}
    check("post", "/api/v1/time-limits", "admin1", 201, json=row)


def _account_answers(check: Checked, api) -> None:
    made = check("post", "/api/v1/auth/tokens", "handler1", 201, json={"name": "脚本", "days": 7})
    check("get", "/api/v1/auth/tokens", "handler1")
    check("get", "/api/v1/auth/tokens?all=1", "admin1")
    check("delete", f"/api/v1/auth/tokens/{made['row']['id']}", "handler1")
    check("get", "/api/v1/users", "admin1")
    check("post", "/api/v1/users/handler2/revoke-sessions", "admin1")
    check("get", "/api/v1/auth/events?username=handler2", "admin1")


def _attachment_and_enterprise_answers(check: Checked, api) -> None:
    number = api.new_ticket()["number"]
    boundary, body = encode_multipart(
        {"file": FileStorage(io.BytesIO(photo(200, 150)), filename="a.jpg", content_type="image/jpeg")}
    )
    upload = {"data": body, "content_type": f"multipart/form-data; boundary={boundary}"}
    check("post", f"/api/v1/tickets/{number}/attachments", "agent1", 201, **upload)
    check("post", f"/api/v1/tickets/{number}/attachments", "agent1", 200, **upload)  # the same bytes: the first
    check("get", f"/api/v1/tickets/{number}/attachments", "agent1")
    info = {"name": "某某科技有限公司", "credit_code": "91350100M000100Y43"}
    check("post", f"/api/v1/tickets/{number}/enterprise", "agent1", json=info)


FLOWS = (_dispatch_answers, _report_answers, _reminder_ladder_and_time_limit_answers, _account_answers)


@pytest.mark.parametrize("flow", [*FLOWS, _attachment_and_enterprise_answers], ids=lambda f: f.__name__[1:])
def test_real_answers_match_the_documented_schema(check, api, flow):
    flow(check, api)


def test_every_declared_answer_is_checked_by_a_call(check, api):
    for flow in (*FLOWS, _attachment_and_enterprise_answers):
        flow(check, api)
    declared = {
        (method, path)
        for path, operations in check.doc["paths"].items()
        for method, operation in operations.items()
        if "2XX" not in operation["responses"]
    }
    assert declared - COVERED_ELSEWHERE <= check.seen, sorted(declared - COVERED_ELSEWHERE - check.seen)


def test_a_report_that_answers_a_workbook_documents_it(app, api):
    """An operation whose query takes ``format`` (json|xlsx) and declares its JSON answer declares the workbook
    beside it, and the workbook comes with that media type."""
    doc = app.test_client().get("/api/v1/openapi.json").get_json()
    found = 0
    for path, operations in doc["paths"].items():
        get = operations.get("get", {})
        formats = [p for p in get.get("parameters", []) if p["name"] == "format"]
        if not formats or "200" not in get["responses"]:
            continue
        assert formats[0]["schema"]["enum"] == ["json", "xlsx"], path
        content = get["responses"]["200"]["content"]
        answer = api.get(f"/api/v1{path}?format=xlsx", as_="supervisor1")
        assert answer.status_code == 200, (path, answer.get_json())
        assert answer.mimetype in content and answer.mimetype != "application/json", (path, list(content))
        found += 1
    assert found >= 3  # rates, backlog, hotspots
