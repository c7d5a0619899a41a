"""What a unit's month consists of, ticket by ticket, using the rates report's own definitions.

三率 callbacks come from ``reports.rates.callback_spec`` (the same valid-callback rule and the same
contacted/resolved/satisfied conditions), 超期办结 from ``reply_spec`` (due in the month, not replied by the
deadline), so a 考评 number and the 三率 report never disagree about what counts.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import case, false, not_, select, true
from sqlalchemy.orm import Session

from hotline.core import clock
from hotline.escalation.models import TicketEscalation
from hotline.tickets.models import Ticket, TicketCallback, TicketEvent
from reports.queries import Period, in_period
from reports.rates import callback_spec, reply_spec


@dataclass(frozen=True)
class CallbackFact:
    """One valid callback (回访) attributed to the unit."""

    number: str
    kind: str
    contacted: bool
    resolved: bool
    satisfied: bool
    basic: bool  # 基本满意


@dataclass
class UnitFacts:
    """The tickets behind every number of one unit's month."""

    callbacks: list[CallbackFact] = field(default_factory=list)
    overdue: list[str] = field(default_factory=list)
    improper_return: list[str] = field(default_factory=list)
    rework: list[str] = field(default_factory=list)
    # (number, working hours from dispatch to reply) for replies in the month.
    replies: list[tuple[str, float]] = field(default_factory=list)
    # 催办/督办/提级督办 steps of the escalation ladder, by deduction kind.
    escalations: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def numbers_for(self, kind: str) -> list[str]:
        if kind in ("overdue", "improper_return", "rework"):
            return list(getattr(self, kind))
        return list(self.escalations.get(kind, []))


def _callbacks(session: Session, period: Period, now: dt.datetime, facts: dict[int, UnitFacts]) -> None:
    spec = callback_spec(period, None, now)
    flag = {
        name: case((spec.measures[name], true()), else_=false()).label(name)
        for name in ("contacted", "resolved", "satisfied")
    }
    query = (
        select(spec.unit_col.label("unit_id"), Ticket.number, Ticket.kind, TicketCallback.satisfaction, *flag.values())
        .select_from(spec.source)
        .where(*spec.where)
        .order_by(TicketCallback.created_at, TicketCallback.id)
    )
    for row in session.execute(query):
        facts[row.unit_id].callbacks.append(
            CallbackFact(
                row.number,
                row.kind,
                bool(row.contacted),
                bool(row.resolved),
                bool(row.satisfied),
                bool(row.satisfied) and row.satisfaction == "basically_satisfied",
            )
        )


def _overdue(session: Session, period: Period, now: dt.datetime, facts: dict[int, UnitFacts]) -> None:
    spec = reply_spec(period, None, now)
    on_time = spec.measures["replied_on_time"]
    assert on_time is not None
    query = (
        select(spec.unit_col.label("unit_id"), Ticket.number)
        .select_from(spec.source)
        .where(*spec.where, not_(on_time))
        .order_by(Ticket.number)
    )
    for row in session.execute(query):
        facts[row.unit_id].overdue.append(row.number)


def _improper_returns(session: Session, period: Period, facts: dict[int, UnitFacts], units: dict[str, int]) -> None:
    """A return request the dispatch desk rejected (驳回退单) counts against the unit that asked."""
    rejected = select(TicketEvent.ticket_id).where(
        TicketEvent.action == "reject_return", in_period(TicketEvent.created_at, period)
    )
    events = session.execute(
        select(TicketEvent.ticket_id, TicketEvent.action, TicketEvent.data, TicketEvent.created_at, Ticket.number)
        .join(Ticket, Ticket.id == TicketEvent.ticket_id)
        .where(TicketEvent.ticket_id.in_(rejected), TicketEvent.action.in_(("request_return", "reject_return")))
        .order_by(TicketEvent.ticket_id, TicketEvent.created_at, TicketEvent.id)
    )
    asked_by: dict[int, str | None] = {}
    for e in events:
        if e.action == "request_return":
            asked_by[e.ticket_id] = (e.data or {}).get("unit")
        elif period.start <= clock.as_utc(e.created_at) < period.end:
            unit_id = units.get(asked_by.get(e.ticket_id) or "")
            if unit_id is not None:
                facts[unit_id].improper_return.append(e.number)


def _reworks(session: Session, period: Period, facts: dict[int, UnitFacts]) -> None:
    """A 差评重办 counts against the unit whose answer the citizen rejected (the unit on the last callback)."""
    reworks = list(
        session.execute(
            select(TicketEvent.ticket_id, TicketEvent.created_at, Ticket.number)
            .join(Ticket, Ticket.id == TicketEvent.ticket_id)
            .where(TicketEvent.action == "rework", in_period(TicketEvent.created_at, period))
            .order_by(TicketEvent.created_at, TicketEvent.id)
        )
    )
    if not reworks:
        return
    callbacks: dict[int, list] = defaultdict(list)
    for cb in session.execute(
        select(TicketCallback.ticket_id, TicketCallback.unit_id, TicketCallback.created_at)
        .where(TicketCallback.ticket_id.in_({r.ticket_id for r in reworks}))
        .order_by(TicketCallback.created_at, TicketCallback.id)
    ):
        callbacks[cb.ticket_id].append(cb)
    for r in reworks:
        before = [cb for cb in callbacks[r.ticket_id] if clock.as_utc(cb.created_at) <= clock.as_utc(r.created_at)]
        if before and before[-1].unit_id is not None:
            facts[before[-1].unit_id].rework.append(r.number)


def _replies(session: Session, period: Period, facts: dict[int, UnitFacts]) -> None:
    query = (
        select(Ticket.lead_unit_id, Ticket.number, Ticket.reply_started_at, Ticket.replied_at)
        .where(
            in_period(Ticket.replied_at, period),
            Ticket.lead_unit_id.is_not(None),
            Ticket.reply_started_at.is_not(None),
            Ticket.is_final_reply == false(),
        )
        .order_by(Ticket.number)
    )
    for row in session.execute(query):
        hours = clock.working_seconds_between(row.reply_started_at, row.replied_at) / 3600
        facts[row.lead_unit_id].replies.append((row.number, hours))


def _escalations(session: Session, period: Period, facts: dict[int, UnitFacts]) -> None:
    """Each step of the escalation ladder counts against the lead unit it was taken on (kinds = its levels)."""
    query = (
        select(TicketEscalation.lead_unit_id, TicketEscalation.level, Ticket.number)
        .join(Ticket, Ticket.id == TicketEscalation.ticket_id)
        .where(in_period(TicketEscalation.created_at, period), TicketEscalation.lead_unit_id.is_not(None))
        .order_by(TicketEscalation.created_at, TicketEscalation.id)
    )
    for row in session.execute(query):
        facts[row.lead_unit_id].escalations[row.level].append(row.number)


def gather_facts(session: Session, period: Period, *, now: dt.datetime | None = None) -> dict[int, UnitFacts]:
    """Return every unit's facts for ``period`` keyed by unit id (units with nothing are absent)."""
    from hotline.units.models import Unit

    now = now or clock.now()
    facts: dict[int, UnitFacts] = defaultdict(UnitFacts)
    units = {code: uid for uid, code in session.execute(select(Unit.id, Unit.code))}
    _callbacks(session, period, now, facts)
    _overdue(session, period, now, facts)
    _improper_returns(session, period, facts, units)
    _reworks(session, period, facts)
    _replies(session, period, facts)
    _escalations(session, period, facts)
    return dict(facts)
