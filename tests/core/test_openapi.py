"""The OpenAPI document is generated from what the code enforces: every /api/v1 route is an operation, its body
and query are the models its view parses with, ``components.schemas`` are those models' own JSON schemas, and
``x-roles`` is what the view's guard allows."""

from __future__ import annotations

import re

from pydantic import Field

from hotline.auth.inputs import Credentials, Token
from hotline.core.api_schemas import Error, accepts, optional_text
from hotline.core.openapi import REF, build_document, openapi_path
from hotline.intake.inputs import NewTicket
from hotline.tickets.inputs import ActionBody, TicketListQuery
from hotline.tickets.outputs import TicketAnswer


def _routes(app) -> set[tuple[str, str]]:
    return {
        (method.lower(), re.sub(r"<(?:[^:>]+:)?(\w+)>", r"{\1}", rule.rule[len("/api/v1") :]))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def _documented(doc: dict) -> set[tuple[str, str]]:
    return {(method, path) for path, ops in doc["paths"].items() for method in ops}


def test_every_api_route_is_documented_and_every_documented_path_is_a_route(app, api):
    doc = api.client.get("/api/v1/openapi.json").get_json()
    assert _documented(doc) == _routes(app)
    assert len(_routes(app)) > 100


def test_documented_paths_declare_their_parameters(app, api):
    doc = api.client.get("/api/v1/openapi.json").get_json()
    for path, operations in doc["paths"].items():
        wanted = set(re.findall(r"{(\w+)}", path))
        for operation in operations.values():
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == wanted, (path, declared)


def test_component_schemas_are_the_models_own_json_schemas(app, api):
    doc = api.client.get("/api/v1/openapi.json").get_json()
    schemas = doc["components"]["schemas"]
    for model in (NewTicket, ActionBody, Credentials, Error, TicketAnswer, Token):
        own = model.model_json_schema(ref_template=REF)
        nested = own.pop("$defs", {})
        assert schemas[model.__name__] == own, model.__name__
        for name, schema in nested.items():
            assert schemas[name] == schema
    assert schemas["NewTicket"]["required"] == ["channel", "content"]
    assert schemas["NewTicket"]["properties"]["channel"]["enum"][0] == "phone"


def test_operations_reference_the_model_their_view_parses_with(api):
    doc = api.client.get("/api/v1/openapi.json").get_json()
    body = doc["paths"]["/tickets"]["post"]["requestBody"]
    assert body["required"] is True
    assert body["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/NewTicket"}
    action = doc["paths"]["/tickets/{number}/{action}"]["post"]
    assert action["requestBody"]["required"] is False
    assert action["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/ActionBody")
    listed = {p["name"]: p for p in doc["paths"]["/tickets"]["get"]["parameters"]}
    assert set(listed) == set(TicketListQuery.model_fields)
    assert listed["page"]["schema"]["type"] == "integer" and listed["page"]["schema"]["minimum"] == 1
    assert listed["warning"]["schema"]["enum"] == ["none", "yellow", "red"]
    assert doc["paths"]["/tickets"]["post"]["x-roles"] == ["agent"]
    created = doc["paths"]["/tickets"]["post"]["responses"]
    assert created["201"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/NewTicketAnswer"}
    assert created["200"] == created["201"]  # the same channel + external_id again: the first ticket, 200
    shown = doc["paths"]["/tickets/{number}"]["get"]["responses"]
    assert shown["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/TicketAnswer")
    assert "2XX" in doc["paths"]["/categories"]["get"]["responses"]  # no answer model declared: any 2XX
    assert doc["paths"]["/auth/token"]["post"]["security"] == []
    assert doc["paths"]["/tickets"]["post"]["responses"]["4XX"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }


def test_a_field_added_to_a_model_is_in_the_document(app, monkeypatch):
    """The document is generated, not a copy: a new field (or a new model) appears without touching openapi.py."""

    class NewTicketWithPriority(NewTicket):
        priority: optional_text(10) = Field(default=None, description="新字段")

    view = app.view_functions["intake_api.create_ticket"]
    decorated = accepts(NewTicketWithPriority)(lambda **kwargs: None)
    monkeypatch.setattr(view, "request_model", decorated.request_model)
    with app.app_context():
        doc = build_document(app)
    ref = doc["paths"]["/tickets"]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert ref == "#/components/schemas/NewTicketWithPriority"
    assert doc["components"]["schemas"]["NewTicketWithPriority"]["properties"]["priority"]["anyOf"][0] == {
        "maxLength": 10,
        "type": "string",
    }


def test_the_body_is_parsed_by_the_documented_model(api):
    """What the document says is what the view refuses: one error shape, 422 with the field named."""
    doc = api.client.get("/api/v1/openapi.json").get_json()
    limit = doc["components"]["schemas"]["NewTicket"]["properties"]["title"]["anyOf"][0]["maxLength"]
    too_long = api.post(
        "/api/v1/tickets", as_="agent1", json={"channel": "phone", "content": "x", "title": "长" * (limit + 1)}
    )
    assert too_long.status_code == 422
    assert too_long.get_json()["error"] == {
        "code": "too_long",
        "message": f"字段 title 超过 {limit} 字",
        "details": {"field": "title"},
    }
    fits = api.post("/api/v1/tickets", as_="agent1", json={"channel": "phone", "content": "x", "title": "长" * limit})
    assert fits.status_code == 201


def test_openapi_path_of_a_rule(app):
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == "kb_api.act")
    assert openapi_path(rule) == "/kb/articles/{article_id}/{action}"
