"""万件清理 campaigns: snapshot the backlog into a ledger (台账), follow it, strike rows off (销号), act in bulk.

Bulk actions go through ``hotline.tickets.lifecycle.perform_action`` one ticket at a time, each in its own
savepoint, so a refused ticket never undoes the others:

* 督办 (``supervise``): allowed by the state machine in every open state, for supervisors.
* 改派 (re-dispatch to another unit): the state machine only lets the dispatch desk move a ticket that is
  not held by a unit. So bulk 改派 ``dispatch``-es tickets in ``registered`` (e.g. after an approved return);
  for ``return_requested`` it first approves the pending return (``approve_return``) and then dispatches;
  every other state (signed, being handled, replied…) is refused with 409 — the holding unit must return it
  first, or a supervisor reopens/reworks it through the normal actions.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from hotline.auth.models import User
from hotline.core import clock
from hotline.core.clock import TZ
from hotline.core.errors import ApiError, DomainError
from hotline.tickets.lifecycle import ActionParams, perform_action
from hotline.tickets.models import Ticket
from hotline.tickets.states import DONE, STATE_NAMES, State
from hotline.units.models import Unit
from reports.backlog import backlog_query, row_from
from reports.models import Campaign, LedgerRow
from reports.queries import rate

DONE_STATES = tuple(sorted(s.value for s in DONE))


def campaign_start(campaign: Campaign) -> dt.datetime:
    """Return the first moment (UTC) of the campaign's start date in Asia/Shanghai."""
    return dt.datetime.combine(campaign.start_date, dt.time(0), TZ).astimezone(dt.UTC)


def create_campaign(
    session: Session, name: str, start_date: dt.date, scope: Unit | None, actor: User, *, now: dt.datetime | None = None
) -> Campaign:
    """Start a campaign: snapshot the open backlog of ``scope``'s subtree into ledger rows."""
    now = now or clock.now()
    campaign = Campaign(
        name=name,
        start_date=start_date,
        scope_unit=scope,
        created_by=actor,
        created_at=now,
        snapshot_at=now,
        backlog_at_start=0,
    )
    session.add(campaign)
    session.flush()
    rows = [row_from(r, now) for r in session.execute(backlog_query(now, scope=scope))]
    if rows:
        session.execute(
            insert(LedgerRow),
            [
                {
                    "campaign_id": campaign.id,
                    "ticket_id": r["ticket_id"],
                    "unit_id": r["unit_id"],
                    "category": r["category"],
                    "state_at_start": r["state"],
                    "age_days_at_start": r["age_days"],
                    "age_bucket": r["age_bucket"],
                    "reasons": r["reasons"],
                }
                for r in rows
            ],
        )
    campaign.backlog_at_start = len(rows)
    session.flush()
    return campaign


def campaign_to_dict(campaign: Campaign) -> dict:
    """Serialise a campaign's header."""
    return {
        "id": campaign.id,
        "name": campaign.name,
        "start_date": campaign.start_date.isoformat(),
        "scope_unit": campaign.scope_unit.brief() if campaign.scope_unit else None,
        "created_by": campaign.created_by.username if campaign.created_by else None,
        "snapshot_at": clock.as_utc(campaign.snapshot_at).isoformat(),
        "backlog_at_start": campaign.backlog_at_start,
    }


def get_campaign(session: Session, campaign_id: int) -> Campaign:
    """Return the campaign or 404."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise ApiError(404, "not_found", "清理活动不存在")
    return campaign


def _ledger_select(campaign: Campaign):
    return (
        select(
            LedgerRow.id,
            LedgerRow.unit_id,
            LedgerRow.category,
            LedgerRow.state_at_start,
            LedgerRow.age_days_at_start,
            LedgerRow.age_bucket,
            LedgerRow.reasons,
            LedgerRow.struck_off_at,
            Ticket.number,
            Ticket.title,
            Ticket.state,
            Ticket.closed_at,
            Ticket.warning,
            Unit.code.label("unit_code"),
            Unit.name.label("unit_name"),
        )
        .select_from(LedgerRow)
        .join(Ticket, Ticket.id == LedgerRow.ticket_id)
        .outerjoin(Unit, Unit.id == LedgerRow.unit_id)
        .where(LedgerRow.campaign_id == campaign.id)
        .order_by(Unit.path, LedgerRow.age_days_at_start.desc(), LedgerRow.id)
    )


def ledger_rows(
    session: Session, campaign: Campaign, *, unit: Unit | None = None, remaining_only: bool = False
) -> list[dict]:
    """Return the campaign's ledger rows with each ticket's state now."""
    query = _ledger_select(campaign)
    if unit is not None:
        query = query.where(Unit.in_subtree_of(unit))
    if remaining_only:
        query = query.where(LedgerRow.struck_off_at.is_(None))
    return [
        {
            "id": r.id,
            "number": r.number,
            "title": r.title,
            "unit": {"code": r.unit_code, "name": r.unit_name} if r.unit_code else None,
            "category": r.category,
            "age_days": r.age_days_at_start,
            "age_bucket": r.age_bucket,
            "reasons": list(r.reasons or []),
            "state_at_start": r.state_at_start,
            "state": r.state,
            "state_name": STATE_NAMES[State(r.state)],
            "warning": r.warning,
            "closed": r.state in DONE_STATES,
            "closed_at": clock.as_utc(r.closed_at).isoformat() if r.closed_at and r.state in DONE_STATES else None,
            "struck_off": r.struck_off_at is not None,
            "struck_off_at": clock.as_utc(r.struck_off_at).isoformat() if r.struck_off_at else None,
        }
        for r in session.execute(query)
    ]


def _rows_for(session: Session, campaign: Campaign, numbers: list[str] | None) -> list[tuple[LedgerRow, Ticket]]:
    query = (
        select(LedgerRow, Ticket)
        .join(Ticket, Ticket.id == LedgerRow.ticket_id)
        .where(LedgerRow.campaign_id == campaign.id)
        .order_by(LedgerRow.id)
    )
    if numbers is not None:
        query = query.where(Ticket.number.in_(numbers))
    found = [(row[0], row[1]) for row in session.execute(query)]
    if numbers is not None:
        missing = sorted(set(numbers) - {t.number for _, t in found})
        if missing:
            raise DomainError(
                422, "not_in_ledger", f"以下工单不在本次清理台账中：{'、'.join(missing)}", numbers=missing
            )
    return found


def strike_off(
    session: Session,
    campaign: Campaign,
    numbers: list[str],
    actor: User,
    *,
    note: str | None = None,
    now: dt.datetime | None = None,
) -> dict:
    """销号: strike the rows of closed tickets off the ledger; refuse (409, nothing changed) if any is still open."""
    now = now or clock.now()
    found = _rows_for(session, campaign, numbers)
    still_open = [t.number for _, t in found if t.state not in DONE_STATES]
    if still_open:
        raise DomainError(409, "ticket_open", f"工单尚未办结，不能销号：{'、'.join(still_open)}", numbers=still_open)
    struck, already = [], []
    for row, ticket in found:
        if row.struck_off_at is not None:
            already.append(ticket.number)
            continue
        row.struck_off_at, row.struck_off_by_id, row.strike_note = now, actor.id, note
        struck.append(ticket.number)
    session.flush()
    return {"struck_off": struck, "already_struck_off": already}


def _each(session: Session, pairs: list[tuple[LedgerRow, Ticket]], step) -> list[dict]:
    results = []
    for _, ticket in pairs:
        try:
            with session.begin_nested():
                step(ticket)
            results.append({"number": ticket.number, "ok": True, "state": ticket.state})
        except ApiError as exc:
            session.refresh(ticket)
            results.append(
                {
                    "number": ticket.number,
                    "ok": False,
                    "state": ticket.state,
                    "error": {"code": exc.code, "message": exc.message},
                }
            )
    return results


def bulk_supervise(
    session: Session,
    campaign: Campaign,
    numbers: list[str] | None,
    actor: User,
    *,
    note: str | None = None,
    now: dt.datetime | None = None,
) -> list[dict]:
    """督办 every named ledger ticket (all rows not struck off when ``numbers`` is None); one result per ticket."""
    pairs = [(r, t) for r, t in _rows_for(session, campaign, numbers) if numbers is not None or r.struck_off_at is None]
    params = ActionParams(note=note or f"万件清理督办：{campaign.name}")
    return _each(session, pairs, lambda t: perform_action(session, t, "supervise", actor, params, now=now))


def bulk_redispatch(
    session: Session,
    campaign: Campaign,
    numbers: list[str],
    unit_code: str,
    actor: User,
    *,
    note: str | None = None,
    now: dt.datetime | None = None,
) -> list[dict]:
    """改派 the named ledger tickets to ``unit_code`` (see the module docstring for which states allow it)."""
    pairs = _rows_for(session, campaign, numbers)
    note = note or f"万件清理改派：{campaign.name}"

    def step(ticket: Ticket) -> None:
        if ticket.state == State.RETURN_REQUESTED.value:
            perform_action(session, ticket, "approve_return", actor, ActionParams(note=note), now=now)
        if ticket.state != State.REGISTERED.value:
            raise DomainError(
                409, "cannot_redispatch", f"工单处于“{STATE_NAMES[State(ticket.state)]}”，须由承办单位退单后才能改派"
            )
        perform_action(session, ticket, "dispatch", actor, ActionParams(note=note, unit=unit_code), now=now)

    return _each(session, pairs, step)


def _facts(session: Session, campaign: Campaign) -> list:
    query = (
        select(LedgerRow.unit_id, LedgerRow.struck_off_at, Ticket.state, Ticket.closed_at)
        .join(Ticket, Ticket.id == LedgerRow.ticket_id)
        .where(LedgerRow.campaign_id == campaign.id)
    )
    return list(session.execute(query))


def _closed_since_start(fact, start: dt.datetime, until: dt.datetime | None = None) -> bool:
    if fact.state not in DONE_STATES or fact.closed_at is None:
        return False
    closed = clock.as_utc(fact.closed_at)
    return closed >= start and (until is None or closed < until)


def burndown(session: Session, campaign: Campaign, *, today: dt.date | None = None) -> list[dict]:
    """Return one point per day since the start: rows not yet struck off, tickets closed, clearance rate."""
    now = clock.now()
    today = today or now.astimezone(TZ).date()
    facts = _facts(session, campaign)
    start = campaign_start(campaign)
    points = []
    day = campaign.start_date
    while day <= today:
        end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), TZ).astimezone(dt.UTC)
        remaining = sum(1 for f in facts if f.struck_off_at is None or clock.as_utc(f.struck_off_at) >= end)
        closed = sum(1 for f in facts if _closed_since_start(f, start, end))
        points.append(
            {
                "date": day.isoformat(),
                "remaining": remaining,
                "closed": closed,
                "open_tickets": len(facts) - closed,
                "clearance_rate": rate(closed, campaign.backlog_at_start),
            }
        )
        day += dt.timedelta(days=1)
    return points


def unit_clearance(session: Session, campaign: Campaign) -> list[dict]:
    """Return per unit: backlog at start, closed since start, struck off, clearance rate (closed ÷ backlog)."""
    start = campaign_start(campaign)
    counts: dict = defaultdict(lambda: {"backlog_at_start": 0, "closed": 0, "struck_off": 0})
    for f in _facts(session, campaign):
        entry = counts[f.unit_id]
        entry["backlog_at_start"] += 1
        entry["closed"] += _closed_since_start(f, start)
        entry["struck_off"] += f.struck_off_at is not None
    ids = [i for i in counts if i is not None]
    units = {u.id: u for u in session.scalars(select(Unit).where(Unit.id.in_(ids)))} if ids else {}
    result = []
    for unit_id, entry in counts.items():
        unit = units.get(unit_id)
        result.append(
            {
                "unit": unit.brief() if unit else None,
                **entry,
                "clearance_rate": rate(entry["closed"], entry["backlog_at_start"]),
            }
        )
    return sorted(result, key=lambda e: (e["unit"] is None, e["unit"]["code"] if e["unit"] else ""))


def list_campaigns(session: Session) -> list[Campaign]:
    """Return every campaign, newest first."""
    return list(session.scalars(select(Campaign).order_by(Campaign.created_at.desc(), Campaign.id.desc())))


def remaining_count(session: Session, campaign: Campaign) -> int:
    """Return how many ledger rows are not struck off."""
    return (
        session.scalar(
            select(func.count(LedgerRow.id)).where(
                LedgerRow.campaign_id == campaign.id, LedgerRow.struck_off_at.is_(None)
            )
        )
        or 0
    )
