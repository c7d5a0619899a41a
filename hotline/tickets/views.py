"""Ticket API (SPEC §5): thin — parse, authorise, call one service, serialise."""

from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify, request

from hotline.auth.api import api_auth
from hotline.auth.roles import Role
from hotline.core.effects import commit
from hotline.core.extensions import db
from hotline.core.validation import get_bool, get_int, get_str, get_str_list, json_body
from hotline.tickets.lifecycle import ActionParams, perform_action
from hotline.tickets.schemas import event_to_dict, ticket_to_dict
from hotline.tickets.services import (
    LIST_LOADING,
    PAGE_SIZE,
    after_cursor,
    decode_cursor,
    encode_cursor,
    get_visible_ticket,
    list_events,
    ticket_query,
)
from hotline.units.services import get_unit_by_code

bp = Blueprint("tickets_api", __name__, url_prefix="/api/v1/tickets")


def action_params(body: dict) -> ActionParams:
    """Read the fields any action may carry, refusing wrong types with 422."""
    return ActionParams(
        note=get_str(body, "note", max_length=5000),
        unit=get_str(body, "unit", max_length=40),
        co_units=get_str_list(body, "co_units"),
        grid=get_str(body, "grid", max_length=40),
        reason=get_str(body, "reason", max_length=2000),
        basis=get_str(body, "basis", max_length=2000),
        result=get_str(body, "result", max_length=10000),
        public_answer=get_str(body, "public_answer", max_length=10000),
        days=get_int(body, "days", minimum=1, maximum=30),
        contacted=get_bool(body, "contacted"),
        resolved=get_bool(body, "resolved"),
        satisfaction=get_str(body, "satisfaction", max_length=30),
        unreachable=get_bool(body, "unreachable"),
        into=get_str(body, "into", max_length=14),
        target=get_str(body, "target", max_length=40),
        category=get_str(body, "category", max_length=80),
    )


@bp.get("")
@api_auth()
def list_tickets():
    """List what the caller may see, newest first: ``after=<next>`` pages by key (fast at any depth);
    ``page=N`` (SPEC §5) still pages by offset."""
    page = request.args.get("page", "1")
    if not page.isdigit() or int(page) < 1:
        page = "1"
    after = decode_cursor(request.args.get("after"))
    unit_code = request.args.get("unit")
    query = ticket_query(
        g.actor,
        state=request.args.get("state") or None,
        unit=get_unit_by_code(db.session, unit_code) if unit_code else None,
        warning=request.args.get("warning") or None,
        q=(request.args.get("q") or "").strip()[:100] or None,
    )
    query = query.options(*LIST_LOADING).limit(PAGE_SIZE + 1)
    query = query.where(after_cursor(after)) if after is not None else query.offset((int(page) - 1) * PAGE_SIZE)
    rows = db.session.scalars(query).all()
    shown = rows[:PAGE_SIZE]
    return jsonify(
        {
            "tickets": [ticket_to_dict(t, g.actor) for t in shown],
            "page": int(page) if after is None else None,
            "has_more": len(rows) > PAGE_SIZE,
            "next": encode_cursor(shown[-1]) if len(rows) > PAGE_SIZE else None,
        }
    )


@bp.get("/<number>")
@api_auth()
def show_ticket(number: str):
    ticket = get_visible_ticket(db.session, number, g.actor)
    return jsonify({"ticket": ticket_to_dict(ticket, g.actor)})


@bp.get("/<number>/events")
@api_auth()
def ticket_events(number: str):
    ticket = get_visible_ticket(db.session, number, g.actor)
    return jsonify(
        {
            "number": ticket.number,
            "events": [event_to_dict(e, ticket, g.actor) for e in list_events(db.session, ticket)],
        }
    )


@bp.post("/<number>/<action>")
@api_auth(*Role)
def act_on_ticket(number: str, action: str):
    body = json_body(request, required=False)
    params = action_params(body)
    ticket = get_visible_ticket(db.session, number, g.actor)
    perform_action(db.session, ticket, action, g.actor, params, preset=current_app.config["HOTLINE_TIME_LIMIT_PRESET"])
    commit(db.session)
    return jsonify({"ticket": ticket_to_dict(ticket, g.actor)})
