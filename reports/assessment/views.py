"""考评 API (``/api/v1/reports/assessment…``) and pages: parse, authorise, call one service, serialise."""

from __future__ import annotations

import json

from flask import Blueprint, current_app, flash, g, jsonify, redirect, render_template, request, url_for
from sqlalchemy import select

from hotline.auth.api import api_auth
from hotline.auth.models import User
from hotline.auth.pages import page_for
from hotline.auth.roles import ROLE_NAMES, SCOPED_ROLES, Role
from hotline.core import clock
from hotline.core.api_schemas import accepts, query_params
from hotline.core.blocking import run_blocking
from hotline.core.effects import commit, rollback
from hotline.core.errors import ApiError
from hotline.core.extensions import db
from hotline.units.models import Unit
from reports.assessment import services
from reports.assessment.exports import assessment_workbook
from reports.assessment.inputs import AssessmentQuery, CloseMonth, ExplainQuery, NewScheme, SchemesQuery, TrendQuery
from reports.assessment.schemes import list_schemes, parse_month, save_scheme, scheme_versions
from reports.views import MANAGERS, READERS, _xlsx

api = Blueprint("assessment_api", __name__, url_prefix="/api/v1/reports")
pages = Blueprint("assessment_pages", __name__)


def _visible(actor: User, result: dict) -> dict:
    """Keep only the rows of the caller's subtree (ranks stay city-wide)."""
    if actor.role_enum not in SCOPED_ROLES:
        return result
    codes = set(db.session.scalars(select(Unit.code).where(Unit.path.like(actor.unit.path + "%"))))
    return result | {"rows": [r for r in result["rows"] if r["unit"]["code"] in codes]}


@api.get("/assessment")
@api_auth(*READERS)
@query_params(AssessmentQuery)
def assessment(args: AssessmentQuery):
    """One month's 考评 scores and red/black boards under one scheme."""
    month, ref = args.month, args.scheme
    result = _visible(g.actor, services.assessment(db.session, ref, month))
    board = services.boards(result, args.board or result["scheme"]["board_size"])
    if args.format == "xlsx":
        return _xlsx(
            run_blocking(assessment_workbook, result, board), f"assessment-{result['scheme']['code']}-{month}.xlsx"
        )
    return jsonify(result | {"board": board})


@api.get("/assessment/explain")
@api_auth(*READERS)
@query_params(ExplainQuery)
def explain(args: ExplainQuery):
    """How one unit's score was made, measure by measure."""
    result = _visible(g.actor, services.assessment(db.session, args.scheme, args.month))
    return jsonify(
        {
            "month": args.month,
            "scheme": result["scheme"],
            "closed": result["closed"],
            "row": services.explain(result, args.unit),
        }
    )


@api.get("/assessment/trend")
@api_auth(*READERS)
@query_params(TrendQuery)
def trend(args: TrendQuery):
    """Each unit's score month by month."""
    ref, first, last = args.scheme, args.from_, args.to
    series = services.trend(db.session, ref, first, last)
    if g.actor.role_enum in SCOPED_ROLES:
        codes = set(db.session.scalars(select(Unit.code).where(Unit.path.like(g.actor.unit.path + "%"))))
        series = [s for s in series if s["unit"]["code"] in codes]
    if args.unit:
        series = [s for s in series if s["unit"]["code"] == args.unit]
    return jsonify({"scheme": ref, "from": first, "to": last, "rows": series})


@api.post("/assessment/close")
@api_auth(Role.SUPERVISOR, Role.ADMIN)
@accepts(CloseMonth)
def close(body: CloseMonth):
    """Freeze one month's scores (a closed month no longer changes)."""
    result = services.close_month(db.session, body.scheme, body.month, g.actor)
    current_app.logger.info("assessment %s %s closed by %s", body.scheme, body.month, g.actor.username)
    commit(db.session)
    return jsonify(result), 201


def _scheme_dict(row) -> dict:
    return {
        "id": row.id,
        "code": row.code,
        "version": row.version,
        "name": row.name,
        "effective_from": row.effective_from,
        "definition": row.definition,
        "note": row.note,
        "created_at": row.created_at.isoformat(),
        "created_by": row.created_by.username if row.created_by else None,
    }


@api.get("/assessment/schemes")
@api_auth(*READERS)
@query_params(SchemesQuery)
def schemes(args: SchemesQuery):
    """Every scheme's current version, or every version of ``code``."""
    rows = scheme_versions(db.session, args.code) if args.code else list_schemes(db.session)
    return jsonify({"rows": [_scheme_dict(r) for r in rows]})


@api.post("/assessment/schemes")
@api_auth(Role.ADMIN)
@accepts(NewScheme)
def create_scheme(body: NewScheme):
    """Save a new version of a scheme (admins)."""
    month = clock.to_local(clock.now()).strftime("%Y-%m")
    row = save_scheme(
        db.session,
        body.code,
        body.name,
        body.definition,
        g.actor,
        effective_from=body.effective_from or month,
        note=body.note,
    )
    result = _scheme_dict(row)
    current_app.logger.info("assessment scheme %s v%s saved by %s", row.code, row.version, g.actor.username)
    commit(db.session)
    return jsonify(result), 201


# --- pages --------------------------------------------------------------------------------------------------


def _page_args() -> tuple[str, str]:
    month = request.args.get("month") or services.previous_month(clock.now())
    schemes_ = list_schemes(db.session)
    ref = request.args.get("scheme") or (schemes_[0].code if schemes_ else "")
    return month, ref


@pages.get("/reports/assessment")
@page_for(*MANAGERS)
def assessment_page():
    month, ref = _page_args()
    context = {
        "me": g.me,
        "role_name": ROLE_NAMES[g.me.role_enum],
        "month": month,
        "ref": ref,
        "schemes": list_schemes(db.session),
        "result": None,
        "board": None,
        "error": None,
    }
    if ref:
        try:
            result = services.assessment(db.session, ref, parse_month(month))
            context |= {"result": result, "board": services.boards(result)}
        except ApiError as exc:
            context["error"] = exc.message
            return render_template("assessment.html", **context), exc.status
    return render_template("assessment.html", **context)


@pages.get("/reports/assessment/unit")
@page_for(*MANAGERS)
def assessment_unit_page():
    month, ref = _page_args()
    context = {
        "me": g.me,
        "role_name": ROLE_NAMES[g.me.role_enum],
        "month": month,
        "ref": ref,
        "row": None,
        "result": None,
        "error": None,
    }
    try:
        result = services.assessment(db.session, ref, parse_month(month))
        context |= {"result": result, "row": services.explain(result, request.args.get("unit") or "")}
    except ApiError as exc:
        context["error"] = exc.message
        return render_template("assessment_unit.html", **context), exc.status
    return render_template("assessment_unit.html", **context)


@pages.route("/reports/assessment/schemes", methods=["GET", "POST"])
@page_for(Role.ADMIN)
def schemes_page():
    form = request.form
    status = 200
    if request.method == "POST":
        try:
            definition = json.loads(form.get("definition") or "")
        except ValueError:
            definition = None
        try:
            if not isinstance(definition, dict):
                raise ApiError(422, "invalid_scheme", "方案定义不是有效的 JSON 对象", field="definition")
            row = save_scheme(
                db.session,
                (form.get("code") or "").strip(),
                (form.get("name") or "").strip()[:120] or "未命名方案",
                definition,
                g.me,
                effective_from=(form.get("effective_from") or "").strip(),
                note=(form.get("note") or "").strip()[:2000] or None,
            )
            current_app.logger.info("assessment scheme %s v%s saved by %s", row.code, row.version, g.me.username)
            commit(db.session)
            flash(f"已保存考评方案 {row.code} 第 {row.version} 版")
            return redirect(url_for("assessment_pages.schemes_page", code=row.code))
        except ApiError as exc:
            rollback(db.session)
            flash(exc.message)
            status = exc.status
    code = request.args.get("code") or form.get("code")
    versions = scheme_versions(db.session, code) if code else []
    current = versions[0] if versions else None
    return render_template(
        "assessment_schemes.html",
        me=g.me,
        role_name=ROLE_NAMES[g.me.role_enum],
        schemes=list_schemes(db.session),
        versions=versions,
        current=current,
        form=form,
        json=json,
        default_month=clock.to_local(clock.now()).strftime("%Y-%m"),
    ), status
