"""rq worker: one app context for its whole life, the model preloaded, no fork per job.

``python worker.py`` works the queue (``--burst`` to stop when it is empty); ``--schedule`` also
enqueues the periodic jobs every package registered (warning sweep, KB expiry, daily/weekly summaries).
"""

from __future__ import annotations

import argparse
import threading

from rq import SimpleWorker

from hotline.app import create_app
from hotline.core import jobs
from hotline.core.scheduler import periodic_jobs


def main() -> None:
    parser = argparse.ArgumentParser(description="hotline12345 background worker")
    parser.add_argument("--burst", action="store_true", help="exit when the queue is empty")
    parser.add_argument("--schedule", action="store_true", help="also enqueue periodic jobs")
    args = parser.parse_args()

    app = create_app()
    with app.app_context():
        for preload in app.extensions.get("hotline.preloaders", {}).values():
            preload()
        queue = jobs.queue(app)
        if queue is None:
            raise SystemExit("REDIS_URL is not set: without Redis, jobs run inside the web process")
        if args.schedule:
            stop = threading.Event()
            threading.Thread(target=periodic_jobs, args=(app, stop, jobs.enqueue), daemon=True).start()
        # SimpleWorker runs jobs in this process: no fork, so the preloaded model and the engine stay warm.
        SimpleWorker([queue], connection=queue.connection).work(burst=args.burst, logging_level="INFO")


if __name__ == "__main__":
    main()
