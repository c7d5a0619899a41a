"""Who is calling: a bearer token, or the server-side page session the cookie names (the app's own pages)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import TypeVar

from flask import current_app, g, request, session
from flask_wtf.csrf import validate_csrf
from wtforms import ValidationError

from hotline.auth.models import ApiToken, User, UserSession
from hotline.auth.passwords import password_expired
from hotline.auth.policy import auth_policy
from hotline.auth.roles import Role
from hotline.auth.services import find_session, token_row
from hotline.core import clock
from hotline.core.errors import ApiError
from hotline.core.extensions import db

F = TypeVar("F", bound=Callable)
ALL_ROLES = frozenset(str(r) for r in Role)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SESSION_KEY = "sid"
# What a session still owes before it may do anything but settle it.
ENROL_SECOND_FACTOR = "enrol_second_factor"
CHANGE_PASSWORD = "change_password"
RESTRICTION_MESSAGES = {
    ENROL_SECOND_FACTOR: ("second_factor_enrolment_required", "当前角色须先绑定手机动态验证码（双因素认证）"),
    CHANGE_PASSWORD: ("password_expired", "密码已超过有效期，请先修改密码"),
}


@dataclass
class Caller:
    """The signed-in caller and how they came: exactly one of ``token`` and ``page_session`` is set."""

    user: User
    token: ApiToken | None = None
    page_session: UserSession | None = None
    restriction: str | None = None


def _resolve() -> Caller | None:
    policy = auth_policy()
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        row = token_row(db.session, header[7:].strip())
        if row is None:
            return None
        if policy.needs_second_factor(row.user.role) and not row.user.has_second_factor:
            return None  # the role's rule tightened after the token was issued
        return Caller(row.user, token=row)
    sid = session.get(SESSION_KEY)
    page = find_session(db.session, sid) if isinstance(sid, str) else None
    if page is None:
        return None
    caller = Caller(page.user, page_session=page)
    if policy.needs_second_factor(page.user.role) and not page.second_factor_done:
        caller.restriction = ENROL_SECOND_FACTOR
    elif password_expired(page.user.password_changed_at, clock.now(), policy):
        caller.restriction = CHANGE_PASSWORD
    return caller


_CALLER_KEY = "hotline.auth.caller"


def resolve_caller() -> Caller | None:
    """Return this request's caller, restricted or not (cached in the request's environ, not in ``g``:
    an app context, and so ``g``, may outlive one request)."""
    if _CALLER_KEY not in request.environ:
        request.environ[_CALLER_KEY] = _resolve()
    return request.environ[_CALLER_KEY]


def forget_caller() -> None:
    """Drop the cached caller (after signing in or out within the same request)."""
    request.environ.pop(_CALLER_KEY, None)


def current_user() -> User | None:
    """Return the caller with full access: bearer token first, else the page session; sets ``g.actor``."""
    caller = resolve_caller()
    user = caller.user if caller is not None and caller.restriction is None else None
    g.actor = user
    return user


def check_session_csrf() -> None:
    """Refuse a state-changing call that rides on the page session without a valid ``X-CSRFToken``.

    The JSON blueprints are exempt from form CSRF because bearer tokens cannot be sent cross-site; a
    session cookie can, so the session path needs the token the pages put in their ``<meta>``.
    """
    if request.method in SAFE_METHODS or not current_app.config.get("WTF_CSRF_ENABLED", True):
        return
    try:
        validate_csrf(request.headers.get("X-CSRFToken") or request.headers.get("X-CSRF-Token"))
    except ValidationError:
        raise ApiError(403, "csrf_failed", "页面已过期或缺少 CSRF 令牌，请刷新页面后重试") from None


def authenticate_request(*roles: Role | str, allow_restricted: bool = False) -> User:
    """Return the caller with one of ``roles`` (any role when none), or refuse with 401/403."""
    caller = resolve_caller()
    if caller is None:
        raise ApiError(401, "unauthorized", "未登录或令牌已失效")
    if caller.restriction is not None and not allow_restricted:
        code, message = RESTRICTION_MESSAGES[caller.restriction]
        raise ApiError(403, code, message)
    if caller.token is None:
        check_session_csrf()
    allowed = {str(r) for r in roles}
    if allowed and caller.user.role not in allowed:
        raise ApiError(403, "forbidden_role", "当前角色无权执行此操作")
    g.actor = caller.user
    return caller.user


def api_auth(*roles: Role | str, allow_restricted: bool = False) -> Callable[[F], F]:
    """Require a valid caller (and one of ``roles`` when given); sets ``g.actor``."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args, **kwargs):
            authenticate_request(*roles, allow_restricted=allow_restricted)
            return view(*args, **kwargs)

        # Who may call, on the view itself: the OpenAPI document and the permission sweep read it from here.
        wrapper.allowed_roles = frozenset(str(r) for r in roles) or ALL_ROLES  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorator
