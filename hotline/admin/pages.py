"""Admin pages (server-rendered forms with CSRF): each POST calls one audited service, commits, redirects."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from pathlib import Path

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from hotline.admin import services
from hotline.auth.models import User
from hotline.auth.pages import page_for
from hotline.auth.policy import auth_policy
from hotline.auth.roles import ROLE_NAMES, Role
from hotline.auth.services import list_tokens, revoke_token
from hotline.auth.throttle import login_throttle
from hotline.categories.models import Category
from hotline.classification.models import ModelVersion
from hotline.console.seats import SKILLS, set_skills, skills_of
from hotline.core.audit import ACTION_NAMES, ENTITY_NAMES, describe, list_admin_changes
from hotline.core.clock import UNITS as CLOCK_UNITS
from hotline.core.effects import commit, rollback
from hotline.core.errors import ApiError
from hotline.core.extensions import db
from hotline.tickets.limits import LIMIT_STAGES, PRESETS, STAGE_NAMES, rows_for
from hotline.tickets.models import KIND_NAMES, URGENCY_NAMES, TimeLimit
from hotline.tickets.whistleblower import mask_row_titles
from hotline.units.models import UNIT_KIND_NAMES, UNIT_KINDS, Unit

bp = Blueprint("admin_pages", __name__, url_prefix="/admin")
CLOCK_UNIT_NAMES = {"minutes": "分钟", "hours": "小时（自然）", "working_hours": "工作小时", "working_days": "工作日"}


def _common(**extra: object) -> dict:
    return {"me": g.me, "role_name": ROLE_NAMES[g.me.role_enum], **extra}


def admin_action(endpoint: str) -> Callable:
    """Run a POST handler: commit on success, flash the Chinese refusal on failure; back to ``endpoint``."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            try:
                message = view(*args, **kwargs)
                commit(db.session)
                flash(message, "ok")
            except ApiError as exc:
                rollback(db.session)
                flash(exc.message, "error")
            return redirect(url_for(endpoint, **request.args))

        return wrapper

    return decorator


def _form(name: str) -> str:
    return (request.form.get(name) or "").strip()


# --- users ---------------------------------------------------------------------------------------------------


def _address() -> str:
    return (request.remote_addr or "?")[:64]


@bp.get("/staff")
@page_for(Role.ADMIN)
def users():
    """One page for staff accounts: create, edit (name, role, unit), 停用/启用, seat skills, and the account
    security actions (reset password, reset the second factor, sign out everywhere, unlock, revoke tokens)."""
    rows = db.session.scalars(select(User).order_by(User.role, User.username)).all()
    units = db.session.scalars(select(Unit).order_by(Unit.path)).all()
    throttle = login_throttle()
    agents = [u for u in rows if u.role == Role.AGENT]
    return render_template(
        "admin_staff.html",
        **_common(
            users=rows,
            roles=ROLE_NAMES,
            units=units,
            locked={u.id for u in rows if throttle.locked(u.username)},
            skills={u.id: skills_of(db.session, u) for u in agents},
            skill_names=SKILLS,
            tokens=list_tokens(db.session, g.me, username=""),
            min_length=auth_policy().password_min_length,
        ),
    )


@bp.post("/staff")
@page_for(Role.ADMIN)
@admin_action("admin_pages.users")
def users_create():
    user = services.add_user(
        db.session,
        g.me,
        username=_form("username"),
        display_name=_form("display_name"),
        role=_form("role"),
        unit_code=_form("unit"),
        password=request.form.get("password") or "",
        policy=auth_policy(),
    )
    return f"已新增用户 {user.username}"


@bp.post("/staff/<int:user_id>")
@page_for(Role.ADMIN)
@admin_action("admin_pages.users")
def users_edit(user_id: int):
    user = services.update_user(
        db.session, g.me, user_id, display_name=_form("display_name"), role=_form("role"), unit_code=_form("unit")
    )
    return f"已保存用户 {user.username}"


@bp.post("/staff/<int:user_id>/active")
@page_for(Role.ADMIN)
@admin_action("admin_pages.users")
def users_active(user_id: int):
    user = services.set_user_active(db.session, g.me, user_id, _form("active") == "1", address=_address())
    return f"用户 {user.username} 已{'启用' if user.active else '停用'}"


@bp.post("/staff/<int:user_id>/password")
@page_for(Role.ADMIN)
@admin_action("admin_pages.users")
def users_password(user_id: int):
    user = services.reset_password(
        db.session, g.me, user_id, request.form.get("password") or "", auth_policy(), address=_address()
    )
    return f"已重置用户 {user.username} 的密码"


@bp.post("/staff/<int:user_id>/security")
@page_for(Role.ADMIN)
@admin_action("admin_pages.users")
def users_security(user_id: int):
    user, done = services.account_security(
        db.session, g.me, user_id, _form("change"), login_throttle(), address=_address()
    )
    return f"已为用户 {user.username} {done}"


@bp.post("/staff/<int:user_id>/skills")
@page_for(Role.ADMIN)
@admin_action("admin_pages.users")
def users_skills(user_id: int):
    agent = db.session.get(User, user_id)
    if agent is None:
        raise ApiError(404, "not_found", "用户不存在")
    result = set_skills(db.session, agent, request.form.getlist("skill"), g.me)
    names = "、".join(SKILLS[s] for s in result) or "无"
    return f"已设置 {agent.username} 的坐席技能：{names}"


@bp.post("/staff/tokens/<int:token_id>/revoke")
@page_for(Role.ADMIN)
@admin_action("admin_pages.users")
def users_revoke_token(token_id: int):
    row = revoke_token(db.session, g.me, token_id, address=_address())
    return f"已吊销接口令牌：{row.name}"


# --- units and grids -----------------------------------------------------------------------------------------


@bp.get("/units")
@page_for(Role.ADMIN)
def units():
    rows = db.session.scalars(select(Unit).order_by(Unit.path)).all()
    return render_template("admin_units.html", **_common(units=rows, kinds=UNIT_KIND_NAMES, kind_codes=UNIT_KINDS))


@bp.post("/units")
@page_for(Role.ADMIN)
@admin_action("admin_pages.units")
def units_create():
    unit = services.add_unit(
        db.session, g.me, code=_form("code"), name=_form("name"), kind=_form("kind"), parent_code=_form("parent")
    )
    return f"已新增{UNIT_KIND_NAMES.get(unit.kind, '')} {unit.name}（{unit.code}）"


@bp.post("/units/<code>/name")
@page_for(Role.ADMIN)
@admin_action("admin_pages.units")
def units_rename(code: str):
    unit = services.rename_unit(db.session, g.me, code, _form("name"))
    return f"已改名为 {unit.name}"


# --- time limits ---------------------------------------------------------------------------------------------


@bp.get("/time-limits")
@page_for(Role.ADMIN, Role.SUPERVISOR)
def time_limits():
    preset = request.args.get("preset") or current_app.config["HOTLINE_TIME_LIMIT_PRESET"]
    if preset not in PRESETS:
        preset = "default"
    stored = {
        (r.stage, r.kind, r.urgency, r.category_prefix, r.area_code, bool(r.enterprise)): r
        for r in db.session.scalars(select(TimeLimit).where(TimeLimit.preset == preset).order_by(TimeLimit.id))
    }
    stages = [
        (
            stage,
            STAGE_NAMES[stage],
            [(row, stored.get((stage, *row.key()))) for row in rows_for(db.session, preset, stage)],
        )
        for stage in LIMIT_STAGES
    ]
    return render_template(
        "admin_time_limits.html",
        **_common(
            preset=preset,
            presets=list(PRESETS),
            stages=stages,
            kinds=KIND_NAMES,
            urgencies=URGENCY_NAMES,
            clock_units=CLOCK_UNIT_NAMES,
            stage_names=STAGE_NAMES,
            may_edit=g.me.role_enum == Role.ADMIN,
        ),
    )


@bp.post("/time-limits")
@page_for(Role.ADMIN)
@admin_action("admin_pages.time_limits")
def time_limits_create():
    try:
        amount = float(_form("amount"))
    except ValueError:
        raise ApiError(422, "invalid_type", "时长必须是数字") from None
    if not 0 < amount <= 10000:
        raise ApiError(422, "out_of_range", "时长必须在 0 到 10000 之间")
    values = {k: _form(k) or None for k in ("kind", "urgency", "category_prefix", "area_code", "note")}
    preset, stage, unit = _form("preset"), _form("stage"), _form("unit")
    if preset not in PRESETS or stage not in LIMIT_STAGES or unit not in CLOCK_UNITS:
        raise ApiError(422, "invalid_choice", "预设、阶段或时长单位无效")
    if (values["kind"] and values["kind"] not in KIND_NAMES) or (
        values["urgency"] and values["urgency"] not in URGENCY_NAMES
    ):
        raise ApiError(422, "invalid_choice", "诉求类型或紧急程度无效")
    services.add_time_limit(db.session, g.me, TimeLimit(preset=preset, stage=stage, unit=unit, amount=amount, **values))
    return f"已为“{STAGE_NAMES[stage]}”阶段新增时限规则"


@bp.post("/time-limits/<int:row_id>/delete")
@page_for(Role.ADMIN)
@admin_action("admin_pages.time_limits")
def time_limits_delete(row_id: int):
    services.delete_time_limit(db.session, g.me, row_id)
    return "已删除该规则，内置规则重新生效"


# --- categories ----------------------------------------------------------------------------------------------


@bp.get("/categories")
@page_for(Role.ADMIN)
def categories():
    rows = db.session.scalars(select(Category).order_by(Category.code)).all()
    return render_template("admin_categories.html", **_common(categories=rows))


@bp.post("/categories")
@page_for(Role.ADMIN)
@admin_action("admin_pages.categories")
def categories_create():
    category = services.add_category(db.session, g.me, parent_code=_form("parent"), name=_form("name"))
    return f"已新增分类 {category.path_name}（{category.code}）"


@bp.post("/categories/<code>/active")
@page_for(Role.ADMIN)
@admin_action("admin_pages.categories")
def categories_active(code: str):
    category = services.set_category_active(db.session, g.me, code, _form("active") == "1")
    return f"分类 {category.name} 已{'启用' if category.active else '停用'}"


# --- model versions ------------------------------------------------------------------------------------------


@bp.get("/models")
@page_for(Role.ADMIN)
def models():
    rows = db.session.scalars(select(ModelVersion).order_by(ModelVersion.created_at.desc())).all()
    return render_template("admin_models.html", **_common(versions=rows))


@bp.post("/models/<version>/promote")
@page_for(Role.ADMIN)
@admin_action("admin_pages.models")
def models_promote(version: str):
    services.promote_model(
        db.session, g.me, version, Path(current_app.config["HOTLINE_MODELS_DIR"]), force=_form("force") == "1"
    )
    cache = current_app.extensions.get("hotline.predictor_cache")
    if cache is not None:
        cache.forget()
    return f"已启用模型 {version}"


# --- audit ---------------------------------------------------------------------------------------------------


@bp.get("/audit")
@page_for(Role.ADMIN, Role.SUPERVISOR)
def audit():
    entity = request.args.get("entity") or None
    rows = list_admin_changes(db.session, entity=entity if entity in ENTITY_NAMES else None)
    return render_template(
        "admin_audit.html",
        **_common(changes=rows, entities=ENTITY_NAMES, actions=ACTION_NAMES, entity=entity, describe=describe),
    )


# --- 万件清理 ledger -------------------------------------------------------------------------------------------


@bp.get("/ledger")
@page_for(Role.SUPERVISOR, Role.ADMIN)
def ledger_page():
    from reports import ledger
    from reports.backlog import REASON_NAMES

    campaigns = ledger.list_campaigns(db.session)
    chosen = request.args.get("campaign", "")
    campaign = next((c for c in campaigns if str(c.id) == chosen), campaigns[0] if campaigns else None)
    rows = mask_row_titles(db.session, ledger.ledger_rows(db.session, campaign), g.me) if campaign else []
    return render_template(
        "admin_ledger.html",
        **_common(
            campaigns=[(c, ledger.remaining_count(db.session, c)) for c in campaigns],
            campaign=campaign,
            rows=rows,
            may_strike=g.me.role_enum == Role.SUPERVISOR,
            reason_names=REASON_NAMES,
        ),
    )


@bp.post("/ledger")
@page_for(Role.SUPERVISOR, Role.ADMIN)
@admin_action("admin_pages.ledger_page")
def ledger_create():
    import datetime as dt

    from hotline.core import clock
    from hotline.core.audit import record_admin_change
    from hotline.units.services import get_unit_by_code
    from reports import ledger

    name = _form("name")
    if not name:
        raise ApiError(422, "missing_field", "请填写清理行动名称")
    try:
        start = (
            dt.date.fromisoformat(_form("start_date")) if _form("start_date") else clock.to_local(clock.now()).date()
        )
    except ValueError:
        raise ApiError(422, "invalid_date", "日期格式应为 YYYY-MM-DD") from None
    scope = get_unit_by_code(db.session, _form("scope")) if _form("scope") else None
    campaign = ledger.create_campaign(db.session, name, start, scope, g.me)
    record_admin_change(
        db.session,
        g.me,
        "ledger",
        campaign.id,
        "create",
        after={"name": name, "start_date": start.isoformat(), "backlog": campaign.backlog_at_start},
    )
    return f"已建立清理台账“{name}”，纳入 {campaign.backlog_at_start} 件"


@bp.post("/ledger/<int:campaign_id>/strike-off")
@page_for(Role.SUPERVISOR)
@admin_action("admin_pages.ledger_page")
def ledger_strike_off(campaign_id: int):
    from hotline.core.audit import record_admin_change
    from reports import ledger

    numbers = request.form.getlist("numbers")
    if not numbers:
        raise ApiError(422, "missing_field", "请勾选要销号的工单")
    campaign = ledger.get_campaign(db.session, campaign_id)
    result = ledger.strike_off(db.session, campaign, numbers, g.me, note=_form("note") or None)
    record_admin_change(
        db.session,
        g.me,
        "ledger",
        campaign.id,
        "strike_off",
        after={"struck_off": result["struck_off"], "note": _form("note") or None},
    )
    return f"已销号 {len(result['struck_off'])} 件"
