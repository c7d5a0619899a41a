"""``/admin/exchange``: what came in from upper platforms, what went out, what failed, and replay."""

from __future__ import annotations

from flask import Blueprint, g, render_template, request
from sqlalchemy import func, select

from hotline.auth.pages import page_for
from hotline.auth.roles import Role
from hotline.core.effects import commit, rollback
from hotline.core.errors import DomainError
from hotline.core.extensions import db
from hotline.exchange.models import STATUS_NAMES, ExchangeMessage, ExchangePlatform
from hotline.exchange.services import replay_message
from hotline.exchange.views import log_rows

pages = Blueprint("exchange_pages", __name__, url_prefix="/admin/exchange")


def _render(message: str | None = None, status: int = 200):
    platform = request.args.get("platform") or None
    counts = dict(
        db.session.execute(select(ExchangeMessage.status, func.count()).group_by(ExchangeMessage.status)).all()
    )
    try:
        incoming = log_rows(platform, direction="in")
        outgoing = [r for r in log_rows(platform, direction="out") if r["status"] != "dead"]
        failed = log_rows(platform, status="dead")
    except DomainError as exc:
        incoming, outgoing, failed, message, status = [], [], [], exc.message, 404
    platforms = list(db.session.scalars(select(ExchangePlatform).order_by(ExchangePlatform.code)))
    return render_template(
        "exchange.html",
        me=g.me,
        incoming=incoming,
        outgoing=outgoing,
        failed=failed,
        counts=counts,
        status_names=STATUS_NAMES,
        platforms=platforms,
        platform=platform,
        message=message,
        may_replay=g.me.role == Role.ADMIN,
    ), status


@pages.get("")
@page_for(Role.ADMIN, Role.SUPERVISOR)
def exchange_page():
    return _render()


@pages.post("/replay")
@page_for(Role.ADMIN)
def replay():
    """Replay one dead message (a form per row)."""
    raw = request.form.get("message_id", "")
    try:
        replay_message(db.session, g.me, int(raw) if raw.isdigit() and len(raw) < 12 else 0)
        commit(db.session)
    except DomainError as exc:
        rollback(db.session)
        return _render(exc.message, exc.status)
    return _render("已重新排队发送")
