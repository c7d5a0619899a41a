"""Accounts: create, sign in, passwords, bearer tokens, page sessions, disable — each change audited."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from hotline.auth.models import ApiToken, AuthEvent, User, UserSession
from hotline.auth.passwords import check_password, password_expired
from hotline.auth.policy import AuthPolicy
from hotline.auth.roles import Role
from hotline.auth.second_factor import remove_second_factor, verify_second_factor
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


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def record_auth_event(
    session: Session,
    action: str,
    actor: User | None,
    target: User | None = None,
    *,
    data: dict | None = None,
    address: str | None = None,
) -> AuthEvent:
    """Append one row to the account trail (append-only in the database)."""
    event = AuthEvent(
        action=action,
        actor_id=actor.id if actor else None,
        target_id=target.id if target else None,
        data=data or None,
        address=address,
        created_at=clock.now(),
    )
    session.add(event)
    return event


def create_user(
    session: Session,
    username: str,
    password: str,
    role: str,
    unit: Unit,
    display_name: str | None = None,
    *,
    policy: AuthPolicy | None = None,
    actor: User | None = None,
) -> User:
    """Add a user with a hashed password that passes the password rules."""
    if role not in {r.value for r in Role}:
        raise DomainError(422, "invalid_role", f"角色无效：{role}")
    if policy is not None:
        check_password(password, username, policy)
    elif len(password) < 8:  # service accounts made in code (the portal's) choose long random secrets
        raise DomainError(422, "weak_password", "密码至少 8 位")
    if session.scalar(select(User).where(User.username == username)):
        raise DomainError(409, "username_taken", f"用户名已存在：{username}")
    user = User(
        username=username,
        display_name=display_name or username,
        password_hash=hash_password(password),
        role=role,
        unit=unit,
        password_changed_at=clock.now(),
    )
    session.add(user)
    session.flush()
    record_auth_event(session, "user_created", actor, user, data={"role": role, "unit": unit.code})
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    """Return the active user with these credentials, or None."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        check_password_hash(_DUMMY_HASH, password)
        return None
    return user if check_password_hash(user.password_hash, password) else None


@dataclass(frozen=True)
class SignIn:
    """What a password sign-in established: the user, whether the second factor passed, what is still owed."""

    user: User
    second_factor: str | None  # "totp", "recovery" or None when the user has none
    must_enrol: bool  # the role needs a second factor the user has not set up yet
    password_expired: bool


def sign_in(
    session: Session,
    username: str,
    password: str,
    code: str | None,
    policy: AuthPolicy,
    *,
    address: str | None = None,
) -> SignIn:
    """Check password and (when the user has one) the second factor; refuse with 401 and nothing learned."""
    user = authenticate(session, username, password)
    if user is None:
        raise DomainError(401, "invalid_credentials", "用户名或密码错误")
    now = clock.now()
    passed = None
    if user.has_second_factor:
        if not code:
            raise DomainError(401, "second_factor_required", "请输入手机动态验证码（或一次性恢复码）", field="otp")
        passed = verify_second_factor(session, user, code, now)
        if passed is None:
            record_auth_event(session, "second_factor_failed", user, user, address=address)
            raise DomainError(401, "invalid_second_factor", "动态验证码不正确或已使用", field="otp")
    result = SignIn(
        user=user,
        second_factor=passed,
        must_enrol=policy.needs_second_factor(user.role) and not user.has_second_factor,
        password_expired=password_expired(user.password_changed_at, now, policy),
    )
    record_auth_event(
        session,
        "signed_in",
        user,
        user,
        address=address,
        data={"second_factor": passed, "must_enrol": result.must_enrol},
    )
    return result


# --- bearer tokens ---------------------------------------------------------------------------------------


def issue_token(session: Session, user: User, hours: float, name: str = "登录令牌") -> tuple[str, ApiToken]:
    """Create a bearer token for ``user`` valid for ``hours``; return the secret (shown once) and its row."""
    token = secrets.token_urlsafe(32)
    moment = clock.now()
    # Expired and revoked rows past a day are no longer worth listing.
    session.execute(
        delete(ApiToken).where(ApiToken.user_id == user.id, ApiToken.expires_at < moment - dt.timedelta(days=1))
    )
    row = ApiToken(
        user=user,
        token_sha256=_digest(token),
        created_at=moment,
        name=name,
        expires_at=moment + dt.timedelta(hours=hours),
    )
    session.add(row)
    session.flush()
    return token, row


def create_personal_token(
    session: Session, actor: User, name: str, days: int, policy: AuthPolicy
) -> tuple[str, ApiToken]:
    """A named token for a script, made by a signed-in user (who passed the second factor if they have one)."""
    if not 1 <= days <= policy.token_max_days:
        raise DomainError(422, "out_of_range", f"有效期须在 1 到 {policy.token_max_days} 天之间", field="days")
    token, row = issue_token(session, actor, days * 24, name=name)
    record_auth_event(session, "token_created", actor, actor, data={"token_id": row.id, "name": name, "days": days})
    return token, row


def token_row(session: Session, token: str) -> ApiToken | None:
    """Return the live token row (unexpired, unrevoked, its user active) for a bearer secret."""
    # One statement for the caller of every API request: the token, its user and the user's unit together.
    row = session.scalar(
        select(ApiToken)
        .where(ApiToken.token_sha256 == _digest(token))
        .options(joinedload(ApiToken.user).joinedload(User.unit))
    )
    now = clock.now()
    if row is None or row.revoked_at is not None or row.expires_at <= now or not row.user.active:
        return None
    return row


def user_for_token(session: Session, token: str) -> User | None:
    """Return the active user a valid, unexpired, unrevoked token belongs to."""
    row = token_row(session, token)
    return row.user if row is not None else None


def list_tokens(session: Session, actor: User, *, username: str | None = None) -> list[ApiToken]:
    """Return the caller's live tokens; an admin may ask for one user's or (no name) everyone's."""
    query = select(ApiToken).where(ApiToken.revoked_at.is_(None), ApiToken.expires_at > clock.now())
    if actor.role == Role.ADMIN and username != actor.username:
        if username:
            query = query.join(User, ApiToken.user_id == User.id).where(User.username == username)
    else:
        query = query.where(ApiToken.user_id == actor.id)
    return list(session.scalars(query.order_by(ApiToken.created_at.desc())))


def revoke_token(session: Session, actor: User, token_id: int, *, address: str | None = None) -> ApiToken:
    """Revoke one token: its owner or an admin may; for anyone else it does not exist (404)."""
    row = session.get(ApiToken, token_id)
    if row is None or (row.user_id != actor.id and actor.role != Role.ADMIN):
        raise DomainError(404, "not_found", "令牌不存在或无权查看")
    if row.revoked_at is None:
        row.revoked_at = clock.now()
        record_auth_event(
            session, "token_revoked", actor, row.user, data={"token_id": row.id, "name": row.name}, address=address
        )
    session.flush()
    return row


# --- page sessions ---------------------------------------------------------------------------------------


def open_session(
    session: Session, user: User, policy: AuthPolicy, *, second_factor_done: bool, address: str | None = None
) -> str:
    """Start a server-side page session; return the random id the cookie carries."""
    sid = secrets.token_urlsafe(32)
    now = clock.now()
    session.add(
        UserSession(
            user_id=user.id,
            sid_sha256=_digest(sid),
            created_at=now,
            address=address,
            expires_at=now + dt.timedelta(hours=policy.session_hours),
            second_factor_done=second_factor_done,
        )
    )
    session.flush()
    return sid


def find_session(session: Session, sid: str) -> UserSession | None:
    """Return the live page session for a cookie's id (unexpired, unrevoked, its user active)."""
    row = session.scalar(
        select(UserSession)
        .where(UserSession.sid_sha256 == _digest(sid))
        .options(joinedload(UserSession.user).joinedload(User.unit))
    )
    if row is None or row.revoked_at is not None or row.expires_at <= clock.now() or not row.user.active:
        return None
    return row


def end_session(session: Session, row: UserSession) -> None:
    """Revoke one page session (logout in that browser)."""
    if row.revoked_at is None:
        row.revoked_at = clock.now()
        record_auth_event(session, "signed_out", row.user, row.user)
    session.flush()


def revoke_everything(
    session: Session, user: User, actor: User | None, reason: str, *, address: str | None = None
) -> dict:
    """End every page session and revoke every token of ``user`` now; return how many of each."""
    now = clock.now()
    sessions = session.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        .values(revoked_at=now)
    ).rowcount
    tokens = session.execute(
        update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)).values(revoked_at=now)
    ).rowcount
    counts = {"sessions": sessions, "tokens": tokens, "reason": reason}
    record_auth_event(session, "revoked_all", actor, user, data=counts, address=address)
    session.flush()
    return counts


# --- account changes -------------------------------------------------------------------------------------


def change_password(session: Session, user: User, current: str, new: str, policy: AuthPolicy) -> None:
    """Set a new password after checking the current one and the rules; other sessions and tokens end."""
    if not check_password_hash(user.password_hash, current):
        raise DomainError(422, "wrong_password", "当前密码不正确", field="current_password")
    if check_password_hash(user.password_hash, new):
        raise DomainError(422, "weak_password", "新密码不能与当前密码相同", field="new_password")
    check_password(new, user.username, policy)
    user.password_hash = hash_password(new)
    user.password_changed_at = clock.now()
    record_auth_event(session, "password_changed", user, user)
    session.flush()


def find_user(session: Session, username: str) -> User:
    """Return the user called ``username`` or refuse with 404."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise DomainError(404, "not_found", f"用户不存在：{username}")
    return user


def set_user_active(session: Session, actor: User, user: User, active: bool, *, address: str | None = None) -> dict:
    """Disable (everything of theirs revoked at once) or enable a user; an admin cannot disable themselves."""
    if user.id == actor.id and not active:
        raise DomainError(409, "cannot_disable_self", "不能停用自己的账号")
    revoked: dict = {}
    if user.active != active:
        user.active = active
        record_auth_event(session, "user_disabled" if not active else "user_enabled", actor, user, address=address)
    if not active:
        revoked = revoke_everything(session, user, actor, "disabled", address=address)
    session.flush()
    return revoked


def reset_second_factor(session: Session, actor: User, user: User, *, address: str | None = None) -> None:
    """An admin takes a lost second factor off ``user``; their sessions and tokens end (they enrol again)."""
    remove_second_factor(session, user)
    record_auth_event(session, "second_factor_reset", actor, user, address=address)
    revoke_everything(session, user, actor, "second_factor_reset", address=address)
