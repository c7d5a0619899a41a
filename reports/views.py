"""Reports API (``/api/v1/reports``) and the ``/reports`` pages: parse, authorise, call one service, serialise."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, current_app, g, jsonify, render_template, request

from hotline.auth.api import api_auth
from hotline.auth.models import User
from hotline.auth.pages import page_for
from hotline.auth.roles import ROLE_NAMES, SCOPED_ROLES, Role
from hotline.core import clock
from hotline.core.blocking import run_blocking
from hotline.core.effects import commit
from hotline.core.errors import ApiError
from hotline.core.extensions import db
from hotline.core.validation import get_str, get_str_list, json_body
from hotline.tickets.whistleblower import mask_row_titles
from hotline.units.models import Unit
from hotline.units.services import get_unit_by_code
from reports import exports, ledger
from reports.backlog import BUCKETS, REASONS, backlog_rows, summarise
from reports.hotspots import hotspots
from reports.models import ReportSnapshot
from reports.queries import parse_date, parse_period
from reports.rates import GROUPINGS, RANKABLE, compute_rates, drill_down
from reports.tasks import snapshot_to_dict

api = Blueprint("reports_api", __name__, url_prefix="/api/v1/reports")
pages = Blueprint("reports_pages", __name__)

MANAGERS = (Role.SUPERVISOR, Role.ADMIN, Role.DISPATCHER)
READERS = (*MANAGERS, Role.HANDLER, Role.GRID_WORKER)
MAX_ROWS = 100_000


def _choice(name: str, choices: tuple[str, ...], default: str | None) -> str | None:
    value = request.args.get(name) or default
    if value is not None and value not in choices:
        raise ApiError(422, "invalid_choice", f"参数 {name} 的取值无效，可选：{'、'.join(choices)}", field=name)
    return value


def _int_arg(name: str, default: int, minimum: int, maximum: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or not minimum <= int(raw) <= maximum:
        raise ApiError(422, "out_of_range", f"参数 {name} 须为 {minimum} 到 {maximum} 之间的整数", field=name)
    return int(raw)


def _scope(actor: User) -> Unit | None:
    """Return the unit subtree the caller's report covers: ``unit=`` (within their own unit for unit roles)."""
    code = request.args.get("unit")
    unit = get_unit_by_code(db.session, code) if code else None
    if actor.role_enum in SCOPED_ROLES:
        if unit is None:
            return actor.unit
        if not unit.is_within(actor.unit):
            raise ApiError(403, "forbidden_scope", "只能查看本单位及下级单位的报表")
    return unit


def _xlsx(data: bytes, filename: str) -> Response:
    response = Response(data, mimetype=exports.XLSX_MIME)
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    return response


def _format() -> str:
    return _choice("format", ("json", "xlsx"), "json") or "json"


@api.get("/rates")
@api_auth(*READERS)
def rates():
    fmt = _format()
    period = parse_period(request.args.get("from"), request.args.get("to"))
    result = compute_rates(
        db.session,
        period,
        by=_choice("by", GROUPINGS, "unit") or "unit",
        scope=_scope(g.actor),
        min_sample=_int_arg("min_sample", current_app.config.get("REPORTS_RANK_MIN_SAMPLE", 10), 0, 100_000),
        rank_by=_choice("rank_by", RANKABLE, "satisfaction_rate") or "satisfaction_rate",
    )
    if fmt == "xlsx":
        return _xlsx(run_blocking(exports.rates_workbook, result), f"rates-{period.first}-{period.last}.xlsx")
    return jsonify(result)


@api.get("/backlog")
@api_auth(*READERS)
def backlog():
    fmt = _format()
    period = None
    if request.args.get("from") or request.args.get("to"):
        period = parse_period(request.args.get("from"), request.args.get("to"), default_days=3650)
    reason = _choice("reason", REASONS, None)
    bucket = _choice("bucket", BUCKETS, None)
    limit = _int_arg("limit", 20_000, 1, MAX_ROWS)
    now = clock.now()
    rows = backlog_rows(db.session, now=now, period=period, scope=_scope(g.actor), reason=reason, bucket=bucket)
    mask_row_titles(db.session, rows, g.actor)  # a 举报's title as the reader may see it
    summary = summarise(rows)
    if fmt == "xlsx":
        return _xlsx(
            run_blocking(exports.backlog_workbook, rows, summary, generated_at=clock.to_local(now)), "backlog.xlsx"
        )
    for row in rows:
        row.pop("ticket_id", None)
        row.pop("unit_id", None)
    return jsonify({"rows": rows[:limit], "total": len(rows), "truncated": len(rows) > limit, "summary": summary})


@api.get("/hotspots")
@api_auth(*READERS)
def hotspot_report():
    fmt = _format()
    period = parse_period(request.args.get("from"), request.args.get("to"), default_days=28)
    limit = _int_arg("limit", 10, 1, 100)
    result = hotspots(db.session, period, scope=_scope(g.actor), limit=limit)
    if fmt == "xlsx":
        return _xlsx(run_blocking(exports.hotspots_workbook, result), f"hotspots-{period.first}-{period.last}.xlsx")
    rows = [{"kind": "category", **r} for r in result["top_categories"]]
    rows += [{"kind": "area", **r} for r in result["top_areas"]]
    return jsonify({"rows": rows, **result})


@api.get("/tickets")
@api_auth(*READERS)
def drill():
    """Drill down: the ticket numbers behind one number of the rates table."""
    period = parse_period(request.args.get("from"), request.args.get("to"))
    measure = request.args.get("measure") or ""
    scope = _scope(g.actor)
    exact = request.args.get("exact_unit")
    unit = get_unit_by_code(db.session, exact) if exact else None
    if unit is not None and scope is not None and not unit.is_within(scope):
        raise ApiError(403, "forbidden_scope", "只能查看本单位及下级单位的报表")
    numbers = drill_down(
        db.session, measure, period, scope=scope, unit=unit, category=request.args.get("category") or None
    )
    return jsonify({"measure": measure, "numbers": numbers, "rows": [{"number": n} for n in numbers]})


# --- 万件清理 campaigns --------------------------------------------------------------------------------------


@api.post("/campaigns")
@api_auth(Role.SUPERVISOR, Role.ADMIN)
def create_campaign():
    body = json_body(request)
    name = get_str(body, "name", required=True, max_length=120) or ""
    start = parse_date(get_str(body, "start_date", max_length=10), "start_date") or clock.to_local(clock.now()).date()
    scope_code = get_str(body, "scope_unit", max_length=40)
    scope = get_unit_by_code(db.session, scope_code) if scope_code else None
    campaign = ledger.create_campaign(db.session, name, start, scope, g.actor)
    commit(db.session)
    return jsonify({"campaign": ledger.campaign_to_dict(campaign)}), 201


@api.get("/campaigns")
@api_auth(*MANAGERS)
def list_campaigns():
    items = []
    for campaign in ledger.list_campaigns(db.session):
        items.append(ledger.campaign_to_dict(campaign) | {"remaining": ledger.remaining_count(db.session, campaign)})
    return jsonify({"rows": items})


@api.get("/campaigns/<int:campaign_id>")
@api_auth(*MANAGERS)
def show_campaign(campaign_id: int):
    campaign = ledger.get_campaign(db.session, campaign_id)
    return jsonify(
        {"campaign": ledger.campaign_to_dict(campaign), "units": ledger.unit_clearance(db.session, campaign)}
    )


@api.get("/campaigns/<int:campaign_id>/ledger")
@api_auth(*MANAGERS)
def campaign_ledger(campaign_id: int):
    campaign = ledger.get_campaign(db.session, campaign_id)
    code = request.args.get("unit")
    unit = get_unit_by_code(db.session, code) if code else None
    remaining = request.args.get("remaining") in ("1", "true")
    rows = ledger.ledger_rows(db.session, campaign, unit=unit, remaining_only=remaining)
    return jsonify({"rows": mask_row_titles(db.session, rows, g.actor)})


def _numbers(body: dict, *, required: bool) -> list[str] | None:
    numbers = get_str_list(body, "numbers", max_items=5000)
    if not numbers and required:
        raise ApiError(422, "missing_field", "请指定工单编号（numbers）", field="numbers")
    return numbers or None


@api.post("/campaigns/<int:campaign_id>/strike-off")
@api_auth(Role.SUPERVISOR)
def strike_off(campaign_id: int):
    campaign = ledger.get_campaign(db.session, campaign_id)
    body = json_body(request)
    result = ledger.strike_off(
        db.session, campaign, _numbers(body, required=True) or [], g.actor, note=get_str(body, "note", max_length=2000)
    )
    commit(db.session)
    return jsonify(result)


@api.post("/campaigns/<int:campaign_id>/supervise")
@api_auth(Role.SUPERVISOR)
def supervise(campaign_id: int):
    campaign = ledger.get_campaign(db.session, campaign_id)
    body = json_body(request, required=False)
    results = ledger.bulk_supervise(
        db.session, campaign, _numbers(body, required=False), g.actor, note=get_str(body, "note", max_length=2000)
    )
    commit(db.session)
    return jsonify(
        {"results": results, "ok": sum(r["ok"] for r in results), "failed": sum(not r["ok"] for r in results)}
    )


@api.post("/campaigns/<int:campaign_id>/redispatch")
@api_auth(Role.SUPERVISOR, Role.DISPATCHER)
def redispatch(campaign_id: int):
    campaign = ledger.get_campaign(db.session, campaign_id)
    body = json_body(request)
    unit_code = get_str(body, "unit", required=True, max_length=40) or ""
    get_unit_by_code(db.session, unit_code)
    results = ledger.bulk_redispatch(
        db.session,
        campaign,
        _numbers(body, required=True) or [],
        unit_code,
        g.actor,
        note=get_str(body, "note", max_length=2000),
    )
    commit(db.session)
    return jsonify(
        {"results": results, "ok": sum(r["ok"] for r in results), "failed": sum(not r["ok"] for r in results)}
    )


@api.get("/campaigns/<int:campaign_id>/burndown")
@api_auth(*MANAGERS)
def campaign_burndown(campaign_id: int):
    campaign = ledger.get_campaign(db.session, campaign_id)
    return jsonify(
        {"rows": ledger.burndown(db.session, campaign), "units": ledger.unit_clearance(db.session, campaign)}
    )


@api.get("/campaigns/<int:campaign_id>/export")
@api_auth(*MANAGERS)
def campaign_export(campaign_id: int):
    campaign = ledger.get_campaign(db.session, campaign_id)
    data = run_blocking(
        exports.ledger_workbook,
        ledger.campaign_to_dict(campaign),
        mask_row_titles(db.session, ledger.ledger_rows(db.session, campaign), g.actor),
        ledger.unit_clearance(db.session, campaign),
        generated_at=clock.to_local(clock.now()),
    )
    return _xlsx(data, f"campaign-{campaign.id}.xlsx")


# --- stored summaries ---------------------------------------------------------------------------------------


@api.get("/snapshots")
@api_auth(*MANAGERS)
def list_snapshots():
    period = _choice("period", ("daily", "weekly"), None)
    query = db.select(ReportSnapshot).order_by(ReportSnapshot.generated_at.desc()).limit(100)
    if period:
        query = query.where(ReportSnapshot.period == period)
    return jsonify({"rows": [snapshot_to_dict(s) for s in db.session.scalars(query)]})


@api.get("/snapshots/<int:snapshot_id>")
@api_auth(*MANAGERS)
def show_snapshot(snapshot_id: int):
    snapshot = db.session.get(ReportSnapshot, snapshot_id)
    if snapshot is None:
        raise ApiError(404, "not_found", "报表不存在")
    return jsonify(snapshot_to_dict(snapshot, full=True))


@api.get("/snapshots/<int:snapshot_id>.xlsx")
@api_auth(*MANAGERS)
def snapshot_xlsx(snapshot_id: int):
    snapshot = db.session.get(ReportSnapshot, snapshot_id)
    if snapshot is None:
        raise ApiError(404, "not_found", "报表不存在")
    return _xlsx(snapshot.xlsx, f"summary-{snapshot.period}-{snapshot.period_start}.xlsx")


# --- pages --------------------------------------------------------------------------------------------------


@pages.get("/reports")
@page_for(*MANAGERS)
def reports_page():
    user = g.me
    today = clock.to_local(clock.now()).date()
    return render_template(
        "reports.html",
        user=user,
        me=user,
        role_name=ROLE_NAMES[user.role_enum],
        default_from=(today - dt.timedelta(days=29)).isoformat(),
        default_to=today.isoformat(),
    )


@pages.get("/reports/tickets")
@page_for(*MANAGERS)
def reports_tickets_page():
    user = g.me
    try:
        period = parse_period(request.args.get("from"), request.args.get("to"))
        exact = request.args.get("unit")
        unit = get_unit_by_code(db.session, exact) if exact else None
        measure = request.args.get("measure") or ""
        numbers = drill_down(db.session, measure, period, unit=unit, category=request.args.get("category") or None)
    except ApiError as exc:
        return render_template(
            "reports_tickets.html",
            user=user,
            me=user,
            role_name=ROLE_NAMES[user.role_enum],
            error=exc.message,
            numbers=[],
            measure=None,
            unit=None,
            period=None,
        ), exc.status
    from reports.exports import COUNT_NAMES
    from reports.rates import RATE_NAMES

    return render_template(
        "reports_tickets.html",
        user=user,
        me=user,
        role_name=ROLE_NAMES[user.role_enum],
        error=None,
        numbers=numbers,
        measure=(COUNT_NAMES | RATE_NAMES).get(measure, measure),
        unit=unit,
        period=period,
    )
