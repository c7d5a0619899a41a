"""The OpenAPI 3.1 document of the public API (SPEC §5), served at ``/api/v1/openapi.json``."""

from __future__ import annotations

import re

from flask import Blueprint, current_app, jsonify
from werkzeug.routing import Map

from hotline.tickets.models import CHANNELS, KINDS, SATISFACTION_LEVELS, URGENCIES
from hotline.tickets.states import Action, State

bp = Blueprint("openapi", __name__, url_prefix="/api/v1")

_ERROR = {"description": "错误", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _op(
    summary: str, *, body: str | None = None, ok: str = "200", params: list | None = None, auth: bool = True
) -> dict:
    op: dict = {"summary": summary, "responses": {ok: {"description": "成功"}, "4XX": _ERROR}}
    if body:
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{body}"}}},
        }
    if params:
        op["parameters"] = [{"name": p, "in": "query", "schema": {"type": "string"}} for p in params]
    if not auth:
        op["security"] = []
    return op


def _number_param() -> dict:
    return {"name": "number", "in": "path", "required": True, "schema": {"type": "string", "pattern": "^[0-9]{14}$"}}


def build_document() -> dict:
    """Return the OpenAPI document."""
    string = {"type": "string"}
    return {
        "openapi": "3.1.0",
        "info": {"title": "hotline12345 API", "version": "1.0.0", "description": "12345 政务服务便民热线工单系统接口"},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": {
            "/auth/token": {"post": _op("获取访问令牌", body="Credentials", auth=False)},
            "/me": {"get": _op("当前用户")},
            "/units": {"get": _op("单位树")},
            "/health": {"get": _op("健康检查", auth=False)},
            "/tickets": {
                "get": _op("工单列表（仅本人可见范围）", params=["state", "unit", "warning", "q", "page"]),
                "post": _op("受理工单（按 channel + external_id 幂等）", body="NewTicket", ok="201"),
            },
            "/tickets/{number}": {"get": {**_op("工单详情"), "parameters": [_number_param()]}},
            "/tickets/{number}/events": {"get": {**_op("工单流转记录"), "parameters": [_number_param()]}},
            "/tickets/{number}/{action}": {
                "post": {
                    **_op("工单操作", body="ActionBody"),
                    "parameters": [
                        _number_param(),
                        {
                            "name": "action",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "enum": [a.value for a in Action]},
                        },
                    ],
                }
            },
            "/classify": {"post": _op("诉求分类", body="Text")},
            "/dispatch/propose": {"post": _op("派单建议（不实际派单）", body="Proposal")},
            "/kb/search": {"get": _op("知识库检索", params=["q", "limit", "category", "unit"])},
            "/reports/backlog": {"get": _op("积压台账", params=["from", "to", "unit", "format"])},
            "/reports/rates": {"get": _op("三率与考核指标", params=["from", "to", "unit", "format"])},
            "/reports/hotspots": {"get": _op("热点与类案", params=["from", "to", "unit", "format"])},
            "/cti": {"post": _op("话务平台来电事件", body="CtiEvent")},
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {
                    "type": "object",
                    "properties": {
                        "error": {
                            "type": "object",
                            "properties": {"code": string, "message": string},
                            "required": ["code", "message"],
                        }
                    },
                },
                "Credentials": {
                    "type": "object",
                    "required": ["username", "password"],
                    "properties": {"username": string, "password": string, "otp": string},
                },
                "Text": {"type": "object", "required": ["text"], "properties": {"text": string}},
                "Proposal": {"type": "object", "properties": {"text": string, "category": string, "address": string}},
                "CtiEvent": {
                    "type": "object",
                    "required": ["event"],
                    "properties": {
                        "event": {"enum": ["newCall", "answer", "hangup"]},
                        "from": string,
                        "to": string,
                        "callId": string,
                        "agent": string,
                    },
                },
                "NewTicket": {
                    "type": "object",
                    "required": ["channel", "content"],
                    "properties": {
                        "channel": {"enum": list(CHANNELS)},
                        "content": string,
                        "title": string,
                        "caller_name": string,
                        "caller_phone": string,
                        "address": string,
                        "kind": {"enum": list(KINDS)},
                        "urgency": {"enum": list(URGENCIES)},
                        "category": string,
                        "external_id": string,
                    },
                },
                "ActionBody": {
                    "type": "object",
                    "properties": {
                        "note": string,
                        "unit": string,
                        "co_units": {"type": "array", "items": string},
                        "grid": string,
                        "reason": string,
                        "basis": string,
                        "result": string,
                        "public_answer": string,
                        "days": {"type": "integer", "minimum": 1, "maximum": 30},
                        "contacted": {"type": "boolean"},
                        "resolved": {"type": "boolean"},
                        "satisfaction": {"enum": list(SATISFACTION_LEVELS)},
                        "unreachable": {"type": "boolean"},
                        "into": string,
                        "target": string,
                    },
                },
                "TicketState": {"enum": [s.value for s in State]},
            },
        },
    }


_PARAM = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")
_METHODS = ("get", "post", "put", "patch", "delete")


def add_undocumented_routes(document: dict, url_map: Map, view_functions: dict, prefix: str = "/api/v1") -> dict:
    """Add every API route the hand-written paths above leave out, so the document lists the whole API.

    Each gets its methods, its path parameters and, as summary, the first line of its view's docstring.
    """
    paths = document["paths"]
    for rule in url_map.iter_rules():
        if not rule.rule.startswith(prefix + "/"):
            continue
        path = _PARAM.sub(r"{\2}", rule.rule[len(prefix) :])
        view = view_functions.get(rule.endpoint)
        summary = ((view.__doc__ or "").strip().splitlines() or [rule.endpoint])[0] if view else rule.endpoint
        params = [
            {"name": name, "in": "path", "required": True, "schema": {"type": "integer" if kind == "int" else "string"}}
            for kind, name in _PARAM.findall(rule.rule)
        ]
        for method in sorted(m.lower() for m in rule.methods or ()):
            if method in _METHODS and method not in paths.get(path, {}):
                paths.setdefault(path, {})[method] = {**_op(summary), **({"parameters": params} if params else {})}
    return document


@bp.get("/openapi.json")
def openapi_document():
    """The OpenAPI 3.1 document of this API."""
    return jsonify(add_undocumented_routes(build_document(), current_app.url_map, current_app.view_functions))
