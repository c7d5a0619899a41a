"""The staff workspaces: /console (agent), /inbox (handler), /grid (grid worker), /dashboard (managers)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import Blueprint, g, redirect, render_template, url_for

from hotline.auth.api import current_user
from hotline.auth.roles import LANDING_PAGES, ROLE_NAMES, Role
from hotline.tickets.models import CHANNEL_NAMES, KIND_NAMES, SATISFACTION_NAMES, URGENCY_NAMES

bp = Blueprint("console_pages", __name__)

SHORTCUTS = (
    ("Ctrl+Enter", "登记工单"),
    ("Alt+1 / 2 / 3", "采用第 1/2/3 个分类建议"),
    ("Alt+K", "聚焦知识库搜索"),
    ("Alt+D", "用选中的知识作答并直接办结"),
    ("Esc", "清空表单"),
)


def page_for(*roles: Role) -> Callable:
    """Require a logged-in user with one of ``roles``; others get the 403 page, strangers the login page."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            user = current_user()
            if user is None:
                return redirect(url_for("auth_pages.login"))
            if user.role_enum not in roles:
                return render_template("403.html", me=user, home=LANDING_PAGES[user.role_enum]), 403
            g.me = user
            return view(*args, **kwargs)

        return wrapper

    return decorator


def _common() -> dict:
    return {"me": g.me, "role_name": ROLE_NAMES[g.me.role_enum]}


@bp.get("/console")
@page_for(Role.AGENT)
def console():
    return render_template(
        "console.html", **_common(), shortcuts=SHORTCUTS, channels=CHANNEL_NAMES, kinds=KIND_NAMES,
        urgencies=URGENCY_NAMES, satisfactions=SATISFACTION_NAMES,
    )


@bp.get("/inbox")
@page_for(Role.HANDLER)
def inbox():
    return render_template("inbox.html", **_common())


@bp.get("/grid")
@page_for(Role.GRID_WORKER)
def grid():
    return render_template("grid.html", **_common())


@bp.get("/dashboard")
@page_for(Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN)
def dashboard():
    return render_template("dashboard.html", **_common())
