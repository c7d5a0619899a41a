"""The OpenAPI 3.1 document of the public API (SPEC §5), served at ``/api/v1/openapi.json``.

Generated from the running app, not written beside it: every ``/api/v1`` route of the URL map is an operation;
its request body and query parameters are the pydantic models its view parses with (``@accepts`` / ``@query_params``
in ``hotline.core.api_schemas``), its success answer the model ``@returns`` names, and ``components.schemas``
are those models' own JSON schemas; who may call (``x-roles``) is what the view's ``api_auth`` guard allows.
Only summaries and a few path-parameter shapes are written here by hand.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema
from werkzeug.routing import Rule

from hotline.core.api_schemas import Error
from hotline.core.validation import MAX_INT
from hotline.tickets.states import Action

bp = Blueprint("openapi", __name__, url_prefix="/api/v1")

PREFIX = "/api/v1"
REF = "#/components/schemas/{model}"
_ERROR = {"description": "错误", "content": {"application/json": {"schema": {"$ref": REF.format(model="Error")}}}}
_PARAM = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")
_METHODS = ("get", "post", "put", "patch", "delete")

# Summaries (Chinese) of the operations SPEC §5 names; any other operation's summary is its view's docstring.
SUMMARIES: dict[tuple[str, str], str] = {
    ("post", "/auth/token"): "获取访问令牌",
    ("get", "/me"): "当前用户",
    ("get", "/units"): "单位树",
    ("get", "/health"): "健康检查",
    ("get", "/tickets"): "工单列表（仅本人可见范围）",
    ("post", "/tickets"): "受理工单（按 channel + external_id 幂等）",
    ("get", "/tickets/{number}"): "工单详情",
    ("get", "/tickets/{number}/events"): "工单流转记录",
    ("post", "/tickets/{number}/{action}"): "工单操作",
    ("post", "/classify"): "诉求分类",
    ("post", "/dispatch/propose"): "派单建议（不实际派单）",
    ("get", "/kb/search"): "知识库检索",
    ("get", "/reports/backlog"): "积压台账",
    ("get", "/reports/rates"): "三率与考核指标",
    ("get", "/reports/hotspots"): "热点与类案",
    ("post", "/cti"): "话务平台来电事件",
    ("get", "/search"): "工单检索",
}
# Shapes of path parameters beyond "a string" / "an integer id".
PATH_SCHEMAS: dict[str, dict[str, Any]] = {
    "number": {"type": "string", "pattern": "^[0-9]{14}$"},
}
ACTION_PATHS = {"/tickets/{number}/{action}": {"type": "string", "enum": [a.value for a in Action]}}


def openapi_path(rule: Rule) -> str:
    """``/api/v1/tickets/<number>`` → ``/tickets/{number}``."""
    return _PARAM.sub(r"{\2}", rule.rule[len(PREFIX) :])


def _path_parameters(rule: Rule, path: str) -> list[dict]:
    params = []
    for kind, name in _PARAM.findall(rule.rule):
        if kind == "int":
            schema: dict[str, Any] = {"type": "integer", "minimum": 1, "maximum": MAX_INT}
        elif name == "action" and path in ACTION_PATHS:
            schema = ACTION_PATHS[path]
        else:
            schema = PATH_SCHEMAS.get(name, {"type": "string", "minLength": 1, "pattern": "^[^/]+$"})
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
    return params


def _without_null(schema: dict) -> dict:
    """A query parameter is absent or text: drop the JSON ``null`` branch of an optional field's schema."""
    branches = [s for s in schema.get("anyOf", []) if s.get("type") != "null"]
    if len(branches) == 1:
        rest = {k: v for k, v in schema.items() if k != "anyOf"}
        return branches[0] | {k: v for k, v in rest.items() if k in ("description", "title")}
    return schema


def query_parameters(model: type[BaseModel]) -> list[dict]:
    """The query parameters of ``model`` (a ``QueryModel``), each with its field's JSON schema."""
    schema = model.model_json_schema(ref_template=REF, by_alias=True)
    required = set(schema.get("required", []))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": _without_null(prop)}
        for name, prop in schema.get("properties", {}).items()
    ]


def _operation(method: str, path: str, rule: Rule, view: Any) -> dict:
    doc_line = ((getattr(view, "__doc__", None) or "").strip().splitlines() or [rule.endpoint])[0]
    op: dict[str, Any] = {"summary": SUMMARIES.get((method, path), doc_line), "operationId": f"{method}:{path}"}
    if doc_line != op["summary"]:
        op["description"] = doc_line
    roles = getattr(view, "allowed_roles", None)
    if roles is None:
        op["security"] = []  # public, or guarded by its own token (e.g. Open311's api_key)
    else:
        op["x-roles"] = sorted(roles)
    params = _path_parameters(rule, path)
    model = getattr(view, "query_model", None)
    if model is not None:
        params += query_parameters(model)
    if params:
        op["parameters"] = params
    body = getattr(view, "request_model", None)
    if body is not None and method != "get":
        op["requestBody"] = {
            "required": bool(getattr(view, "request_required", True)),
            "content": {
                getattr(view, "request_media", "application/json"): {
                    "schema": {"$ref": REF.format(model=body.__name__)}
                }
            },
        }
    answers = getattr(view, "response_models", None) or {}
    files = {media: {"schema": {"type": "string", "format": "binary"}} for media in getattr(view, "response_files", ())}
    responses: dict[str, Any] = {
        status: {
            "description": "成功",
            "content": {"application/json": {"schema": {"$ref": REF.format(model=model.__name__)}}} | files,
        }
        for status, model in sorted(answers.items())
    } or {"2XX": {"description": "成功"}}
    op["responses"] = responses | {"4XX": _ERROR}
    return op


def _operations(app: Flask) -> list[tuple[str, str, Rule, Any]]:
    found = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith(PREFIX + "/"):
            continue
        view = app.view_functions.get(rule.endpoint)
        for method in sorted(m.lower() for m in rule.methods or ()):
            if method in _METHODS:
                found.append((method, openapi_path(rule), rule, view))
    return found


def schema_models(app: Flask) -> list[type[BaseModel]]:
    """Every model a view of ``app`` parses with or answers, and the error every operation may answer."""
    models: dict[str, type[BaseModel]] = {"Error": Error}
    for _, _, _, view in _operations(app):
        found = [getattr(view, "request_model", None), *(getattr(view, "response_models", None) or {}).values()]
        for model in filter(None, found):
            other = models.setdefault(model.__name__, model)
            if other is not model:
                raise RuntimeError(f"two schema models are named {model.__name__}")
    return [models[name] for name in sorted(models)]


def build_document(app: Flask) -> dict:
    """Return the OpenAPI document of ``app``'s API."""
    paths: dict[str, dict] = {}
    for method, path, rule, view in _operations(app):
        paths.setdefault(path, {})[method] = _operation(method, path, rule, view)
    _, definitions = models_json_schema([(m, "validation") for m in schema_models(app)], ref_template=REF)
    return {
        "openapi": "3.1.0",
        "info": {"title": "hotline12345 API", "version": "1.0.0", "description": "12345 政务服务便民热线工单系统接口"},
        "servers": [{"url": PREFIX}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": definitions.get("$defs", {}),
        },
    }


@bp.get("/openapi.json")
def openapi_document():
    """The OpenAPI 3.1 document of this API."""
    return jsonify(build_document(current_app))
