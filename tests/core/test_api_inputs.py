"""Issue 13.2: each JSON endpoint's input is a model its view parses with, and the document declares that model.

For every converted endpoint: the operation's request body (or query parameters) is the model's own schema,
field for field, and a value of the wrong type in any one field — every field of the model, found from the
model, not listed here — is refused with 422 ``invalid_type`` (or the field's own code) naming that field, in
the one error shape. A field added to a model is probed without touching this file.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from pydantic import BaseModel

from dispatch.inputs import (
    DayRange,
    From110,
    NewRule,
    PatrolReport,
    RuleChanges,
    RuleChangesQuery,
    RuleNote,
    RulesWorkbook,
)
from hotline.attachments.inputs import AttachmentsQuery, AttachmentUpload, DownloadQuery
from hotline.auth.inputs import AuthEventsQuery, TokensQuery
from hotline.core.openapi import REF
from hotline.enterprise.inputs import EnterpriseBody
from hotline.escalation.inputs import EscalationsQuery, Ladder
from hotline.exchange.inputs import ExchangeLogQuery
from hotline.tickets.inputs import PresetQuery, RemindersQuery
from reports.assessment.inputs import AssessmentQuery, CloseMonth, ExplainQuery, NewScheme, SchemesQuery, TrendQuery
from reports.enterprise.inputs import EnterpriseLedgerQuery, EnterpriseStrikeOff, MonthlyQuery
from reports.inputs import (
    BacklogQuery,
    DrillQuery,
    HotspotsQuery,
    LedgerQuery,
    NewCampaign,
    RatesQuery,
    Redispatch,
    SnapshotsQuery,
    StrikeOff,
    Supervise,
)

# (method, documented path, a concrete URL, who calls, the model the body must be parsed with)
BODIES: list[tuple[str, str, str, str, type[BaseModel]]] = [
    ("post", "/dispatch/patrol", "/api/v1/dispatch/patrol", "grid1", PatrolReport),
    ("post", "/dispatch/from-110", "/api/v1/dispatch/from-110", "dispatcher1", From110),
    ("post", "/dispatch/rules", "/api/v1/dispatch/rules", "admin1", NewRule),
    ("patch", "/dispatch/rules/{rule_id}", "/api/v1/dispatch/rules/ZT-01", "admin1", RuleChanges),
    ("put", "/dispatch/rules/{rule_id}", "/api/v1/dispatch/rules/ZT-01", "admin1", RuleChanges),
    ("post", "/dispatch/rules/{rule_id}/disable", "/api/v1/dispatch/rules/ZT-01/disable", "admin1", RuleNote),
    ("post", "/reports/campaigns", "/api/v1/reports/campaigns", "supervisor1", NewCampaign),
    (
        "post",
        "/reports/campaigns/{campaign_id}/strike-off",
        "/api/v1/reports/campaigns/1/strike-off",
        "supervisor1",
        StrikeOff,
    ),
    (
        "post",
        "/reports/campaigns/{campaign_id}/supervise",
        "/api/v1/reports/campaigns/1/supervise",
        "supervisor1",
        Supervise,
    ),
    (
        "post",
        "/reports/campaigns/{campaign_id}/redispatch",
        "/api/v1/reports/campaigns/1/redispatch",
        "dispatcher1",
        Redispatch,
    ),
    ("post", "/reports/assessment/close", "/api/v1/reports/assessment/close", "supervisor1", CloseMonth),
    ("post", "/reports/assessment/schemes", "/api/v1/reports/assessment/schemes", "admin1", NewScheme),
    (
        "post",
        "/reports/enterprise-ledger/{number}/strike-off",
        "/api/v1/reports/enterprise-ledger/20260101000001/strike-off",
        "supervisor1",
        EnterpriseStrikeOff,
    ),
    ("put", "/escalation-rules", "/api/v1/escalation-rules", "admin1", Ladder),
    ("post", "/tickets/{number}/enterprise", "/api/v1/tickets/20260101000001/enterprise", "agent1", EnterpriseBody),
]
# (documented path, a concrete URL, who calls, the model the query must be parsed with); all GET
QUERIES: list[tuple[str, str, str, type[BaseModel]]] = [
    ("/dispatch/rule-changes", "/api/v1/dispatch/rule-changes", "admin1", RuleChangesQuery),
    ("/dispatch/rules/returns", "/api/v1/dispatch/rules/returns", "dispatcher1", DayRange),
    ("/dispatch/accuracy", "/api/v1/dispatch/accuracy", "dispatcher1", DayRange),
    ("/reports/rates", "/api/v1/reports/rates", "supervisor1", RatesQuery),
    ("/reports/backlog", "/api/v1/reports/backlog", "supervisor1", BacklogQuery),
    ("/reports/hotspots", "/api/v1/reports/hotspots", "supervisor1", HotspotsQuery),
    ("/reports/tickets", "/api/v1/reports/tickets", "supervisor1", DrillQuery),
    ("/reports/campaigns/{campaign_id}/ledger", "/api/v1/reports/campaigns/1/ledger", "supervisor1", LedgerQuery),
    ("/reports/snapshots", "/api/v1/reports/snapshots", "supervisor1", SnapshotsQuery),
    ("/reports/assessment", "/api/v1/reports/assessment", "supervisor1", AssessmentQuery),
    ("/reports/assessment/explain", "/api/v1/reports/assessment/explain", "supervisor1", ExplainQuery),
    ("/reports/assessment/trend", "/api/v1/reports/assessment/trend", "supervisor1", TrendQuery),
    ("/reports/assessment/schemes", "/api/v1/reports/assessment/schemes", "supervisor1", SchemesQuery),
    ("/reports/enterprise-ledger", "/api/v1/reports/enterprise-ledger", "supervisor1", EnterpriseLedgerQuery),
    ("/reports/enterprise", "/api/v1/reports/enterprise", "supervisor1", MonthlyQuery),
    ("/escalation-rules", "/api/v1/escalation-rules", "admin1", PresetQuery),
    ("/escalations", "/api/v1/escalations", "handler1", EscalationsQuery),
    ("/time-limits", "/api/v1/time-limits", "admin1", PresetQuery),
    ("/reminders", "/api/v1/reminders", "handler1", RemindersQuery),
    ("/auth/tokens", "/api/v1/auth/tokens", "admin1", TokensQuery),
    ("/auth/events", "/api/v1/auth/events", "admin1", AuthEventsQuery),
    ("/attachments", "/api/v1/attachments", "handler1", AttachmentsQuery),
    ("/attachments/{attachment_id}", "/api/v1/attachments/1", "handler1", DownloadQuery),
    ("/exchange/log", "/api/v1/exchange/log", "admin1", ExchangeLogQuery),
]


def _branches(prop: dict) -> list[dict]:
    return [b for b in prop.get("anyOf", [prop]) if b.get("type") != "null"]


def _valid(prop: dict) -> Any:
    """A value the field's schema allows (for the other required fields of a probe)."""
    branch = _branches(prop)[0]
    if "enum" in branch:
        return branch["enum"][0]
    if "const" in branch:
        return branch["const"]
    kind = branch.get("type")
    if kind == "string":
        if "pattern" in branch:
            return branch["examples"][0]  # a patterned field shows an example that matches
        return {"date": "2026-01-05"}.get(branch.get("format", ""), "x")
    if kind in ("integer", "number"):
        return branch.get("minimum", branch.get("exclusiveMinimum", 0) + 1)
    if kind == "boolean":
        return True
    if kind == "array":
        return [_valid(branch["items"])] if branch.get("minItems") else []
    return {}


def _wrong(prop: dict) -> Any:
    """A JSON value of a type none of the field's branches accept."""
    kinds = {b.get("type") for b in _branches(prop)} | {"string" for b in _branches(prop) if "enum" in b}
    for value, kind in ((12345, "integer"), ("x", "string"), (["x"], "array"), ({"a": 1}, "object")):
        if kind not in kinds and not (kind == "integer" and "number" in kinds):
            return value
    raise AssertionError(prop)


def _schema(doc: dict, model: type[BaseModel]) -> dict:
    return doc["components"]["schemas"][model.__name__]


@pytest.fixture(scope="module")
def doc(app):
    return app.test_client().get("/api/v1/openapi.json").get_json()


@pytest.mark.parametrize(("method", "path", "url", "who", "model"), BODIES, ids=[f"{b[0]} {b[1]}" for b in BODIES])
def test_the_body_is_the_documented_model_and_each_wrong_type_is_a_422(api, doc, method, path, url, who, model):
    operation = doc["paths"][path][method]
    content = operation["requestBody"]["content"]
    media = next(iter(content))
    assert content[media]["schema"] == {"$ref": REF.format(model=model.__name__)}
    own = model.model_json_schema(ref_template=REF)
    own.pop("$defs", None)
    assert _schema(doc, model) == own
    properties, required = own["properties"], set(own.get("required", []))
    assert properties, model.__name__
    base = {name: _valid(properties[name]) for name in required}
    for name, prop in properties.items():
        body = base | {name: _wrong(prop)}
        answer = api.client.open(url, method=method.upper(), json=body, headers=api._headers(who))
        assert answer.status_code == 422, (name, answer.get_json())
        error = answer.get_json()["error"]
        assert error["details"] == {"field": name}, (name, error)
        assert error["code"] in ("invalid_type", "invalid_choice", "invalid_date", "invalid_month"), (name, error)
        assert any("\u4e00" <= ch <= "\u9fff" for ch in error["message"]), error  # the words are Chinese


@pytest.mark.parametrize(("path", "url", "who", "model"), QUERIES, ids=[q[0] for q in QUERIES])
def test_the_query_is_the_documented_model_and_a_bad_value_is_a_422(api, doc, path, url, who, model):
    declared = {p["name"]: p for p in doc["paths"][path]["get"].get("parameters", []) if p["in"] == "query"}
    schema = model.model_json_schema(by_alias=True)
    own, required = schema["properties"], set(schema.get("required", []))
    assert set(declared) == set(own), path
    assert {name for name, p in declared.items() if p["required"]} == required, path
    base = {name: _valid(own[name]) for name in required}
    for name, prop in own.items():
        branch = _branches(prop)[0]
        if "enum" in branch or branch.get("type") in ("integer", "boolean") or branch.get("format") == "date":
            bad = "不是这个"
        elif branch.get("maxLength"):
            bad = "长" * (branch["maxLength"] + 1)
        else:
            continue  # free text: nothing a query string can get wrong
        answer = api.get(url, as_=who, query_string=base | {name: bad})
        assert answer.status_code == 422, (name, answer.get_json())
        assert answer.get_json()["error"]["details"] == {"field": name}


# (documented path, a concrete URL, who calls, the model the multipart/form-data body must be parsed with); POST
FORMS: list[tuple[str, str, str, type[BaseModel]]] = [
    ("/tickets/{number}/attachments", "/api/v1/tickets/20260101000001/attachments", "handler1", AttachmentUpload),
    ("/dispatch/rules/import", "/api/v1/dispatch/rules/import", "admin1", RulesWorkbook),
]


@pytest.mark.parametrize(("path", "url", "who", "model"), FORMS, ids=[f[0] for f in FORMS])
def test_an_upload_is_documented_as_multipart_and_parsed_by_its_model(api, doc, path, url, who, model):
    content = doc["paths"][path]["post"]["requestBody"]["content"]
    assert content == {"multipart/form-data": {"schema": {"$ref": REF.format(model=model.__name__)}}}
    own = model.model_json_schema(ref_template=REF)
    assert _schema(doc, model) == own
    files = [name for name, prop in own["properties"].items() if prop.get("format") == "binary"]
    assert files and set(files) <= set(own["required"])
    headers = api._headers(who)
    missing = api.client.post(url, data={}, headers=headers, content_type="multipart/form-data")
    assert missing.status_code == 422
    assert missing.get_json()["error"]["code"] == "missing_file"
    assert missing.get_json()["error"]["details"] == {"field": files[0]}
    for name, prop in own["properties"].items():
        if name in files or "enum" not in _branches(prop)[0]:
            continue
        sent = {f: (io.BytesIO(b"%PDF-1.4\n"), "a.pdf") for f in files} | {name: "不是这个"}
        bad = api.client.post(url, data=sent, headers=headers, content_type="multipart/form-data")
        assert bad.status_code == 422 and bad.get_json()["error"]["details"] == {"field": name}, bad.get_json()
