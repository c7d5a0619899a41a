"""API of the enterprise ledger and the 营商环境 report: parse, authorise, call one service, serialise."""

from __future__ import annotations

from flask import Blueprint, g, jsonify, request

from hotline.auth.api import api_auth
from hotline.auth.roles import Role
from hotline.core import clock
from hotline.core.blocking import run_blocking
from hotline.core.effects import commit
from hotline.core.extensions import db
from hotline.core.validation import get_str, json_body
from reports.assessment.schemes import parse_month
from reports.assessment.services import month_period
from reports.enterprise import exports, services
from reports.views import READERS, _format, _scope, _xlsx

api = Blueprint("enterprise_reports_api", __name__, url_prefix="/api/v1/reports")


@api.get("/enterprise-ledger")
@api_auth(*READERS)
def ledger():
    fmt = _format()
    rows = services.ledger_rows(
        db.session, scope=_scope(g.actor), remaining_only=request.args.get("remaining") in ("1", "true")
    )
    if fmt == "xlsx":
        stamp = clock.to_local(clock.now()).strftime("%Y-%m-%d %H:%M")
        return _xlsx(
            run_blocking(exports.ledger_workbook, rows, title=f"涉企诉求台账（导出时间 {stamp}）"),
            "enterprise-ledger.xlsx",
        )
    return jsonify({"rows": rows, "total": len(rows), "remaining": sum(not r["struck_off"] for r in rows)})


@api.post("/enterprise-ledger/<number>/strike-off")
@api_auth(Role.SUPERVISOR)
def strike_off(number: str):
    body = json_body(request, required=False)
    row = services.strike_off(db.session, number, g.actor, note=get_str(body, "note", max_length=2000))
    commit(db.session)
    return jsonify({"row": row})


@api.get("/enterprise")
@api_auth(Role.SUPERVISOR, Role.ADMIN, Role.DISPATCHER)
def monthly():
    fmt = _format()
    month = parse_month(request.args.get("month"))
    report = services.monthly_report(db.session, month_period(month))
    if fmt == "xlsx":
        return _xlsx(run_blocking(exports.report_workbook, report, month), f"business-env-{month}.xlsx")
    return jsonify({"month": month, **report})
