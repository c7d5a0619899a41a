"""Search the tickets a user may see: number, phone (roles that see callers), words of text and address,
filters, sort by deadline or age, keyset pages that never drop a row."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import re
from dataclasses import asdict, dataclass, fields

from sqlalchemy import Select, and_, case, func, literal, or_, select, text
from sqlalchemy.orm import Session

from hotline.auth.models import User
from hotline.auth.roles import SEES_CALLER
from hotline.core import clock
from hotline.core.db_types import UTCDateTime
from hotline.core.errors import DomainError
from hotline.search.index import ticket_tokens
from hotline.search.models import SavedView
from hotline.tickets.models import CHANNEL_NAMES, KINDS, WARNINGS, Ticket
from hotline.tickets.services import list_loading, visibility_filter
from hotline.tickets.states import OPEN, State
from hotline.tickets.whistleblower import TicketText, hides_reporter, ticket_text
from hotline.units.models import Unit
from knowledge.search.tokenize import query_words

PAGE_SIZE = 50
SORTS = {"deadline": "期限最近优先", "oldest": "最早受理优先", "newest": "最新受理优先"}
_FAR_FUTURE = dt.datetime(9999, 12, 31, tzinfo=dt.UTC)
_NUMBER = re.compile(r"^\d{14}$")
_PHONE = re.compile(r"^\+?[\d\s-]{7,16}$")
MAX_SAVED_VIEWS = 30
QUEUES = ("callback",)


@dataclass(frozen=True)
class SearchParams:
    """One search: the words and every filter, as typed into the page or the API."""

    q: str = ""
    state: str = ""
    open: bool = False
    unit: str = ""
    category: str = ""
    warning: str = ""
    channel: str = ""
    kind: str = ""
    date_from: str = ""
    date_to: str = ""
    sort: str = "deadline"
    # ``callback``: the agents' 回访 queue — 待回访 tickets not waiting for their citizen's link answer.
    queue: str = ""

    @classmethod
    def from_mapping(cls, data: dict) -> SearchParams:
        """Read the parameters from a query string or JSON (unknown keys ignored; bad values refused with 422)."""
        values: dict = {}
        for f in fields(cls):
            raw = data.get(f.name, data.get(f.name.replace("date_", "")))
            if raw is None or raw == "":
                continue
            if f.name == "open":
                values["open"] = str(raw).lower() in ("1", "true", "yes", "on")
            else:
                values[f.name] = str(raw).strip()[:200]
        params = cls(**values)
        params.validate()
        return params

    def validate(self) -> None:
        """Refuse values outside their lists with a Chinese message."""
        states = {s.value for s in State}
        bad = [s for s in self.state.split(",") if s and s not in states]
        if bad:
            raise DomainError(422, "invalid_choice", f"状态取值无效：{'、'.join(bad)}", field="state")
        for name, allowed in (
            ("warning", WARNINGS),
            ("channel", tuple(CHANNEL_NAMES)),
            ("kind", KINDS),
            ("sort", tuple(SORTS)),
            ("queue", QUEUES),
        ):
            value = getattr(self, name)
            if value and value not in allowed:
                raise DomainError(422, "invalid_choice", f"{name} 取值无效，可选：{'、'.join(allowed)}", field=name)
        for name in ("date_from", "date_to"):
            value = getattr(self, name)
            if value:
                try:
                    dt.date.fromisoformat(value)
                except ValueError:
                    raise DomainError(422, "invalid_date", "日期格式应为 YYYY-MM-DD", field=name) from None

    def to_dict(self) -> dict:
        """Return the non-empty parameters (what a saved view and a page link keep)."""
        return {k: v for k, v in asdict(self).items() if v not in ("", False) and not (k == "sort" and v == "deadline")}


@dataclass
class SearchPage:
    tickets: list[Ticket]
    next_cursor: str | None
    words: list[str]


def current_due():
    """Return the SQL expression of the deadline that matters in each state (far future when none runs)."""
    due = case(
        (Ticket.state == State.REGISTERED.value, Ticket.dispatch_due),
        (Ticket.state.in_([State.DISPATCHED.value, State.RETURN_REQUESTED.value]), Ticket.accept_due),
        (Ticket.state.in_([State.ACCEPTED.value, State.REPLIED.value]), Ticket.reply_due),
        (Ticket.state == State.CALLBACK_DUE.value, Ticket.callback_due_at),
        else_=None,
    )
    return func.coalesce(due, literal(_FAR_FUTURE, UTCDateTime()))


def _sort_key(sort: str):
    if sort == "deadline":
        return current_due(), True
    return Ticket.created_at, sort == "oldest"


def encode_cursor(value: dt.datetime, ticket_id: int) -> str:
    """Return the opaque position after the row (value, id)."""
    raw = json.dumps([clock.as_utc(value).isoformat(), ticket_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[dt.datetime, int]:
    """Return the (value, id) a cursor points after, or refuse it with 422."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        iso, ticket_id = json.loads(raw)
        return dt.datetime.fromisoformat(iso), int(ticket_id)
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError):
        raise DomainError(422, "invalid_cursor", "分页参数无效，请从第一页重新查询", field="cursor") from None


def _text_condition(session: Session, words: list[str]):
    """Return ``Ticket.id IN (tickets whose index holds every word)`` for this backend's full-text index."""
    if session.get_bind().dialect.name == "postgresql":
        tsquery = " & ".join("'" + w.replace("\\", "").replace("'", "''") + "'" for w in words)
        matching = text("SELECT ticket_id FROM ticket_search_docs WHERE tsv @@ CAST(:tsq AS tsquery)")
        return Ticket.id.in_(matching.bindparams(tsq=tsquery))
    match = " AND ".join('"' + w.replace('"', '""') + '"' for w in words)
    matching = text("SELECT rowid FROM ticket_search_fts WHERE ticket_search_fts MATCH :match")
    return Ticket.id.in_(matching.bindparams(match=match))


def build_query(session: Session, user: User, params: SearchParams) -> tuple[Select, list[str]]:
    """Return the filtered, sorted query of what ``user`` may see (no paging) and the words searched."""
    query = select(Ticket)
    visible = visibility_filter(user)
    if visible is not None:
        query = query.where(visible)
    words: list[str] = []
    q = params.q.strip()
    if q:
        digits = re.sub(r"[\s-]", "", q.lstrip("+"))
        if _NUMBER.match(q):
            query = query.where(Ticket.number == q)
        elif _PHONE.match(q) and digits.isdigit():
            if user.role_enum not in SEES_CALLER:
                raise DomainError(403, "phone_not_visible", "当前角色不能按来电号码查询")
            if digits.startswith("86") and len(digits) == 13:
                digits = digits[2:]
            query = query.where(Ticket.caller_phone == digits)
        else:
            words = query_words(q, drop_fillers=True)
            if not words:
                raise DomainError(422, "empty_query", "查询词过于宽泛，请换一个更具体的词")
            query = query.where(_text_condition(session, words))
    if params.state:
        query = query.where(Ticket.state.in_(params.state.split(",")))
    if params.open:
        query = query.where(Ticket.state.in_([s.value for s in OPEN]))
    if params.queue == "callback":
        from hotline.callbacks.services import awaiting_citizen

        query = query.where(Ticket.state == State.CALLBACK_DUE.value, ~awaiting_citizen(clock.now()))
    if params.unit:
        unit = session.scalar(select(Unit).where(Unit.code == params.unit))
        if unit is None:
            raise DomainError(422, "unknown_unit", f"单位编码不存在：{params.unit}", field="unit")
        in_unit = select(Unit.id).where(Unit.in_subtree_of(unit))  # escaped: unit codes may hold _ and %
        query = query.where(or_(Ticket.handling_unit_id.in_(in_unit), Ticket.lead_unit_id.in_(in_unit)))
    if params.category:
        query = query.where(or_(Ticket.category == params.category, Ticket.category.like(params.category + ".%")))
    if params.warning:
        query = query.where(Ticket.warning == params.warning)
    if params.channel:
        query = query.where(Ticket.channel == params.channel)
    if params.kind:
        query = query.where(Ticket.kind == params.kind)
    if params.date_from:
        query = query.where(Ticket.created_at >= _local_midnight(params.date_from))
    if params.date_to:
        query = query.where(Ticket.created_at < _local_midnight(params.date_to) + dt.timedelta(days=1))
    return query, words


def _local_midnight(day: str) -> dt.datetime:
    date = dt.date.fromisoformat(day)
    return clock.as_utc(dt.datetime.combine(date, dt.time(), tzinfo=clock.to_local(clock.now()).tzinfo))


def search_tickets(
    session: Session, user: User, params: SearchParams, cursor: str | None = None, limit: int = PAGE_SIZE
) -> SearchPage:
    """Return one page of the search, after ``cursor``; the next page starts exactly after its last row."""
    query, words = build_query(session, user, params)
    key, ascending = _sort_key(params.sort)
    if cursor:
        value, last_id = decode_cursor(cursor)
        bound = literal(value, UTCDateTime())
        after = (
            or_(key > bound, and_(key == bound, Ticket.id > last_id))
            if ascending
            else or_(key < bound, and_(key == bound, Ticket.id < last_id))
        )
        query = query.where(after)
    order = (key.asc(), Ticket.id.asc()) if ascending else (key.desc(), Ticket.id.desc())
    # The page's ids first, sorted as narrow rows, then those rows whole: sorting a district's few thousand
    # matches with every column carried (content, suggestion) was most of the inbox page's time.
    page_ids = query.with_only_columns(Ticket.id, key.label("sort_key")).order_by(*order).limit(limit + 1).subquery()
    outer = (
        (page_ids.c.sort_key.asc(), page_ids.c.id.asc())
        if ascending
        else (page_ids.c.sort_key.desc(), page_ids.c.id.desc())
    )
    # The units and co-units every row shows, loaded for the page at once (not a query per row and relation).
    query = (
        select(Ticket, page_ids.c.sort_key)
        .join(page_ids, Ticket.id == page_ids.c.id)
        .options(*list_loading(user))
        .order_by(*outer)
    )
    rows = list(session.execute(query))
    page = rows[:limit]
    next_cursor = encode_cursor(page[-1].sort_key, page[-1][0].id) if len(rows) > limit else None
    tickets = [r[0] for r in page]
    if words:  # no 举报 is found through the words its reader may not see (the page may come out shorter)
        tickets = [t for t in tickets if not hides_reporter(t, user) or _found_in(ticket_text(t, user), words)]
    return SearchPage(tickets, next_cursor, words)


def _found_in(text: TicketText, words: list[str]) -> bool:
    """Return whether every searched word is among the index tokens of ``text`` (as the index matches)."""
    tokens = set(ticket_tokens(text.title, text.content, text.address))
    return all(w in tokens for w in words)


def list_saved_views(session: Session, user: User) -> list[SavedView]:
    """Return the user's saved views, by name."""
    return list(session.scalars(select(SavedView).where(SavedView.user_id == user.id).order_by(SavedView.name)))


def save_view(session: Session, user: User, name: str, params: SearchParams) -> SavedView:
    """Save (or overwrite) the user's view called ``name``."""
    name = name.strip()[:60]
    if not name:
        raise DomainError(422, "missing_field", "请填写视图名称", field="name")
    existing = session.scalar(select(SavedView).where(SavedView.user_id == user.id, SavedView.name == name))
    if existing is None:
        if len(list_saved_views(session, user)) >= MAX_SAVED_VIEWS:
            raise DomainError(409, "too_many_views", f"最多保存 {MAX_SAVED_VIEWS} 个视图，请先删除不用的")
        existing = SavedView(user_id=user.id, name=name, params=params.to_dict(), created_at=clock.now())
        session.add(existing)
    else:
        existing.params = params.to_dict()
    session.flush()
    return existing


def delete_view(session: Session, user: User, view_id: int) -> None:
    """Delete one of the user's own saved views (another user's is not found)."""
    view = session.get(SavedView, view_id)
    if view is None or view.user_id != user.id:
        raise DomainError(404, "not_found", "视图不存在")
    session.delete(view)
    session.flush()
