"""The OpenAPI document lists the whole API: every route and method under /api/v1, with its path parameters."""

from __future__ import annotations

import re


def test_every_api_route_and_method_is_documented(app, api):
    doc = api.client.get("/api/v1/openapi.json").get_json()
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = re.sub(r"<(?:[^:>]+:)?(\w+)>", r"{\1}", rule.rule[len("/api/v1") :])
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if method.lower() not in doc["paths"].get(path, {}):
                missing.append(f"{method} {path}")
    assert not missing, missing


def test_documented_paths_exist_and_declare_their_parameters(app, api):
    doc = api.client.get("/api/v1/openapi.json").get_json()
    routes = {
        re.sub(r"<(?:[^:>]+:)?(\w+)>", r"{\1}", r.rule[len("/api/v1") :])
        for r in app.url_map.iter_rules()
        if r.rule.startswith("/api/v1/")
    }
    assert set(doc["paths"]) <= routes, sorted(set(doc["paths"]) - routes)
    for path, operations in doc["paths"].items():
        wanted = set(re.findall(r"{(\w+)}", path))
        for operation in operations.values():
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == wanted, (path, declared)
