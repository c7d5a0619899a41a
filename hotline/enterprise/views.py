"""``POST /api/v1/tickets/<number>/enterprise``: record the enterprise behind a 涉企 ticket after intake."""

from __future__ import annotations

from flask import Blueprint, g, jsonify

from hotline.auth.api import api_auth
from hotline.auth.roles import Role
from hotline.core.api_schemas import accepts, returns
from hotline.core.effects import commit
from hotline.core.extensions import db
from hotline.enterprise.inputs import EnterpriseAnswer, EnterpriseBody
from hotline.enterprise.services import parse_enterprise, record_enterprise
from hotline.tickets.services import get_visible_ticket

bp = Blueprint("enterprise_api", __name__, url_prefix="/api/v1/tickets")


@bp.post("/<number>/enterprise")
@api_auth(Role.AGENT, Role.DISPATCHER, Role.SUPERVISOR)
@accepts(EnterpriseBody)
@returns(EnterpriseAnswer)
def set_enterprise(number: str, body: EnterpriseBody):
    """Record (or correct) the enterprise behind a 涉企 ticket; the ledger follows."""
    ticket = get_visible_ticket(db.session, number, g.actor)
    info = parse_enterprise(body.model_dump())
    assert info is not None
    row = record_enterprise(db.session, ticket, info, g.actor)
    result = {
        "number": ticket.number,
        "enterprise": row.enterprise.name if row.enterprise else None,
        "credit_code": row.enterprise.credit_code if row.enterprise else None,
    }
    commit(db.session)
    return jsonify(result)
