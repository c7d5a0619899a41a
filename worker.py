"""rq worker: one app context for its whole life, the model preloaded, no fork per job.

``python worker.py`` works the queue (``--burst`` to stop when it is empty); ``--schedule`` also runs rq's
``CronScheduler``, which queues the periodic jobs every package registered (warning sweep, KB expiry,
daily/weekly summaries) and the outbox sweep — run one or two, each period is done once anyway.
Jobs run on a fresh database session each (``hotline.core.worker_entry``); a worker loop that ends on an
error (Redis gone mid-job) starts again after a pause instead of leaving the queue unattended.
"""

from __future__ import annotations

import argparse
import logging
import time

from redis import Redis
from rq import Queue, SimpleWorker

from hotline.app import create_app
from hotline.core import jobs
from hotline.core.scheduler import start_cron
from hotline.core.wiring import run_preloaders

log = logging.getLogger("hotline.worker")


def main() -> None:
    parser = argparse.ArgumentParser(description="hotline12345 background worker")
    parser.add_argument("--burst", action="store_true", help="exit when the queue is empty")
    parser.add_argument("--schedule", action="store_true", help="also run the scheduler of periodic jobs")
    parser.add_argument("--name", help="worker name (default: rq's host.pid)")
    args = parser.parse_args()

    app = create_app()
    with app.app_context():
        run_preloaders(app)
        url = app.config.get("REDIS_URL")
        if not url:
            raise SystemExit("REDIS_URL is not set: without Redis, jobs run inside the web process")
        if args.schedule:
            start_cron(app)
        # The worker's own connection: rq raises its socket timeout for the blocking dequeue, which the
        # app's connection (relays, pushes) must not inherit.
        connection = Redis.from_url(url)
        queue = Queue(jobs.QUEUE_NAME, connection=connection, serializer=jobs.SERIALIZER)
        pause = 1.0
        while True:
            started = time.monotonic()
            worker = None
            try:
                # SimpleWorker runs jobs in this process: no fork, so the preloaded model and the engine stay
                # warm. Built inside the try: its constructor already talks to Redis (CLIENT SETNAME), and a
                # Redis down at that moment ended the whole process, leaving the queue unattended for good.
                worker = SimpleWorker([queue], connection=connection, serializer=jobs.SERIALIZER, name=args.name)
                # with_scheduler: rq's scheduler moves jobs waiting for a retry back onto the queue when due.
                worker.work(burst=args.burst, logging_level="INFO", with_scheduler=True)
            except Exception:  # e.g. Redis down while the worker registers itself: wait and start again
                log.warning("worker could not run", exc_info=True)
            if args.burst or getattr(worker, "_shutdown_requested_date", None) is not None:
                break
            pause = 1.0 if time.monotonic() - started > 60 else min(pause * 2, 30.0)
            log.warning("worker loop ended unexpectedly; starting again in %.0f s", pause)
            time.sleep(pause)


if __name__ == "__main__":
    main()
