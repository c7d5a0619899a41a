"""``POST /api/v1/tickets/<number>/enterprise``: record the enterprise behind a 涉企 ticket after intake."""

from __future__ import annotations

from flask import Blueprint, g, jsonify, request

from hotline.auth.api import api_auth
from hotline.auth.roles import Role
from hotline.core.effects import commit
from hotline.core.extensions import db
from hotline.core.validation import json_body
from hotline.enterprise.services import parse_enterprise, record_enterprise
from hotline.tickets.services import get_visible_ticket

bp = Blueprint("enterprise_api", __name__, url_prefix="/api/v1/tickets")


@bp.post("/<number>/enterprise")
@api_auth(Role.AGENT, Role.DISPATCHER, Role.SUPERVISOR)
def set_enterprise(number: str):
    ticket = get_visible_ticket(db.session, number, g.actor)
    info = parse_enterprise(json_body(request))
    assert info is not None
    row = record_enterprise(db.session, ticket, info, g.actor)
    result = {
        "number": ticket.number,
        "enterprise": row.enterprise.name if row.enterprise else None,
        "credit_code": row.enterprise.credit_code if row.enterprise else None,
    }
    commit(db.session)
    return jsonify(result)
