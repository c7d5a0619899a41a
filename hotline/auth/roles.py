"""The roles of SPEC §1."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    AGENT = "agent"
    DISPATCHER = "dispatcher"
    HANDLER = "handler"
    GRID_WORKER = "grid_worker"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


ROLE_NAMES = {
    Role.AGENT: "话务员",
    Role.DISPATCHER: "派单员",
    Role.HANDLER: "承办人",
    Role.GRID_WORKER: "网格员",
    Role.SUPERVISOR: "督办员",
    Role.ADMIN: "系统管理员",
}

# Roles whose view is limited to their own unit's subtree.
SCOPED_ROLES = frozenset({Role.HANDLER, Role.GRID_WORKER})
# Roles that see a caller's full phone number and a 举报人's identity.
SEES_CALLER = frozenset({Role.AGENT, Role.SUPERVISOR})

LANDING_PAGES = {
    Role.AGENT: "/console",
    Role.HANDLER: "/inbox",
    Role.GRID_WORKER: "/grid",
    Role.DISPATCHER: "/dashboard",
    Role.SUPERVISOR: "/dashboard",
    Role.ADMIN: "/dashboard",
}
