"""JSON endpoints of the console: the switchboard's call events, live suggestions, dashboard data."""

from __future__ import annotations

import hmac

from flask import Blueprint, current_app, g, jsonify, request

from hotline.auth.api import api_auth, authenticate_request
from hotline.auth.roles import Role
from hotline.console import push
from hotline.console.fill import fill_form
from hotline.console.inputs import AgentSkills, CtiEvent, Draft, Transcript
from hotline.console.seats import set_skills, skills_of
from hotline.console.services import (
    approval_queue,
    call_payload,
    dashboard_summary,
    find_agent,
    normalise_phone,
    pending_request,
    route_call,
)
from hotline.core.api_schemas import accepts, parse
from hotline.core.effects import commit
from hotline.core.errors import ApiError
from hotline.core.extensions import db
from hotline.intake.suggestions import build_suggestions
from hotline.tickets.schemas import ticket_to_dict
from hotline.tickets.whistleblower import mask_row_titles

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
    body = parse(CtiEvent, request)
    event = body.event
    if event == "newCall" and body.from_ is None:
        raise ApiError(422, "missing_field", "缺少必填字段：from", field="from")
    phone = normalise_phone(body.from_ or "")
    if event == "newCall" and not phone:
        raise ApiError(422, "invalid_phone", "来电号码无效", field="from")
    call_id = body.callId
    agent = body.agent
    if agent is None and caller is not None and caller.role_enum == Role.AGENT:
        agent = caller.username  # an agent's own softphone reports the agent's own calls
    if agent and find_agent(db.session, agent) is None:
        raise ApiError(422, "unknown_agent", f"话务员不存在：{agent}", field="agent")
    # 涉企 calls (the IVR's 1号键, or the switch's 营商环境 queue) pop only on 营商环境专席 seats.
    digit, queue = body.digit, body.queue
    enterprise = (digit is not None and digit in current_app.config["HOTLINE_CTI_ENTERPRISE_DIGITS"]) or (
        queue is not None and queue in current_app.config["HOTLINE_CTI_ENTERPRISE_QUEUES"]
    )
    pop_on, skill = route_call(db.session, agent, enterprise=enterprise)
    payload = call_payload(db.session, event=event, phone=phone, to=body.to, call_id=call_id, agent=agent)
    payload |= {"enterprise": enterprise, "skill": skill, "popped_on": pop_on or (f"skill:{skill}" if skill else None)}
    db.session.rollback()  # nothing to keep: the call is not stored, only shown
    # A call is one agent's: a switch event naming nobody pops no console (popping it on every console put
    # one caller's number into every agent's form).
    if pop_on is None and skill is None:
        return jsonify(payload | {"popped": False})
    if event == "newCall":
        push.call_arrived(pop_on, payload, skill)
    else:
        push.call_changed(pop_on, {k: v for k, v in payload.items() if k != "history"}, skill)
    return jsonify(payload | {"popped": True})


# The guard and the body above, as the document and the permission sweep read them (X-CTI-Token aside).
cti_event.allowed_roles = frozenset({str(Role.AGENT), str(Role.ADMIN)})  # type: ignore[attr-defined]
cti_event.request_model = CtiEvent  # type: ignore[attr-defined]


@bp.get("/console/agents/<username>/skills")
@api_auth(Role.ADMIN, Role.SUPERVISOR)
def agent_skills(username: str):
    """Return an agent's seat skills."""
    agent = find_agent(db.session, username)
    if agent is None:
        raise ApiError(404, "not_found", f"话务员不存在：{username}")
    return jsonify({"username": username, "skills": skills_of(db.session, agent)})


@bp.put("/console/agents/<username>/skills")
@api_auth(Role.ADMIN)
@accepts(AgentSkills)
def put_agent_skills(username: str, body: AgentSkills):
    """Set an agent's seat skills (e.g. ``["business_env"]`` for the 营商环境专席); recorded."""
    agent = find_agent(db.session, username)
    if agent is None:
        raise ApiError(404, "not_found", f"话务员不存在：{username}")
    result = set_skills(db.session, agent, list(body.skills), g.actor)
    current_app.logger.info("seat skills of %s set to %s by %s", username, result, g.actor.username)
    commit(db.session)
    return jsonify({"username": username, "skills": result})


@bp.post("/console/suggest")
@api_auth(Role.AGENT, *MANAGERS)
@accepts(Draft)
def suggest(body: Draft):
    """Return the intake suggestions for a draft (classification, proposal, similar tickets, articles)."""
    if not body.text:
        return jsonify({})
    result = build_suggestions(db.session, body.text, body.address)
    if result.get("similar"):  # a dispatcher or admin reads a similar 举报's title masked
        mask_row_titles(db.session, result["similar"], g.actor)
    return jsonify(result)


@bp.post("/console/fill")
@api_auth(Role.AGENT, *MANAGERS)
@accepts(Transcript)
def fill(body: Transcript):
    """Return the 智能填单 proposal for a transcript or the agent's notes, each field with its source span."""
    return jsonify(fill_form(db.session, body.text).to_dict())  # untrimmed: spans are offsets into what was sent


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
    return jsonify(
        {
            kind: [ticket_to_dict(t, g.actor) | {"request": pending_request(db.session, kind, t)} for t in rows]
            for kind, rows in queue.items()
        }
    )
