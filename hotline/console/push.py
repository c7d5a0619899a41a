"""Every live event goes out through here: names, payloads and rooms live only in this module.

Rooms: ``unit:<code>`` for each unit on a ticket's path (so a parent unit sees its subtree),
``managers`` for dispatchers, supervisors and admins, ``agents`` for the call-centre floor, and
``agent:<username>`` for one agent's screen. With ``REDIS_URL`` the emit travels through the Redis
message queue, so workers and several web processes reach every browser.
"""

from __future__ import annotations

import time

from hotline.auth.models import User
from hotline.auth.roles import SCOPED_ROLES, Role
from hotline.core.extensions import db, socketio
from hotline.tickets.models import Ticket

EVENTS = ("ticket.created", "ticket.updated", "ticket.warning", "call.new", "call.updated", "callback.due")
MANAGER_ROLES = frozenset({Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN})


def rooms_for_user(user: User) -> list[str]:
    """Return the rooms a user's browser joins: their unit, the managers' room, or the agents' rooms."""
    role = user.role_enum
    if role in SCOPED_ROLES:
        return [f"unit:{user.unit.code}"]
    if role in MANAGER_ROLES:
        return ["managers"]
    if role == Role.AGENT:
        return ["agents", f"agent:{user.username}"]
    return []


def rooms_for(ticket: Ticket) -> set[str]:
    """Return the rooms that may see ``ticket``."""
    rooms = {"managers", "agents"}
    for unit in [ticket.handling_unit, ticket.lead_unit, *ticket.co_units]:
        if unit is None:
            continue
        rooms.update(f"unit:{code}" for code in unit.path.strip("/").split("/"))
    return rooms


def ticket_payload(ticket: Ticket) -> dict:
    """Return the small, non-sensitive payload every room may receive (pages re-fetch details)."""
    return {
        "number": ticket.number,
        "state": ticket.state,
        "warning": ticket.warning,
        "title": ticket.title,
        "unit": ticket.handling_unit.code if ticket.handling_unit else None,
        "category": ticket.category,
        "version": ticket.version,
    }


def ticket_changed(ticket_id: int, event: str) -> None:
    """Emit ``event`` about a committed ticket change to every room that may see it.

    This runs right after the commit (``hotline.core.effects.commit``); ``committed_at`` (epoch seconds,
    taken first thing here) lets a client on the same clock measure commit-to-receipt latency.
    """
    committed_at = time.time()
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None:
        return
    payload = ticket_payload(ticket) | {"event": event, "committed_at": committed_at}
    # One emit to all the rooms: one message on the Redis queue instead of one per room, and a socket that
    # is in two of the rooms hears it once.
    socketio.emit(event, payload, to=sorted(rooms_for(ticket)))
    if ticket.state == "callback_due":
        socketio.emit("callback.due", payload, to="agents")


def call_arrived(agent_username: str | None, payload: dict) -> None:
    """Pop the caller's history on one agent's console (every agent's when the switch names nobody)."""
    socketio.emit("call.new", payload, to=f"agent:{agent_username}" if agent_username else "agents")


def call_changed(agent_username: str | None, payload: dict) -> None:
    """Tell one agent's console that a call was answered or hung up."""
    socketio.emit("call.updated", payload, to=f"agent:{agent_username}" if agent_username else "agents")
