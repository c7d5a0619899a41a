"""The one place a ticket changes state: check the table, apply the action, write the event."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from hotline.auth.models import User
from hotline.categories.services import resolve_category
from hotline.core import clock
from hotline.core.clock import Duration
from hotline.core.effects import defer
from hotline.core.errors import DomainError
from hotline.tickets import limits
from hotline.tickets.deadlines import refresh_warning
from hotline.tickets.events import record_event
from hotline.tickets.models import (
    CALLBACK_SOURCES,
    SATISFACTION_LEVELS,
    SATISFIED_LEVELS,
    Ticket,
    TicketCallback,
    TicketLinkage,
)
from hotline.tickets.notifications import notify_citizen
from hotline.tickets.states import (
    ACTION_NAMES,
    OPEN,
    ROLES_FOR_ACTION,
    STATE_NAMES,
    UNIT_SIDE,
    Action,
    State,
    find_transition,
)
from hotline.units.models import Unit
from hotline.units.services import get_unit_by_code

UNREACHABLE_TRIES = 3
TRANSFER_TARGETS = ("110", "119", "120", "122", "other_hotline")


@dataclass
class ActionParams:
    """What a caller may send with an action (SPEC §5); each action reads what it needs."""

    note: str | None = None
    unit: str | None = None
    co_units: list[str] = field(default_factory=list)
    grid: str | None = None
    reason: str | None = None
    basis: str | None = None
    result: str | None = None
    public_answer: str | None = None
    days: int | None = None
    contacted: bool | None = None
    resolved: bool | None = None
    satisfaction: str | None = None
    unreachable: bool | None = None
    into: str | None = None
    target: str | None = None
    category: str | None = None


@dataclass
class Context:
    session: Session
    ticket: Ticket
    actor: User
    params: ActionParams
    now: dt.datetime
    preset: str
    # Who answers a callback: ``agent`` (the actor), or the citizen (``portal``, ``citizen_link``).
    source: str = "agent"
    # Filled by the handler: the state to go to (when the table offers a choice) and the event's data.
    target: State | None = None
    data: dict = field(default_factory=dict)
    # 告知 to send once the action's own event is written, so the trail reads action → notify.
    notices: list[tuple[str, Ticket | None]] = field(default_factory=list)

    def tell(self, purpose: str, master: Ticket | None = None) -> None:
        self.notices.append((purpose, master))

    def limit(self, stage: str) -> Duration:
        t = self.ticket
        areas = tuple(u.code for u in (t.area_unit, t.handling_unit) if u is not None)
        return limits.limit_for(
            self.session,
            self.preset,
            stage,
            kind=t.kind,
            urgency=t.urgency,
            category=t.category,
            area_codes=areas,
            enterprise=t.is_enterprise,
        )

    def start_clock(self, stage: str, start: dt.datetime) -> dt.datetime:
        duration = self.limit(stage)
        self.ticket.deadline_clocks = {**(self.ticket.deadline_clocks or {}), stage: duration.on_working_clock}
        return duration.after(start)


@dataclass(frozen=True)
class StateChange:
    """What one action did to a ticket, as a listener hears it (flushed, not yet committed)."""

    ticket: Ticket
    action: Action
    from_state: str
    to_state: str
    actor: User
    moment: dt.datetime
    data: dict


class StateChangeListener(Protocol):
    """Hears every action taken through :func:`perform_action`, inside its transaction (e.g. the exchange
    writes what an upper platform must be told). It may add rows; it must not commit."""

    def __call__(self, session: Session, change: StateChange) -> None: ...


_listeners: list[StateChangeListener] = []


def bind_state_change_listener(listener: StateChangeListener) -> None:
    """Have ``listener`` hear every action from now on (the app factory binds each once)."""
    if listener not in _listeners:
        _listeners.append(listener)


def _need(value: object, name: str, label: str) -> None:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise DomainError(422, "missing_field", f"请填写{label}（{name}）", field=name)


def _unit_or_grid(ctx: Context) -> tuple[Unit, Unit]:
    """Return (lead unit, handling unit) named by ``unit`` and/or ``grid``."""
    p = ctx.params
    if not p.unit and not p.grid:
        raise DomainError(422, "missing_field", "请指定承办单位（unit）或网格（grid）", field="unit")
    grid = get_unit_by_code(ctx.session, p.grid) if p.grid else None
    if grid is not None and grid.kind != "grid":
        raise DomainError(422, "not_a_grid", f"{grid.name}不是网格")
    lead = get_unit_by_code(ctx.session, p.unit) if p.unit else grid
    assert lead is not None
    if grid is not None and not grid.is_within(lead) and p.unit:
        raise DomainError(422, "grid_outside_unit", "网格不在承办单位辖区内")
    return lead, grid or lead


def _start_dispatch_clocks(ctx: Context, *, reply_clock: bool = True) -> None:
    t = ctx.ticket
    t.dispatched_at = ctx.now
    t.accept_due = ctx.start_clock("accept", ctx.now)
    t.return_due = ctx.start_clock("return_window", ctx.now)
    t.accepted_at = None
    if reply_clock:
        t.reply_started_at = ctx.now
        t.reply_due = ctx.start_clock("reply", ctx.now)
        if t.upper_due is not None and t.upper_due < t.reply_due:  # 上级交办: the upper deadline when stricter
            t.reply_due = t.upper_due
        t.extension_count = 0


def _dispatch(ctx: Context) -> None:
    t = ctx.ticket
    lead, handling = _unit_or_grid(ctx)
    co_units = [get_unit_by_code(ctx.session, code) for code in ctx.params.co_units if code != lead.code]
    t.lead_unit, t.handling_unit, t.co_units = lead, handling, co_units
    t.is_direct = t.is_direct or lead.kind == "enterprise"
    _start_dispatch_clocks(ctx)
    ctx.data = {
        "unit": lead.code,
        "grid": handling.code if handling is not lead else None,
        "co_units": [u.code for u in co_units],
    }
    if ctx.params.category:
        _recategorise(ctx, resolve_category(ctx.session, ctx.params.category).code)


def _recategorise(ctx: Context, code: str) -> None:
    """The dispatcher corrects the category; the change becomes training data for the classifier."""
    t = ctx.ticket
    if code == t.category:
        return
    suggested = ((t.suggestion or {}).get("categories") or [{}])[0].get("code")
    ctx.data["category"] = {"from": t.category, "to": code}
    t.category = code
    defer(ctx.session, "hotline.classification.tasks:note_category_change", t.id, suggested, code, ctx.actor.id)


def _close_on_call(ctx: Context) -> None:
    answer = ctx.params.public_answer or ctx.params.note
    _need(answer, "public_answer", "答复内容")
    ctx.ticket.public_answer = answer
    ctx.ticket.resolved = True
    ctx.ticket.closed_at = ctx.now
    ctx.tell("closed")


def _merge(ctx: Context) -> None:
    _need(ctx.params.into, "into", "主工单编号")
    master = ctx.session.scalar(select(Ticket).where(Ticket.number == ctx.params.into))
    if master is None:
        raise DomainError(422, "unknown_ticket", f"主工单不存在：{ctx.params.into}")
    if master.id == ctx.ticket.id or master.state_enum not in OPEN:
        raise DomainError(409, "invalid_master", "主工单必须是另一张未办结的工单")
    ctx.ticket.merged_into = master
    ctx.ticket.closed_at = ctx.now
    ctx.data = {"into": master.number}
    ctx.tell("merged", master=master)


def _transfer(ctx: Context) -> None:
    target = ctx.params.target or "110"
    if target not in TRANSFER_TARGETS:
        raise DomainError(422, "invalid_choice", f"转办对象无效，可选：{'、'.join(TRANSFER_TARGETS)}", field="target")
    reason = ctx.params.reason or ctx.params.note
    _need(reason, "reason", "转办原因")
    ctx.ticket.transfer_target = target
    ctx.ticket.closed_at = ctx.now
    ctx.session.add(
        TicketLinkage(
            ticket_id=ctx.ticket.id, target=target, reason=reason, created_by_id=ctx.actor.id, created_at=ctx.now
        )
    )
    ctx.data = {"target": target}


def _accept(ctx: Context) -> None:
    t = ctx.ticket
    t.accepted_at = ctx.now
    t.accepted_on_time = t.accept_due is None or ctx.now <= t.accept_due


def _request_return(ctx: Context) -> None:
    t = ctx.ticket
    _need(ctx.params.reason, "reason", "退单理由")
    if t.return_due is not None and ctx.now > t.return_due:
        raise DomainError(409, "return_window_over", "已超过退单时限，不能退单，请签收后办理或申请改派")
    ctx.data = {
        "reason": ctx.params.reason,
        "basis": ctx.params.basis,
        "unit": t.handling_unit.code if t.handling_unit else None,
    }


def _approve_return(ctx: Context) -> None:
    t = ctx.ticket
    ctx.data = {"returned_by": t.handling_unit.code if t.handling_unit else None}
    t.return_count += 1
    t.lead_unit, t.handling_unit, t.co_units = None, None, []
    t.dispatched_at = t.accept_due = t.return_due = t.reply_due = t.reply_started_at = None
    t.dispatch_started_at = ctx.now
    t.dispatch_due = ctx.start_clock("dispatch", ctx.now)


def _reject_return(ctx: Context) -> None:
    _need(ctx.params.reason or ctx.params.note, "reason", "驳回理由")


def _drop_pending_requests(ctx: Context) -> None:
    """Withdraw a pending 延期/挂账 request: it was asked for the holder and the stage the ticket is leaving.

    Left in place, an extension asked in the parent unit could be approved after the ticket moved to a child
    (下派), went up (上报) or was answered (答复). The event's data says what was withdrawn.
    """
    t = ctx.ticket
    if t.pending_extension_days:
        ctx.data["withdrawn_extension_days"] = t.pending_extension_days
    if t.pending_suspend_reason:
        ctx.data["withdrawn_suspend_reason"] = t.pending_suspend_reason
    t.pending_extension_days = None
    t.pending_suspend_reason = None


def _reply(ctx: Context) -> None:
    t = ctx.ticket
    _need(ctx.params.result, "result", "办理结果")
    _need(ctx.params.public_answer, "public_answer", "答复市民的内容")
    _drop_pending_requests(ctx)
    t.result, t.public_answer, t.replied_at = ctx.params.result, ctx.params.public_answer, ctx.now
    t.replied_on_time = t.reply_due is None or ctx.now <= t.reply_due
    t.is_final_reply = bool(ctx.data.get("final"))


def _final_reply(ctx: Context) -> None:
    ctx.data["final"] = True
    _reply(ctx)


def _forward(ctx: Context) -> None:
    t = ctx.ticket
    _, child = _unit_or_grid(ctx)
    holder = t.handling_unit
    if holder is None or child.id == holder.id or not child.is_within(holder):
        raise DomainError(422, "not_a_child_unit", "只能下派给本单位的下级单位或网格")
    t.handling_unit = child
    _start_dispatch_clocks(ctx, reply_clock=False)
    ctx.data = {"from": holder.code, "to": child.code}
    _drop_pending_requests(ctx)


def escalation_target(ticket: Ticket) -> Unit | None:
    """Return the unit a 上报 sends ``ticket`` to: the holder's parent, or None when there is none to go to.

    Up the chain 下派 came down, never past the unit the centre dispatched to; a grid (or community) the
    centre sent the ticket to directly goes up to its parent, but never to the centre itself (that is 退单).
    """
    holder, lead = ticket.handling_unit, ticket.lead_unit
    parent = holder.parent if holder is not None else None
    if parent is None or parent.parent is None:
        return None
    if lead is not None and lead.id != holder.id and not parent.is_within(lead):
        return None
    return parent


def _escalate(ctx: Context) -> None:
    t = ctx.ticket
    reason = ctx.params.reason or ctx.params.note
    _need(reason, "reason", "上报原因")
    holder, target = t.handling_unit, escalation_target(t)
    if holder is None or target is None:
        raise DomainError(409, "cannot_escalate", "没有可上报的上级承办单位，请申请退单由派单中心改派")
    if t.lead_unit is None or t.lead_unit.id == holder.id:
        t.lead_unit = target
    t.handling_unit = target
    _start_dispatch_clocks(ctx, reply_clock=False)
    ctx.data = {"from": holder.code, "to": target.code, "reason": reason}
    _drop_pending_requests(ctx)


def _request_extension(ctx: Context) -> None:
    t = ctx.ticket
    most = ctx.limit("extension")
    days = ctx.params.days
    _need(days, "days", "延期天数")
    _need(ctx.params.reason or ctx.params.note, "reason", "延期理由")
    assert days is not None
    if days < 1 or days > most.amount:
        raise DomainError(422, "out_of_range", f"每次延期 1 至 {int(most.amount)} 个工作日", field="days")
    if t.extension_count >= limits.MAX_EXTENSIONS:
        raise DomainError(409, "too_many_extensions", f"延期次数已达上限（{limits.MAX_EXTENSIONS} 次）")
    if t.pending_extension_days:
        raise DomainError(409, "extension_pending", "已有延期申请待审批")
    t.pending_extension_days = days
    ctx.data = {"days": days, "reason": ctx.params.reason}


def _approve_extension(ctx: Context) -> None:
    t = ctx.ticket
    if not t.pending_extension_days:
        raise DomainError(409, "no_pending_request", "没有待审批的延期申请")
    days = t.pending_extension_days
    base = t.reply_due or ctx.now
    t.reply_due = Duration(days, "working_days").after(base)
    t.extension_count += 1
    t.pending_extension_days = None
    ctx.data = {"days": days, "reply_due": t.reply_due.isoformat()}


def _reject_extension(ctx: Context) -> None:
    if not ctx.ticket.pending_extension_days:
        raise DomainError(409, "no_pending_request", "没有待审批的延期申请")
    ctx.data = {"days": ctx.ticket.pending_extension_days}
    ctx.ticket.pending_extension_days = None


def _request_suspend(ctx: Context) -> None:
    reason = ctx.params.reason or ctx.params.note
    _need(reason, "reason", "挂账理由")
    if ctx.ticket.pending_suspend_reason:
        raise DomainError(409, "suspend_pending", "已有挂账申请待审批")
    ctx.ticket.pending_suspend_reason = reason


def _approve_suspend(ctx: Context) -> None:
    if not ctx.ticket.pending_suspend_reason:
        raise DomainError(409, "no_pending_request", "没有待审批的挂账申请")
    ctx.data = {"reason": ctx.ticket.pending_suspend_reason}
    ctx.ticket.pending_suspend_reason = None
    ctx.ticket.suspended_at = ctx.now


def _reject_suspend(ctx: Context) -> None:
    if not ctx.ticket.pending_suspend_reason:
        raise DomainError(409, "no_pending_request", "没有待审批的挂账申请")
    ctx.ticket.pending_suspend_reason = None


def _resume(ctx: Context) -> None:
    t = ctx.ticket
    if t.suspended_at is not None and t.reply_due is not None:
        working = bool((t.deadline_clocks or {}).get("reply", True))
        t.reply_due = clock.shift_for_pause(t.reply_due, t.suspended_at, ctx.now, working=working)
        ctx.data = {"suspended_from": t.suspended_at.isoformat(), "reply_due": t.reply_due.isoformat()}
    t.suspended_at = None


def _approve_reply(ctx: Context) -> None:
    t = ctx.ticket
    t.reply_approved_at = ctx.now
    t.callback_due_at = ctx.start_clock("callback", ctx.now)
    ctx.tell("answered")


def _reject_reply(ctx: Context) -> None:
    _need(ctx.params.reason or ctx.params.note, "reason", "退回理由")
    ctx.ticket.replied_at = None
    ctx.ticket.is_final_reply = False
    ctx.ticket.public_answer = None  # the rejected draft must never be published (portal, Open311, 告知)


def _callback(ctx: Context) -> None:
    t, p = ctx.ticket, ctx.params
    t.callback_attempts += 1
    citizen = ctx.source != "agent"
    record = TicketCallback(
        ticket_id=t.id,
        unit_id=t.lead_unit_id,
        agent_id=None if citizen else ctx.actor.id,
        attempt=t.callback_attempts,
        source=ctx.source,
        created_at=ctx.now,
    )
    if p.unreachable and citizen:
        raise DomainError(422, "invalid_choice", "市民自助评价不能记录为未接通", field="unreachable")
    if p.unreachable:
        record.unreachable = True
        ctx.session.add(record)
        ctx.target = State.CLOSED if t.callback_attempts >= UNREACHABLE_TRIES else State.CALLBACK_DUE
        ctx.data = {"unreachable": True, "attempt": t.callback_attempts}
        if ctx.target == State.CLOSED:
            t.closed_at = ctx.now
        return
    _need(p.contacted, "contacted", "是否联系（contacted）")
    _need(p.resolved, "resolved", "是否解决（resolved）")
    _need(p.satisfaction, "satisfaction", "满意度（satisfaction）")
    if p.satisfaction not in SATISFACTION_LEVELS:
        raise DomainError(
            422, "invalid_choice", f"满意度取值无效，可选：{'、'.join(SATISFACTION_LEVELS)}", field="satisfaction"
        )
    record.contacted, record.resolved, record.satisfaction = bool(p.contacted), p.resolved, p.satisfaction
    ctx.session.add(record)
    t.contacted, t.resolved, t.satisfaction = record.contacted, record.resolved, record.satisfaction
    ctx.data = {"contacted": p.contacted, "resolved": p.resolved, "satisfaction": p.satisfaction}
    if citizen:
        ctx.data["source"] = ctx.source
    if p.satisfaction in SATISFIED_LEVELS:
        ctx.target = State.CLOSED
        t.closed_at = ctx.now
        ctx.tell("closed")
    else:
        ctx.target = State.DISPUTED


def _back_to_lead_unit(ctx: Context) -> None:
    t = ctx.ticket
    if t.lead_unit is None:
        raise DomainError(409, "no_unit", "工单没有承办单位，无法重办")
    t.handling_unit = t.lead_unit
    t.replied_at = t.reply_approved_at = t.callback_due_at = t.closed_at = None
    t.satisfaction, t.contacted, t.resolved, t.is_final_reply, t.dispute_upheld = None, None, None, False, False
    t.callback_attempts = 0
    _start_dispatch_clocks(ctx)


def _rework(ctx: Context) -> None:
    ctx.ticket.rework_count += 1
    _back_to_lead_unit(ctx)
    ctx.data = {"rework_count": ctx.ticket.rework_count}


def _uphold(ctx: Context) -> None:
    _need(ctx.params.reason or ctx.params.note, "reason", "甄别意见")
    ctx.ticket.dispute_upheld = True
    ctx.ticket.closed_at = ctx.now


def _reopen(ctx: Context) -> None:
    _need(ctx.params.reason or ctx.params.note, "reason", "重新开启的理由")
    if ctx.params.unit or ctx.params.grid:  # e.g. one closed on the call: it never had a unit
        ctx.ticket.lead_unit, _ = _unit_or_grid(ctx)
    _back_to_lead_unit(ctx)


def _urge(ctx: Context) -> None:
    ctx.ticket.urge_count += 1
    ctx.data = {"urge_count": ctx.ticket.urge_count}


def _supervise(ctx: Context) -> None:
    ctx.ticket.supervised = True


def _comment(ctx: Context) -> None:
    _need(ctx.params.note, "note", "备注内容")


HANDLERS: dict[Action, Callable[[Context], None]] = {
    Action.DISPATCH: _dispatch,
    Action.CLOSE_ON_CALL: _close_on_call,
    Action.MERGE: _merge,
    Action.TRANSFER: _transfer,
    Action.ACCEPT: _accept,
    Action.REQUEST_RETURN: _request_return,
    Action.APPROVE_RETURN: _approve_return,
    Action.REJECT_RETURN: _reject_return,
    Action.REPLY: _reply,
    Action.FINAL_REPLY: _final_reply,
    Action.FORWARD: _forward,
    Action.ESCALATE: _escalate,
    Action.REQUEST_EXTENSION: _request_extension,
    Action.APPROVE_EXTENSION: _approve_extension,
    Action.REJECT_EXTENSION: _reject_extension,
    Action.REQUEST_SUSPEND: _request_suspend,
    Action.APPROVE_SUSPEND: _approve_suspend,
    Action.REJECT_SUSPEND: _reject_suspend,
    Action.RESUME: _resume,
    Action.APPROVE_REPLY: _approve_reply,
    Action.REJECT_REPLY: _reject_reply,
    Action.CALLBACK: _callback,
    Action.REWORK: _rework,
    Action.UPHOLD: _uphold,
    Action.REOPEN: _reopen,
    Action.URGE: _urge,
    Action.SUPERVISE: _supervise,
    Action.COMMENT: _comment,
}


def parse_action(name: str) -> Action:
    """Return the action spelled ``name`` or refuse with 404 (no such endpoint)."""
    try:
        return Action(name)
    except ValueError:
        raise DomainError(404, "unknown_action", f"未知的操作：{name}") from None


def check_may_act(ticket: Ticket, action: Action, actor: User) -> State:
    """Refuse (403/409) unless ``actor`` may take ``action`` on ``ticket`` now; return the default target."""
    role = actor.role_enum
    if role not in ROLES_FOR_ACTION[action]:
        raise DomainError(403, "forbidden_role", f"{ACTION_NAMES[action]}不是当前角色可以执行的操作")
    transition = find_transition(ticket.state_enum, action)
    if transition is None:
        raise DomainError(
            409,
            "invalid_transition",
            f"工单当前状态为“{STATE_NAMES[ticket.state_enum]}”，不能执行“{ACTION_NAMES[action]}”",
            state=ticket.state,
            action=action.value,
        )
    if role in UNIT_SIDE and action != Action.COMMENT:
        holder = ticket.handling_unit
        if holder is None or not holder.is_within(actor.unit):
            raise DomainError(403, "not_your_ticket", "只能处理本单位（网格）承办的工单")
    return transition.target


def perform_action(
    session: Session,
    ticket: Ticket,
    action_name: str,
    actor: User,
    params: ActionParams,
    *,
    preset: str = "default",
    now: dt.datetime | None = None,
    callback_source: str = "agent",
) -> Ticket:
    """Take ``action`` on ``ticket`` as ``actor``: check, apply, record; refuse with nothing changed.

    ``callback_source`` says who answered a ``callback`` (CALLBACK_SOURCES): the citizen's own answers (``portal``,
    ``citizen_link``) go through the same action by the inactive system agent and count alike in 三率."""
    if callback_source not in CALLBACK_SOURCES:
        raise ValueError(f"unknown callback source {callback_source!r}")
    action = parse_action(action_name)
    target = check_may_act(ticket, action, actor)
    ctx = Context(session, ticket, actor, params, now or clock.now(), preset, callback_source)
    source = ticket.state
    allowed = find_transition(ticket.state_enum, action)
    assert allowed is not None
    # One UPDATE per action: lookups inside the handler must not flush half-applied changes.
    with session.no_autoflush:
        HANDLERS[action](ctx)
        new_state = ctx.target or target
        if new_state not in ({allowed.target} | allowed.also):
            raise AssertionError(f"{action} led to {new_state}, not in the table")
        ticket.state = new_state.value
        ticket.updated_at = ctx.now
        refresh_warning(ticket, ctx.now)
        note = params.note or params.reason
        record_event(
            session,
            ticket,
            action.value,
            actor,
            from_state=source,
            to_state=ticket.state,
            moment=ctx.now,
            note=note,
            data=ctx.data,
        )
    try:
        session.flush()
    except StaleDataError:
        raise DomainError(409, "conflict", "工单已被他人处理，请刷新后重试") from None
    for purpose, master in ctx.notices:
        notify_citizen(session, ticket, purpose, ctx.now, master=master)
    change = StateChange(ticket, action, source, ticket.state, actor, ctx.now, ctx.data)
    for listener in _listeners:
        listener(session, change)
    defer(session, "push:hotline.console.push:ticket_changed", ticket.id, "ticket.updated")
    return ticket
