"""Failed logins are throttled per user name and per address, so passwords cannot be guessed at speed.

Only failures count; a blocked user name stays blocked for the window even with the right password (the
guesser must not learn that it was right). Shared by every web process through Redis when there is one.
"""

from __future__ import annotations

from flask import current_app

from hotline.core.ratelimit import RateLimiter

WINDOW_SECONDS = 15 * 60
FAILURES_PER_USERNAME = 10
# An office of agents behind one NAT address mistypes too; this only stops a sweep across many names.
FAILURES_PER_ADDRESS = 100


class LoginThrottle:
    """Counts failed logins by user name and by client address."""

    def __init__(self, storage_uri: str | None) -> None:
        self.by_username = RateLimiter(FAILURES_PER_USERNAME, WINDOW_SECONDS, storage_uri)
        self.by_address = RateLimiter(FAILURES_PER_ADDRESS, WINDOW_SECONDS, storage_uri)

    def blocked(self, username: str, address: str) -> bool:
        """Tell whether a login for ``username`` from ``address`` must be refused without trying it."""
        return not (
            self.by_username.within(f"login-user:{username}") and self.by_address.within(f"login-address:{address}")
        )

    def failed(self, username: str, address: str) -> None:
        """Count one failed login."""
        self.by_username.allow(f"login-user:{username}")
        self.by_address.allow(f"login-address:{address}")

    def locked(self, username: str) -> bool:
        """Tell whether ``username`` is locked out by its failed logins (from any address)."""
        return not self.by_username.within(f"login-user:{username}")

    def unlock(self, username: str) -> None:
        """Forget the failed logins of ``username`` (an administrator, once the owner is known to be the one)."""
        self.by_username.clear(f"login-user:{username}")

    def reset(self) -> None:
        """Forget every failure (tests, or an administrator after an incident)."""
        self.by_username.reset()
        self.by_address.reset()


def login_throttle() -> LoginThrottle:
    """Return this app's throttle (in Redis when ``REDIS_URL`` is set)."""
    if "hotline.login_throttle" not in current_app.extensions:
        current_app.extensions["hotline.login_throttle"] = LoginThrottle(current_app.config["REDIS_URL"])
    return current_app.extensions["hotline.login_throttle"]


BLOCKED_MESSAGE = f"登录失败次数过多，请 {WINDOW_SECONDS // 60} 分钟后再试"
