"""Sign-in pages: login (password + second factor), logout, the account's security page, admin of accounts."""

from __future__ import annotations

import segno
from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for
from markupsafe import Markup

from hotline.auth.api import ALL_ROLES, SESSION_KEY, forget_caller, resolve_caller
from hotline.auth.models import User
from hotline.auth.pages import SETTLE_PAGES, page_for
from hotline.auth.policy import auth_policy
from hotline.auth.roles import LANDING_PAGES, ROLE_NAMES, Role
from hotline.auth.second_factor import provisioning_uri, start_enrolment
from hotline.auth.services import (
    change_password,
    create_personal_token,
    end_session,
    find_user,
    list_tokens,
    open_session,
    record_auth_event,
    revoke_token,
    sign_in,
)
from hotline.auth.throttle import BLOCKED_MESSAGE, login_throttle
from hotline.auth.views import finish_enrolment, security_state
from hotline.core.effects import commit, rollback
from hotline.core.errors import DomainError
from hotline.core.extensions import db

pages = Blueprint("auth_pages", __name__)
account = Blueprint("account_pages", __name__)


def _address() -> str:
    return (request.remote_addr or "?")[:64]


@pages.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        return render_template("login.html", error=None, username="")
    username, address = request.form.get("username", "")[:80], _address()
    if login_throttle().blocked(username, address):
        return render_template("login.html", error=BLOCKED_MESSAGE, username=username), 429
    policy = auth_policy()
    try:
        result = sign_in(
            db.session,
            username,
            request.form.get("password", ""),
            request.form.get("otp", "").strip()[:40] or None,
            policy,
            address=address,
        )
    except DomainError as exc:
        if exc.code != "second_factor_required":
            login_throttle().failed(username, address)
        commit(db.session)
        return render_template("login.html", error=exc.message, username=username), 401
    session.clear()
    session[SESSION_KEY] = open_session(
        db.session, result.user, policy, address=address, second_factor_done=result.second_factor is not None
    )
    session.permanent = False
    commit(db.session)
    forget_caller()
    if result.must_enrol:
        return redirect(url_for("account_pages.security"))
    if result.password_expired:
        return redirect(url_for("account_pages.password"))
    return redirect(LANDING_PAGES[result.user.role_enum])


@pages.post("/logout")
def logout():
    caller = resolve_caller()
    if caller is not None and caller.page_session is not None:
        end_session(db.session, caller.page_session)
        commit(db.session)
    session.clear()
    return redirect(url_for("auth_pages.login"))


@pages.get("/")
def home():
    caller = resolve_caller()
    if caller is None:
        return redirect(url_for("auth_pages.login"))
    if caller.restriction in SETTLE_PAGES:
        return redirect(url_for(SETTLE_PAGES[caller.restriction]))
    return redirect(LANDING_PAGES[caller.user.role_enum])


def _signed_in_user() -> User | None:
    """The page session's user even while it still owes the second factor or a new password."""
    caller = resolve_caller()
    if caller is None or caller.page_session is None:
        return None
    g.me = caller.user
    return caller.user


def _qr_svg(uri: str) -> Markup:
    # segno writes the SVG from the URI alone (no user text in it), so it is safe to inline.
    return Markup(segno.make(uri, error="m").svg_inline(scale=4, dark="#1f2937"))


def _security_page(user: User, *, shown: dict | None = None, error: str | None = None, status: int = 200):
    restriction = resolve_caller().restriction if resolve_caller() else None
    tokens = list_tokens(db.session, user, username=user.username) if restriction is None else []
    return render_template(
        "account_security.html",
        me=user,
        state=security_state(user),
        tokens=tokens,
        shown=shown or {},
        error=error,
        restricted=restriction,
        role_name=ROLE_NAMES[user.role_enum],
        home=LANDING_PAGES[user.role_enum],
        max_days=auth_policy().token_max_days,
    ), status


@account.get("/account/security")
def security():
    user = _signed_in_user()
    if user is None:
        return redirect(url_for("auth_pages.login"))
    return _security_page(user)


@account.post("/account/security")
def security_post():
    """One form per action on the page: start or confirm the binding, create or revoke a token."""
    user = _signed_in_user()
    if user is None:
        return redirect(url_for("auth_pages.login"))
    action = request.form.get("action", "")
    restricted = resolve_caller().restriction is not None
    try:
        if action == "start":
            secret = start_enrolment(db.session, user)
            record_auth_event(db.session, "second_factor_started", user, user, address=_address())
            uri = provisioning_uri(user, secret)
            shown = {"secret": secret, "uri": uri, "qr": _qr_svg(uri)}
        elif action == "confirm":
            shown = {"recovery_codes": finish_enrolment(user, request.form.get("code", "")[:12])}
        elif action == "create_token" and not restricted:
            days = int(request.form.get("days", "0") or 0) if request.form.get("days", "").isdigit() else 0
            token, _ = create_personal_token(
                db.session, user, request.form.get("name", "")[:80].strip() or "脚本令牌", days, auth_policy()
            )
            shown = {"token": token}
        elif action == "revoke_token" and not restricted:
            token_id = request.form.get("token_id", "")
            revoke_token(db.session, user, int(token_id) if token_id.isdigit() else 0, address=_address())
            shown = {}
        else:
            return _security_page(user, error="未知的操作", status=400)
    except DomainError as exc:
        rollback(db.session)
        return _security_page(user, error=exc.message, status=exc.status)
    commit(db.session)
    forget_caller()
    return _security_page(user, shown=shown)


@account.route("/account/password", methods=["GET", "POST"])
def password():
    user = _signed_in_user()
    if user is None:
        return redirect(url_for("auth_pages.login"))
    state, error, done = security_state(user), None, False
    if request.method == "POST":
        try:
            change_password(
                db.session,
                user,
                request.form.get("current_password", ""),
                request.form.get("new_password", ""),
                auth_policy(),
            )
            commit(db.session)
            forget_caller()
            done, state = True, security_state(user)
        except DomainError as exc:
            rollback(db.session)
            error = exc.message
    return render_template(
        "account_password.html",
        me=user,
        state=state,
        error=error,
        done=done,
        role_name=ROLE_NAMES[user.role_enum],
        home=LANDING_PAGES[user.role_enum],
        min_length=auth_policy().password_min_length,
    ), 422 if error else 200


@account.get("/admin/users")
@page_for(Role.ADMIN)
def admin_users():
    """Account security moved onto the one user page, /admin/staff (kept for bookmarks)."""
    return redirect(url_for("admin_pages.users"), 301)


@account.post("/admin/users")
@page_for(Role.ADMIN)
def admin_users_post():
    """The old form posts (username + change) still work: each runs the user page's own action, then back there."""
    from hotline.admin import services as admin

    change = request.form.get("change", "")
    try:
        if change == "revoke_token":
            token_id = request.form.get("token_id", "")
            revoke_token(db.session, g.me, int(token_id) if token_id.isdigit() else 0, address=_address())
            message = "已吊销接口令牌"
        else:
            user = find_user(db.session, request.form.get("username", "")[:80])
            if change in ("disable", "enable"):
                admin.set_user_active(db.session, g.me, user.id, change == "enable", address=_address())
                message = f"用户 {user.username} 已{'启用' if change == 'enable' else '停用'}"
            else:
                _, done = admin.account_security(
                    db.session, g.me, user.id, change, login_throttle(), address=_address()
                )
                message = f"已为用户 {user.username} {done}"
        commit(db.session)
        flash(message, "ok")
    except DomainError as exc:
        rollback(db.session)
        flash(exc.message, "error")
    return redirect(url_for("admin_pages.users"))


# The account pages check the signed-in user inline (a restricted session must reach them to settle what it
# owes): every role may, as the permission sweep reads it.
for _view in (security, security_post, password):
    _view.allowed_roles = ALL_ROLES  # type: ignore[attr-defined]
