"""12345+网格: give a ticket sent to a grid to its least-loaded grid worker; patrol reports from the grid.

A grid worker's 上报 (back up to the community/street) is the core lifecycle's ``escalate`` action.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dispatch.models import DispatchAssignment
from hotline.auth.models import User
from hotline.auth.roles import Role
from hotline.core import clock
from hotline.core.errors import DomainError
from hotline.intake.services import take_in
from hotline.tickets.models import Ticket
from hotline.tickets.services import NewTicket
from hotline.tickets.states import OPEN
from hotline.units.models import Unit


def open_loads(session: Session, grid: Unit) -> dict[int, int]:
    """Return each active grid worker of ``grid`` with their number of open assigned tickets."""
    workers = list(
        session.scalars(
            select(User.id).where(User.unit_id == grid.id, User.role == Role.GRID_WORKER.value, User.active.is_(True))
        )
    )
    loads = dict.fromkeys(workers, 0)
    if not workers:
        return loads
    rows = session.execute(
        select(DispatchAssignment.user_id, func.count(func.distinct(DispatchAssignment.ticket_id)))
        .join(Ticket, Ticket.id == DispatchAssignment.ticket_id)
        .where(
            DispatchAssignment.user_id.in_(workers),
            Ticket.state.in_([s.value for s in OPEN]),
            Ticket.handling_unit_id == grid.id,
        )
        .group_by(DispatchAssignment.user_id)
    )
    loads.update({uid: n for uid, n in rows.all()})
    return loads


def assign_grid_worker(session: Session, ticket: Ticket, now: dt.datetime | None = None) -> DispatchAssignment | None:
    """Give a ticket held by a grid to the grid worker with the least open load (None: not at a grid / nobody)."""
    grid = ticket.handling_unit
    if grid is None or grid.kind != "grid":
        return None
    current = session.scalar(
        select(DispatchAssignment)
        .where(DispatchAssignment.ticket_id == ticket.id)
        .order_by(DispatchAssignment.id.desc())
        .limit(1)
    )
    if current is not None and current.user.unit_id == grid.id and current.user.active:
        return current  # already with a worker of this grid
    loads = open_loads(session, grid)
    if not loads:
        return None
    user_id = min(loads, key=lambda uid: (loads[uid], uid))
    row = DispatchAssignment(ticket_id=ticket.id, user_id=user_id, assigned_at=now or clock.now())
    session.add(row)
    session.flush()
    return row


def assignment_to_dict(row: DispatchAssignment) -> dict:
    """Serialise an assignment."""
    return {
        "user": {"username": row.user.username, "display_name": row.user.display_name},
        "assigned_at": row.assigned_at.isoformat(),
    }


def register_patrol_report(
    session: Session,
    worker: User,
    *,
    content: str,
    title: str | None = None,
    address: str | None = None,
    kind: str = "report",
    preset: str = "default",
) -> Ticket:
    """Register what a grid worker found on patrol (bottom-up), in their own grid, as the worker.

    SPEC §3 gives ``create`` to agents because they take citizens' requests; a patrol report is not a
    citizen's request but the worker's own finding in their own grid. It goes through this narrower path
    (channel ``api``, area fixed to the worker's grid, no caller data) instead of widening the intake
    role check, and the audit trail names the worker as the one who registered it.
    """
    if worker.role_enum != Role.GRID_WORKER or worker.unit.kind != "grid":
        raise DomainError(403, "forbidden_role", "只有网格员可以上报巡查发现的问题")
    data = NewTicket(channel="api", content=content, title=title, address=address, kind=kind, area_unit=worker.unit)
    ticket = take_in(session, data, worker, preset=preset, origin={"source": "patrol", "grid": worker.unit.code}).ticket
    # The find stays with the grid that found it: dispatched at once to this grid (its community leads) and
    # given to the worker who reported it, instead of waiting in the centre's dispatch queue.
    from dispatch.services import system_dispatcher
    from hotline.tickets.lifecycle import ActionParams, perform_action

    lead = worker.unit.parent or worker.unit
    params = ActionParams(
        unit=lead.code,
        grid=worker.unit.code if lead is not worker.unit else None,
        note="网格员巡查上报，留在本网格处置",
    )
    perform_action(session, ticket, "dispatch", system_dispatcher(session), params, preset=preset)
    _assign(session, ticket, worker)
    return ticket


def _assign(session: Session, ticket: Ticket, worker: User) -> None:
    session.add(DispatchAssignment(ticket_id=ticket.id, user_id=worker.id, assigned_at=clock.now()))
    session.flush()
