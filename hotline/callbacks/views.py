"""``/r/<token>``: the phone-sized 回访 page the SMS links to. No login: the token is the credential; the form
carries the CSRF token like every portal form and shares the portal's per-IP rate limit."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from hotline.callbacks.services import STATUS_MESSAGES, answer_link, find_link, link_status
from hotline.console.citizen import portal_user
from hotline.console.portal import limiter
from hotline.core import clock
from hotline.core.effects import commit, rollback
from hotline.core.errors import ApiError
from hotline.core.extensions import db
from hotline.tickets.models import SATISFACTION_LEVELS, SATISFACTION_NAMES, Ticket
from hotline.tickets.states import ANSWER_PUBLISHED, State

bp = Blueprint("callback_link", __name__, url_prefix="/r")


def _page(status: int, **context):
    defaults = {
        "ticket": None,
        "message": None,
        "error": None,
        "done": False,
        "form": {},
        "levels": [(code, SATISFACTION_NAMES[code]) for code in SATISFACTION_LEVELS],
    }
    return render_template("callback_link.html", **(defaults | context)), status


def _public(ticket: Ticket) -> dict:
    """The ticket as the link's page shows it: number, title, the approved public answer; nothing internal."""
    published = State(ticket.state) in ANSWER_PUBLISHED
    return {
        "number": ticket.number,
        "title": ticket.title,
        "public_answer": ticket.public_answer if published else None,
    }


def _allowed() -> bool:
    # The portal's budget per IP (HOTLINE_PORTAL_RATE per 10 minutes), its own key: guessing tokens costs as
    # much as guessing (number, phone) pairs on /portal/rate, and does not eat the citizen's tracking budget.
    return limiter().allow("link:" + (request.remote_addr or "?"))


def _resolve(token: str):
    link = find_link(db.session, token)
    if link is None:
        return None, None, _page(404, message="链接无效，请核对短信中的链接。")
    ticket = db.session.get(Ticket, link.ticket_id)
    status = link_status(link, ticket, clock.now())
    if status != "open":
        return link, ticket, _page(410, ticket=_public(ticket), message=STATUS_MESSAGES[status], done=status == "used")
    return link, ticket, None


@bp.get("/<token>")
def show(token: str):
    if not _allowed():
        return _page(429, message="访问过于频繁，请稍后再试。")
    _, ticket, refused = _resolve(token)
    if refused is not None:
        return refused
    return _page(200, ticket=_public(ticket))


@bp.post("/<token>")
def answer(token: str):
    if not _allowed():
        return _page(429, message="操作过于频繁，请稍后再试。")
    link, ticket, refused = _resolve(token)
    if refused is not None:
        return refused
    form = {
        "resolved": request.form.get("resolved", ""),
        "satisfaction": request.form.get("satisfaction", ""),
        "comment": (request.form.get("comment") or "").strip()[:500],
    }
    resolved = {"yes": True, "no": False}.get(form["resolved"])  # None when the citizen did not choose
    try:
        answer_link(
            db.session,
            link,
            portal_user,
            resolved=resolved,
            satisfaction=form["satisfaction"] or None,
            comment=form["comment"] or None,
            preset=current_app.config["HOTLINE_TIME_LIMIT_PRESET"],
        )
        commit(db.session)
    except ApiError as exc:
        rollback(db.session)
        if exc.status == 409:  # another answer won the race (a double tap): this link is spent
            return _page(410, ticket=_public(ticket), message=STATUS_MESSAGES["used"], done=True)
        if exc.status == 410:
            return _page(410, ticket=_public(ticket), message=exc.message)
        return _page(exc.status, ticket=_public(ticket), error=exc.message, form=form)
    return _page(200, ticket=_public(ticket), message="评价已提交，感谢您的支持！", done=True)
