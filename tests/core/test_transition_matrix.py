"""Every state × action × role: allowed exactly where SPEC §3 says, refused (409/403) elsewhere with nothing changed."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from sqlalchemy import func, select

from hotline.auth.roles import Role
from hotline.core.errors import DomainError
from hotline.tickets.lifecycle import ActionParams, perform_action
from hotline.tickets.models import Ticket, TicketEvent
from hotline.tickets.services import NewTicket, register_ticket
from hotline.tickets.states import OPEN, Action, State, find_transition

ROLE_USERS = {
    Role.AGENT: "agent1",
    Role.DISPATCHER: "dispatcher1",
    Role.HANDLER: "handler1",
    Role.GRID_WORKER: "grid1",
    Role.SUPERVISOR: "supervisor1",
    Role.ADMIN: "admin1",
}

# SPEC §3 "who may act", written out independently of the table in states.py.
SPEC_ROLES = {
    Action.CLOSE_ON_CALL: {Role.AGENT},
    Action.CALLBACK: {Role.AGENT},
    Action.DISPATCH: {Role.DISPATCHER, Role.SUPERVISOR},
    Action.APPROVE_RETURN: {Role.DISPATCHER, Role.SUPERVISOR},
    Action.REJECT_RETURN: {Role.DISPATCHER, Role.SUPERVISOR},
    Action.MERGE: {Role.DISPATCHER, Role.SUPERVISOR},
    Action.TRANSFER: {Role.DISPATCHER, Role.SUPERVISOR},
    **{
        a: {Role.HANDLER, Role.GRID_WORKER}
        for a in (
            Action.ACCEPT,
            Action.REQUEST_RETURN,
            Action.REPLY,
            Action.FORWARD,
            Action.REQUEST_EXTENSION,
            Action.REQUEST_SUSPEND,
            Action.FINAL_REPLY,
            Action.RESUME,
            Action.ESCALATE,
        )
    },  # 上报: our extension of SPEC §3 (the grid worker's "escalates to the unit")
    **{
        a: {Role.SUPERVISOR}
        for a in (
            Action.APPROVE_EXTENSION,
            Action.REJECT_EXTENSION,
            Action.APPROVE_SUSPEND,
            Action.REJECT_SUSPEND,
            Action.APPROVE_REPLY,
            Action.REJECT_REPLY,
            Action.REWORK,
            Action.UPHOLD,
            Action.REOPEN,
            Action.SUPERVISE,
        )
    },
    Action.URGE: {Role.DISPATCHER, Role.SUPERVISOR},
    Action.COMMENT: set(Role),
}

SPEC_TARGETS = {
    (State.REGISTERED, Action.DISPATCH): State.DISPATCHED,
    (State.REGISTERED, Action.CLOSE_ON_CALL): State.CLOSED,
    (State.REGISTERED, Action.MERGE): State.MERGED,
    (State.REGISTERED, Action.TRANSFER): State.TRANSFERRED,
    (State.DISPATCHED, Action.ACCEPT): State.ACCEPTED,
    (State.DISPATCHED, Action.REQUEST_RETURN): State.RETURN_REQUESTED,
    (State.RETURN_REQUESTED, Action.APPROVE_RETURN): State.REGISTERED,
    (State.RETURN_REQUESTED, Action.REJECT_RETURN): State.DISPATCHED,
    (State.ACCEPTED, Action.REPLY): State.REPLIED,
    (State.ACCEPTED, Action.FORWARD): State.DISPATCHED,
    (State.DISPATCHED, Action.ESCALATE): State.DISPATCHED,
    (State.ACCEPTED, Action.ESCALATE): State.DISPATCHED,
    (State.ACCEPTED, Action.REQUEST_EXTENSION): State.ACCEPTED,
    (State.ACCEPTED, Action.APPROVE_EXTENSION): State.ACCEPTED,
    (State.ACCEPTED, Action.REJECT_EXTENSION): State.ACCEPTED,
    (State.ACCEPTED, Action.REQUEST_SUSPEND): State.ACCEPTED,
    (State.ACCEPTED, Action.APPROVE_SUSPEND): State.SUSPENDED,
    (State.ACCEPTED, Action.REJECT_SUSPEND): State.ACCEPTED,
    (State.ACCEPTED, Action.FINAL_REPLY): State.REPLIED,
    (State.SUSPENDED, Action.RESUME): State.ACCEPTED,
    (State.REPLIED, Action.APPROVE_REPLY): State.CALLBACK_DUE,
    (State.REPLIED, Action.REJECT_REPLY): State.ACCEPTED,
    (State.CALLBACK_DUE, Action.CALLBACK): State.CLOSED,
    (State.DISPUTED, Action.REWORK): State.DISPATCHED,
    (State.DISPUTED, Action.UPHOLD): State.CLOSED,
    (State.CLOSED, Action.REOPEN): State.DISPATCHED,
    **{(s, a): s for s in OPEN for a in (Action.URGE, Action.SUPERVISE, Action.COMMENT)},
}

# Inputs that make each allowed action succeed, so the matrix tests the table and not validation.
FULL_PARAMS = ActionParams(
    note="备注",
    unit="A1",
    grid=None,
    reason="理由",
    result="已处理",
    public_answer="答复市民",
    days=2,
    contacted=True,
    resolved=True,
    satisfaction="satisfied",
    into=None,
    target="110",
)
NOW = dt.datetime(2026, 11, 24, 2, 0, tzinfo=dt.UTC)  # Tuesday 10:00 in Shanghai


def test_table_matches_the_spec():
    for (state, action), target in SPEC_TARGETS.items():
        row = find_transition(state, action)
        assert row is not None, (state, action)
        assert row.target == target
        assert set(row.roles) == SPEC_ROLES[action], action
    extra = {(s, a) for s, a in itertools.product(State, Action) if find_transition(s, a)} - set(SPEC_TARGETS)
    assert extra == set()


def _ticket_in(session, world, state: State, *, to_grid: bool = False) -> Ticket:
    """Drive a fresh ticket into ``state`` through the real transitions (dispatched to A1, or to its grid)."""
    u = world.user
    ticket, _ = register_ticket(
        session, NewTicket(channel="phone", content="测试诉求", caller_phone="13800000000"), u("agent1"), now=NOW
    )
    master, _ = register_ticket(session, NewTicket(channel="phone", content="主工单"), u("agent1"), now=NOW)
    paths = {
        State.REGISTERED: [],
        State.DISPATCHED: [("dispatch", "dispatcher1")],
        State.RETURN_REQUESTED: [("dispatch", "dispatcher1"), ("request_return", "handler1")],
        State.ACCEPTED: [("dispatch", "dispatcher1"), ("accept", "handler1")],
        State.SUSPENDED: [
            ("dispatch", "dispatcher1"),
            ("accept", "handler1"),
            ("request_suspend", "handler1"),
            ("approve_suspend", "supervisor1"),
        ],
        State.REPLIED: [("dispatch", "dispatcher1"), ("accept", "handler1"), ("reply", "handler1")],
        State.CALLBACK_DUE: [
            ("dispatch", "dispatcher1"),
            ("accept", "handler1"),
            ("reply", "handler1"),
            ("approve_reply", "supervisor1"),
        ],
        State.DISPUTED: [
            ("dispatch", "dispatcher1"),
            ("accept", "handler1"),
            ("reply", "handler1"),
            ("approve_reply", "supervisor1"),
            ("callback_bad", "agent1"),
        ],
        State.CLOSED: [("close_on_call", "agent1")],
        State.MERGED: [("merge", "dispatcher1")],
        State.TRANSFERRED: [("transfer", "dispatcher1")],
    }
    for action, who in paths[state]:
        params = ActionParams(**{**FULL_PARAMS.__dict__, "into": master.number})
        if to_grid:
            params.grid = "A1-01-01-G01"
        if action == "callback_bad":
            action, params.satisfaction, params.resolved = "callback", "unsatisfied", False
        perform_action(session, ticket, action, u(who), params, now=NOW)
    assert ticket.state == state
    return ticket


def _prepare(ticket: Ticket, action: Action) -> None:
    # Approvals need a pending request; set it as the request action would have.
    if action in (Action.APPROVE_EXTENSION, Action.REJECT_EXTENSION):
        ticket.pending_extension_days = 2
    if action in (Action.APPROVE_SUSPEND, Action.REJECT_SUSPEND):
        ticket.pending_suspend_reason = "等待上级批复"


@pytest.mark.parametrize("state", list(State))
def test_every_action_and_role_in_state(session, world, state):
    # Unit-side roles act on tickets held by their own unit: grid workers get one sent to their grid.
    tickets = {False: _ticket_in(session, world, state), True: _ticket_in(session, world, state, to_grid=True)}
    other, _ = register_ticket(session, NewTicket(channel="phone", content="另一件"), world.user("agent1"), now=NOW)
    session.commit()
    actors = {role: world.user(username) for role, username in ROLE_USERS.items()}
    for action, role in itertools.product(Action, Role):
        held_by_grid = role == Role.GRID_WORKER
        ticket = tickets[held_by_grid]
        savepoint = session.begin_nested()
        _prepare(ticket, action)
        events_before = session.scalar(
            select(func.count()).select_from(TicketEvent).where(TicketEvent.ticket_id == ticket.id)
        )
        version_before = ticket.version
        row = find_transition(state, action)
        allowed = row is not None and role in SPEC_ROLES[action]
        params = ActionParams(**{**FULL_PARAMS.__dict__, "into": other.number})
        if action == Action.FORWARD:
            params.unit, params.grid = None, "A1-01-01-G01"
        try:
            perform_action(session, ticket, action.value, actors[role], params, now=NOW)
        except DomainError as exc:
            if allowed and action == Action.FORWARD and held_by_grid:
                assert exc.code == "not_a_child_unit"  # a grid has no child to send down to
                savepoint.rollback()
                continue
            if allowed and action == Action.ESCALATE and not held_by_grid:
                assert exc.code == "cannot_escalate"  # A1 is what the centre dispatched to: nothing above it
                savepoint.rollback()
                continue
            assert not allowed, f"{state} {action} {role}: refused {exc.code} {exc.message}"
            expected_status = 409 if role in SPEC_ROLES[action] else 403
            assert exc.status == expected_status, (state, action, role, exc.code)
            assert ticket.state == state and ticket.version == version_before
            count = session.scalar(
                select(func.count()).select_from(TicketEvent).where(TicketEvent.ticket_id == ticket.id)
            )
            assert count == events_before
        else:
            assert allowed, f"{state} {action} {role}: should be refused"
            assert ticket.state in {row.target, *row.also}
            last = session.scalars(
                select(TicketEvent)
                .where(TicketEvent.ticket_id == ticket.id, TicketEvent.action != "notify")
                .order_by(TicketEvent.id.desc())
            ).first()
            assert (last.action, last.from_state, last.to_state) == (action.value, state.value, ticket.state)
        savepoint.rollback()
        session.expire_all()
