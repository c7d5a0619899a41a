"""Rate limits shared by every web process (through Redis when there is one): the portal's forms, logins."""

from __future__ import annotations

from limits import RateLimitItemPerSecond
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter


class RateLimiter:
    """Allow ``limit`` hits per ``window`` seconds per key (a moving window, from the ``limits`` library).

    With a Redis URL the counts live in Redis, so every web process behind the load balancer shares them;
    without one they live in this process (the embedded default is one process anyway).
    """

    def __init__(self, limit: int, window: int, storage_uri: str | None = None) -> None:
        self.item = RateLimitItemPerSecond(limit, window)
        if storage_uri:
            self.storage = storage_from_string(storage_uri, key_prefix="hotline-limits")
        else:
            self.storage = storage_from_string("memory://")
        self.strategy = MovingWindowRateLimiter(self.storage)

    def allow(self, key: str) -> bool:
        """Count a hit for ``key``; tell whether it is within the limit."""
        return self.strategy.hit(self.item, key)

    def within(self, key: str) -> bool:
        """Tell whether one more hit for ``key`` would be allowed, without counting it."""
        return self.strategy.test(self.item, key)

    def reset(self) -> None:
        """Forget every hit (tests)."""
        self.storage.reset()
