"""Mapping between GeoReport v2 and 12345 tickets.

``service_code`` ↔ category code, ``agency_responsible`` ↔ lead unit, ``expected_datetime`` ↔ reply
deadline, ``status`` open/closed with the 12345 state in ``status_notes``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, object_session

from hotline.attachments.schemas import media_url
from hotline.categories.models import Category
from hotline.core import clock
from hotline.core.effects import defer
from hotline.core.errors import ApiError
from hotline.core.personal_data import redact_personal_data
from hotline.intake.services import take_in
from hotline.open311.models import Open311Client, Open311Request
from hotline.tickets.models import Ticket
from hotline.tickets.services import NewTicket
from hotline.tickets.states import ANSWER_PUBLISHED, DONE, STATE_NAMES, State

MAX_ROWS = 1000


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_client(session: Session, name: str) -> str:
    """Register an Open311 client; return its api_key (shown once)."""
    key = secrets.token_urlsafe(24)
    session.add(Open311Client(name=name, key_sha256=_digest(key), created_at=clock.now()))
    session.flush()
    return key


def client_for_key(session: Session, key: str | None) -> Open311Client:
    """Return the active client owning ``key`` or refuse with 403 (GeoReport's code for a bad key)."""
    client = session.scalar(select(Open311Client).where(Open311Client.key_sha256 == _digest(key or "")))
    if client is None or not client.active:
        raise ApiError(403, "invalid_api_key", "api_key 无效")
    return client


def service_to_dict(category: Category) -> dict:
    """Return a GeoReport service for a category."""
    group = category.path_name.split("/")[0]
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.path_name,
        "metadata": False,
        "type": "realtime",
        "keywords": category.path_name.replace("/", ","),
        "group": group,
    }


def list_services(session: Session) -> list[dict]:
    """Return every active category as a service."""
    rows = session.scalars(select(Category).where(Category.active.is_(True)).order_by(Category.code))
    return [service_to_dict(c) for c in rows]


# GeoReport v2 requires every request's service_code; a ticket the centre has not classified yet has none of
# its own, so it shows (and is filtered) under this code until a category is set.
UNCLASSIFIED = "unclassified"
UNCLASSIFIED_NAME = "待分类"


def _iso(moment: dt.datetime | None) -> str | None:
    return clock.to_local(moment).isoformat() if moment else None


# Channels whose text the citizen wrote for a public system (留言板). Tickets filed through Open311 are public
# too (an ``open311_requests`` row), but not every channel-``api`` ticket: grid patrol reports, upper platforms
# and other machines use that channel for text nobody wrote for the public.
PUBLIC_TEXT_CHANNELS = frozenset({"message_board"})


def filed_through_open311(session: Session, tickets: list[Ticket]) -> set[int]:
    """Return the ids among ``tickets`` that a GeoReport client filed."""
    ids = [t.id for t in tickets]
    if not ids:
        return set()
    return set(session.scalars(select(Open311Request.ticket_id).where(Open311Request.ticket_id.in_(ids))))


def shows_citizen_text(ticket: Ticket, via_open311: bool) -> bool:
    """Tell whether the public view may carry the citizen's own words and address (never for 举报)."""
    return ticket.kind != "report" and (via_open311 or ticket.channel in PUBLIC_TEXT_CHANNELS)


def request_to_dict(ticket: Ticket, category_names: dict[str, str], *, via_open311: bool = False) -> dict:
    """Return the public GeoReport view of a ticket: no caller data, and the citizen's text only where they
    wrote it for a public system (masked phone and ID numbers); status, agency and deadline always, the answer
    once a supervisor approved it."""
    state = State(ticket.state)
    public_text = shows_citizen_text(ticket, via_open311)
    return {
        "service_request_id": ticket.number,
        "status": "closed" if state in DONE else "open",
        "status_notes": STATE_NAMES[state],
        "service_name": category_names.get(ticket.category, UNCLASSIFIED_NAME)
        if ticket.category
        else UNCLASSIFIED_NAME,
        "service_code": ticket.category or UNCLASSIFIED,
        "description": redact_personal_data(ticket.content) if public_text else None,
        "agency_responsible": ticket.lead_unit.name if ticket.lead_unit else None,
        "service_notice": redact_personal_data(ticket.public_answer) if state in ANSWER_PUBLISHED else None,
        "requested_datetime": _iso(ticket.created_at),
        "updated_datetime": _iso(ticket.updated_at),
        "expected_datetime": _iso(ticket.reply_due),
        "address": redact_personal_data(ticket.address) if public_text else None,
        "address_id": None,
        "zipcode": None,
        "lat": None,
        "long": None,
        "media_url": media_url(object_session(ticket), ticket),
    }


def requests_to_dicts(session: Session, tickets: list[Ticket]) -> list[dict]:
    """Return the public views of ``tickets``."""
    names = category_names(session)
    via = filed_through_open311(session, tickets)
    return [request_to_dict(t, names, via_open311=t.id in via) for t in tickets]


def category_names(session: Session) -> dict[str, str]:
    """Return code → name for every category."""
    return dict(session.execute(select(Category.code, Category.name)).all())


def file_request(session: Session, client: Open311Client, form: dict[str, str], *, preset: str) -> Ticket:
    """Create a ticket from a GeoReport POST (channel ``api``), through the one intake operation."""
    code = (form.get("service_code") or "").strip()
    if not code:
        raise ApiError(400, "missing_service_code", "缺少 service_code")
    if session.scalar(select(Category.id).where(Category.code == code)) is None:
        raise ApiError(404, "unknown_service_code", f"service_code 不存在：{code}")
    description = (form.get("description") or "").strip()
    if not description:
        raise ApiError(400, "missing_description", "缺少 description（诉求内容）")
    if len(description) > 4000:
        raise ApiError(400, "too_long", "description 不能超过 4000 字")
    address = (form.get("address_string") or "").strip() or None
    if address is None and form.get("lat") and form.get("long"):
        address = f"坐标 {form['lat'][:20]},{form['long'][:20]}"
    name = " ".join(x for x in (form.get("last_name"), form.get("first_name")) if x) or None
    external = (form.get("device_id") or "").strip()
    data = NewTicket(
        channel="api",
        content=description,
        caller_name=name[:80] if name else None,
        caller_phone=(form.get("phone") or "").strip()[:30] or None,
        address=address[:300] if address else None,
        category=code,
        external_id=f"open311:{client.name}:{external}"[:120] if external else None,
    )
    ticket, created, _ = take_in(
        session, data, None, preset=preset, origin={"source": "open311", "client": client.name}
    )
    if created:
        session.add(Open311Request(ticket_id=ticket.id, client_id=client.id, created_at=clock.now()))
        session.flush()
    link = (form.get("media_url") or "").strip()
    if created and link:  # fetched after the commit: a slow or dead link must not hold up intake
        defer(session, "hotline.attachments.tasks:fetch_linked_media", ticket.id, link[:2000])
    return ticket


def find_requests(session: Session, args: dict[str, str]) -> list[Ticket]:
    """Return the tickets a GeoReport GET asks for (ids, or a date/status/service filter)."""
    # 举报 are never public: not listed, not counted, not shown by number (the reporter follows on the portal).
    query = select(Ticket).where(Ticket.kind != "report")
    ids = [i for i in (args.get("service_request_id") or "").split(",") if i]
    if ids:
        query = query.where(Ticket.number.in_(ids[:MAX_ROWS]))
    else:
        if args.get("service_code"):
            codes = args["service_code"].split(",")
            wanted = Ticket.category.in_(codes)
            query = query.where(or_(wanted, Ticket.category.is_(None)) if UNCLASSIFIED in codes else wanted)
        status = args.get("status")
        done = [s.value for s in DONE]
        if status == "open":
            query = query.where(Ticket.state.not_in(done))
        elif status == "closed":
            query = query.where(Ticket.state.in_(done))
        for key, op in (("start_date", "ge"), ("end_date", "le")):
            if args.get(key):
                try:
                    moment = dt.datetime.fromisoformat(args[key].replace("Z", "+00:00"))
                except ValueError:
                    raise ApiError(400, "invalid_date", f"{key} 不是有效的 ISO 8601 时间") from None
                moment = moment if moment.tzinfo else moment.replace(tzinfo=clock.TZ)
                query = query.where(Ticket.created_at >= moment if op == "ge" else Ticket.created_at <= moment)
    return list(session.scalars(query.order_by(Ticket.created_at.desc()).limit(MAX_ROWS if ids else 50)))
