"""The sign-in API: tokens, logout, the second factor, personal tokens, passwords, and admin of accounts."""

from __future__ import annotations

from flask import Blueprint, g, jsonify, request, session

from hotline.auth.api import SESSION_KEY, api_auth, resolve_caller
from hotline.auth.inputs import (
    AccountChange,
    AccountRows,
    AuthEventRows,
    AuthEventsQuery,
    Credentials,
    Logout,
    NewPersonalToken,
    NewTokenAnswer,
    OneTimeCode,
    PasswordChange,
    RevokedToken,
    Token,
    TokenRows,
    TokensQuery,
    UserOut,
)
from hotline.auth.models import AuthEvent, User
from hotline.auth.passwords import password_expired
from hotline.auth.policy import auth_policy
from hotline.auth.roles import Role
from hotline.auth.second_factor import (
    confirm_enrolment,
    new_recovery_codes,
    provisioning_uri,
    recovery_codes_left,
    start_enrolment,
    verify_second_factor,
)
from hotline.auth.services import (
    change_password,
    create_personal_token,
    end_session,
    find_user,
    issue_token,
    list_tokens,
    record_auth_event,
    reset_second_factor,
    revoke_everything,
    revoke_token,
    set_user_active,
    sign_in,
)
from hotline.auth.throttle import BLOCKED_MESSAGE, login_throttle
from hotline.core import clock
from hotline.core.api_schemas import accepts, query_params, returns
from hotline.core.effects import commit
from hotline.core.errors import ApiError, DomainError
from hotline.core.extensions import db

api = Blueprint("auth_api", __name__, url_prefix="/api/v1")


def _address() -> str:
    return (request.remote_addr or "?")[:64]


@api.post("/auth/token")
@returns(Token)
@accepts(Credentials)
def create_token(body: Credentials):
    """Sign in with user name, password and (for users who have one) the second factor; return a token."""
    username, password, code = body.username, body.password, body.otp
    address = _address()
    if login_throttle().blocked(username, address):
        raise ApiError(429, "too_many_attempts", BLOCKED_MESSAGE)
    policy = auth_policy()
    try:
        result = sign_in(db.session, username, password, code, policy, address=address)
    except DomainError as exc:
        if exc.code != "second_factor_required":
            login_throttle().failed(username, address)
        commit(db.session)  # keep the trail of a refused second factor
        raise
    if result.must_enrol:
        raise ApiError(
            403, "second_factor_enrolment_required", "当前角色须先在网页登录并绑定手机动态验证码，之后才能获取接口令牌"
        )
    if result.password_expired:
        raise ApiError(403, "password_expired", "密码已超过有效期，请先修改密码")
    token, row = issue_token(db.session, result.user, policy.token_hours)
    commit(db.session)
    return jsonify({"token": token, "expires_at": row.expires_at.isoformat(), "user": result.user.to_dict()})


@api.post("/auth/logout")
@api_auth(allow_restricted=True)
@accepts(Logout, required=False)
def logout(body: Logout):
    """Sign out now: the calling token (or page session) stops working; ``everywhere`` ends all of them."""
    caller = resolve_caller()
    assert caller is not None
    if body.everywhere:
        revoked = revoke_everything(db.session, caller.user, caller.user, "logout", address=_address())
    elif caller.token is not None:
        revoke_token(db.session, caller.user, caller.token.id, address=_address())
        revoked = {"tokens": 1, "sessions": 0}
    else:
        assert caller.page_session is not None
        end_session(db.session, caller.page_session)
        revoked = {"tokens": 0, "sessions": 1}
    session.pop(SESSION_KEY, None)
    commit(db.session)
    return jsonify({"revoked": {"tokens": revoked["tokens"], "sessions": revoked["sessions"]}})


@api.get("/me")
@returns(UserOut)
@api_auth()
def me():
    """The signed-in user."""
    return jsonify(g.actor.to_dict())


# --- the second factor ------------------------------------------------------------------------------------


def security_state(user: User) -> dict:
    """What the account page and API show about ``user``'s sign-in."""
    policy = auth_policy()
    return {
        "second_factor": user.has_second_factor,
        "second_factor_required": policy.needs_second_factor(user.role),
        "recovery_codes_left": recovery_codes_left(db.session, user) if user.has_second_factor else 0,
        "password_changed_at": user.password_changed_at.isoformat() if user.password_changed_at else None,
        "password_expired": password_expired(user.password_changed_at, clock.now(), policy),
        "password_max_age_days": policy.password_max_age_days,
    }


@api.get("/auth/security")
@api_auth(allow_restricted=True)
def get_security():
    """The caller's second factor, recovery codes left and password age."""
    return jsonify(security_state(g.actor))


@api.post("/auth/second-factor/setup")
@api_auth(allow_restricted=True)
def setup_second_factor():
    """Start binding an authenticator app: the secret and otpauth URI, shown this once."""
    secret = start_enrolment(db.session, g.actor)
    record_auth_event(db.session, "second_factor_started", g.actor, g.actor, address=_address())
    commit(db.session)
    return jsonify({"secret": secret, "otpauth_uri": provisioning_uri(g.actor, secret)})


def finish_enrolment(user: User, code: str) -> list[str]:
    """Confirm the pending secret with a code; the current page session counts as having passed it."""
    codes = confirm_enrolment(db.session, user, code, clock.now())
    caller = resolve_caller()
    if caller is not None and caller.page_session is not None:
        caller.page_session.second_factor_done = True
    record_auth_event(db.session, "second_factor_enabled", user, user, address=_address())
    return codes


@api.post("/auth/second-factor/confirm")
@api_auth(allow_restricted=True)
@accepts(OneTimeCode)
def confirm_second_factor(body: OneTimeCode):
    """Confirm the binding with a current code; returns the one-time recovery codes once."""
    codes = finish_enrolment(g.actor, body.code)
    commit(db.session)
    return jsonify({"recovery_codes": codes, **security_state(g.actor)})


@api.post("/auth/second-factor/recovery-codes")
@api_auth()
@accepts(OneTimeCode)
def regenerate_recovery_codes(body: OneTimeCode):
    """Replace the recovery codes (a current code is needed); returns the new ones once."""
    if verify_second_factor(db.session, g.actor, body.code, clock.now()) is None:
        raise ApiError(422, "invalid_code", "动态验证码不正确或已使用", field="code")
    codes = new_recovery_codes(db.session, g.actor, clock.now())
    record_auth_event(db.session, "recovery_codes_renewed", g.actor, g.actor, address=_address())
    commit(db.session)
    return jsonify({"recovery_codes": codes})


@api.post("/auth/password")
@api_auth(allow_restricted=True)
@accepts(PasswordChange)
def post_password(body: PasswordChange):
    """Change the caller's password (current one, new one that passes the rules)."""
    change_password(db.session, g.actor, body.current_password, body.new_password, auth_policy())
    commit(db.session)
    return jsonify(security_state(g.actor))


# --- personal tokens --------------------------------------------------------------------------------------


@api.get("/auth/tokens")
@api_auth()
@query_params(TokensQuery)
@returns(TokenRows)
def get_tokens(args: TokensQuery):
    """The caller's live tokens; an admin may pass ``username`` or ``all=1``."""
    username = args.username
    if g.actor.role == Role.ADMIN and args.all:
        username = ""
    rows = list_tokens(db.session, g.actor, username=g.actor.username if username is None else username)
    return jsonify({"rows": [row.to_dict() for row in rows]})


@api.post("/auth/tokens")
@api_auth()
@accepts(NewPersonalToken)
@returns(NewTokenAnswer, "201")
def post_token(body: NewPersonalToken):
    """Create a named token for a script; the secret is in this answer only."""
    token, row = create_personal_token(db.session, g.actor, body.name, body.days, auth_policy())
    commit(db.session)
    return jsonify({"token": token, "row": row.to_dict()}), 201


@api.delete("/auth/tokens/<int:token_id>")
@api_auth()
@returns(RevokedToken)
def delete_token(token_id: int):
    """Revoke a token (its owner, or an admin)."""
    row = revoke_token(db.session, g.actor, token_id, address=_address())
    commit(db.session)
    return jsonify({"row": row.to_dict()})


# --- admin of accounts ------------------------------------------------------------------------------------


def user_row(user: User) -> dict:
    """An account as the admin list shows it."""
    return {
        **user.to_dict(),
        "active": user.active,
        "second_factor": user.has_second_factor,
        "password_changed_at": user.password_changed_at.isoformat() if user.password_changed_at else None,
    }


@api.get("/users")
@api_auth(Role.ADMIN)
@returns(AccountRows)
def get_users():
    """Every account with its state (admins)."""
    users = db.session.scalars(db.select(User).order_by(User.username))
    return jsonify({"rows": [user_row(u) for u in users]})


@api.post("/users/<username>/<change>")
@api_auth(Role.ADMIN)
@returns(AccountChange)
def change_user(username: str, change: str):
    """Disable, enable, reset the second factor of, or sign out everywhere an account (admins; audited)."""
    user = find_user(db.session, username[:80])
    revoked: dict = {}
    if change == "disable":
        revoked = set_user_active(db.session, g.actor, user, False, address=_address())
    elif change == "enable":
        set_user_active(db.session, g.actor, user, True, address=_address())
    elif change == "reset-second-factor":
        reset_second_factor(db.session, g.actor, user, address=_address())
    elif change == "revoke-sessions":
        revoked = revoke_everything(db.session, user, g.actor, "admin", address=_address())
    else:
        raise ApiError(404, "unknown_change", f"未知的操作：{change[:40]}")
    commit(db.session)
    return jsonify({"user": user_row(user), "revoked": revoked})


@api.get("/auth/events")
@api_auth(Role.ADMIN)
@query_params(AuthEventsQuery)
@returns(AuthEventRows)
def get_auth_events(args: AuthEventsQuery):
    """The account trail: sign-ins and every change to an account (admins)."""
    query = db.select(AuthEvent).order_by(AuthEvent.id.desc()).limit(200)
    if args.username:
        query = query.where(AuthEvent.target_id == find_user(db.session, args.username).id)
    return jsonify({"rows": [e.to_dict() for e in db.session.scalars(query)]})
