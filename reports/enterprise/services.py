"""The enterprise ledger: every 涉企 诉求 by enterprise with its state; 销号 once closed and the callback satisfied.

The monthly 营商环境 report counts its 三率 with ``reports.rates.callback_spec`` (the same valid-callback rule
as the rates report), restricted to 涉企 tickets.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import case, func, select, true
from sqlalchemy.orm import Session

from hotline.auth.models import User
from hotline.core import clock
from hotline.core.errors import DomainError
from hotline.enterprise.models import Enterprise, TicketEnterprise
from hotline.enterprise.services import ledger_row_for
from hotline.tickets.events import record_event
from hotline.tickets.models import SATISFACTION_NAMES, SATISFIED_LEVELS, Ticket
from hotline.tickets.states import STATE_NAMES, State
from hotline.units.models import Unit
from reports.queries import Period, in_period, rate, subtree_ids
from reports.rates import callback_spec


def _row(ticket: Ticket, link: TicketEnterprise | None, enterprise: Enterprise | None, unit: Unit | None) -> dict:
    return {
        "number": ticket.number,
        "title": ticket.title,
        "enterprise": enterprise.name if enterprise else None,
        "credit_code": enterprise.credit_code if enterprise else None,
        "contact_name": link.contact_name if link else None,
        "state": ticket.state,
        "state_name": STATE_NAMES[State(ticket.state)],
        "unit": unit.brief() if unit else None,
        "satisfaction": ticket.satisfaction,
        "satisfaction_name": SATISFACTION_NAMES.get(ticket.satisfaction or ""),
        "created_at": clock.as_utc(ticket.created_at).isoformat(),
        "closed_at": clock.as_utc(ticket.closed_at).isoformat() if ticket.closed_at else None,
        "struck_off": bool(link and link.struck_off_at),
        "struck_off_at": clock.as_utc(link.struck_off_at).isoformat() if link and link.struck_off_at else None,
    }


def ledger_rows(session: Session, *, scope: Unit | None = None, remaining_only: bool = False) -> list[dict]:
    """Return every 涉企 ticket (of ``scope``'s subtree) with its enterprise and state, grouped by enterprise."""
    query = (
        select(Ticket, TicketEnterprise, Enterprise, Unit)
        .outerjoin(TicketEnterprise, TicketEnterprise.ticket_id == Ticket.id)
        .outerjoin(Enterprise, Enterprise.id == TicketEnterprise.enterprise_id)
        .outerjoin(Unit, Unit.id == Ticket.lead_unit_id)
        .where(Ticket.is_enterprise == true())
    )
    if scope is not None:
        query = query.where(Ticket.lead_unit_id.in_(subtree_ids(scope)))
    if remaining_only:
        query = query.where(TicketEnterprise.struck_off_at.is_(None))
    rows = [_row(*found) for found in session.execute(query)]
    return sorted(rows, key=lambda r: (r["enterprise"] is None, r["enterprise"] or "", r["number"]))


def strike_off(
    session: Session, number: str, actor: User, *, note: str | None = None, now: dt.datetime | None = None
) -> dict:
    """销号 one ledger row: only once the ticket is closed and the enterprise's callback was satisfied (else 409)."""
    moment = now or clock.now()
    ticket = session.scalar(select(Ticket).where(Ticket.number == number, Ticket.is_enterprise == true()))
    if ticket is None:
        raise DomainError(404, "not_found", f"台账中没有这张涉企工单：{number}")
    if ticket.state != State.CLOSED.value:
        raise DomainError(
            409, "not_closed", f"工单当前状态为“{STATE_NAMES[State(ticket.state)]}”，办结后才能销号", state=ticket.state
        )
    if ticket.satisfaction not in SATISFIED_LEVELS:
        got = SATISFACTION_NAMES.get(ticket.satisfaction or "", "未回访或未联系上")
        raise DomainError(409, "not_satisfied", f"企业回访结果为“{got}”，回访满意后才能销号")
    link = ledger_row_for(session, ticket, moment)
    if link.struck_off_at is not None:
        raise DomainError(409, "already_struck_off", f"工单 {number} 已销号")
    link.struck_off_at, link.struck_off_by_id, link.strike_note = moment, actor.id, note
    record_event(
        session,
        ticket,
        "ledger_strike_off",
        actor,
        from_state=ticket.state,
        to_state=ticket.state,
        moment=moment,
        note=note or "涉企台账销号",
    )
    session.flush()
    enterprise = link.enterprise
    return _row(ticket, link, enterprise, ticket.lead_unit)


def monthly_report(session: Session, period: Period, *, now: dt.datetime | None = None) -> dict:
    """Return the month's 营商环境 report: volume, closed, 三率 of 涉企 callbacks, repeat enterprises."""
    now = now or clock.now()
    registered = list(
        session.execute(
            select(Ticket.number, Ticket.state, Enterprise.name, Enterprise.credit_code)
            .outerjoin(TicketEnterprise, TicketEnterprise.ticket_id == Ticket.id)
            .outerjoin(Enterprise, Enterprise.id == TicketEnterprise.enterprise_id)
            .where(Ticket.is_enterprise == true(), in_period(Ticket.created_at, period))
            .order_by(Ticket.number)
        )
    )
    closed = (
        session.scalar(
            select(func.count())
            .select_from(Ticket)
            .where(
                Ticket.is_enterprise == true(), Ticket.state == State.CLOSED.value, in_period(Ticket.closed_at, period)
            )
        )
        or 0
    )
    spec = callback_spec(period, None, now)
    labelled = [func.count().label("valid_callbacks")] + [
        func.sum(case((spec.measures[name], 1), else_=0)).label(name) for name in ("contacted", "resolved", "satisfied")
    ]
    counts = (
        session.execute(select(*labelled).select_from(spec.source).where(*spec.where, Ticket.is_enterprise == true()))
        .one()
        ._mapping
    )
    valid = int(counts["valid_callbacks"] or 0)
    resolved, satisfied = int(counts["resolved"] or 0), int(counts["satisfied"] or 0)
    by_enterprise: dict = defaultdict(list)
    for row in registered:
        if row.credit_code:
            by_enterprise[(row.credit_code, row.name)].append(row.number)
    repeat = [
        {"enterprise": name, "credit_code": code, "count": len(numbers), "numbers": numbers}
        for (code, name), numbers in by_enterprise.items()
        if len(numbers) >= 2
    ]
    repeat.sort(key=lambda r: (-r["count"], r["credit_code"]))
    struck = (
        session.scalar(
            select(func.count()).select_from(TicketEnterprise).where(in_period(TicketEnterprise.struck_off_at, period))
        )
        or 0
    )
    return {
        "period": period.to_dict(),
        "volume": len(registered),
        "enterprises": len(by_enterprise),
        "closed": int(closed),
        "struck_off": int(struck),
        "valid_callbacks": valid,
        "contacted": int(counts["contacted"] or 0),
        "resolved": resolved,
        "satisfied": satisfied,
        "resolution_rate": rate(resolved, valid),
        "satisfaction_rate": rate(satisfied, valid),
        "repeat_enterprises": repeat,
        "numbers": [r.number for r in registered],
        "rows": [
            {"enterprise": name, "credit_code": code, "count": len(numbers), "numbers": numbers}
            for (code, name), numbers in sorted(by_enterprise.items())
        ],
    }
