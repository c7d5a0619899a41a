"""Rate limits shared by every web process (through Redis when there is one): the portal's forms, logins."""

from __future__ import annotations

from functools import cache

from limits import RateLimitItemPerSecond
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter


@cache
def _shared_storage(uri: str) -> Storage:
    # One Redis connection pool per process for every limiter (portal forms, login throttling).
    return storage_from_string(uri, key_prefix="hotline-limits")


class RateLimiter:
    """Allow ``limit`` hits per ``window`` seconds per key (a moving window, from the ``limits`` library).

    With a Redis URL the counts live in Redis, so every web process behind the load balancer shares them;
    without one they live in this process (the embedded default is one process anyway).
    """

    def __init__(self, limit: int, window: int, storage_uri: str | None = None) -> None:
        self.item = RateLimitItemPerSecond(limit, window)
        self.storage = _shared_storage(storage_uri) if storage_uri else storage_from_string("memory://")
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
