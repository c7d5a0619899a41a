"""Registering tickets and finding the ones a user may see."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import Session, joinedload, object_session, selectinload
from sqlalchemy.orm import defer as defer_column
from sqlalchemy.orm.attributes import set_committed_value

from hotline.auth.models import User
from hotline.auth.roles import SCOPED_ROLES, Role
from hotline.core import clock
from hotline.core.effects import defer
from hotline.core.errors import DomainError, not_found
from hotline.core.extensions import db
from hotline.core.recent import Recent
from hotline.core.upsert import upsert_insert
from hotline.tickets import limits
from hotline.tickets.events import record_event
from hotline.tickets.models import Ticket, TicketEvent, ticket_co_units
from hotline.tickets.notifications import notify_citizen
from hotline.tickets.numbering import next_ticket_number
from hotline.tickets.schemas import SUGGESTION_ROLES
from hotline.tickets.states import State
from hotline.units.models import Unit

PAGE_SIZE = 50
# What a listed ticket shows besides its own columns, loaded for the whole page at once (not per row).
CO_UNIT_INLINE = 500  # co-handled tickets inlined as values in a scope's condition (see visibility_filter)
# What a list row shows besides the ticket: its units joined into the page's own statement (many-to-one: no
# extra rows), the co-units in one more. Four statements less per page than loading each relation apart.
LIST_LOADING = (
    selectinload(Ticket.co_units),
    joinedload(Ticket.area_unit),
    joinedload(Ticket.lead_unit),
    # The holder's parent and grandparent: whether a row offers 上报 (lifecycle.escalation_target).
    joinedload(Ticket.handling_unit).joinedload(Unit.parent).joinedload(Unit.parent),
    joinedload(Ticket.merged_into).load_only(Ticket.id, Ticket.number),
)


def list_loading(viewer: User) -> tuple:
    """Return :data:`LIST_LOADING` for ``viewer``: without the dispatch suggestion for the roles not shown it.

    The suggestion (classification, proposal, similar tickets) is the widest column of a row; a handler's
    page of 50 read and parsed ~50 JSON documents it never showed.
    """
    if viewer.role_enum in SUGGESTION_ROLES:
        return LIST_LOADING
    return (*LIST_LOADING, defer_column(Ticket.suggestion))


@dataclass
class NewTicket:
    """What intake knows about a new request."""

    channel: str
    content: str
    title: str | None = None
    caller_name: str | None = None
    caller_phone: str | None = None
    address: str | None = None
    kind: str = "consult"
    urgency: str = "normal"
    category: str | None = None
    external_id: str | None = None
    area_unit: Unit | None = None
    is_enterprise: bool = False
    is_business_env: bool = False
    summary: str | None = None  # the request in ≤ 80 characters (set by intake)


def display_title(data: NewTicket) -> str:
    """Return the title a ticket is registered with: the caller's, else the text's first line (≤ 40 characters)."""
    return data.title or data.content.strip().splitlines()[0][:40]


def find_by_external_id(session: Session, channel: str, external_id: str) -> Ticket | None:
    """Return the ticket already taken in for ``(channel, external_id)``."""
    return session.scalar(select(Ticket).where(Ticket.channel == channel, Ticket.external_id == external_id))


def register_ticket(
    session: Session,
    data: NewTicket,
    actor: User | None,
    *,
    preset: str = "default",
    suggestion: dict | None = None,
    now: dt.datetime | None = None,
) -> tuple[Ticket, bool]:
    """Take in a request (受理); return ``(ticket, created)`` — the same ticket again for a repeated external id.

    Intake (``hotline.intake.take_in``) does not look the external id up first: the unique index answers, so
    a new request costs no extra statement and a repeated one is found by its conflict.
    """
    moment = now or clock.now()
    duration = limits.limit_for(
        session,
        preset,
        "dispatch",
        kind=data.kind,
        urgency=data.urgency,
        category=data.category,
        enterprise=data.is_enterprise,
    )
    row = {
        "number": next_ticket_number(session, moment),
        "channel": data.channel,
        "external_id": data.external_id,
        "caller_name": data.caller_name,
        "caller_phone": data.caller_phone,
        "title": display_title(data),
        "content": data.content,
        "summary": data.summary,
        "address": data.address,
        "category": data.category,
        "kind": data.kind,
        "urgency": data.urgency,
        "is_enterprise": data.is_enterprise,
        "is_business_env": data.is_business_env,
        "area_unit_id": data.area_unit.id if data.area_unit else None,
        "state": State.REGISTERED.value,
        "registered_by_id": actor.id if actor else None,
        "created_at": moment,
        "updated_at": moment,
        "dispatch_started_at": moment,
        "dispatch_due": duration.after(moment),
        "deadline_clocks": {"dispatch": duration.on_working_clock},
        "suggestion": suggestion,
    }
    # One INSERT … ON CONFLICT DO NOTHING RETURNING: a concurrent twin with the same external id (committed
    # since intake looked) yields no row, and we fall back to it; no savepoint, so what the caller wrote
    # earlier in the transaction stays.
    statement = upsert_insert(session, Ticket).values(row)
    if data.external_id:
        statement = statement.on_conflict_do_nothing(index_elements=["channel", "external_id"])
    ticket = session.scalars(statement.returning(Ticket)).first()
    if ticket is None:
        existing = find_by_external_id(session, data.channel, data.external_id or "")
        if existing is None:  # pragma: no cover - the conflicting row is visible once its insert committed
            raise DomainError(409, "conflict", "工单正在受理，请稍后重试")
        return existing, False
    set_committed_value(ticket, "co_units", [])  # known empty: serialising the new ticket then loads nothing
    record_event(
        session,
        ticket,
        "register",
        actor,
        from_state=None,
        to_state=ticket.state,
        moment=moment,
        note=None,
        data={"channel": data.channel},
    )
    notify_citizen(session, ticket, "registered", moment)
    defer(session, "push:hotline.console.push:ticket_changed", ticket.id, "ticket.created")
    return ticket, True


def visibility_filter(user: User):
    """Return the SQL condition for the tickets ``user`` may see (their unit's subtree for unit roles)."""
    if user.role_enum not in SCOPED_ROLES:
        return None
    # The subtree's ids as values, not a subquery: the planner then knows how many tickets they hold and picks
    # the list-order index for a district or the per-unit indexes for a grid (a subquery made it scan 1M rows).
    session = object_session(user) or db.session
    in_scope = subtree_unit_ids(session, user.unit)
    as_co_unit = select(ticket_co_units.c.ticket_id).where(ticket_co_units.c.unit_id.in_(in_scope))
    # Likewise the tickets the scope co-handles, when they are few: a subquery's rows are a guess of half the
    # table to the planner, which then walks the whole list-order index for a grid that holds nothing.
    few = list(session.scalars(as_co_unit.limit(CO_UNIT_INLINE + 1)))
    co_unit = Ticket.id.in_(few) if len(few) <= CO_UNIT_INLINE else Ticket.id.in_(as_co_unit)
    return or_(Ticket.handling_unit_id.in_(in_scope), Ticket.lead_unit_id.in_(in_scope), co_unit)


def _unit_paths(session: Session) -> tuple[tuple[int, str], ...]:
    return tuple((r[0], r[1]) for r in session.execute(select(Unit.id, Unit.path).order_by(Unit.id)))


# Every list, inbox and search of a unit role starts from its subtree: the tree is read at most every
# HOTLINE_REFERENCE_SECONDS, and afresh after a unit is written through the ORM in this process.
_UNIT_PATHS = Recent(_unit_paths, written_by=(Unit,))


def subtree_unit_ids(session: Session, unit: Unit) -> list[int]:
    """Return the ids of ``unit`` and every unit below it."""
    return [unit_id for unit_id, path in _UNIT_PATHS.get(session) if path.startswith(unit.path)]


def may_see(user: User, ticket: Ticket) -> bool:
    """Tell whether ``user`` may see ``ticket``."""
    if user.role_enum not in SCOPED_ROLES:
        return True
    units = [ticket.handling_unit, ticket.lead_unit, *ticket.co_units]
    return any(u is not None and u.is_within(user.unit) for u in units)


def get_visible_ticket(session: Session, number: str, user: User, *, for_update: bool = False) -> Ticket:
    """Return the ticket ``number`` if ``user`` may see it; otherwise 404, as if it did not exist."""
    query = select(Ticket).where(Ticket.number == number)
    ticket = session.scalar(query)
    if ticket is None or not may_see(user, ticket):
        raise not_found("工单")
    return ticket


def ticket_query(
    user: User,
    *,
    state: str | None = None,
    unit: Unit | None = None,
    warning: str | None = None,
    q: str | None = None,
) -> Select:
    """Return the query of tickets ``user`` may see, filtered: 上级交办 first, then newest first."""
    query = select(Ticket)
    condition = visibility_filter(user)
    if condition is not None:
        query = query.where(condition)
    if state:
        states = state.split(",")
        unknown = [s for s in states if s not in {x.value for x in State}]
        if unknown:
            raise DomainError(422, "invalid_choice", f"状态取值无效：{'、'.join(unknown)}", field="state")
        query = query.where(Ticket.state.in_(states))
    if unit is not None:
        in_unit = select(Unit.id).where(Unit.in_subtree_of(unit))
        query = query.where(or_(Ticket.handling_unit_id.in_(in_unit), Ticket.lead_unit_id.in_(in_unit)))
    if warning:
        query = query.where(Ticket.warning == warning)
    if q:
        query = query.where(
            or_(
                Ticket.number == q,
                Ticket.title.contains(q, autoescape=True),
                Ticket.content.contains(q, autoescape=True),
                Ticket.address.contains(q, autoescape=True),
            )
        )
    return query.order_by(Ticket.upper_platform.is_(None), Ticket.created_at.desc(), Ticket.id.desc())


def encode_cursor(ticket: Ticket) -> str:
    """Return the key of the last ticket of a page (newest-first order): where the next page starts."""
    return f"{ticket.created_at.astimezone(dt.UTC).strftime('%Y%m%dT%H%M%S.%f')}_{ticket.id}"


def decode_cursor(value: str | None) -> tuple[dt.datetime, int] | None:
    """Read a key made by :func:`encode_cursor`; refuse a malformed one with 422."""
    if not value:
        return None
    try:
        moment, _, ident = value.partition("_")
        return dt.datetime.strptime(moment, "%Y%m%dT%H%M%S.%f").replace(tzinfo=dt.UTC), int(ident)
    except ValueError:
        raise DomainError(422, "invalid_cursor", "翻页参数 after 无效", field="after") from None


def after_cursor(cursor: tuple[dt.datetime, int]):
    """Return the condition for tickets after ``cursor`` in newest-first order (keyset pagination)."""
    moment, ident = cursor
    return or_(Ticket.created_at < moment, and_(Ticket.created_at == moment, Ticket.id < ident))


def list_events(session: Session, ticket: Ticket) -> list[TicketEvent]:
    """Return the ticket's audit trail in order."""
    return list(session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id)))


def caller_history(session: Session, phone: str, limit: int = 20) -> list[Ticket]:
    """Return a caller's tickets, open ones first, newest first."""
    from sqlalchemy import case

    open_first = case(
        (Ticket.state.in_([s.value for s in State if s.value not in ("closed", "merged", "transferred")]), 0), else_=1
    )
    return list(
        session.scalars(
            select(Ticket)
            .where(Ticket.caller_phone == phone)
            .order_by(open_first, Ticket.created_at.desc())
            .limit(limit)
        )
    )


def is_unit_role(user: User) -> bool:
    """Tell whether ``user`` works for a unit (handler or grid worker)."""
    return user.role_enum in (Role.HANDLER, Role.GRID_WORKER)
