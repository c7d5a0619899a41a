"""``POST /api/v1/tickets``: idempotent intake on ``(channel, external_id)``."""

from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify

from hotline.auth.api import api_auth
from hotline.auth.roles import Role
from hotline.categories.services import resolve_category
from hotline.core.api_schemas import accepts, returns
from hotline.core.effects import commit
from hotline.core.extensions import db
from hotline.enterprise.services import parse_enterprise, record_enterprise
from hotline.intake.inputs import NewTicket as NewTicketBody
from hotline.intake.services import take_in
from hotline.tickets.outputs import NewTicketAnswer
from hotline.tickets.schemas import ticket_to_dict
from hotline.tickets.services import NewTicket
from hotline.units.services import get_unit_by_code

bp = Blueprint("intake_api", __name__, url_prefix="/api/v1/tickets")


def _category_code(value: str | None) -> str | None:
    return resolve_category(db.session, value).code if value else None


def new_ticket_from(body: NewTicketBody) -> NewTicket:
    """Turn the parsed body into the service's new ticket (category and area resolved)."""
    return NewTicket(
        channel=body.channel,
        content=body.content,
        title=body.title,
        caller_name=body.caller_name,
        caller_phone=body.caller_phone,
        address=body.address,
        kind=body.kind or "",
        urgency=body.urgency or "",
        category=_category_code(body.category),
        external_id=body.external_id,
        area_unit=get_unit_by_code(db.session, body.area) if body.area else None,
        is_enterprise=bool(body.enterprise),
        is_business_env=bool(body.business_env),
    )


@bp.post("")
@returns(NewTicketAnswer, "201", "200")
@api_auth(Role.AGENT)
@accepts(NewTicketBody)
def create_ticket(body: NewTicketBody):
    """Take in a citizen's 诉求 (201; the same channel + external_id again answers 200 with the first ticket)."""
    data = new_ticket_from(body)
    # 涉企: the enterprise (name, 统一社会信用代码 checked before anything is stored, contact) marks the ticket.
    enterprise = parse_enterprise(body.enterprise_info)
    data.is_enterprise = data.is_enterprise or enterprise is not None
    ticket, created, suggestions = take_in(
        db.session, data, g.actor, preset=current_app.config["HOTLINE_TIME_LIMIT_PRESET"]
    )
    if created and enterprise is not None:
        record_enterprise(db.session, ticket, enterprise, g.actor)
    commit(db.session)
    return jsonify({"ticket": ticket_to_dict(ticket, g.actor), "suggestions": suggestions}), (201 if created else 200)
