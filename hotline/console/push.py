"""Every live event goes out through here: names, payloads and rooms live only in this module.

Rooms: ``unit:<code>`` for each unit on a ticket's path (so a parent unit sees its subtree),
``managers`` and ``role:<role>`` for dispatchers, supervisors and admins, ``agents`` for the call-centre
floor, ``agent:<username>`` for one agent's screen and ``skill:<skill>`` for the agents holding a seat skill
(e.g. the 营商环境专席, ``skill:business_env``). With ``REDIS_URL`` the emit travels through the
Redis message queue, so workers and several web processes reach every browser.

A ticket event is a delta: it carries the changed ticket as the room's users may see it (masked and with
their actions), so a page patches its list in place instead of re-fetching it; every user in a room sees
a ticket the same way, since masking and actions depend on the role only.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from hotline.auth.models import User
from hotline.auth.roles import SCOPED_ROLES, Role
from hotline.console.seats import skills_of
from hotline.core.extensions import db, socketio
from hotline.tickets.models import Ticket
from hotline.tickets.schemas import ticket_actions, ticket_fields, view_key

EVENTS = ("ticket.created", "ticket.updated", "ticket.warning", "call.new", "call.updated", "callback.due")
MANAGER_ROLES = frozenset({Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN})


def rooms_for_user(user: User) -> list[str]:
    """Return the rooms a user's browser joins: their unit, the managers' room, or the agents' rooms."""
    role = user.role_enum
    if role in SCOPED_ROLES:
        return [f"unit:{user.unit.code}"]
    if role in MANAGER_ROLES:
        return ["managers", f"role:{role.value}"]
    if role == Role.AGENT:
        return ["agents", f"agent:{user.username}", *(f"skill:{s}" for s in skills_of(db.session, user))]
    return []


@dataclass(frozen=True)
class RoleViewer:
    """Whoever is in a room, as far as the ticket's serialisation is concerned: their role."""

    role_enum: Role

    @property
    def role(self) -> str:
        return self.role_enum.value


# Who hears a ticket, and as whom: unit rooms hold handlers and grid workers, who see a ticket alike.
_ROLE_ROOMS = (
    (Role.DISPATCHER, "role:dispatcher"),
    (Role.SUPERVISOR, "role:supervisor"),
    (Role.ADMIN, "role:admin"),
    (Role.AGENT, "agents"),
)


def unit_rooms_for(ticket: Ticket) -> set[str]:
    """Return the unit rooms that may see ``ticket``: every unit on the path of its holders."""
    rooms: set[str] = set()
    for unit in [ticket.handling_unit, ticket.lead_unit, *ticket.co_units]:
        if unit is None:
            continue
        rooms.update(f"unit:{code}" for code in unit.path.strip("/").split("/"))
    return rooms


def rooms_for(ticket: Ticket) -> set[str]:
    """Return the rooms that may see ``ticket``."""
    return {"managers", "agents"} | unit_rooms_for(ticket)


def ticket_payload(
    ticket: Ticket, role: Role, awaiting_citizen: bool = False, fields: dict[tuple[bool, bool], dict] | None = None
) -> dict:
    """Return the event payload for a room of ``role`` users: a few keys for routing, and the ticket itself.

    ``awaiting_citizen``: the ticket is 待回访 but its citizen was sent a callback link that still waits — the
    agents' 回访 queue leaves it out until the link is answered or times out (hotline.callbacks).
    ``fields``: the serialisations already made for this change, by ``view_key`` (filled as it goes), so
    roles that see a ticket alike share one and only their actions are worked out apart.
    """
    viewer = RoleViewer(role)
    fields = {} if fields is None else fields
    key = view_key(role)
    if key not in fields:
        fields[key] = ticket_fields(ticket, viewer)  # type: ignore[arg-type]  # a role is all it reads
    ticket_dict = fields[key] | {"actions": ticket_actions(ticket, viewer)}  # type: ignore[arg-type]
    ticket_dict["awaiting_citizen"] = awaiting_citizen
    return {
        "number": ticket.number,
        "state": ticket.state,
        "warning": ticket.warning,
        "version": ticket.version,
        "awaiting_citizen": awaiting_citizen,
        "ticket": ticket_dict,
    }


def ticket_changed(ticket_id: int, event: str, changed: str | None = None) -> None:
    """Emit ``event`` about a committed ticket change to every room that may see it.

    This runs right after the commit (``hotline.core.effects.commit``); ``committed_at`` (epoch seconds,
    taken first thing here) lets a client on the same clock measure commit-to-receipt latency.
    """
    committed_at = time.time()
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None:
        return
    stamp = {"event": event, "committed_at": committed_at}
    if changed:  # what changed beside the ticket's own fields, e.g. "attachments": pages that show them re-read
        stamp["changed"] = changed
    # One emit per way of seeing the ticket (one Redis message each), to all rooms that see it that way.
    from hotline.callbacks.services import is_awaiting_citizen

    awaiting = is_awaiting_citizen(db.session, ticket)
    fields: dict[tuple[bool, bool], dict] = {}  # five rooms, three ways of seeing a ticket
    units = sorted(unit_rooms_for(ticket))
    if units:
        socketio.emit(event, ticket_payload(ticket, Role.HANDLER, awaiting, fields) | stamp, to=units)
    for role, room in _ROLE_ROOMS:
        payload = ticket_payload(ticket, role, awaiting, fields) | stamp
        socketio.emit(event, payload, to=room)
        if role == Role.AGENT and ticket.state == "callback_due" and not awaiting:
            socketio.emit("callback.due", payload, to="agents")


def _call_room(agent_username: str | None, skill: str | None) -> str:
    if agent_username:
        return f"agent:{agent_username}"
    return f"skill:{skill}" if skill else "agents"


def call_arrived(agent_username: str | None, payload: dict, skill: str | None = None) -> None:
    """Pop the caller's history on one agent's console, else on every agent with ``skill``, else on every agent's."""
    socketio.emit("call.new", payload, to=_call_room(agent_username, skill))


def call_changed(agent_username: str | None, payload: dict, skill: str | None = None) -> None:
    """Tell the console(s) that popped a call that it was answered or hung up."""
    socketio.emit("call.updated", payload, to=_call_room(agent_username, skill))
