"""Admin of the time-limit table and the 临期提醒 list a unit reads."""

from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify

from hotline.admin import services
from hotline.auth.api import api_auth
from hotline.auth.roles import Role
from hotline.core import clock
from hotline.core.api_schemas import accepts, query_params, returns
from hotline.core.effects import commit
from hotline.core.errors import not_found
from hotline.core.extensions import db
from hotline.tickets import reminders
from hotline.tickets.inputs import (
    PresetQuery,
    ReminderList,
    ReminderOut,
    RemindersQuery,
    TimeLimitOut,
    TimeLimitRow,
    TimeLimitTable,
)
from hotline.tickets.limits import LIMIT_STAGES, PRESETS, rows_for
from hotline.tickets.models import TimeLimit

bp = Blueprint("tickets_admin_api", __name__, url_prefix="/api/v1")


def _row_dict(row) -> dict:
    return {
        "id": getattr(row, "id", None),
        "stage": row.stage,
        "amount": row.amount,
        "unit": row.unit,
        "kind": row.kind,
        "urgency": row.urgency,
        "category_prefix": row.category_prefix,
        "area_code": row.area_code,
        "note": row.note,
        "enterprise": row.enterprise,
    }


@bp.get("/time-limits")
@api_auth(Role.ADMIN, Role.SUPERVISOR)
@query_params(PresetQuery)
@returns(TimeLimitTable)
def list_time_limits(args: PresetQuery):
    """A preset's time-limit table, stage by stage."""
    preset = args.preset or current_app.config["HOTLINE_TIME_LIMIT_PRESET"]
    stages = {stage: [_row_dict(r) for r in rows_for(db.session, preset, stage)] for stage in LIMIT_STAGES}
    return jsonify({"preset": preset, "presets": list(PRESETS), "stages": stages})


@bp.post("/time-limits")
@api_auth(Role.ADMIN)
@accepts(TimeLimitRow)
@returns(TimeLimitOut, "201")
def add_time_limit(body: TimeLimitRow):
    """Add a row to the time-limit table (recorded in the admin trail)."""
    row = TimeLimit(
        preset=body.preset,
        stage=body.stage,
        unit=body.unit,
        amount=body.amount,
        kind=body.kind,
        urgency=body.urgency,
        category_prefix=body.category_prefix,
        area_code=body.area_code,
        note=body.note,
        enterprise=body.enterprise or None,
    )
    services.add_time_limit(db.session, g.actor, row)
    result = _row_dict(row)
    current_app.logger.info("time limit added by %s: %s", g.actor.username, result)
    commit(db.session)
    return jsonify(result), 201


@bp.delete("/time-limits/<int:row_id>")
@api_auth(Role.ADMIN)
def delete_time_limit(row_id: int):
    if db.session.get(TimeLimit, row_id) is None:  # the API's 404 wording; the service finds it in the identity map
        raise not_found("时限规则")
    services.delete_time_limit(db.session, g.actor, row_id)
    current_app.logger.info("time limit %s deleted by %s", row_id, g.actor.username)
    commit(db.session)
    return jsonify({"deleted": row_id})


@bp.get("/reminders")
@api_auth()
@query_params(RemindersQuery)
@returns(ReminderList)
def list_reminders(args: RemindersQuery):
    """临期提醒 and overdue notices for the caller's unit subtree (all units for city roles).

    ``?unread=1`` leaves out those already read, ``?open=1`` those of tickets no longer open.
    """
    rows = reminders.list_reminders(db.session, g.actor, unread_only=bool(args.unread), open_only=bool(args.open))
    return jsonify([r.to_dict(g.actor) for r in rows])


@bp.post("/reminders/<int:reminder_id>/read")
@api_auth()
@returns(ReminderOut)
def read_reminder(reminder_id: int):
    """Mark one reminder read (recorded in the audit); 404 for a reminder outside the caller's subtree."""
    view = reminders.mark_read(db.session, g.actor, reminder_id, clock.now())
    commit(db.session)
    return jsonify(view.to_dict(g.actor))
