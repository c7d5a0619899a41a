"""The header navigation of every staff page: one ordered table of (label, endpoint, roles).

To add a page to the header, add one ``NavEntry`` line below (in the order it should appear). An entry
is shown to a user whose role is in ``roles``; ``base.html`` renders ``nav_entries(me)``.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import request, url_for

from hotline.auth.roles import Role

ALL_ROLES = frozenset(Role)
MANAGERS = frozenset({Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN})


@dataclass(frozen=True)
class NavEntry:
    label: str
    endpoint: str
    roles: frozenset[Role]


NAVIGATION: tuple[NavEntry, ...] = (
    NavEntry("话务台", "console_pages.console", frozenset({Role.AGENT})),
    NavEntry("待办", "console_pages.inbox", frozenset({Role.HANDLER})),
    NavEntry("网格任务", "console_pages.grid", frozenset({Role.GRID_WORKER})),
    NavEntry("调度台", "console_pages.dashboard", MANAGERS),
    NavEntry("知识库", "kb_pages.kb_list", frozenset({Role.HANDLER, Role.SUPERVISOR, Role.ADMIN})),
    NavEntry("知识审核", "kb_pages.kb_review", frozenset({Role.SUPERVISOR, Role.ADMIN})),
    NavEntry("统计报表", "reports_pages.reports_page", MANAGERS),
    NavEntry("考评", "assessment_pages.assessment_page", MANAGERS),
    NavEntry("工单查询", "search_pages.search_page", ALL_ROLES),
    NavEntry("万件清理", "admin_pages.ledger_page", frozenset({Role.SUPERVISOR, Role.ADMIN})),
    NavEntry("确责清单", "dispatch_pages.index", frozenset({Role.ADMIN})),
    NavEntry("用户", "admin_pages.users", frozenset({Role.ADMIN})),
    NavEntry("上级交办", "exchange_pages.exchange_page", frozenset({Role.ADMIN})),
    NavEntry("单位与网格", "admin_pages.units", frozenset({Role.ADMIN})),
    NavEntry("时限", "admin_pages.time_limits", frozenset({Role.ADMIN, Role.SUPERVISOR})),
    NavEntry("分类", "admin_pages.categories", frozenset({Role.ADMIN})),
    NavEntry("模型", "admin_pages.models", frozenset({Role.ADMIN})),
    NavEntry("审计", "admin_pages.audit", frozenset({Role.ADMIN, Role.SUPERVISOR})),
)


@dataclass(frozen=True)
class NavLink:
    label: str
    href: str
    current: bool


def nav_entries(user: object) -> list[NavLink]:
    """Return the header links ``user`` may follow, marking the page being shown."""
    role = getattr(user, "role", None)
    if role is None:
        return []
    current = request.endpoint if request else None
    return [
        NavLink(entry.label, url_for(entry.endpoint), entry.endpoint == current)
        for entry in NAVIGATION
        if role in entry.roles
    ]
