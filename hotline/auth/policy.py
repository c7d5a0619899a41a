"""The sign-in rules a centre sets: which roles need a second factor, password length and age, token lifetimes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import current_app

from hotline.auth.roles import Role


@dataclass(frozen=True)
class AuthPolicy:
    """Read once per request from the app's config; services take it as a parameter."""

    second_factor_roles: frozenset[str]
    password_min_length: int
    password_max_age_days: int  # 0: passwords never expire
    token_hours: int  # a token from POST /auth/token (a script's sign-in)
    token_max_days: int  # the longest a named personal token may live
    session_hours: int  # a page session ends this long after sign-in

    def needs_second_factor(self, role: str) -> bool:
        return role in self.second_factor_roles

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> AuthPolicy:
        roles = config["HOTLINE_SECOND_FACTOR_ROLES"]
        if isinstance(roles, str):
            roles = [r.strip() for r in roles.split(",") if r.strip()]
        unknown = set(roles) - {r.value for r in Role}
        if unknown:
            raise ValueError(f"HOTLINE_SECOND_FACTOR_ROLES names unknown roles: {sorted(unknown)}")
        return cls(
            second_factor_roles=frozenset(roles),
            password_min_length=int(config["HOTLINE_PASSWORD_MIN_LENGTH"]),
            password_max_age_days=int(config["HOTLINE_PASSWORD_MAX_AGE_DAYS"]),
            token_hours=int(config["HOTLINE_TOKEN_HOURS"]),
            token_max_days=int(config["HOTLINE_TOKEN_MAX_DAYS"]),
            session_hours=int(config["HOTLINE_SESSION_HOURS"]),
        )


def auth_policy() -> AuthPolicy:
    """Return the policy of the running app (config may be changed by an operator or a test)."""
    return AuthPolicy.from_config(current_app.config)
