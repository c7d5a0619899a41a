"""Issue 13.5: schemathesis over the generated OpenAPI document, as each role.

Every operation of ``/api/v1/openapi.json`` gets a bounded, derandomised set of generated requests — valid ones
(positive) and ones that break the schema (negative) — sent through the WSGI app with the role's bearer token;
operations on a ticket or an article are fuzzed once more against records that exist (a random 14-digit number
only ever finds nothing). Each response must be no 5xx, a documented status, a documented content type and,
where the document gives a schema (every 4XX answers the ``Error`` schema), match it. Failures are collected,
not shrunk, so one run reports every operation that broke.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.failures import FailureGroup

from tests.classification.conftest import tiny_csv  # noqa: F401 - a fixture
from tests.conftest import login_form

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Generated requests per operation and generation mode; HOTLINE_FUZZ_EXAMPLES raises it for a deeper run.
EXAMPLES = int(os.environ.get("HOTLINE_FUZZ_EXAMPLES", "3"))
ROLES = {
    "agent": "agent1",
    "dispatcher": "dispatcher1",
    "handler": "handler1",
    "supervisor": "supervisor1",
    "admin": "admin1",
}
# Operations that end the caller's own sign-in: fuzzing them would turn the rest of the run into 401s. They
# are covered by tests/auth (logout, revoking a token).
SKIP = {"POST /auth/logout", "DELETE /auth/tokens/{token_id}"}


def _fuzz(operation, headers: dict, mode: GenerationMode, failures: list, path: dict | None = None) -> int:
    """Send up to EXAMPLES generated requests; record what broke in ``failures``; return how many were sent."""
    # An operation with nothing to vary is one request (hypothesis would send the same one again and again).
    varies = any(p.name != "Authorization" for p in operation.iter_parameters()) or bool(
        operation.get_request_payload_content_types()
    )
    sent = []

    @given(case=operation.as_strategy(generation_mode=mode, path_parameters=path))
    @settings(
        max_examples=EXAMPLES if varies else 1,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case) -> None:
        if any(f[0] == operation.label for f in failures):
            return
        response = case.call(headers=headers)
        sent.append(response.status_code)
        try:
            case.validate_response(response, checks=CHECKS)
        except (FailureGroup, AssertionError) as exc:  # record it and go on, no shrinking
            failures.append((operation.label, mode.value, response.status_code, str(exc)[:800]))

    try:
        run()
    except Unsatisfiable:
        if mode is GenerationMode.POSITIVE:
            raise
        # nothing to break: an operation without parameters or body has no invalid request
    return len(sent)


@pytest.fixture(scope="module")
def tiny_model_dir(app, tiny_csv):  # noqa: F811 - the fixture imported above
    """A real classifier trained on a small slice of the data, once: /classify answers as deployed."""
    from classifier.artefacts import save_model
    from classifier.dataset import load_dataset
    from classifier.train import train

    data = load_dataset(tiny_csv, ["title", "detail"], "label")
    model = train(*data.subset("train"))
    return save_model(model, Path(app.config["HOTLINE_MODELS_DIR"]) / "fuzz", scores={"macro_f1": 0.5})


@pytest.fixture
def deployed(app, api, tiny_model_dir, tiny_csv, tmp_path, monkeypatch) -> dict:  # noqa: F811
    """The test world as a centre runs it: an active classifier model (an admin's retrain, run in process
    without Redis, learns from the same small slice), a registered ticket, one dispatched to handler1's unit
    and a published article. Returns the path parameters that name them."""
    from hotline.classification.services import PREDICTOR_CACHE, promote, register_version
    from hotline.core.extensions import db

    shutil.copy(tiny_csv, tmp_path / "messages.csv")
    monkeypatch.setitem(app.config, "HOTLINE_DATA_DIR", str(tmp_path))
    with app.app_context():
        row = register_version(db.session, Path(app.config["HOTLINE_MODELS_DIR"]), tiny_model_dir)
        promote(db.session, row, force=True)
        db.session.commit()
        PREDICTOR_CACHE.get(app).forget()
        db.session.remove()
    registered = api.new_ticket(content="小区门口路灯坏了一个月，晚上很黑")["number"]
    dispatched = api.new_ticket(content="东风社区垃圾清运不及时，楼下堆满了")["number"]
    assert api.act(dispatched, "dispatch", as_="dispatcher1", unit="A1").status_code == 200
    article = api.post(
        "/api/v1/kb/articles", as_="supervisor1", json={"title": "停水怎么办", "body": "<p>先问物业。</p>"}
    )
    assert article.status_code == 201
    return {"number": [registered, dispatched], "article_id": [article.get_json()["id"]]}


@pytest.mark.parametrize("role", list(ROLES))
def test_no_server_error_and_no_schema_violation_as(role, app, deployed):
    client = app.test_client()
    token = client.post("/api/v1/auth/token", json=login_form(ROLES[role])).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures: list = []
    operations = sent = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.label in SKIP:
            continue
        operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            sent += _fuzz(operation, headers, mode, failures)
        names = {p.name for p in operation.iter_parameters() if p.location.value == "path"}
        for name in names & set(deployed):
            for value in deployed[name]:
                sent += _fuzz(operation, headers, GenerationMode.POSITIVE, failures, {name: value})
        assert client.get("/api/v1/me", headers=headers).status_code == 200, f"the token died in {operation.label}"
    assert operations > 100 and sent > 4 * operations
    assert failures == [], "\n\n".join(" | ".join(map(str, f)) for f in failures)


def test_the_harness_reports_a_server_error_and_an_undocumented_error_shape():
    """The checks can fail: a toy app whose one route crashes and whose other answers in a shape the document
    does not give is reported, operation by operation."""
    from flask import Flask, jsonify

    toy = Flask("toy")

    @toy.get("/api/v1/openapi.json")
    def document():
        error = {"type": "object", "required": ["error"], "properties": {"error": {"type": "object"}}}
        responses = {
            "200": {"description": "成功"},
            "4XX": {"description": "错误", "content": {"application/json": {"schema": error}}},
        }
        query = [{"name": "n", "in": "query", "required": True, "schema": {"type": "integer"}}]
        return jsonify(
            {
                "openapi": "3.1.0",
                "info": {"title": "toy", "version": "1"},
                "servers": [{"url": "/api/v1"}],
                "paths": {
                    "/crash": {"get": {"parameters": query, "responses": responses}},
                    "/shape": {"get": {"parameters": query, "responses": responses}},
                },
            }
        )

    @toy.get("/api/v1/crash")
    def crash():
        return jsonify({"error": {"code": "internal_error"}}), 500

    @toy.get("/api/v1/shape")
    def shape():
        return jsonify({"message": "wrong"}), 422  # not the documented error shape

    failures: list = []
    for result in schemathesis.openapi.from_wsgi("/api/v1/openapi.json", toy).get_all_operations():
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _fuzz(result.ok(), {}, mode, failures)
    found = {(label, status) for label, _, status, _ in failures}
    assert ("GET /crash", 500) in found
    assert ("GET /shape", 422) in found
