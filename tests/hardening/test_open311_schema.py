"""Issue 13.5: the Open311 endpoints answer what GeoReport v2 says they answer.

The JSON schemas below are written from the GeoReport v2 specification's field tables (open311.org,
"GeoReport v2": GET Service List → Response; GET Service Definition → Response; POST Service Request →
Response; GET service_request_id from a token → Response; GET Service Requests / GET Service Request →
Response; Errors; Service Discovery). Dates are "w3 format" (ISO 8601 date-time), ``status`` is ``open`` or
``closed``, a POST answers ``service_request_id`` or ``token`` (never both), errors are ``[{code,
description}]`` with the HTTP status as code.
"""

from __future__ import annotations

import jsonschema_rs

from tests.core.test_open311 import key  # noqa: F401  (the Open311 client-key fixture, one definition)

TEXT = {"type": "string"}
MAYBE_TEXT = {"type": ["string", "null"]}
W3_DATETIME = {"type": "string", "format": "date-time"}

SERVICE = {
    "type": "object",
    "required": ["service_code", "service_name", "metadata", "type"],
    "properties": {
        "service_code": TEXT,
        "service_name": TEXT,
        "description": MAYBE_TEXT,
        "metadata": {"type": "boolean"},
        "type": {"enum": ["realtime", "batch", "blackbox"]},
        "keywords": MAYBE_TEXT,  # "a comma separated list"
        "group": MAYBE_TEXT,
    },
}
SERVICE_LIST = {"type": "array", "items": SERVICE}
SERVICE_DEFINITION = {
    "type": "object",
    "required": ["service_code", "attributes"],
    "properties": {
        "service_code": TEXT,
        "attributes": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["variable", "code", "datatype", "required", "order"],
                "properties": {
                    "variable": {"type": "boolean"},
                    "code": TEXT,
                    "datatype": {"enum": ["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]},
                    "required": {"type": "boolean"},
                    "order": {"type": "integer"},
                },
            },
        },
    },
}
SERVICE_REQUEST = {
    "type": "object",
    "required": ["service_request_id", "status", "service_code", "requested_datetime"],
    "properties": {
        "service_request_id": TEXT,
        "status": {"enum": ["open", "closed"]},
        "status_notes": MAYBE_TEXT,
        "service_name": MAYBE_TEXT,
        "service_code": TEXT,
        "description": MAYBE_TEXT,
        "agency_responsible": MAYBE_TEXT,
        "service_notice": MAYBE_TEXT,
        "requested_datetime": W3_DATETIME,
        "updated_datetime": {"anyOf": [W3_DATETIME, {"type": "null"}]},
        "expected_datetime": {"anyOf": [W3_DATETIME, {"type": "null"}]},
        "address": MAYBE_TEXT,
        "address_id": MAYBE_TEXT,
        "zipcode": MAYBE_TEXT,
        "lat": {"type": ["number", "null"]},
        "long": {"type": ["number", "null"]},
        "media_url": {"anyOf": [{"type": "string", "format": "uri-reference"}, {"type": "null"}]},
    },
}
SERVICE_REQUESTS = {"type": "array", "items": SERVICE_REQUEST}
CREATED = {
    "type": "array",
    "minItems": 1,
    "items": {
        "type": "object",
        "properties": {"service_request_id": TEXT, "token": TEXT, "service_notice": MAYBE_TEXT, "account_id": {}},
        # the spec: service_request_id "should not be returned if token is returned", and the other way round
        "oneOf": [{"required": ["service_request_id"]}, {"required": ["token"]}],
    },
}
FROM_TOKEN = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["service_request_id", "token"],
        "properties": {"service_request_id": TEXT, "token": TEXT},
    },
}
ERRORS = {
    "type": "array",
    "minItems": 1,
    "items": {
        "type": "object",
        "required": ["code", "description"],
        "properties": {"code": {"type": "integer", "minimum": 400, "maximum": 599}, "description": TEXT},
    },
}
DISCOVERY = {
    "type": "object",
    "required": ["changeset", "contact", "endpoints"],
    "properties": {
        "changeset": W3_DATETIME,
        "contact": TEXT,
        "key_service": TEXT,
        "endpoints": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["specification", "url", "changeset", "type", "formats"],
                "properties": {
                    "specification": {"type": "string", "format": "uri"},
                    "url": {"type": "string", "format": "uri"},
                    "changeset": W3_DATETIME,
                    "type": {"enum": ["production", "test"]},
                    "formats": {"type": "array", "items": TEXT},
                },
            },
        },
    },
}


def conforms(schema: dict, payload) -> list[str]:
    """Return what is wrong with ``payload`` under ``schema`` (empty when it conforms)."""
    validator = jsonschema_rs.Draft202012Validator(schema, validate_formats=True)
    return [f"{list(e.instance_path)}: {e.message}" for e in validator.iter_errors(payload)]


def test_the_schemas_reject_what_georeport_forbids():
    """The schemas can fail: a status outside open/closed, a date that is not ISO 8601, both id and token."""
    good = {
        "service_request_id": "1",
        "status": "open",
        "service_code": "JT",
        "requested_datetime": "2026-12-01T08:00:00+08:00",
    }
    assert conforms(SERVICE_REQUESTS, [good]) == []
    assert conforms(SERVICE_REQUESTS, [good | {"status": "registered"}])
    assert conforms(SERVICE_REQUESTS, [good | {"requested_datetime": "2026年12月1日"}])
    assert conforms(SERVICE_REQUESTS, [{k: v for k, v in good.items() if k != "service_code"}])
    assert conforms(CREATED, [{"service_request_id": "1", "token": "1"}])
    assert conforms(ERRORS, [{"code": "400", "description": "x"}])


def test_every_open311_answer_conforms_to_georeport_v2(api, key):  # noqa: F811  (the fixture imported above)
    client = api.client
    services = client.get("/open311/v2/services.json")
    assert services.status_code == 200 and services.get_json()
    assert conforms(SERVICE_LIST, services.get_json()) == []
    code = services.get_json()[0]["service_code"]
    definition = client.get(f"/open311/v2/services/{code}.json")
    assert conforms(SERVICE_DEFINITION, definition.get_json()) == []
    assert conforms(DISCOVERY, client.get("/open311/v2/discovery.json").get_json()) == []

    filed = client.post(
        "/open311/v2/requests.json",
        data={
            "api_key": key,
            "service_code": "CX.01",
            "description": "工地夜间施工噪音扰民",
            "address_string": "东风路8号",
        },
    )
    assert filed.status_code == 201 and conforms(CREATED, filed.get_json()) == []
    number = filed.get_json()[0]["service_request_id"]
    # A ticket the centre took in by phone, dispatched and answered, shows in the public list too.
    by_phone = api.new_ticket(content="东风社区垃圾清运不及时")["number"]
    assert api.act(by_phone, "dispatch", as_="dispatcher1", unit="A1").status_code == 200
    api.act(number, "dispatch", as_="dispatcher1", unit="A1")

    one = client.get(f"/open311/v2/requests/{number}.json")
    assert one.status_code == 200 and conforms(SERVICE_REQUESTS, one.get_json()) == []
    assert one.get_json()[0]["status"] == "open" and one.get_json()[0]["expected_datetime"]
    listing = client.get("/open311/v2/requests.json")
    assert {r["service_request_id"] for r in listing.get_json()} >= {number}
    assert conforms(SERVICE_REQUESTS, listing.get_json()) == []
    # Not classified yet: GeoReport still needs a service_code, and a client can ask for exactly those.
    phone_row = next(r for r in listing.get_json() if r["service_request_id"] == by_phone)
    assert (phone_row["service_code"], phone_row["service_name"]) == ("unclassified", "待分类")
    waiting = client.get("/open311/v2/requests.json?service_code=unclassified").get_json()
    assert [r["service_request_id"] for r in waiting] == [by_phone]
    assert conforms(FROM_TOKEN, client.get(f"/open311/v2/tokens/{number}.json").get_json()) == []

    for refused in (
        client.post("/open311/v2/requests.json", data={"service_code": "JT", "description": "x"}),  # no api_key
        client.post("/open311/v2/requests.json", data={"api_key": key, "service_code": "ZZ", "description": "x"}),
        client.get("/open311/v2/requests.json?start_date=yesterday"),
        client.get("/open311/v2/requests/20990101000001.json"),
        client.get("/open311/v2/services/ZZ.json"),
    ):
        assert refused.status_code in (400, 403, 404)
        assert conforms(ERRORS, refused.get_json()) == []
        assert refused.get_json()[0]["code"] == refused.status_code
