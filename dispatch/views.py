"""``/api/v1/dispatch``: proposals, the responsibility list, grid reports, 110 intake, returns and accuracy."""

from __future__ import annotations

import io

from flask import Blueprint, current_app, g, jsonify, send_file

from dispatch import io as rules_io
from dispatch import ruleset, stats
from dispatch.auto import carry_out, register_from_110
from dispatch.grid import assign_grid_worker, assignment_to_dict, register_patrol_report
from dispatch.inputs import (
    DayRange,
    From110,
    NewRule,
    PatrolReport,
    Proposal,
    ProposalAnswer,
    RuleChangeList,
    RuleChanges,
    RuleChangesQuery,
    RuleDetail,
    RuleList,
    RuleNote,
    RuleOut,
    RulesWorkbook,
)
from dispatch.services import find_similar_open, latest_decision, propose_dispatch, record_decision
from dispatch.similar_index import ticket_text
from hotline.auth.api import api_auth
from hotline.auth.roles import Role
from hotline.core.api_schemas import accepts, accepts_form, query_params, returns
from hotline.core.effects import commit
from hotline.core.errors import ApiError
from hotline.core.extensions import db
from hotline.tickets.schemas import ticket_to_dict
from hotline.tickets.services import get_visible_ticket
from hotline.tickets.whistleblower import mask_row_titles

bp = Blueprint("dispatch_api", __name__, url_prefix="/api/v1/dispatch")

PROPOSERS = (Role.AGENT, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN)
MANAGERS = (Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN)


def proposal_body(proposal) -> dict:
    """The SPEC §5 shape first, then the extra detail."""
    full = proposal.to_dict()
    head = {k: full.pop(k) for k in ("unit", "co_units", "grid", "rule", "confidence", "transfer_110")}
    return head | full


@bp.post("/propose")
@api_auth(*PROPOSERS)
@accepts(Proposal)
@returns(ProposalAnswer)
def propose(body: Proposal):
    """Propose lead unit, co-units and grid for a 诉求 (nothing is dispatched)."""
    text, category, address, kind = body.text, body.category, body.address, body.kind
    if not (text or category or address):
        raise ApiError(
            422, "missing_field", "请至少提供诉求内容（text）、类别（category）或地址（address）之一", field="text"
        )
    proposal = propose_dispatch(db.session, text=text or "", category=category, kind=kind, address=address)
    return jsonify(proposal_body(proposal))


@bp.get("/similar/<number>")
@api_auth(*PROPOSERS)
def similar(number: str):
    ticket = get_visible_ticket(db.session, number, g.actor)
    found = find_similar_open(
        db.session,
        ticket_text(ticket.title, ticket.content),
        ticket.area_unit.code if ticket.area_unit else None,
        exclude_id=ticket.id,
    )
    return jsonify({"ticket": ticket.number, "similar": mask_row_titles(db.session, found, g.actor)})


@bp.get("/tickets/<number>")
@api_auth(*MANAGERS)
def ticket_dispatch(number: str):
    """The latest stored decision and a fresh proposal for one ticket."""
    from dispatch.auto import propose_for_ticket

    ticket = get_visible_ticket(db.session, number, g.actor)
    decision = latest_decision(db.session, ticket.id)
    return jsonify(
        {
            "ticket": ticket.number,
            "decision": None
            if decision is None
            else {
                "rule_id": decision.rule_id,
                "auto": decision.auto,
                "model_version": decision.model_version,
                "created_at": decision.created_at.isoformat(),
                "proposal": decision.proposal,
            },
            "proposal": proposal_body(propose_for_ticket(db.session, ticket)),
        }
    )


@bp.post("/tickets/<number>/apply")
@api_auth(Role.DISPATCHER, Role.SUPERVISOR)
def apply_proposal(number: str):
    """Dispatch a ticket as proposed now (one click for the dispatcher), storing the decision."""
    from dispatch.auto import propose_for_ticket

    ticket = get_visible_ticket(db.session, number, g.actor)
    proposal = propose_for_ticket(db.session, ticket)
    if proposal.unit is None:
        raise ApiError(409, "no_proposal", "确责清单没有可适用的条目，请手动指定承办单位")
    carry_out(db.session, ticket, proposal, g.actor, note=f"按确责清单 {proposal.rule_id} 派单")
    record_decision(db.session, ticket, proposal, auto=False)
    commit(db.session)
    return jsonify({"ticket": ticket_to_dict(ticket, g.actor), "proposal": proposal_body(proposal)})


@bp.post("/tickets/<number>/assign")
@api_auth(Role.DISPATCHER, Role.SUPERVISOR)
def assign(number: str):
    """Give a ticket held by a grid to its least-loaded grid worker."""
    ticket = get_visible_ticket(db.session, number, g.actor)
    row = assign_grid_worker(db.session, ticket)
    if row is None:
        raise ApiError(409, "no_grid_worker", "工单不在网格或该网格没有网格员")
    commit(db.session)
    return jsonify({"ticket": ticket.number, "assignment": assignment_to_dict(row)})


@bp.post("/patrol")
@api_auth(Role.GRID_WORKER)
@accepts(PatrolReport)
def patrol(body: PatrolReport):
    """Register what a grid worker found on patrol, in their own grid."""
    ticket = register_patrol_report(
        db.session,
        g.actor,
        content=body.content,
        title=body.title,
        address=body.address,
        kind=body.kind or "report",
        preset=current_app.config["HOTLINE_TIME_LIMIT_PRESET"],
    )
    commit(db.session)
    return jsonify({"ticket": ticket_to_dict(ticket, g.actor)}), 201


@bp.post("/from-110")
@api_auth(Role.ADMIN, Role.DISPATCHER)
@accepts(From110)
def from_110(body: From110):
    """Take in a non-police matter 110 pushes over (the same incident number twice: the first ticket, 200)."""
    ticket, created = register_from_110(
        db.session,
        g.actor,
        incident_number=body.incident_number,
        content=body.content,
        title=body.title,
        address=body.address,
        caller_name=body.caller_name,
        caller_phone=body.caller_phone,
        kind=body.kind or "help",
        urgency=body.urgency or "normal",
    )
    commit(db.session)
    return jsonify({"ticket": ticket_to_dict(ticket, g.actor)}), (201 if created else 200)


# --- the responsibility list ----------------------------------------------------------------------------


@bp.get("/rules")
@api_auth(*MANAGERS)
@returns(RuleList)
def list_rules():
    """The responsibility list in evaluation order, with its version."""
    rows = ruleset.list_rules(db.session)
    return jsonify({"rules": [ruleset.rule_to_dict(r) for r in rows], "version": ruleset.rules_version(db.session)[0]})


@bp.post("/rules")
@api_auth(Role.ADMIN)
@accepts(NewRule)
@returns(RuleOut, "201")
def create_rule(body: NewRule):
    """Add a row to the responsibility list (audited)."""
    row = ruleset.create_rule(db.session, body.fields(), g.actor, note=body.note)
    commit(db.session)
    return jsonify(ruleset.rule_to_dict(row)), 201


@bp.get("/rules/<rule_id>")
@api_auth(*MANAGERS)
@returns(RuleDetail)
def show_rule(rule_id: str):
    """One row and its audited changes, newest first."""
    row = ruleset.get_rule(db.session, rule_id)
    changes = ruleset.list_changes(db.session, rule_id)
    return jsonify(ruleset.rule_to_dict(row) | {"changes": [ruleset.change_to_dict(c) for c in changes]})


@bp.route("/rules/<rule_id>", methods=["PATCH", "PUT"])
@api_auth(Role.ADMIN)
@accepts(RuleChanges)
@returns(RuleOut)
def update_rule(rule_id: str, body: RuleChanges):
    """Change the fields sent; the others stay (audited; an edit that changes nothing writes nothing)."""
    row = ruleset.update_rule(db.session, rule_id, body.fields(), g.actor, note=body.note)
    commit(db.session)
    return jsonify(ruleset.rule_to_dict(row))


@bp.post("/rules/<rule_id>/disable")
@api_auth(Role.ADMIN)
@accepts(RuleNote, required=False)
@returns(RuleOut)
def disable_rule(rule_id: str, body: RuleNote):
    """Switch a row off (kept for the record)."""
    row = ruleset.disable_rule(db.session, rule_id, g.actor, note=body.note)
    commit(db.session)
    return jsonify(ruleset.rule_to_dict(row))


@bp.get("/rule-changes")
@api_auth(Role.ADMIN, Role.SUPERVISOR)
@query_params(RuleChangesQuery)
@returns(RuleChangeList)
def rule_changes(args: RuleChangesQuery):
    """The audited changes of the list (or of one row), newest first."""
    changes = ruleset.list_changes(db.session, args.rule)
    return jsonify({"changes": [ruleset.change_to_dict(c) for c in changes]})


@bp.get("/rules/export")
@api_auth(Role.ADMIN, Role.SUPERVISOR)
def export_rules():
    data = rules_io.export_rules_xlsx(db.session)
    return send_file(
        io.BytesIO(data),
        as_attachment=True,
        download_name="responsibility_list.xlsx",
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@bp.post("/rules/import")
@api_auth(Role.ADMIN)
@accepts_form(RulesWorkbook)
def import_rules(body: RulesWorkbook):
    """Create and update rows from a workbook (each audited); a bad row refuses the whole file."""
    counts = rules_io.import_rules_xlsx(db.session, body.file.stream, g.actor)
    commit(db.session)
    return jsonify(counts)


# --- reports --------------------------------------------------------------------------------------------


@bp.get("/rules/returns")
@api_auth(*MANAGERS)
@query_params(DayRange)
def rules_returns(args: DayRange):
    """Rows of the list by how often their dispatches came back (退单)."""
    since, until = args.bounds()
    return jsonify({"rows": stats.rules_by_returns(db.session, since=since, until=until)})


@bp.get("/accuracy")
@api_auth(*MANAGERS)
@query_params(DayRange)
def accuracy(args: DayRange):
    """How often the proposal was what the dispatcher did."""
    since, until = args.bounds()
    return jsonify(stats.dispatch_accuracy(db.session, since=since, until=until))
