"""The measures of SPEC §6 (直接答复率, 及时签收率, 退单率, 按时办结率, 三率, 重办率, 超期件) and the ranking.

Every row carries each numerator and denominator beside its rate, so anyone can recompute it. What counts,
precisely (a period is whole Asia/Shanghai days, ``[start, end)`` in UTC):

* 直接答复率 = ``closed_on_call`` ÷ ``registered``: tickets registered (``created_at``) in the period; of those,
  the ones now closed without ever having a lead unit (``close_on_call``). City-wide only: a registered
  ticket has no unit yet, so unit rows and unit-scoped queries leave both ``None``.
* 及时签收率 = ``accepted_on_time`` ÷ ``dispatched``: ``dispatched`` counts the 派单 events in the period, per
  unit named in the event (every dispatch counts, so a ticket returned by one unit and re-dispatched to another
  counts once for each); ``accepted_on_time`` counts the distinct tickets among them still led by that unit and
  signed (签收) before their 签收 deadline.
* 退单率 = ``returns_approved`` ÷ ``dispatched``: approved return requests (``approve_return`` events) in the
  period, per unit that returned the ticket.
* 按时办结率 = ``replied_on_time`` ÷ ``due``: ``due`` = tickets of the lead unit replied in the period, plus
  tickets not replied whose reply deadline (moved by approved extensions and 挂账 pauses) fell in the period
  and has passed; ``replied_on_time`` = those replied in the period by their deadline. Tickets answered by
  最终答复 (``final_reply``) are excluded.
* 三率 = ``contacted`` / ``resolved`` / ``satisfied`` ÷ ``valid_callbacks``: callback attempts
  (``ticket_callbacks``) made in the period that reached the citizen (``unreachable`` is false), leaving out
  callbacks of tickets answered by 最终答复 or whose 差评 was upheld (``dispute_upheld``) — those tickets are
  judged by the supervisor, not the citizen. Per unit = the lead unit recorded on the callback. ``satisfied``
  = very_satisfied + satisfied + basically_satisfied. Whoever answered counts alike: an agent's callback, the
  citizen's 评价 on the portal or through the SMS link (智能回访); ``callbacks_by_source`` (and the counts
  ``callbacks_agent`` / ``callbacks_portal`` / ``callbacks_citizen_link``) split ``valid_callbacks`` by source.
* 重办率 = ``reworked`` ÷ ``closed``: tickets with a lead unit closed in the period; of those, the ones
  reworked (差评重办) at least once.
* 超期件 ``overdue`` = open tickets past the deadline running in their state *now* (a snapshot, not a period
  measure), per unit holding them and per stage (``overdue_by_stage``); 挂账 tickets have no running clock.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, case, distinct, false, func, not_, or_, select, true
from sqlalchemy.orm import Session

from hotline.core import clock
from hotline.core.errors import ApiError
from hotline.tickets.models import CALLBACK_SOURCES, SATISFIED_LEVELS, Ticket, TicketCallback, TicketEvent
from hotline.tickets.states import State
from hotline.units.models import Unit
from reports.queries import (
    GRAINS,
    STAGE_STATES,
    Period,
    in_period,
    local_bucket,
    overdue_condition,
    rate,
    subtree_ids,
)

GROUPINGS = ("unit", "category", *GRAINS)
COUNTS = (
    "registered",
    "closed_on_call",
    "dispatched",
    "accepted_on_time",
    "returns_approved",
    "due",
    "replied_on_time",
    "valid_callbacks",
    "contacted",
    "resolved",
    "satisfied",
    "callbacks_agent",
    "callbacks_portal",
    "callbacks_citizen_link",
    "closed",
    "reworked",
    "overdue",
)
# Valid callbacks by who answered (``ticket_callbacks.source``): they add up to ``valid_callbacks``.
SOURCE_COUNTS = {f"callbacks_{source}": source for source in CALLBACK_SOURCES}
RATES = {
    "direct_answer_rate": ("closed_on_call", "registered"),
    "accept_on_time_rate": ("accepted_on_time", "dispatched"),
    "return_rate": ("returns_approved", "dispatched"),
    "on_time_reply_rate": ("replied_on_time", "due"),
    "response_rate": ("contacted", "valid_callbacks"),
    "resolution_rate": ("resolved", "valid_callbacks"),
    "satisfaction_rate": ("satisfied", "valid_callbacks"),
    "rework_rate": ("reworked", "closed"),
}
RATE_NAMES = {
    "direct_answer_rate": "直接答复率",
    "accept_on_time_rate": "及时签收率",
    "return_rate": "退单率",
    "on_time_reply_rate": "按时办结率",
    "response_rate": "响应率",
    "resolution_rate": "解决率",
    "satisfaction_rate": "满意率",
    "rework_rate": "重办率",
}
RANKABLE = ("satisfaction_rate", "resolution_rate", "response_rate", "on_time_reply_rate", "accept_on_time_rate")
DEFAULT_MIN_SAMPLE = 10
_DISPATCH_STATES = (State.DISPATCHED.value, State.RETURN_REQUESTED.value, State.ACCEPTED.value)


@dataclass(frozen=True)
class Spec:
    """One family of measures: the rows it counts (``source`` + ``where``), how to attribute them, and each
    measure as a condition on those rows (``None`` = every row). ``distinct`` measures count distinct tickets."""

    source: Any
    where: tuple
    unit_col: ColumnElement | None
    time_col: ColumnElement
    ticket_col: ColumnElement
    measures: dict[str, ColumnElement | None]
    distinct: frozenset[str] = frozenset()


def _scoped(unit_col: ColumnElement, scope: Unit | None) -> list[ColumnElement]:
    return [] if scope is None else [unit_col.in_(subtree_ids(scope))]


def registered_spec(period: Period, scope: Unit | None, now: dt.datetime) -> Spec:
    """Tickets registered in ``period``; of those, closed on the call (never given a lead unit)."""
    closed_on_call = and_(Ticket.state == State.CLOSED.value, Ticket.lead_unit_id.is_(None))
    return Spec(
        Ticket.__table__,
        (in_period(Ticket.created_at, period),),
        None,
        Ticket.created_at,
        Ticket.id,
        {"registered": None, "closed_on_call": closed_on_call},
    )


def dispatch_spec(period: Period, scope: Unit | None, now: dt.datetime) -> Spec:
    """派单 events in ``period`` per target unit; the tickets among them still led by that unit and signed on time."""
    unit_code = TicketEvent.data["unit"].as_string()
    source = TicketEvent.__table__.join(Ticket, Ticket.id == TicketEvent.ticket_id).join(Unit, Unit.code == unit_code)
    on_time = and_(Ticket.lead_unit_id == Unit.id, Ticket.accepted_at.is_not(None), Ticket.accepted_on_time == true())
    return Spec(
        source,
        (TicketEvent.action == "dispatch", in_period(TicketEvent.created_at, period), *_scoped(Unit.id, scope)),
        Unit.id,
        TicketEvent.created_at,
        TicketEvent.ticket_id,
        {"dispatched": None, "accepted_on_time": on_time},
        frozenset({"accepted_on_time"}),
    )


def return_spec(period: Period, scope: Unit | None, now: dt.datetime) -> Spec:
    """Approved return requests in ``period`` per unit that returned the ticket."""
    unit_code = TicketEvent.data["returned_by"].as_string()
    source = TicketEvent.__table__.join(Ticket, Ticket.id == TicketEvent.ticket_id).join(Unit, Unit.code == unit_code)
    return Spec(
        source,
        (TicketEvent.action == "approve_return", in_period(TicketEvent.created_at, period), *_scoped(Unit.id, scope)),
        Unit.id,
        TicketEvent.created_at,
        TicketEvent.ticket_id,
        {"returns_approved": None},
    )


def reply_spec(period: Period, scope: Unit | None, now: dt.datetime) -> Spec:
    """Tickets due for a reply in ``period`` per lead unit; those replied on time."""
    replied = in_period(Ticket.replied_at, period)
    missed = and_(
        Ticket.replied_at.is_(None),
        Ticket.state.in_(_DISPATCH_STATES),
        Ticket.reply_due >= period.start,
        Ticket.reply_due < min(period.end, now),
    )
    return Spec(
        Ticket.__table__,
        (
            or_(replied, missed),
            Ticket.is_final_reply == false(),
            Ticket.lead_unit_id.is_not(None),
            *_scoped(Ticket.lead_unit_id, scope),
        ),
        Ticket.lead_unit_id,
        func.coalesce(Ticket.replied_at, Ticket.reply_due),
        Ticket.id,
        {"due": None, "replied_on_time": and_(replied, Ticket.replied_on_time == true())},
    )


def callback_spec(period: Period, scope: Unit | None, now: dt.datetime) -> Spec:
    """Valid callbacks in ``period`` (三率 denominator) per lead unit; contacted, resolved, satisfied."""
    source = TicketCallback.__table__.join(Ticket, Ticket.id == TicketCallback.ticket_id)
    return Spec(
        source,
        (
            in_period(TicketCallback.created_at, period),
            TicketCallback.unreachable == false(),
            not_(or_(Ticket.is_final_reply == true(), Ticket.dispute_upheld == true())),
            TicketCallback.unit_id.is_not(None),
            *_scoped(TicketCallback.unit_id, scope),
        ),
        TicketCallback.unit_id,
        TicketCallback.created_at,
        TicketCallback.ticket_id,
        {
            "valid_callbacks": None,
            "contacted": TicketCallback.contacted == true(),
            "resolved": TicketCallback.resolved == true(),
            "satisfied": TicketCallback.satisfaction.in_(sorted(SATISFIED_LEVELS)),
            **{name: TicketCallback.source == source for name, source in SOURCE_COUNTS.items()},
        },
    )


def close_spec(period: Period, scope: Unit | None, now: dt.datetime) -> Spec:
    """Tickets with a lead unit closed in ``period``; those reworked at least once."""
    return Spec(
        Ticket.__table__,
        (
            Ticket.state == State.CLOSED.value,
            in_period(Ticket.closed_at, period),
            Ticket.lead_unit_id.is_not(None),
            *_scoped(Ticket.lead_unit_id, scope),
        ),
        Ticket.lead_unit_id,
        Ticket.closed_at,
        Ticket.id,
        {"closed": None, "reworked": Ticket.rework_count > 0},
    )


def overdue_spec(period: Period, scope: Unit | None, now: dt.datetime) -> Spec:
    """Open tickets past their running deadline at ``now``, per unit holding them, in total and per stage."""
    open_states = sorted({s for states in STAGE_STATES.values() for s in states})
    measures: dict[str, ColumnElement | None] = {stage: overdue_condition(stage, now) for stage in STAGE_STATES}
    measures["overdue"] = or_(*(overdue_condition(stage, now) for stage in STAGE_STATES))
    return Spec(
        Ticket.__table__,
        (Ticket.state.in_(open_states), *_scoped(Ticket.handling_unit_id, scope)),
        Ticket.handling_unit_id,
        Ticket.created_at,
        Ticket.id,
        measures,
    )


SPECS = (registered_spec, dispatch_spec, return_spec, reply_spec, callback_spec, close_spec, overdue_spec)
MEASURE_SPECS = {
    name: spec
    for spec in SPECS
    for name in spec(
        Period(dt.date(2000, 1, 1), dt.date(2000, 1, 1)), None, dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    ).measures
}


def _key(by: str | None, spec: Spec) -> ColumnElement | None:
    if by is None:
        return None
    if by == "unit":
        return spec.unit_col
    if by == "category":
        return Ticket.category
    return local_bucket(spec.time_col, by)


def _aggregate(name: str, spec: Spec) -> ColumnElement:
    condition = spec.measures[name]
    if name in spec.distinct:
        return func.count(distinct(spec.ticket_col if condition is None else case((condition, spec.ticket_col))))
    if condition is None:
        return func.count()
    return func.sum(case((condition, 1), else_=0))


def count_spec(session: Session, spec: Spec, by: str | None) -> dict:
    """Run one spec's aggregate query; return ``{key: {measure: count}}`` (key ``"all"`` when ungrouped)."""
    labelled = [_aggregate(name, spec).label(name) for name in spec.measures]
    key = _key(by, spec)
    if key is None:
        row = session.execute(select(*labelled).select_from(spec.source).where(*spec.where)).one()
        return {"all": {name: int(row._mapping[name] or 0) for name in spec.measures}}
    query = select(key.label("k"), *labelled).select_from(spec.source).where(*spec.where).group_by(key)
    return {row.k: {name: int(row._mapping[name] or 0) for name in spec.measures} for row in session.execute(query)}


def drill_down(
    session: Session,
    measure: str,
    period: Period,
    *,
    scope: Unit | None = None,
    unit: Unit | None = None,
    category: str | None = None,
    now: dt.datetime | None = None,
    limit: int = 1000,
) -> list[str]:
    """Return the numbers of the tickets behind one count (``unit`` = exactly that attributed unit)."""
    if measure not in MEASURE_SPECS:
        raise ApiError(422, "invalid_choice", f"指标无效，可选：{'、'.join(MEASURE_SPECS)}", field="measure")
    spec = MEASURE_SPECS[measure](period, scope, now or clock.now())
    where = list(spec.where)
    if spec.measures[measure] is not None:
        where.append(spec.measures[measure])
    if unit is not None:
        if spec.unit_col is None:
            raise ApiError(422, "not_by_unit", "该指标不按单位统计", field="unit")
        where.append(spec.unit_col == unit.id)
    if category is not None:
        where.append(Ticket.category == category)
    query = select(Ticket.number).select_from(spec.source).where(*where).distinct().order_by(Ticket.number).limit(limit)
    if spec.source is not Ticket.__table__ and Ticket.__table__ not in _tables(spec.source):
        query = query.join(Ticket, Ticket.id == spec.ticket_col)
    return list(session.scalars(query))


def _tables(source: Any) -> set:
    found = set()
    stack = [source]
    while stack:
        item = stack.pop()
        if hasattr(item, "left"):
            stack += [item.left, item.right]
        else:
            found.add(item)
    return found


def _merge(target: dict, found: dict) -> None:
    for key, counts in found.items():
        target[key].update(counts)


def _finish(counts: dict, *, city: bool) -> dict:
    row = {name: counts.get(name, 0) for name in COUNTS}
    if not city:
        row["registered"] = row["closed_on_call"] = None
    row["overdue_by_stage"] = {stage: counts.get(stage, 0) for stage in STAGE_STATES}
    row["callbacks_by_source"] = {source: row[name] for name, source in SOURCE_COUNTS.items()}
    for name, (num, den) in RATES.items():
        row[name] = rate(row[num], row[den])
    return row


def compute_rates(
    session: Session,
    period: Period,
    *,
    by: str = "unit",
    scope: Unit | None = None,
    now: dt.datetime | None = None,
    min_sample: int = DEFAULT_MIN_SAMPLE,
    rank_by: str = "satisfaction_rate",
) -> dict:
    """Return ``{rows, totals}``: every §6 measure per unit, category or day/week/month, ranked when by unit."""
    if by not in GROUPINGS:
        raise ApiError(422, "invalid_choice", f"分组方式无效，可选：{'、'.join(GROUPINGS)}", field="by")
    if rank_by not in RANKABLE:
        raise ApiError(422, "invalid_choice", f"排名指标无效，可选：{'、'.join(RANKABLE)}", field="rank_by")
    now = now or clock.now()
    grouped: dict = defaultdict(dict)
    total: Counter = Counter()
    for make in SPECS:
        if make is registered_spec and scope is not None:
            continue
        spec = make(period, scope, now)
        # Every row of a spec lands in exactly one group (a NULL key is a group too), so the totals are the sums
        # over the groups — except where a spec is not grouped: registered tickets have no unit, and overdue is a
        # snapshot of now, not a per-period count.
        keyless = (make is registered_spec and by == "unit") or (make is overdue_spec and by in GRAINS)
        if keyless:
            total.update(count_spec(session, spec, None)["all"])
            continue
        found = count_spec(session, spec, by)
        _merge(grouped, found)
        for counts in found.values():
            total.update(counts)
    results = {by: grouped, None: {"all": dict(total)}}
    city = scope is None
    totals = _finish(results[None].get("all", {}), city=city)
    rows = []
    grouped = results[by]
    if by == "unit":
        ids = [k for k in grouped if k is not None]
        units = {u.id: u for u in session.query(Unit).filter(Unit.id.in_(ids))} if ids else {}
        for unit_id in sorted(ids, key=lambda i: units[i].path):
            rows.append({"unit": units[unit_id].brief(), **_finish(grouped[unit_id], city=False)})
        rank_rows(rows, min_sample=min_sample, rank_by=rank_by)
    else:
        label = "category" if by == "category" else "period"
        for key in sorted(grouped, key=lambda k: (k is None, k or "")):
            rows.append({label: key, **_finish(grouped[key], city=city)})
    return {
        "rows": rows,
        "totals": totals,
        "period": period.to_dict(),
        "by": by,
        "ranking": {"by": rank_by, "min_sample": min_sample} if by == "unit" else None,
    }


def rank_rows(rows: list[dict], *, min_sample: int, rank_by: str) -> None:
    """Give each unit row ``rank`` (1 = best ``rank_by``; ties share a rank) or ``None`` with ``rank_reason``."""
    eligible = []
    for row in rows:
        if row["valid_callbacks"] < min_sample:
            row["rank"] = None
            row["rank_reason"] = f"样本不足：有效回访 {row['valid_callbacks']} 件，少于 {min_sample} 件不参与排名"
        elif row[rank_by] is None:
            row["rank"] = None
            row["rank_reason"] = f"{RATE_NAMES[rank_by]}无分母，不参与排名"
        else:
            row["rank_reason"] = None
            eligible.append(row)
    eligible.sort(key=lambda r: (-r[rank_by], -r["valid_callbacks"]))
    previous, position = None, 0
    for index, row in enumerate(eligible, start=1):
        if row[rank_by] != previous:
            position, previous = index, row[rank_by]
        row["rank"] = position
