"""Background jobs by dotted name: rq on Redis when ``REDIS_URL`` is set, in-process otherwise.

Jobs are named ``"package.module:function"`` so a lower layer can ask for work done by a higher one
without importing it, and a worker imports the function itself. Arguments travel as JSON (rq's
``JSONSerializer``: ids and plain values, never a pickle), and every job has a retry policy with backoff.
The effects of an action go through the outbox (``effects.defer``); :func:`enqueue` is for work asked for
directly (a retrain, a periodic job).
"""

from __future__ import annotations

import importlib
import json
import logging
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app
from rq import Retry
from rq.serializers import JSONSerializer

log = logging.getLogger(__name__)
QUEUE_NAME = "hotline"
SERIALIZER = JSONSerializer
# Seconds before the 1st, 2nd and 3rd retry of a failed job (a database restart, a flaky sender).
RETRY_INTERVALS = (5, 30, 120)
DEFAULT_JOB_TIMEOUT = 180


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

        # Timeouts short enough that a dead Redis fails a relay at once instead of holding a request.
        app.extensions["hotline.redis"] = Redis.from_url(
            url, socket_connect_timeout=2, socket_timeout=5, health_check_interval=30
        )
    return app.extensions["hotline.redis"]


def queue(app: Flask | None = None):
    """Return the rq queue (JSON-serialised), or None without Redis."""
    connection = redis_connection(app)
    if connection is None:
        return None
    from rq import Queue

    return Queue(QUEUE_NAME, connection=connection, serializer=SERIALIZER)


def retry_policy() -> Retry:
    """Return the retry policy every job is queued with."""
    return Retry(max=len(RETRY_INTERVALS), interval=list(RETRY_INTERVALS))


def job_timeout(app: Flask | None = None) -> int:
    """Return how long one job may run before rq stops it (and its run counts as failed)."""
    return int((app or current_app).config.get("HOTLINE_JOB_TIMEOUT") or DEFAULT_JOB_TIMEOUT)


def run_job(dotted: str, *args: Any, **kwargs: Any) -> Any:
    """Run a job now in this process (the app context must be active)."""
    return resolve(dotted)(*args, **kwargs)


def json_safe(value: Any) -> Any:
    """Return ``value`` if JSON can carry it (rq stores results with the JSON serializer), else its text."""
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)
    return value


def enqueue(dotted: str, *args: Any, **kwargs: Any) -> None:
    """Queue a job; without Redis run it here, now, after the caller's commit."""
    q = queue()
    if q is not None:
        q.enqueue(
            "hotline.core.worker_entry.run",
            dotted,
            list(args),
            kwargs,
            job_timeout=600,
            retry=retry_policy(),
        )
        return
    try:
        run_job(dotted, *args, **kwargs)
    except Exception:  # a failed side job must not fail the request that already committed
        log.exception("in-process job %s failed", dotted)
