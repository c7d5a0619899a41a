"""Passwords, login and bearer tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from hotline.auth.models import ApiToken, User
from hotline.auth.roles import Role
from hotline.core import clock
from hotline.core.errors import DomainError
from hotline.units.models import Unit

# Werkzeug's PBKDF2 at OWASP's recommended work factor; the test suite lowers it for speed.
PASSWORD_METHOD = "pbkdf2:sha256:600000"
# A fixed hash to compare against when the user does not exist, so timing does not reveal usernames.
_DUMMY_HASH = generate_password_hash("not-a-password", method="pbkdf2:sha256:1000")


def hash_password(password: str) -> str:
    """Return a salted hash of ``password``."""
    return generate_password_hash(password, method=PASSWORD_METHOD)


def create_user(
    session: Session, username: str, password: str, role: str, unit: Unit, display_name: str | None = None
) -> User:
    """Add a user with a hashed password."""
    if role not in {r.value for r in Role}:
        raise DomainError(422, "invalid_role", f"角色无效：{role}")
    if len(password) < 8:
        raise DomainError(422, "weak_password", "密码至少 8 位")
    if session.scalar(select(User).where(User.username == username)):
        raise DomainError(409, "username_taken", f"用户名已存在：{username}")
    user = User(
        username=username,
        display_name=display_name or username,
        password_hash=hash_password(password),
        role=role,
        unit=unit,
    )
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    """Return the active user with these credentials, or None."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        check_password_hash(_DUMMY_HASH, password)
        return None
    return user if check_password_hash(user.password_hash, password) else None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, user: User, hours: int) -> str:
    """Create a bearer token for ``user`` valid for ``hours``; return the secret once."""
    token = secrets.token_urlsafe(32)
    moment = clock.now()
    session.execute(delete(ApiToken).where(ApiToken.user_id == user.id, ApiToken.expires_at < moment))
    session.add(
        ApiToken(user=user, token_sha256=_digest(token), created_at=moment, expires_at=moment + dt.timedelta(hours=hours))
    )
    session.flush()
    return token


def user_for_token(session: Session, token: str) -> User | None:
    """Return the active user a valid, unexpired token belongs to."""
    row = session.scalar(select(ApiToken).where(ApiToken.token_sha256 == _digest(token)))
    if row is None or row.expires_at <= clock.now() or not row.user.active:
        return None
    return row.user
