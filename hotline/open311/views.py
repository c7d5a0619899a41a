"""``/open311/v2/``: GeoReport v2 in ``.json`` and ``.xml``."""

from __future__ import annotations

from xml.etree import ElementTree as ET

from flask import Blueprint, Response, current_app, jsonify, request, url_for

from hotline.core.effects import commit
from hotline.core.errors import ApiError
from hotline.core.extensions import db
from hotline.open311 import services

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")

_ITEM_TAGS = {
    "services": "service",
    "service_requests": "request",
    "endpoints": "endpoint",
    "errors": "error",
    "formats": "format",
    "attributes": "attribute",
}


def _to_xml(root: str, payload) -> str:
    top = ET.Element(root)

    def fill(parent: ET.Element, value, tag: str) -> None:
        if isinstance(value, dict):
            node = ET.SubElement(parent, tag)
            for key, item in value.items():
                fill(node, item, key)
        elif isinstance(value, list):
            for item in value:
                fill(parent, item, _ITEM_TAGS.get(tag, tag))
        else:
            text = "" if value is None else str(value)
            ET.SubElement(parent, tag).text = text.lower() if isinstance(value, bool) else text

    if isinstance(payload, list):
        for item in payload:
            fill(top, item, _ITEM_TAGS.get(root, "item"))
    else:
        for key, item in payload.items():
            fill(top, item, key)
    return '<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(top, encoding="unicode")


def _respond(fmt: str, root: str, payload, status: int = 200):
    if fmt == "xml":
        return Response(_to_xml(root, payload), status=status, mimetype="text/xml")
    if fmt != "json":
        raise ApiError(404, "unknown_format", "只支持 .json 和 .xml")
    return jsonify(payload), status


@bp.errorhandler(ApiError)
def _geo_error(exc: ApiError):
    # GeoReport errors are a list of {code, description}.
    fmt = "xml" if request.path.endswith(".xml") else "json"
    return _respond(fmt, "errors", [{"code": exc.status, "description": exc.message}], exc.status)


@bp.get("/discovery.<fmt>")
def discovery(fmt: str):
    base = url_for("open311.services_list", fmt="json", _external=True).rsplit("/", 1)[0] + "/"
    payload = {
        "changeset": "2026-11-24T00:00:00+08:00",
        "contact": "12345 政务服务便民热线",
        "key_service": "向 12345 中心申请 api_key（flask hotline open311-key）",
        "endpoints": [
            {
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": base,
                "changeset": "2026-11-24T00:00:00+08:00",
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }
        ],
    }
    return _respond(fmt, "discovery", payload)


@bp.get("/services.<fmt>")
def services_list(fmt: str):
    return _respond(fmt, "services", services.list_services(db.session))


@bp.get("/services/<code>.<fmt>")
def service_definition(code: str, fmt: str):
    if code not in services.category_names(db.session):
        raise ApiError(404, "unknown_service_code", f"service_code 不存在：{code}")
    return _respond(fmt, "service_definition", {"service_code": code, "attributes": []})


@bp.post("/requests.<fmt>")
def create_request(fmt: str):
    form = request.form.to_dict()
    client = services.client_for_key(db.session, form.get("api_key"))
    ticket = services.file_request(db.session, client, form, preset=current_app.config["HOTLINE_TIME_LIMIT_PRESET"])
    commit(db.session)
    payload = [
        {"service_request_id": ticket.number, "service_notice": f"已受理，工单编号 {ticket.number}", "account_id": None}
    ]
    return _respond(fmt, "service_requests", payload, 201)


@bp.get("/requests.<fmt>")
def list_requests(fmt: str):
    rows = services.requests_to_dicts(db.session, services.find_requests(db.session, request.args.to_dict()))
    return _respond(fmt, "service_requests", rows)


@bp.get("/requests/<number>.<fmt>")
def show_request(number: str, fmt: str):
    rows = services.requests_to_dicts(db.session, services.find_requests(db.session, {"service_request_id": number}))
    if not rows:
        raise ApiError(404, "not_found", f"工单不存在：{number}")
    return _respond(fmt, "service_requests", rows)


@bp.get("/tokens/<token>.<fmt>")
def show_token(token: str, fmt: str):
    # Requests are filed synchronously: the token is the ticket number itself.
    rows = services.find_requests(db.session, {"service_request_id": token})
    if not rows:
        raise ApiError(404, "not_found", f"token 不存在：{token}")
    return _respond(fmt, "service_requests", [{"service_request_id": rows[0].number, "token": token}])
