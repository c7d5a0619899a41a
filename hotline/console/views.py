"""The staff workspaces: /console (agent), /inbox (handler), /grid (grid worker), /dashboard (managers)."""

from __future__ import annotations

from flask import Blueprint, g, render_template

from hotline.auth.pages import page_for
from hotline.auth.roles import ROLE_NAMES, Role
from hotline.tickets.models import CHANNEL_NAMES, KIND_NAMES, SATISFACTION_NAMES, URGENCY_NAMES

bp = Blueprint("console_pages", __name__)

SHORTCUTS = (
    ("Ctrl+Enter", "登记工单"),
    ("Alt+1 / 2 / 3", "采用第 1/2/3 个分类建议"),
    ("Alt+K", "聚焦知识库搜索"),
    ("Alt+D", "用选中的知识作答并直接办结"),
    ("Esc", "清空表单"),
)
# The handler's inbox: the keys move a selection through the list and press the selected row's buttons.
INBOX_SHORTCUTS = (
    ("J / K", "下一件 / 上一件"),
    ("S", "签收"),
    ("R", "答复"),
    ("T", "退单"),
    ("F", "下派"),
    ("E", "申请延期"),
    ("1 … 8", "切换分栏"),
)
INBOX_KEYS = {"s": "accept", "r": "reply", "t": "request_return", "f": "forward", "e": "request_extension"}


def _common() -> dict:
    return {"me": g.me, "role_name": ROLE_NAMES[g.me.role_enum]}


@bp.get("/console")
@page_for(Role.AGENT)
def console():
    return render_template(
        "console.html",
        **_common(),
        shortcuts=SHORTCUTS,
        channels=CHANNEL_NAMES,
        kinds=KIND_NAMES,
        urgencies=URGENCY_NAMES,
        satisfactions=SATISFACTION_NAMES,
    )


@bp.get("/inbox")
@page_for(Role.HANDLER)
def inbox():
    return render_template("inbox.html", **_common(), shortcuts=INBOX_SHORTCUTS, keys=INBOX_KEYS)


@bp.get("/grid")
@page_for(Role.GRID_WORKER)
def grid():
    return render_template("grid.html", **_common())


@bp.get("/dashboard")
@page_for(Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN)
def dashboard():
    return render_template("dashboard.html", **_common())
