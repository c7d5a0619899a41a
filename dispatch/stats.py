"""Returns settled by data: which rules draw approved returns, and 派单准确率 per rule and per unit.

派单准确率 = dispatched tickets without an approved return ÷ dispatched tickets. A ticket's rule is the
rule of its latest dispatch decision before the return; the rule a unit disputes is the one its return
request cites as ``basis: "rule:<id> …"``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch.models import DispatchDecision, DispatchRule
from hotline.tickets.models import Ticket, TicketEvent
from hotline.units.models import Unit

_RULE_REF = re.compile(r"^\s*(?:rule|规则)\s*[:：]\s*([A-Za-z0-9][A-Za-z0-9_.\-]*)", re.IGNORECASE)
NO_RULE = "—"


def parse_rule_basis(basis: str | None) -> str | None:
    """Return the rule id a return's basis cites (``"rule:ZT-01 供水属企业直通车"`` → ``"ZT-01"``)."""
    m = _RULE_REF.match(basis or "")
    return m.group(1) if m else None


def _events(
    session: Session,
    actions: tuple[str, ...],
    since: dt.datetime | None,
    until: dt.datetime | None,
    ticket_ids: set[int] | None = None,
) -> list[TicketEvent]:
    query = select(TicketEvent).where(TicketEvent.action.in_(actions)).order_by(TicketEvent.id)
    if since is not None:
        query = query.where(TicketEvent.created_at >= since)
    if until is not None:
        query = query.where(TicketEvent.created_at < until)
    if ticket_ids is not None:
        query = query.where(TicketEvent.ticket_id.in_(ticket_ids))
    return list(session.scalars(query))


def _decisions(session: Session, ticket_ids: set[int]) -> dict[int, list[DispatchDecision]]:
    out: dict[int, list[DispatchDecision]] = defaultdict(list)
    ids = list(ticket_ids)
    for i in range(0, len(ids), 500):
        for d in session.scalars(
            select(DispatchDecision)
            .where(DispatchDecision.ticket_id.in_(ids[i : i + 500]))
            .order_by(DispatchDecision.id)
        ):
            out[d.ticket_id].append(d)
    return out


def _rule_at(decisions: list[DispatchDecision], moment: dt.datetime) -> str:
    before = [d for d in decisions if d.created_at <= moment]
    chosen = before[-1] if before else (decisions[0] if decisions else None)
    return (chosen.rule_id if chosen else None) or NO_RULE


def _legal_basis(session: Session) -> dict[str, str]:
    return dict(session.execute(select(DispatchRule.id, DispatchRule.legal_basis)).all())


def rules_by_returns(
    session: Session, *, since: dt.datetime | None = None, until: dt.datetime | None = None, limit: int = 50
) -> list[dict[str, Any]]:
    """Return rules ranked by approved returns of tickets they dispatched, with the rules units cited."""
    approved = _events(session, ("approve_return",), since, until)
    ticket_ids = {e.ticket_id for e in approved}
    requests = _events(session, ("request_return",), None, until, ticket_ids)
    decisions = _decisions(session, ticket_ids)
    numbers = (
        dict(session.execute(select(Ticket.id, Ticket.number).where(Ticket.id.in_(ticket_ids))).all())
        if ticket_ids
        else {}
    )
    rows: dict[str, dict[str, Any]] = {}
    cited: Counter[str] = Counter()
    for event in approved:
        rule = _rule_at(decisions.get(event.ticket_id, []), event.created_at)
        asked = [r for r in requests if r.ticket_id == event.ticket_id and r.id < event.id]
        disputed = parse_rule_basis((asked[-1].data or {}).get("basis")) if asked else None
        row = rows.setdefault(
            rule, {"rule": rule, "approved_returns": 0, "cited": 0, "tickets": [], "reasons": Counter()}
        )
        row["approved_returns"] += 1
        row["tickets"].append(numbers.get(event.ticket_id))
        if asked:
            row["reasons"][((asked[-1].data or {}).get("reason") or "")[:60]] += 1
        if disputed:
            cited[disputed] += 1
    for rule, count in cited.items():
        rows.setdefault(rule, {"rule": rule, "approved_returns": 0, "cited": 0, "tickets": [], "reasons": Counter()})
        rows[rule]["cited"] = count
    basis = _legal_basis(session)
    ordered = sorted(rows.values(), key=lambda r: (-r["approved_returns"], -r["cited"], r["rule"]))[:limit]
    return [
        {
            "rule": {"id": r["rule"], "legal_basis": basis.get(r["rule"], "")},
            "approved_returns": r["approved_returns"],
            "cited_in_returns": r["cited"],
            "tickets": r["tickets"][:20],
            "top_reasons": [reason for reason, _ in r["reasons"].most_common(3) if reason],
        }
        for r in ordered
    ]


def _share(right: int, total: int) -> float | None:
    return round(right / total, 4) if total else None


def dispatch_accuracy(
    session: Session, *, since: dt.datetime | None = None, until: dt.datetime | None = None
) -> dict[str, Any]:
    """Return 派单准确率 overall, per rule and per unit (the unit of the ticket's first dispatch)."""
    dispatches = _events(session, ("dispatch",), since, until)
    first: dict[int, TicketEvent] = {}
    for event in dispatches:
        first.setdefault(event.ticket_id, event)
    ticket_ids = set(first)
    returned = (
        {e.ticket_id for e in _events(session, ("approve_return",), None, None, ticket_ids)} if ticket_ids else set()
    )
    decisions = _decisions(session, ticket_ids)
    names = dict(session.execute(select(Unit.code, Unit.name)).all())
    by_rule: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # dispatched, returned, auto
    by_unit: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for tid, event in first.items():
        ds = decisions.get(tid, [])
        rule = _rule_at(ds, event.created_at)
        unit = (event.data or {}).get("unit") or NO_RULE
        was_returned = tid in returned
        by_rule[rule][0] += 1
        by_rule[rule][1] += was_returned
        by_rule[rule][2] += any(d.auto for d in ds)
        by_unit[unit][0] += 1
        by_unit[unit][1] += was_returned
    total, wrong = len(first), len(returned & ticket_ids)
    basis = _legal_basis(session)
    return {
        "dispatched": total,
        "approved_returns": wrong,
        "accuracy": _share(total - wrong, total),
        "by_rule": [
            {
                "rule": {"id": rule, "legal_basis": basis.get(rule, "")},
                "dispatched": n,
                "approved_returns": r,
                "auto_dispatched": a,
                "accuracy": _share(n - r, n),
            }
            for rule, (n, r, a) in sorted(by_rule.items(), key=lambda kv: (-kv[1][0], kv[0]))
        ],
        "by_unit": [
            {
                "unit": {"code": code, "name": names.get(code, code)},
                "dispatched": n,
                "approved_returns": r,
                "accuracy": _share(n - r, n),
            }
            for code, (n, r) in sorted(by_unit.items(), key=lambda kv: (-kv[1][0], kv[0]))
        ],
    }
