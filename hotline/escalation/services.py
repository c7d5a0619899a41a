"""The ladder's sweep and what it shows: each step through the one state machine, once per ticket × step × deadline.

A step is the state machine's own ``urge`` (催办) or ``supervise`` (督办) action, taken by the system
supervisor ``escalation``, so it lands in the ticket's trail like any other; the ``ticket_escalations`` row
beside it (unique per ticket, step and deadline) is what makes a step happen once, however often or however
concurrently the sweep runs. A deadline that moves (an approved extension, a rework) starts a new ladder.
Overdue is measured on the stage's own clock: working time for working-day limits (法定节假日 and 调休 included).
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotline.auth.models import User
from hotline.auth.roles import Role
from hotline.auth.services import create_user
from hotline.core import clock
from hotline.core.errors import ApiError
from hotline.escalation.models import EscalationRule, EscalationRuleChange, TicketEscalation
from hotline.escalation.rules import ACTIONS, LEVELS, STAGE_NAMES, STAGES, TARGETS, LadderRule, ladder_for
from hotline.tickets.deadlines import running_deadlines
from hotline.tickets.lifecycle import ActionParams, perform_action
from hotline.tickets.models import Ticket, TicketEvent
from hotline.tickets.states import OPEN, State
from hotline.units.models import Unit

SYSTEM_USERNAME = "escalation"
BATCH = 500
_WAITING = (State.DISPATCHED.value, State.RETURN_REQUESTED.value)
_HANDLING = (*_WAITING, State.ACCEPTED.value)


@dataclass
class SweepResult:
    checked: int = 0
    steps: int = 0


def escalation_actor(session: Session) -> User:
    """Return the system supervisor the ladder acts as (created inactive, with no usable password, once)."""
    user = session.scalar(select(User).where(User.username == SYSTEM_USERNAME))
    if user is not None:
        return user
    root = session.scalar(select(Unit).where(Unit.parent_id.is_(None)).order_by(Unit.path))
    if root is None:
        raise RuntimeError("no root unit to attach the escalation user to")
    user = create_user(session, SYSTEM_USERNAME, secrets.token_urlsafe(24), Role.SUPERVISOR.value, root, "自动督办")
    user.active = False
    session.flush()
    return user


def _notified(ticket: Ticket, rule: LadderRule) -> Unit | None:
    holder = ticket.handling_unit
    if rule.target == "parent_and_supervisor" and holder is not None and holder.parent is not None:
        return holder.parent
    return holder


def _note(rule: LadderRule, ticket: Ticket, notified: Unit | None) -> str:
    who = TARGETS[rule.target]
    if rule.target == "parent_and_supervisor" and notified is not None:
        who = f"上级单位{notified.name}及中心督办员"
    return f"自动{LEVELS[rule.level]}：{STAGE_NAMES[rule.stage]}超期{rule.after.label()}，通知{who}（{rule.name}）"


def _take_step(
    session: Session, ticket: Ticket, rule: LadderRule, due: dt.datetime, actor: User, moment: dt.datetime, preset: str
) -> bool:
    notified = _notified(ticket, rule)
    try:
        with session.begin_nested():
            holder, lead = ticket.handling_unit_id, ticket.lead_unit_id
            perform_action(
                session,
                ticket,
                rule.action,
                actor,
                ActionParams(note=_note(rule, ticket, notified)),
                preset=preset,
                now=moment,
            )
            event_id = session.scalar(select(func.max(TicketEvent.id)).where(TicketEvent.ticket_id == ticket.id))
            ticket.escalation_level = rule.level
            session.add(
                TicketEscalation(
                    ticket_id=ticket.id,
                    rule_code=rule.code,
                    stage=rule.stage,
                    level=rule.level,
                    due_at=due,
                    unit_id=holder,
                    lead_unit_id=lead,
                    notified_unit_id=notified.id if notified else None,
                    target=rule.target,
                    event_id=event_id,
                    created_at=moment,
                )
            )
            session.flush()
    except (IntegrityError, ApiError):
        # Another sweep took this step first (the unique key), or the ticket moved on meanwhile.
        session.refresh(ticket)
        return False
    return True


def sweep_escalations(session: Session, moment: dt.datetime, *, preset: str = "default") -> SweepResult:
    """Take every ladder step now due on an open ticket; each step at most once per deadline."""
    result = SweepResult()
    ladder = ladder_for(session, preset)
    if not ladder:
        return result
    actor = escalation_actor(session)
    overdue = or_(
        and_(Ticket.state.in_(_WAITING), Ticket.accept_due < moment),
        and_(Ticket.state.in_(_HANDLING), Ticket.reply_due < moment),
    )
    last_id = 0
    while True:
        batch = list(
            session.scalars(select(Ticket).where(overdue, Ticket.id > last_id).order_by(Ticket.id).limit(BATCH))
        )
        if not batch:
            return result
        taken = _taken(session, [t.id for t in batch])
        for ticket in batch:
            result.checked += 1
            for deadline in running_deadlines(ticket):
                for rule in ladder:
                    if rule.stage != deadline.stage or (ticket.id, rule.code, clock.as_utc(deadline.due_at)) in taken:
                        continue
                    if (
                        clock.as_utc(rule.after.after(deadline.due_at)) <= clock.as_utc(moment)
                        and ticket.state_enum in OPEN
                    ):
                        result.steps += _take_step(session, ticket, rule, deadline.due_at, actor, moment, preset)
        last_id = batch[-1].id


def _taken(session: Session, ticket_ids: list[int]) -> set[tuple[int, str, dt.datetime]]:
    rows = session.execute(
        select(TicketEscalation.ticket_id, TicketEscalation.rule_code, TicketEscalation.due_at).where(
            TicketEscalation.ticket_id.in_(ticket_ids)
        )
    )
    return {(r.ticket_id, r.rule_code, clock.as_utc(r.due_at)) for r in rows}


def steps_for(session: Session, ticket: Ticket) -> list[dict]:
    """Return the ladder steps taken on ``ticket``, oldest first."""
    rows = session.scalars(
        select(TicketEscalation)
        .where(TicketEscalation.ticket_id == ticket.id)
        .order_by(TicketEscalation.created_at, TicketEscalation.id)
    )
    return [escalation_to_dict(r) for r in rows]


def escalation_to_dict(row: TicketEscalation) -> dict:
    """Serialise one step taken."""
    return {
        "number": row.ticket.number,
        "rule": row.rule_code,
        "stage": row.stage,
        "level": row.level,
        "level_name": LEVELS.get(row.level, row.level),
        "target": row.target,
        "target_name": TARGETS.get(row.target, row.target),
        "due_at": clock.as_utc(row.due_at).isoformat(),
        "at": clock.as_utc(row.created_at).isoformat(),
    }


def open_counts(session: Session) -> dict[str, int]:
    """Return how many open tickets stand at each ladder level (for the dashboard)."""
    rows = session.execute(
        select(Ticket.escalation_level, func.count())
        .where(Ticket.state.in_([s.value for s in OPEN]), Ticket.escalation_level.is_not(None))
        .group_by(Ticket.escalation_level)
    )
    found = dict(rows.all())
    return {level: int(found.get(level, 0)) for level in LEVELS}


def _validate(raw: object) -> list[dict]:
    if not isinstance(raw, list) or not raw:
        raise ApiError(422, "invalid_rules", "请提供至少一条督办规则（rules）", field="rules")
    out, codes = [], set()
    for position, item in enumerate(raw, start=1):
        if not isinstance(item, dict):
            raise ApiError(422, "invalid_rules", "每条督办规则须为 JSON 对象", field="rules")
        code = item.get("code")
        if not isinstance(code, str) or not code.strip() or len(code) > 40 or code in codes:
            raise ApiError(422, "invalid_rules", f"第 {position} 条规则的编码（code）缺失、过长或重复", field="rules")
        codes.add(code)
        checks = (
            ("stage", STAGES),
            ("action", ACTIONS),
            ("level", tuple(LEVELS)),
            ("target", tuple(TARGETS)),
            ("after_unit", clock.UNITS),
        )
        for name, choices in checks:
            if item.get(name) not in choices:
                raise ApiError(
                    422,
                    "invalid_rules",
                    f"第 {position} 条规则的 {name} 无效，可选：{'、'.join(choices)}",
                    field="rules",
                )
        amount = item.get("after_amount")
        if isinstance(amount, bool) or not isinstance(amount, int | float) or not 0 <= amount <= 10000:
            raise ApiError(
                422, "invalid_rules", f"第 {position} 条规则的 after_amount 须为 0 到 10000 之间的数字", field="rules"
            )
        if item["level"] != "urged" and item["action"] != "supervise":
            raise ApiError(422, "invalid_rules", f"第 {position} 条规则：督办级别须用 supervise 动作", field="rules")
        name = item.get("name") if isinstance(item.get("name"), str) else None
        out.append(
            {
                "code": code,
                "position": position,
                "stage": item["stage"],
                "after_amount": float(amount),
                "after_unit": item["after_unit"],
                "action": item["action"],
                "level": item["level"],
                "target": item["target"],
                "name": (name or LEVELS[item["level"]])[:60],
            }
        )
    return out


def replace_ladder(
    session: Session, preset: str, raw_rules: object, actor: User, *, now: dt.datetime | None = None
) -> tuple[LadderRule, ...]:
    """Replace ``preset``'s ladder with ``raw_rules`` (in order), recording before and after."""
    rules = _validate(raw_rules)
    moment = now or clock.now()
    before = [r.to_dict() for r in ladder_for(session, preset)]
    for row in session.scalars(select(EscalationRule).where(EscalationRule.preset == preset)):
        session.delete(row)
    session.flush()
    for rule in rules:
        session.add(EscalationRule(preset=preset, created_at=moment, created_by_id=actor.id, **rule))
    session.flush()
    ladder = ladder_for(session, preset)
    session.add(
        EscalationRuleChange(
            preset=preset, actor_id=actor.id, before=before, after=[r.to_dict() for r in ladder], created_at=moment
        )
    )
    session.flush()
    return ladder
