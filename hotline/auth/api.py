"""Authentication for API endpoints (bearer token, or the page session for the app's own pages)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from flask import g, request, session

from hotline.auth.models import User
from hotline.auth.roles import Role
from hotline.auth.services import user_for_token
from hotline.core.errors import ApiError
from hotline.core.extensions import db

F = TypeVar("F", bound=Callable)


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


def api_auth(*roles: Role | str) -> Callable[[F], F]:
    """Require a valid caller (and one of ``roles`` when given); sets ``g.actor``."""
    allowed = {str(r) for r in roles}

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args, **kwargs):
            user = current_user()
            if user is None:
                raise ApiError(401, "unauthorized", "未登录或令牌已失效")
            if allowed and user.role not in allowed:
                raise ApiError(403, "forbidden_role", "当前角色无权执行此操作")
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator
