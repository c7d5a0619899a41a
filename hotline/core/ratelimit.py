"""Rate limits shared by every web process (through Redis when there is one): the portal's forms, logins.

Without Redis — not configured, or down at this moment — the limits hold in this process (a local
fallback): a login or a form post is never answered 500 because the shared counter is unreachable.
"""

from __future__ import annotations

import logging
from functools import cache

from limits import RateLimitItemPerSecond
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

log = logging.getLogger(__name__)


@cache
def _shared_storage(uri: str) -> Storage:
    # One Redis connection pool per process for every limiter (portal forms, login throttling); short
    # timeouts so that a Redis that hangs costs a login one second, then the local count decides.
    return storage_from_string(uri, key_prefix="hotline-limits", socket_timeout=1, socket_connect_timeout=1)


class RateLimiter:
    """Allow ``limit`` hits per ``window`` seconds per key (a moving window, from the ``limits`` library).

    With a Redis URL the counts live in Redis, so every web process behind the load balancer shares them;
    every hit is also counted in this process, and that count decides while Redis cannot be reached.
    """

    def __init__(self, limit: int, window: int, storage_uri: str | None = None) -> None:
        self.item = RateLimitItemPerSecond(limit, window)
        self.local = MovingWindowRateLimiter(storage_from_string("memory://"))
        self.shared = MovingWindowRateLimiter(_shared_storage(storage_uri)) if storage_uri else None
        self._degraded = False

    def _shared_answer(self, operation: str, key: str) -> bool | None:
        if self.shared is None:
            return None
        try:
            answer = getattr(self.shared, operation)(self.item, key)
        except Exception as exc:  # Redis down or hanging: fall back to this process's count
            if not self._degraded:
                log.warning(
                    "rate limits fall back to this process: shared storage unreachable (%s)", type(exc).__name__
                )
            self._degraded = True
            return None
        if self._degraded:
            log.info("rate limits shared again")
            self._degraded = False
        return answer

    def allow(self, key: str) -> bool:
        """Count a hit for ``key``; tell whether it is within the limit."""
        here = self.local.hit(self.item, key)
        shared = self._shared_answer("hit", key)
        return here if shared is None else shared

    def within(self, key: str) -> bool:
        """Tell whether one more hit for ``key`` would be allowed, without counting it."""
        shared = self._shared_answer("test", key)
        return self.local.test(self.item, key) if shared is None else shared

    def clear(self, key: str) -> None:
        """Forget the hits of one ``key`` (here and in the shared store)."""
        self.local.clear(self.item, key)
        if self.shared is not None:
            try:
                self.shared.clear(self.item, key)
            except Exception:
                log.warning("could not clear the shared rate limit of one key", exc_info=True)

    def reset(self) -> None:
        """Forget every hit (tests)."""
        self.local.storage.reset()
        if self.shared is not None:
            try:
                self.shared.storage.reset()
            except Exception:
                log.warning("could not reset the shared rate limits", exc_info=True)
