"""Reports API (``/api/v1/reports``) and the ``/reports`` pages: parse, authorise, call one service, serialise."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, current_app, g, jsonify, render_template, request

from hotline.auth.api import api_auth
from hotline.auth.models import User
from hotline.auth.pages import page_for
from hotline.auth.roles import ROLE_NAMES, SCOPED_ROLES, Role
from hotline.core import clock
from hotline.core.api_schemas import accepts, query_params, returns
from hotline.core.blocking import run_blocking
from hotline.core.effects import commit
from hotline.core.errors import ApiError
from hotline.core.extensions import db
from hotline.tickets.whistleblower import mask_row_titles
from hotline.units.models import Unit
from hotline.units.services import get_unit_by_code
from reports import exports, ledger
from reports.backlog import backlog_rows, summarise
from reports.hotspots import hotspots
from reports.inputs import (
    BacklogAnswer,
    BacklogQuery,
    BulkAnswer,
    CampaignAnswer,
    CampaignDetail,
    CampaignList,
    DrillQuery,
    HotspotsAnswer,
    HotspotsQuery,
    LedgerAnswer,
    LedgerQuery,
    NewCampaign,
    Period,
    RatesAnswer,
    RatesQuery,
    Redispatch,
    SnapshotsQuery,
    StrikeOff,
    Supervise,
)
from reports.models import ReportSnapshot
from reports.queries import parse_period
from reports.rates import compute_rates, drill_down
from reports.tasks import snapshot_to_dict

api = Blueprint("reports_api", __name__, url_prefix="/api/v1/reports")
pages = Blueprint("reports_pages", __name__)

MANAGERS = (Role.SUPERVISOR, Role.ADMIN, Role.DISPATCHER)
READERS = (*MANAGERS, Role.HANDLER, Role.GRID_WORKER)


def _scope(actor: User, code: str | None) -> Unit | None:
    """Return the unit subtree the caller's report covers: ``unit=`` (within their own unit for unit roles)."""
    unit = get_unit_by_code(db.session, code) if code else None
    if actor.role_enum in SCOPED_ROLES:
        if unit is None:
            return actor.unit
        if not unit.is_within(actor.unit):
            raise ApiError(403, "forbidden_scope", "只能查看本单位及下级单位的报表")
    return unit


def _period(args: Period, default_days: int = 30):
    """The report's period; the dates are parsed by the query's model, the range rules are the report's."""
    return parse_period(args.from_, args.to, default_days=default_days)


def _xlsx(data: bytes, filename: str) -> Response:
    response = Response(data, mimetype=exports.XLSX_MIME)
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    return response


@api.get("/rates")
@api_auth(*READERS)
@query_params(RatesQuery)
@returns(RatesAnswer, files=(exports.XLSX_MIME,))
def rates(args: RatesQuery):
    """三率 and the other §6 measures, one row per unit (or category, or period), with numerators and denominators."""
    period = _period(args)
    result = compute_rates(
        db.session,
        period,
        by=args.by or "unit",
        scope=_scope(g.actor, args.unit),
        min_sample=current_app.config.get("REPORTS_RANK_MIN_SAMPLE", 10)
        if args.min_sample is None
        else args.min_sample,
        rank_by=args.rank_by or "satisfaction_rate",
    )
    if args.format == "xlsx":
        return _xlsx(run_blocking(exports.rates_workbook, result), f"rates-{period.first}-{period.last}.xlsx")
    return jsonify(result)


@api.get("/backlog")
@api_auth(*READERS)
@query_params(BacklogQuery)
@returns(BacklogAnswer, files=(exports.XLSX_MIME,))
def backlog(args: BacklogQuery):
    """万件清理: the open tickets, oldest first, with why each is in the backlog."""
    period = _period(args, default_days=3650) if args.from_ or args.to else None
    now = clock.now()
    rows = backlog_rows(
        db.session, now=now, period=period, scope=_scope(g.actor, args.unit), reason=args.reason, bucket=args.bucket
    )
    mask_row_titles(db.session, rows, g.actor)  # a 举报's title as the reader may see it
    summary = summarise(rows)
    if args.format == "xlsx":
        return _xlsx(
            run_blocking(exports.backlog_workbook, rows, summary, generated_at=clock.to_local(now)), "backlog.xlsx"
        )
    for row in rows:
        row.pop("ticket_id", None)
        row.pop("unit_id", None)
    limit = args.limit
    return jsonify({"rows": rows[:limit], "total": len(rows), "truncated": len(rows) > limit, "summary": summary})


@api.get("/hotspots")
@api_auth(*READERS)
@query_params(HotspotsQuery)
@returns(HotspotsAnswer, files=(exports.XLSX_MIME,))
def hotspot_report(args: HotspotsQuery):
    """Hot spots and similar cases: the categories and areas that grew most."""
    period = _period(args, default_days=28)
    result = hotspots(db.session, period, scope=_scope(g.actor, args.unit), limit=args.limit)
    if args.format == "xlsx":
        return _xlsx(run_blocking(exports.hotspots_workbook, result), f"hotspots-{period.first}-{period.last}.xlsx")
    rows = [{"kind": "category", **r} for r in result["top_categories"]]
    rows += [{"kind": "area", **r} for r in result["top_areas"]]
    return jsonify({"rows": rows, **result})


@api.get("/tickets")
@api_auth(*READERS)
@query_params(DrillQuery)
def drill(args: DrillQuery):
    """Drill down: the ticket numbers behind one number of the rates table."""
    period = _period(args)
    measure = args.measure or ""
    scope = _scope(g.actor, args.unit)
    unit = get_unit_by_code(db.session, args.exact_unit) if args.exact_unit else None
    if unit is not None and scope is not None and not unit.is_within(scope):
        raise ApiError(403, "forbidden_scope", "只能查看本单位及下级单位的报表")
    numbers = drill_down(db.session, measure, period, scope=scope, unit=unit, category=args.category)
    return jsonify({"measure": measure, "numbers": numbers, "rows": [{"number": n} for n in numbers]})


# --- 万件清理 campaigns --------------------------------------------------------------------------------------


@api.post("/campaigns")
@api_auth(Role.SUPERVISOR, Role.ADMIN)
@accepts(NewCampaign)
@returns(CampaignAnswer, "201")
def create_campaign(body: NewCampaign):
    """Start a 万件清理 campaign: its ledger is the backlog open now."""
    start = body.start_date or clock.to_local(clock.now()).date()
    scope = get_unit_by_code(db.session, body.scope_unit) if body.scope_unit else None
    campaign = ledger.create_campaign(db.session, body.name, start, scope, g.actor)
    commit(db.session)
    return jsonify({"campaign": ledger.campaign_to_dict(campaign)}), 201


@api.get("/campaigns")
@api_auth(*MANAGERS)
@returns(CampaignList)
def list_campaigns():
    """The campaigns, each with how many of its tickets remain."""
    items = []
    for campaign in ledger.list_campaigns(db.session):
        items.append(ledger.campaign_to_dict(campaign) | {"remaining": ledger.remaining_count(db.session, campaign)})
    return jsonify({"rows": items})


@api.get("/campaigns/<int:campaign_id>")
@api_auth(*MANAGERS)
@returns(CampaignDetail)
def show_campaign(campaign_id: int):
    """A campaign and its clearance by unit."""
    campaign = ledger.get_campaign(db.session, campaign_id)
    return jsonify(
        {"campaign": ledger.campaign_to_dict(campaign), "units": ledger.unit_clearance(db.session, campaign)}
    )


@api.get("/campaigns/<int:campaign_id>/ledger")
@api_auth(*MANAGERS)
@query_params(LedgerQuery)
@returns(LedgerAnswer)
def campaign_ledger(campaign_id: int, args: LedgerQuery):
    """The campaign's ledger (台账): one row per ticket, struck off or not."""
    campaign = ledger.get_campaign(db.session, campaign_id)
    unit = get_unit_by_code(db.session, args.unit) if args.unit else None
    rows = ledger.ledger_rows(db.session, campaign, unit=unit, remaining_only=bool(args.remaining))
    return jsonify({"rows": mask_row_titles(db.session, rows, g.actor)})


@api.post("/campaigns/<int:campaign_id>/strike-off")
@api_auth(Role.SUPERVISOR)
@accepts(StrikeOff)
def strike_off(campaign_id: int, body: StrikeOff):
    """销号: strike closed tickets off the ledger."""
    campaign = ledger.get_campaign(db.session, campaign_id)
    result = ledger.strike_off(db.session, campaign, list(body.numbers), g.actor, note=body.note)
    commit(db.session)
    return jsonify(result)


@api.post("/campaigns/<int:campaign_id>/supervise")
@api_auth(Role.SUPERVISOR)
@accepts(Supervise, required=False)
@returns(BulkAnswer)
def supervise(campaign_id: int, body: Supervise):
    """督办 the tickets given (every remaining one by default); one result per ticket."""
    campaign = ledger.get_campaign(db.session, campaign_id)
    numbers = list(body.numbers) if body.numbers else None
    results = ledger.bulk_supervise(db.session, campaign, numbers, g.actor, note=body.note)
    commit(db.session)
    return jsonify(
        {"results": results, "ok": sum(r["ok"] for r in results), "failed": sum(not r["ok"] for r in results)}
    )


@api.post("/campaigns/<int:campaign_id>/redispatch")
@api_auth(Role.SUPERVISOR, Role.DISPATCHER)
@accepts(Redispatch)
@returns(BulkAnswer)
def redispatch(campaign_id: int, body: Redispatch):
    """改派 the tickets given to one unit; one result per ticket."""
    campaign = ledger.get_campaign(db.session, campaign_id)
    get_unit_by_code(db.session, body.unit)
    results = ledger.bulk_redispatch(db.session, campaign, list(body.numbers), body.unit, g.actor, note=body.note)
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
@query_params(SnapshotsQuery)
def list_snapshots(args: SnapshotsQuery):
    """The stored daily and weekly summaries, newest first."""
    query = db.select(ReportSnapshot).order_by(ReportSnapshot.generated_at.desc()).limit(100)
    if args.period:
        query = query.where(ReportSnapshot.period == args.period)
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
