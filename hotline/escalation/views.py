"""The ladder's API: read and replace a preset's rules (admin, audited), list the steps taken (scoped)."""

from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify
from sqlalchemy import select

from hotline.auth.api import api_auth
from hotline.auth.roles import SCOPED_ROLES, Role
from hotline.core.api_schemas import accepts, query_params, returns
from hotline.core.effects import commit
from hotline.core.extensions import db
from hotline.escalation.inputs import EscalationList, EscalationsQuery, Ladder, LadderAnswer, LadderView, PresetQuery
from hotline.escalation.models import EscalationRuleChange, TicketEscalation
from hotline.escalation.rules import ladder_for
from hotline.escalation.services import escalation_to_dict, open_counts, replace_ladder
from hotline.units.models import Unit

bp = Blueprint("escalation_api", __name__, url_prefix="/api/v1")


def _preset(args: PresetQuery) -> str:
    return args.preset or current_app.config["HOTLINE_TIME_LIMIT_PRESET"]


@bp.get("/escalation-rules")
@api_auth(Role.ADMIN, Role.SUPERVISOR, Role.DISPATCHER)
@query_params(PresetQuery)
@returns(LadderView)
def list_rules(args: PresetQuery):
    """A preset's ladder (催办 → 督办 → 提级督办) and its last changes."""
    preset = _preset(args)
    changes = db.session.scalars(
        select(EscalationRuleChange)
        .where(EscalationRuleChange.preset == preset)
        .order_by(EscalationRuleChange.id.desc())
        .limit(20)
    )
    return jsonify(
        {
            "preset": preset,
            "rules": [r.to_dict() for r in ladder_for(db.session, preset)],
            "changes": [
                {"at": c.created_at.isoformat(), "actor_id": c.actor_id, "before": c.before, "after": c.after}
                for c in changes
            ],
        }
    )


@bp.put("/escalation-rules")
@api_auth(Role.ADMIN)
@query_params(PresetQuery)
@accepts(Ladder)
@returns(LadderAnswer)
def put_rules(args: PresetQuery, body: Ladder):
    """Replace a preset's ladder (admins; audited)."""
    preset = _preset(args)
    ladder = replace_ladder(db.session, preset, body.raw(), g.actor)
    current_app.logger.info("escalation ladder %s replaced by %s", preset, g.actor.username)
    commit(db.session)
    return jsonify({"preset": preset, "rules": [r.to_dict() for r in ladder]})


@bp.get("/escalations")
@api_auth()
@query_params(EscalationsQuery)
@returns(EscalationList)
def list_escalations(args: EscalationsQuery):
    """The ladder steps taken lately, for the caller's subtree (the notified unit's, for 提级督办)."""
    level = args.level
    query = select(TicketEscalation).order_by(TicketEscalation.created_at.desc(), TicketEscalation.id.desc()).limit(200)
    if level:
        query = query.where(TicketEscalation.level == level)
    if g.actor.role_enum in SCOPED_ROLES:
        mine = select(Unit.id).where(Unit.path.like(g.actor.unit.path + "%"))
        query = query.where(TicketEscalation.unit_id.in_(mine) | TicketEscalation.notified_unit_id.in_(mine))
    rows = [escalation_to_dict(r) for r in db.session.scalars(query)]
    return jsonify({"rows": rows, "open": open_counts(db.session)})
