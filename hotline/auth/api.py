"""Authentication for API endpoints (bearer token, or the page session for the app's own pages)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from flask import current_app, g, request, session
from flask_wtf.csrf import validate_csrf
from wtforms import ValidationError

from hotline.auth.models import User
from hotline.auth.roles import Role
from hotline.auth.services import user_for_token
from hotline.core.errors import ApiError
from hotline.core.extensions import db

F = TypeVar("F", bound=Callable)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def current_user() -> User | None:
    """Return the caller: bearer token first, else the logged-in page session."""
    user = None
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        user = user_for_token(db.session, header[7:].strip())
    elif session.get("user_id"):
        candidate = db.session.get(User, session["user_id"])
        user = candidate if candidate is not None and candidate.active else None
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


def authenticate_request(*roles: Role | str) -> User:
    """Return the caller with one of ``roles`` (any role when none), or refuse with 401/403."""
    user = current_user()
    if user is None:
        raise ApiError(401, "unauthorized", "未登录或令牌已失效")
    if not request.headers.get("Authorization", "").startswith("Bearer "):
        check_session_csrf()
    allowed = {str(r) for r in roles}
    if allowed and user.role not in allowed:
        raise ApiError(403, "forbidden_role", "当前角色无权执行此操作")
    return user


def api_auth(*roles: Role | str) -> Callable[[F], F]:
    """Require a valid caller (and one of ``roles`` when given); sets ``g.actor``."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args, **kwargs):
            authenticate_request(*roles)
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator
