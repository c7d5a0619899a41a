"""Periodic jobs: each package registers its own (``register_periodic``); one loop submits them when due.

With Redis the worker started with ``--schedule`` enqueues them; without Redis the web process runs
them in a background thread (``make run`` on the embedded default). Jobs are idempotent where a repeat
would matter (a daily summary checks whether today's already exists), so a restart is harmless.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Flask

from hotline.core import clock

log = logging.getLogger(__name__)
TICK_SECONDS = 15


@dataclass
class Periodic:
    """A job run every ``every_seconds``, or once a day from ``daily_at`` (Asia/Shanghai)."""

    dotted: str
    args: tuple = ()
    every_seconds: float | None = None
    daily_at: dt.time | None = None
    last_run: float = field(default=0.0)
    last_day: dt.date | None = None

    def due(self, monotonic_now: float, local_now: dt.datetime) -> bool:
        if self.every_seconds is not None:
            return monotonic_now - self.last_run >= self.every_seconds
        assert self.daily_at is not None
        return local_now.time() >= self.daily_at and self.last_day != local_now.date()

    def mark_run(self, monotonic_now: float, local_now: dt.datetime) -> None:
        self.last_run, self.last_day = monotonic_now, local_now.date()


def register_periodic(
    app: Flask, dotted: str, *args: object, every_seconds: float | None = None, daily_at: dt.time | None = None
) -> None:
    """Have ``dotted(*args)`` run periodically (exactly one of ``every_seconds`` and ``daily_at``)."""
    if (every_seconds is None) == (daily_at is None):
        raise ValueError("give exactly one of every_seconds and daily_at")
    job = Periodic(dotted, args, every_seconds, daily_at)
    if every_seconds is not None:
        job.last_run = time.monotonic()  # first run one interval after start, not during start-up
    app.extensions.setdefault("hotline.periodic", []).append(job)


def due_jobs(app: Flask, monotonic_now: float, local_now: dt.datetime) -> list[Periodic]:
    """Return the registered jobs due now, marking them as run."""
    due = [job for job in app.extensions.get("hotline.periodic", []) if job.due(monotonic_now, local_now)]
    for job in due:
        job.mark_run(monotonic_now, local_now)
    return due


def periodic_jobs(app: Flask, stop: threading.Event, submit: Callable[..., None]) -> None:
    """Submit each job when due until ``stop`` is set."""
    while not stop.wait(TICK_SECONDS):
        for job in due_jobs(app, time.monotonic(), clock.to_local(clock.now())):
            with app.app_context():
                try:
                    submit(job.dotted, *job.args)
                except Exception:  # keep the schedule alive; the next round tries again
                    log.exception("periodic job %s failed", job.dotted)
                finally:
                    from hotline.core.extensions import db

                    db.session.remove()


def start_in_process(app: Flask) -> threading.Event:
    """Run the periodic jobs in a daemon thread of this process; return the event that stops it."""
    from hotline.core import jobs

    stop = threading.Event()
    threading.Thread(target=periodic_jobs, args=(app, stop, jobs.enqueue), name="hotline-scheduler", daemon=True).start()
    return stop
