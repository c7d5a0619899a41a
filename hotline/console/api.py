"""JSON endpoints of the console: the switchboard's call events, live suggestions, dashboard data."""

from __future__ import annotations

import hmac

from flask import Blueprint, current_app, g, jsonify, request

from hotline.auth.api import api_auth, authenticate_request
from hotline.auth.roles import Role
from hotline.console import push
from hotline.console.services import (
    CTI_EVENTS,
    approval_queue,
    call_payload,
    dashboard_summary,
    find_agent,
    normalise_phone,
    pending_request,
)
from hotline.core.errors import ApiError
from hotline.core.extensions import db
from hotline.core.validation import get_str, json_body
from hotline.intake.suggestions import build_suggestions
from hotline.tickets.schemas import ticket_to_dict

bp = Blueprint("console_api", __name__, url_prefix="/api/v1")
MANAGERS = (Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN)


def _switchboard_token_ok() -> bool:
    expected = current_app.config.get("HOTLINE_CTI_TOKEN")
    given = request.headers.get("X-CTI-Token")
    return bool(expected and given and hmac.compare_digest(str(expected), given))


@bp.post("/cti")
def cti_event():
    """Take a call event from the switchboard (Zammad's generic CTI shape) and pop the agent's console."""
    caller = None if _switchboard_token_ok() else authenticate_request(Role.AGENT, Role.ADMIN)
    body = json_body(request)
    event = get_str(body, "event", required=True, choices=CTI_EVENTS) or ""
    raw_from = get_str(body, "from", required=event == "newCall", max_length=40) or ""
    phone = normalise_phone(raw_from)
    if event == "newCall" and not phone:
        raise ApiError(422, "invalid_phone", "来电号码无效", field="from")
    call_id = get_str(body, "callId", required=True, max_length=120) or ""
    agent = get_str(body, "agent", max_length=80)
    if agent is None and caller is not None and caller.role_enum == Role.AGENT:
        agent = caller.username  # an agent's own softphone reports the agent's own calls
    if agent and find_agent(db.session, agent) is None:
        raise ApiError(422, "unknown_agent", f"话务员不存在：{agent}", field="agent")
    payload = call_payload(db.session, event=event, phone=phone, to=get_str(body, "to", max_length=40),
                           call_id=call_id, agent=agent)
    db.session.rollback()  # nothing to keep: the call is not stored, only shown
    # A call is one agent's: a switch event naming nobody pops no console (popping it on every console put
    # one caller's number into every agent's form).
    if agent is None:
        return jsonify(payload | {"popped": False})
    if event == "newCall":
        push.call_arrived(agent, payload)
    else:
        push.call_changed(agent, {k: v for k, v in payload.items() if k != "history"})
    return jsonify(payload | {"popped": True})


@bp.post("/console/suggest")
@api_auth(Role.AGENT, *MANAGERS)
def suggest():
    """Return the intake suggestions for a draft (classification, proposal, similar tickets, articles)."""
    body = json_body(request)
    text = get_str(body, "text", max_length=20000) or ""
    address = get_str(body, "address", max_length=300)
    if not text.strip():
        return jsonify({})
    return jsonify(build_suggestions(db.session, text, address))


@bp.get("/console/summary")
@api_auth(*MANAGERS)
def summary():
    """Return the dashboard's live counts."""
    return jsonify(dashboard_summary(db.session))


@bp.get("/console/approvals")
@api_auth(*MANAGERS)
def approvals():
    """Return the tickets waiting for a manager's decision, by kind."""
    queue = approval_queue(db.session)
    return jsonify({
        kind: [ticket_to_dict(t, g.actor) | {"request": pending_request(db.session, kind, t)} for t in rows]
        for kind, rows in queue.items()
    })
