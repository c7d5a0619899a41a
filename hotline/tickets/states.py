"""The ticket lifecycle of SPEC §3: states, actions, who may act — one table, one place."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from hotline.auth.roles import Role


class State(StrEnum):
    REGISTERED = "registered"
    DISPATCHED = "dispatched"
    RETURN_REQUESTED = "return_requested"
    ACCEPTED = "accepted"
    SUSPENDED = "suspended"
    REPLIED = "replied"
    CALLBACK_DUE = "callback_due"
    DISPUTED = "disputed"
    CLOSED = "closed"
    MERGED = "merged"
    TRANSFERRED = "transferred"


STATE_NAMES = {
    State.REGISTERED: "已受理",
    State.DISPATCHED: "待签收",
    State.RETURN_REQUESTED: "退单待审",
    State.ACCEPTED: "办理中",
    State.SUSPENDED: "已挂账",
    State.REPLIED: "答复待审",
    State.CALLBACK_DUE: "待回访",
    State.DISPUTED: "差评甄别",
    State.CLOSED: "已办结",
    State.MERGED: "已合并",
    State.TRANSFERRED: "已转办",
}

# Named state categories for queries and reports.
FINAL = frozenset({State.MERGED, State.TRANSFERRED})
DONE = frozenset({State.CLOSED}) | FINAL
OPEN = frozenset(State) - DONE
# Open states in which a unit holds the ticket (its backlog).
# A public answer (答复市民的内容) is published only once a supervisor approved it (or an agent closed the ticket on
# the call from the knowledge base): callback due, disputed or closed. Before that it is a draft.
ANSWER_PUBLISHED = frozenset({State.CALLBACK_DUE, State.DISPUTED, State.CLOSED})
AT_UNIT = frozenset({State.DISPATCHED, State.RETURN_REQUESTED, State.ACCEPTED, State.SUSPENDED, State.REPLIED})


class Action(StrEnum):
    DISPATCH = "dispatch"
    CLOSE_ON_CALL = "close_on_call"
    MERGE = "merge"
    TRANSFER = "transfer"
    ACCEPT = "accept"
    REQUEST_RETURN = "request_return"
    APPROVE_RETURN = "approve_return"
    REJECT_RETURN = "reject_return"
    REPLY = "reply"
    FORWARD = "forward"
    ESCALATE = "escalate"
    REQUEST_EXTENSION = "request_extension"
    APPROVE_EXTENSION = "approve_extension"
    REJECT_EXTENSION = "reject_extension"
    REQUEST_SUSPEND = "request_suspend"
    APPROVE_SUSPEND = "approve_suspend"
    REJECT_SUSPEND = "reject_suspend"
    FINAL_REPLY = "final_reply"
    RESUME = "resume"
    APPROVE_REPLY = "approve_reply"
    REJECT_REPLY = "reject_reply"
    CALLBACK = "callback"
    REWORK = "rework"
    UPHOLD = "uphold"
    REOPEN = "reopen"
    URGE = "urge"
    SUPERVISE = "supervise"
    COMMENT = "comment"


ACTION_NAMES = {
    Action.DISPATCH: "派单",
    Action.CLOSE_ON_CALL: "直接办结",
    Action.MERGE: "合并",
    Action.TRANSFER: "转办",
    Action.ACCEPT: "签收",
    Action.REQUEST_RETURN: "申请退单",
    Action.APPROVE_RETURN: "同意退单",
    Action.REJECT_RETURN: "驳回退单",
    Action.REPLY: "答复",
    Action.FORWARD: "下派",
    Action.ESCALATE: "上报",
    Action.REQUEST_EXTENSION: "申请延期",
    Action.APPROVE_EXTENSION: "同意延期",
    Action.REJECT_EXTENSION: "驳回延期",
    Action.REQUEST_SUSPEND: "申请挂账",
    Action.APPROVE_SUSPEND: "同意挂账",
    Action.REJECT_SUSPEND: "驳回挂账",
    Action.FINAL_REPLY: "最终答复",
    Action.RESUME: "恢复办理",
    Action.APPROVE_REPLY: "答复审核通过",
    Action.REJECT_REPLY: "答复审核退回",
    Action.CALLBACK: "回访",
    Action.REWORK: "差评重办",
    Action.UPHOLD: "差评不予支持",
    Action.REOPEN: "重新开启",
    Action.URGE: "催办",
    Action.SUPERVISE: "督办",
    Action.COMMENT: "备注",
}

AGENT = frozenset({Role.AGENT})
DISPATCH_DESK = frozenset({Role.DISPATCHER, Role.SUPERVISOR})
UNIT_SIDE = frozenset({Role.HANDLER, Role.GRID_WORKER})
SUPERVISOR = frozenset({Role.SUPERVISOR})
EVERYONE = frozenset(Role)

# Actions open in every open state that leave the state as it is.
ANYTIME = {Action.URGE: DISPATCH_DESK, Action.SUPERVISE: SUPERVISOR, Action.COMMENT: EVERYONE}


@dataclass(frozen=True)
class Transition:
    """One row of the table: from ``source`` by ``action`` to ``target`` (or one of ``also``), for ``roles``."""

    source: State
    action: Action
    target: State
    roles: frozenset[Role]
    # Other states the same action may lead to, decided by its input (a callback's satisfaction).
    also: frozenset[State] = frozenset()


_S = State
_A = Action
TRANSITIONS: tuple[Transition, ...] = (
    Transition(_S.REGISTERED, _A.DISPATCH, _S.DISPATCHED, DISPATCH_DESK),
    Transition(_S.REGISTERED, _A.CLOSE_ON_CALL, _S.CLOSED, AGENT),
    Transition(_S.REGISTERED, _A.MERGE, _S.MERGED, DISPATCH_DESK),
    Transition(_S.REGISTERED, _A.TRANSFER, _S.TRANSFERRED, DISPATCH_DESK),
    Transition(_S.DISPATCHED, _A.ACCEPT, _S.ACCEPTED, UNIT_SIDE),
    Transition(_S.DISPATCHED, _A.REQUEST_RETURN, _S.RETURN_REQUESTED, UNIT_SIDE),
    # 上报 (an extension of SPEC §3): a grid or sub-unit hands the ticket back up to its parent unit, the
    # reverse of 下派; before or after signing, with a reason. Not past the unit the centre dispatched to.
    Transition(_S.DISPATCHED, _A.ESCALATE, _S.DISPATCHED, UNIT_SIDE),
    Transition(_S.RETURN_REQUESTED, _A.APPROVE_RETURN, _S.REGISTERED, DISPATCH_DESK),
    Transition(_S.RETURN_REQUESTED, _A.REJECT_RETURN, _S.DISPATCHED, DISPATCH_DESK),
    Transition(_S.ACCEPTED, _A.REPLY, _S.REPLIED, UNIT_SIDE),
    Transition(_S.ACCEPTED, _A.FORWARD, _S.DISPATCHED, UNIT_SIDE),
    Transition(_S.ACCEPTED, _A.ESCALATE, _S.DISPATCHED, UNIT_SIDE),
    Transition(_S.ACCEPTED, _A.REQUEST_EXTENSION, _S.ACCEPTED, UNIT_SIDE),
    Transition(_S.ACCEPTED, _A.APPROVE_EXTENSION, _S.ACCEPTED, SUPERVISOR),
    Transition(_S.ACCEPTED, _A.REJECT_EXTENSION, _S.ACCEPTED, SUPERVISOR),
    Transition(_S.ACCEPTED, _A.REQUEST_SUSPEND, _S.ACCEPTED, UNIT_SIDE),
    Transition(_S.ACCEPTED, _A.APPROVE_SUSPEND, _S.SUSPENDED, SUPERVISOR),
    Transition(_S.ACCEPTED, _A.REJECT_SUSPEND, _S.ACCEPTED, SUPERVISOR),
    Transition(_S.ACCEPTED, _A.FINAL_REPLY, _S.REPLIED, UNIT_SIDE),
    Transition(_S.SUSPENDED, _A.RESUME, _S.ACCEPTED, UNIT_SIDE),
    Transition(_S.REPLIED, _A.APPROVE_REPLY, _S.CALLBACK_DUE, SUPERVISOR),
    Transition(_S.REPLIED, _A.REJECT_REPLY, _S.ACCEPTED, SUPERVISOR),
    Transition(_S.CALLBACK_DUE, _A.CALLBACK, _S.CLOSED, AGENT, frozenset({_S.DISPUTED, _S.CALLBACK_DUE})),
    Transition(_S.DISPUTED, _A.REWORK, _S.DISPATCHED, SUPERVISOR),
    Transition(_S.DISPUTED, _A.UPHOLD, _S.CLOSED, SUPERVISOR),
    Transition(_S.CLOSED, _A.REOPEN, _S.DISPATCHED, SUPERVISOR),
    *(Transition(state, action, state, roles) for state in sorted(OPEN) for action, roles in ANYTIME.items()),
)

TABLE: dict[tuple[State, Action], Transition] = {(t.source, t.action): t for t in TRANSITIONS}
ROLES_FOR_ACTION: dict[Action, frozenset[Role]] = {t.action: t.roles for t in TRANSITIONS}


def find_transition(state: State, action: Action) -> Transition | None:
    """Return the table row for ``action`` in ``state``, or None when the state does not allow it."""
    return TABLE.get((state, action))


def allowed_actions(state: State, role: Role) -> list[Action]:
    """Return the actions ``role`` may take on a ticket in ``state`` (for buttons in the UI)."""
    return [t.action for t in TRANSITIONS if t.source == state and role in t.roles]
