"""CPU-bound work inside a request, without stalling a gevent server.

Under gevent (``python -m hotline.serve`` with Redis) every connection of a process shares one OS thread: a
request that builds a 50,000-row workbook for seven seconds would freeze every other request and every
live socket of that process meanwhile. :func:`run_blocking` runs such pure work (no database session, no
request context) in gevent's pool of real threads, where the interpreter's switching lets the hub keep
serving; without gevent it just calls the function.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def under_gevent() -> bool:
    """Tell whether this process was monkey-patched by gevent."""
    try:
        from gevent import monkey
    except ImportError:  # gevent is in requirements.txt, but the code runs without it
        return False
    return bool(monkey.is_module_patched("threading"))


def run_blocking(func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Return ``func(*args, **kwargs)``, computed off the gevent hub when there is one."""
    if not under_gevent():
        return func(*args, **kwargs)
    import gevent

    return gevent.get_hub().threadpool.apply(func, args, kwargs)
