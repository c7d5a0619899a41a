"""``POST /api/v1/tickets``: idempotent intake on ``(channel, external_id)``."""

from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify, request

from hotline.auth.api import api_auth
from hotline.auth.roles import Role
from hotline.categories.services import resolve_category
from hotline.core.effects import commit
from hotline.core.extensions import db
from hotline.core.validation import get_bool, get_str, json_body
from hotline.enterprise.services import parse_enterprise, record_enterprise
from hotline.intake.services import take_in
from hotline.tickets.models import CHANNELS, KINDS, URGENCIES
from hotline.tickets.schemas import ticket_to_dict
from hotline.tickets.services import NewTicket
from hotline.units.services import get_unit_by_code

bp = Blueprint("intake_api", __name__, url_prefix="/api/v1/tickets")


def _category_code(value: str | None) -> str | None:
    return resolve_category(db.session, value).code if value else None


def new_ticket_from(body: dict) -> NewTicket:
    """Read a new ticket's fields, refusing bad ones with 422."""
    area = get_str(body, "area", max_length=40)
    return NewTicket(
        channel=get_str(body, "channel", required=True, choices=CHANNELS) or "",
        content=get_str(body, "content", required=True, max_length=20000) or "",
        title=get_str(body, "title", max_length=200),
        caller_name=get_str(body, "caller_name", max_length=80),
        caller_phone=get_str(body, "caller_phone", max_length=30),
        address=get_str(body, "address", max_length=300),
        kind=get_str(body, "kind", choices=KINDS) or "",
        urgency=get_str(body, "urgency", choices=URGENCIES) or "",
        category=_category_code(get_str(body, "category", max_length=80)),
        external_id=get_str(body, "external_id", max_length=120),
        area_unit=get_unit_by_code(db.session, area) if area else None,
        is_enterprise=bool(get_bool(body, "enterprise")),
        is_business_env=bool(get_bool(body, "business_env")),
    )


@bp.post("")
@api_auth(Role.AGENT)
def create_ticket():
    body = json_body(request)
    data = new_ticket_from(body)
    # 涉企: the enterprise (name, 统一社会信用代码 checked before anything is stored, contact) marks the ticket.
    enterprise = parse_enterprise(body.get("enterprise_info"))
    data.is_enterprise = data.is_enterprise or enterprise is not None
    ticket, created, suggestions = take_in(
        db.session, data, g.actor, preset=current_app.config["HOTLINE_TIME_LIMIT_PRESET"]
    )
    if created and enterprise is not None:
        record_enterprise(db.session, ticket, enterprise, g.actor)
    commit(db.session)
    return jsonify({"ticket": ticket_to_dict(ticket, g.actor), "suggestions": suggestions}), (201 if created else 200)
