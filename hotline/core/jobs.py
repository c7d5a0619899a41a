"""Background jobs by dotted name: rq on Redis when ``REDIS_URL`` is set, in-process otherwise.

Jobs are named ``"package.module:function"`` so a lower layer can ask for work done by a higher one
without importing it, and a worker imports the function itself.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app

log = logging.getLogger(__name__)
QUEUE_NAME = "hotline"


def resolve(dotted: str) -> Callable[..., Any]:
    """Return the function a ``module:function`` name points at (only inside our packages)."""
    module_name, _, attr = dotted.partition(":")
    if module_name.split(".")[0] not in {"hotline", "classifier", "dispatch", "knowledge", "reports"}:
        raise ValueError(f"refusing to run job outside the project: {dotted}")
    return getattr(importlib.import_module(module_name), attr)


def redis_connection(app: Flask | None = None):
    """Return a Redis connection for the configured ``REDIS_URL``, or None."""
    app = app or current_app
    url = app.config.get("REDIS_URL")
    if not url:
        return None
    if "hotline.redis" not in app.extensions:
        from redis import Redis

        app.extensions["hotline.redis"] = Redis.from_url(url)
    return app.extensions["hotline.redis"]


def queue(app: Flask | None = None):
    """Return the rq queue, or None without Redis."""
    connection = redis_connection(app)
    if connection is None:
        return None
    from rq import Queue

    return Queue(QUEUE_NAME, connection=connection)


def run_job(dotted: str, *args: Any, **kwargs: Any) -> Any:
    """Run a job now in this process (the app context must be active)."""
    return resolve(dotted)(*args, **kwargs)


def enqueue(dotted: str, *args: Any, **kwargs: Any) -> None:
    """Queue a job; without Redis run it here, now, after the caller's commit."""
    q = queue()
    if q is not None:
        q.enqueue("hotline.core.worker_entry.run", dotted, args, kwargs, job_timeout=600)
        return
    try:
        run_job(dotted, *args, **kwargs)
    except Exception:  # a failed side job must not fail the request that already committed
        log.exception("in-process job %s failed", dotted)
