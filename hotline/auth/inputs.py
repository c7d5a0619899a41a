"""What the sign-in API accepts (each model parses the body) and answers; both are the document's schemas."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import Field

from hotline.auth.roles import Role
from hotline.core.api_schemas import ApiModel, QueryModel, ResponseModel, optional_text, required_text
from hotline.tickets.outputs import UnitBrief


class Credentials(ApiModel):
    """``POST /api/v1/auth/token``: user name, password and, for users who have one, the second factor."""

    username: required_text(80) = Field(description="用户名")
    password: Password
    otp: optional_text(40) = Field(default=None, description="动态验证码或一次性恢复码")


Password = Annotated[str, Field(min_length=1, max_length=200, description="原样比对，不去空格")]


class Logout(ApiModel):
    """``POST /auth/logout``."""

    everywhere: bool | None = Field(default=None, description="同时结束本人所有令牌和会话")


class OneTimeCode(ApiModel):
    """A current authenticator code (binding the second factor, renewing recovery codes)."""

    code: required_text(12) = Field(description="动态验证码")


class PasswordChange(ApiModel):
    """``POST /auth/password``: the current password and a new one that passes the centre's rules."""

    current_password: Password
    new_password: Password


class NewPersonalToken(ApiModel):
    """``POST /auth/tokens``: a named token for a script."""

    name: required_text(80) = Field(description="用途")
    days: Annotated[int, Field(ge=1, le=3650, description="有效天数")]


class TokensQuery(QueryModel):
    """``GET /auth/tokens``: the caller's own tokens; an admin may name a user or ask for everyone's."""

    username: optional_text(80) = Field(default=None, description="该用户的令牌（管理员）")
    all: bool | None = Field(default=None, description="所有人的令牌（管理员）")


class AuthEventsQuery(QueryModel):
    """``GET /auth/events``."""

    username: optional_text(80) = Field(default=None, description="只看与该用户有关的")


class UserOut(ResponseModel):
    """A staff user as the API shows them."""

    username: str
    display_name: str | None
    role: Literal[tuple(r.value for r in Role)]  # type: ignore[valid-type]
    unit: UnitBrief


class Token(ResponseModel):
    """A bearer token for ``Authorization: Bearer …`` and when it expires."""

    token: str = Field(min_length=20)
    expires_at: dt.datetime
    user: UserOut


class TokenRow(ResponseModel):
    """A bearer or personal token (never its secret)."""

    id: int
    name: str
    username: str
    created_at: str
    expires_at: str
    revoked_at: str | None


class TokenRows(ResponseModel):
    rows: list[TokenRow]


class NewTokenAnswer(ResponseModel):
    token: str = Field(min_length=20, description="只在此处出现一次")
    row: TokenRow


class RevokedToken(ResponseModel):
    row: TokenRow


class AccountRow(UserOut):
    """An account as the admin list shows it."""

    active: bool
    second_factor: bool
    password_changed_at: str | None


class AccountRows(ResponseModel):
    rows: list[AccountRow]


class AccountChange(ResponseModel):
    user: AccountRow
    revoked: dict[str, Any] = Field(description="结束的会话与令牌数（sessions、tokens）")


class AuthEventRow(ResponseModel):
    id: int
    action: str
    actor: str | None
    target: str | None
    data: dict[str, Any]
    address: str | None
    created_at: str


class AuthEventRows(ResponseModel):
    rows: list[AuthEventRow]
