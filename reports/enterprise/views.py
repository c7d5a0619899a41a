"""API of the enterprise ledger and the 营商环境 report: parse, authorise, call one service, serialise."""

from __future__ import annotations

from flask import Blueprint, g, jsonify

from hotline.auth.api import api_auth
from hotline.auth.roles import Role
from hotline.core import clock
from hotline.core.api_schemas import accepts, query_params
from hotline.core.blocking import run_blocking
from hotline.core.effects import commit
from hotline.core.extensions import db
from reports.assessment.services import month_period
from reports.enterprise import exports, services
from reports.enterprise.inputs import EnterpriseLedgerQuery, EnterpriseStrikeOff, MonthlyQuery
from reports.views import READERS, _scope, _xlsx

api = Blueprint("enterprise_reports_api", __name__, url_prefix="/api/v1/reports")


@api.get("/enterprise-ledger")
@api_auth(*READERS)
@query_params(EnterpriseLedgerQuery)
def ledger(args: EnterpriseLedgerQuery):
    """The 涉企诉求 ledger of the caller's subtree."""
    rows = services.ledger_rows(db.session, scope=_scope(g.actor, args.unit), remaining_only=bool(args.remaining))
    if args.format == "xlsx":
        stamp = clock.to_local(clock.now()).strftime("%Y-%m-%d %H:%M")
        return _xlsx(
            run_blocking(exports.ledger_workbook, rows, title=f"涉企诉求台账（导出时间 {stamp}）"),
            "enterprise-ledger.xlsx",
        )
    return jsonify({"rows": rows, "total": len(rows), "remaining": sum(not r["struck_off"] for r in rows)})


@api.post("/enterprise-ledger/<number>/strike-off")
@api_auth(Role.SUPERVISOR)
@accepts(EnterpriseStrikeOff, required=False)
def strike_off(number: str, body: EnterpriseStrikeOff):
    """销号 of one closed 涉企 ticket."""
    row = services.strike_off(db.session, number, g.actor, note=body.note)
    commit(db.session)
    return jsonify({"row": row})


@api.get("/enterprise")
@api_auth(Role.SUPERVISOR, Role.ADMIN, Role.DISPATCHER)
@query_params(MonthlyQuery)
def monthly(args: MonthlyQuery):
    """One month's 营商环境 report."""
    month = args.month
    report = services.monthly_report(db.session, month_period(month))
    if args.format == "xlsx":
        return _xlsx(run_blocking(exports.report_workbook, report, month), f"business-env-{month}.xlsx")
    return jsonify({"month": month, **report})
