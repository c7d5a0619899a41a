"""Periodic jobs: the warning sweep every ``HOTLINE_WARNING_INTERVAL_SECONDS``.

With Redis the worker started with ``--schedule`` enqueues them; without Redis the web process runs
them in a background thread (``make run`` on the embedded default).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from flask import Flask

log = logging.getLogger(__name__)
PERIODIC = ("hotline.tickets.tasks:recompute_warnings",)


def periodic_jobs(app: Flask, stop: threading.Event, submit: Callable[[str], None]) -> None:
    """Submit each periodic job every interval until ``stop`` is set."""
    interval = app.config["HOTLINE_WARNING_INTERVAL_SECONDS"]
    while not stop.wait(interval):
        for dotted in PERIODIC:
            with app.app_context():
                try:
                    submit(dotted)
                except Exception:  # keep the schedule alive; the next round tries again
                    log.exception("periodic job %s failed", dotted)
                finally:
                    from hotline.core.extensions import db

                    db.session.remove()


def start_in_process(app: Flask) -> threading.Event:
    """Run the periodic jobs in a daemon thread of this process; return the event that stops it."""
    from hotline.core import jobs

    stop = threading.Event()
    threading.Thread(target=periodic_jobs, args=(app, stop, jobs.enqueue), name="hotline-scheduler", daemon=True).start()
    return stop
