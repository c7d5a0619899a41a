"""The exchange API: the log, replay, a pull on demand, and the signed push endpoint platforms call."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, current_app, g, jsonify, request
from sqlalchemy import delete, select

from hotline.auth.api import api_auth
from hotline.auth.roles import Role
from hotline.core import clock
from hotline.core.api_schemas import query_params
from hotline.core.effects import commit, rollback
from hotline.core.errors import ApiError, DomainError
from hotline.core.extensions import db
from hotline.exchange.adapters import InvalidTicket, adapter_for
from hotline.exchange.inputs import ExchangeLogQuery
from hotline.exchange.models import (
    KIND_NAMES,
    STATUS_NAMES,
    ExchangeAttachment,
    ExchangeMessage,
    ExchangeNonce,
    ExchangePlatform,
)
from hotline.exchange.services import get_platform, receive_tickets, replay_message
from hotline.exchange.signing import HEADER_KEY, MAX_SKEW_SECONDS, BadSignature, verify
from hotline.exchange.tasks import pull_platform
from hotline.tickets.services import get_visible_ticket

bp = Blueprint("exchange_api", __name__, url_prefix="/api/v1/exchange")
LOG_LIMIT = 500


def message_row(message: ExchangeMessage) -> dict:
    """One exchange log row as the API and the page show it."""
    return {
        "id": message.id,
        "direction": message.direction,
        "platform": message.platform.code,
        "external_id": message.external_id,
        "number": message.ticket.number if message.ticket else None,
        "kind": message.kind,
        "kind_name": KIND_NAMES.get(message.kind, message.kind),
        "seq": message.seq,
        "status": message.status,
        "status_name": STATUS_NAMES.get(message.status, message.status),
        "tries": message.tries,
        "ack": message.ack,
        "last_error": message.last_error,
        "created_at": message.created_at.isoformat(),
        "done_at": message.done_at.isoformat() if message.done_at else None,
    }


def log_rows(platform: str | None, status: str | None = None, direction: str | None = None) -> list[dict]:
    """The newest exchange log rows, filtered."""
    query = select(ExchangeMessage).order_by(ExchangeMessage.id.desc()).limit(LOG_LIMIT)
    if platform:
        query = query.where(ExchangeMessage.platform_id == get_platform(db.session, platform[:40]).id)
    if status:
        query = query.where(ExchangeMessage.status == status)
    if direction:
        query = query.where(ExchangeMessage.direction == direction)
    return [message_row(m) for m in db.session.scalars(query)]


@bp.get("/log")
@api_auth(Role.ADMIN, Role.SUPERVISOR)
@query_params(ExchangeLogQuery)
def get_log(args: ExchangeLogQuery):
    """The exchange log: what came in, what went out, what failed (``platform``, ``status``, ``direction``)."""
    return jsonify({"rows": log_rows(args.platform, args.status, args.direction)})


@bp.get("/platforms")
@api_auth(Role.ADMIN, Role.SUPERVISOR)
def get_platforms():
    """The upper platforms we exchange with (never their secrets)."""
    rows = db.session.scalars(select(ExchangePlatform).order_by(ExchangePlatform.code))
    return jsonify(
        {
            "rows": [
                {"code": p.code, "name": p.name, "adapter": p.adapter, "base_url": p.base_url, "active": p.active}
                for p in rows
            ]
        }
    )


@bp.get("/tickets/<number>/attachments")
@api_auth()
def get_attachments(number: str):
    """The attachments an upper platform sent with a ticket (references: name, URL, type, size, SHA-256)."""
    ticket = get_visible_ticket(db.session, number[:20], g.actor)
    rows = db.session.scalars(
        select(ExchangeAttachment).where(ExchangeAttachment.ticket_id == ticket.id).order_by(ExchangeAttachment.id)
    )
    return jsonify(
        {"rows": [{"name": a.name, "url": a.url, "mime": a.mime, "size": a.size, "sha256": a.sha256} for a in rows]}
    )


@bp.post("/messages/<int:message_id>/replay")
@api_auth(Role.ADMIN)
def post_replay(message_id: int):
    """Send a dead message again (admins; audited); the platform applies it at most once."""
    message = replay_message(db.session, g.actor, message_id)
    commit(db.session)
    return jsonify({"row": message_row(message)})


@bp.post("/<platform>/pull")
@api_auth(Role.ADMIN)
def post_pull(platform: str):
    """Pull from a platform now (the periodic job does this on its own)."""
    return jsonify(pull_platform(get_platform(db.session, platform[:40]).code))


def _verified_platform(code: str) -> ExchangePlatform:
    platform = db.session.scalar(
        select(ExchangePlatform).where(ExchangePlatform.code == code[:40], ExchangePlatform.active.is_(True))
    )
    if platform is None or request.headers.get(HEADER_KEY) != platform.key_id:
        raise ApiError(401, "bad_signature", "签名无效")
    try:
        nonce = verify(
            platform.secret,
            request.method,
            request.full_path.rstrip("?"),
            request.get_data(cache=True),
            request.headers,
        )
    except BadSignature:
        raise ApiError(401, "bad_signature", "签名无效或已过期") from None
    moment = clock.now()
    # A nonce older than twice the window cannot come back with a valid timestamp: forget it.
    db.session.execute(
        delete(ExchangeNonce).where(ExchangeNonce.seen_at < moment - dt.timedelta(seconds=2 * MAX_SKEW_SECONDS))
    )
    if db.session.scalar(
        select(ExchangeNonce).where(ExchangeNonce.platform_id == platform.id, ExchangeNonce.nonce == nonce)
    ):
        raise ApiError(401, "replayed_request", "重复的请求（nonce 已使用）")
    db.session.add(ExchangeNonce(platform_id=platform.id, nonce=nonce, seen_at=moment))
    return platform


@bp.post("/<platform>/tickets")
def push_tickets(platform: str):
    """A platform pushes tickets to us (signed; docs/exchange.md §3.2); answers with our receipts."""
    chosen = _verified_platform(platform)
    try:
        tickets = adapter_for(chosen).parse_tickets(request.get_json(silent=True))
    except InvalidTicket as exc:
        rollback(db.session)
        raise ApiError(422, "invalid_ticket", str(exc)) from None
    try:
        results = receive_tickets(db.session, chosen, tickets, preset=current_app.config["HOTLINE_TIME_LIMIT_PRESET"])
    except DomainError:
        rollback(db.session)
        raise
    commit(db.session)
    return jsonify(
        {"receipts": [{"ticket_id": ext, "local_number": t.number, "created": created} for ext, t, created in results]}
    )
