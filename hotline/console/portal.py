"""``/portal``: citizens submit, follow and rate their requests without an account (CSRF-protected forms)."""

from __future__ import annotations

import re
import secrets

from flask import Blueprint, current_app, render_template, request
from werkzeug.exceptions import RequestEntityTooLarge

from hotline.attachments.services import attach_citizen_files, check_upload
from hotline.attachments.views import read_citizen_files
from hotline.console.citizen import find_for_citizen, public_view, rate_by_citizen
from hotline.core import clock
from hotline.core.effects import commit, rollback
from hotline.core.errors import ApiError
from hotline.core.extensions import db
from hotline.core.ratelimit import RateLimiter
from hotline.intake.services import take_in
from hotline.tickets.models import KIND_NAMES, SATISFACTION_NAMES
from hotline.tickets.services import NewTicket

bp = Blueprint("portal", __name__, url_prefix="/portal")
SUBMISSION_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")
PORTAL_KINDS = dict(KIND_NAMES)


def limiter() -> RateLimiter:
    """Return this app's portal rate limiter (``HOTLINE_PORTAL_RATE`` hits per 10 minutes per IP, shared by
    every web process through Redis when ``REDIS_URL`` is set)."""
    if "hotline.portal_limiter" not in current_app.extensions:
        current_app.extensions["hotline.portal_limiter"] = RateLimiter(
            current_app.config["HOTLINE_PORTAL_RATE"], 600, current_app.config["REDIS_URL"]
        )
    return current_app.extensions["hotline.portal_limiter"]


def _render(status: int = 200, **context):
    # A fresh id for every form shown (kept when the same form comes back with an error): submitting it
    # twice (a double click, a reload that re-posts) registers one ticket, not two.
    defaults = {
        "submission_id": secrets.token_urlsafe(16),
        "kinds": PORTAL_KINDS,
        "satisfactions": SATISFACTION_NAMES,
        "form": {},
        "ticket": None,
        "created": None,
        "error": None,
        "track_error": None,
        "rated": False,
        "track": None,
        "tz": clock.TZ,
    }
    return render_template("portal.html", **(defaults | context)), status


@bp.get("")
def index():
    return _render()


@bp.post("/submit")
def submit():
    try:
        uploads = read_citizen_files()  # first: it sets how large this form may be
        for upload in uploads:
            check_upload(upload)
    except RequestEntityTooLarge:
        return _render(413, error="上传的文件过大，请压缩后重新提交")
    except ApiError as exc:
        return _render(
            exc.status,
            form={
                k: request.form.get(k, "")
                for k in ("content", "title", "caller_name", "caller_phone", "address", "kind")
            },
            error=exc.message,
        )
    form = {
        k: (request.form.get(k) or "").strip()
        for k in ("content", "title", "caller_name", "caller_phone", "address", "kind")
    }
    submission_id = request.form.get("submission_id", "")
    keep = {"submission_id": submission_id} if SUBMISSION_ID.fullmatch(submission_id) else {}
    if not limiter().allow(request.remote_addr or "?"):
        return _render(429, form=form, error="提交过于频繁，请稍后再试", **keep)
    if len(form["content"]) < 5 or len(form["content"]) > 5000:
        return _render(422, form=form, error="请填写诉求内容（5 至 5000 字）", **keep)
    phone = form["caller_phone"]
    if not (phone.isdigit() and 7 <= len(phone) <= 15):
        return _render(422, form=form, error="请填写正确的联系电话（用于查询进度与回访）", **keep)
    data = NewTicket(
        channel="web",
        content=form["content"],
        title=form["title"][:200] or None,
        caller_name=form["caller_name"][:80] or None,
        caller_phone=phone,
        address=form["address"][:300] or None,
        kind=form["kind"] if form["kind"] in KIND_NAMES else "",
        urgency="",
        external_id=f"portal:{keep['submission_id']}" if keep else None,
    )
    ticket, created, _ = take_in(db.session, data, None, preset=current_app.config["HOTLINE_TIME_LIMIT_PRESET"])
    attach_citizen_files(db.session, ticket, uploads)
    commit(db.session)
    return _render(201 if created else 200, created={"number": ticket.number, "reply_due": ticket.reply_due})


@bp.post("/track")
def track():
    number, phone = request.form.get("number", ""), request.form.get("phone", "")
    if not limiter().allow("track:" + (request.remote_addr or "?")):
        return _render(429, track_error="查询过于频繁，请稍后再试")
    ticket = find_for_citizen(db.session, number, phone)
    if ticket is None:
        return _render(404, track_error="未找到工单，请核对工单编号和联系电话")
    return _render(ticket=public_view(db.session, ticket), track={"number": number, "phone": phone})


@bp.post("/rate")
def rate():
    number, phone = request.form.get("number", ""), request.form.get("phone", "")
    # Same budget as /track: a rating names a (number, phone) pair, so guessing through it must cost as much.
    if not limiter().allow("track:" + (request.remote_addr or "?")):
        return _render(429, track_error="操作过于频繁，请稍后再试")
    satisfaction = request.form.get("satisfaction", "")
    # The form is checked before the pair: a wrong pair and a right one answer alike (no 404-vs-422 oracle).
    if satisfaction not in SATISFACTION_NAMES:
        return _render(422, track_error="请选择满意度")
    ticket = find_for_citizen(db.session, number, phone)
    if ticket is None:
        return _render(404, track_error="未找到工单，请核对工单编号和联系电话")
    answer = request.form.get("resolved")
    resolved = {"yes": True, "no": False}.get(answer or "")  # None when the citizen did not choose
    comment = (request.form.get("comment") or "").strip()[:500] or None
    try:
        rate_by_citizen(
            db.session, ticket, satisfaction, resolved, comment, preset=current_app.config["HOTLINE_TIME_LIMIT_PRESET"]
        )
        commit(db.session)
    except ApiError as exc:
        rollback(db.session)
        return _render(
            exc.status,
            ticket=public_view(db.session, ticket),
            track={"number": number, "phone": phone},
            track_error=exc.message,
        )
    return _render(ticket=public_view(db.session, ticket), track={"number": number, "phone": phone}, rated=True)
