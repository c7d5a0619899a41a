"""Periodic jobs: each package registers its own (``register_periodic``); rq's ``CronScheduler`` submits them.

With Redis the worker started with ``--schedule`` runs rq's ``CronScheduler``, which queues a tick for every
job (and the outbox sweep) on the JSON-serialised queue; without Redis the web process ticks in a
background thread (``make run`` on the embedded default). Either way the tick runs :func:`run_periodic`,
which *claims the period* in the database (``periodic_runs``, one row per job and period, in the same
transaction as the job's work): a daily job runs once that day however often it is ticked — after a
restart, with two schedulers, after a retry — and runs late rather than never if the scheduler was down
at its hour.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app
from rq.cron import CronJob, CronScheduler
from sqlalchemy import String, delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from hotline.core import clock, jobs
from hotline.core.db_types import UTCDateTime
from hotline.core.extensions import db

log = logging.getLogger(__name__)
TICK_SECONDS = 15
DAILY_TICK_SECONDS = 300  # a daily job is looked at every 5 minutes: it runs within 5 minutes of its hour
KEEP_RUNS = dt.timedelta(days=7)


class PeriodicRun(db.Model):
    """One period of one periodic job, claimed by the run that does it (so no other run does it again)."""

    __tablename__ = "periodic_runs"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    period: Mapped[str] = mapped_column(String(40), primary_key=True)
    ran_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)


@dataclass(frozen=True)
class Periodic:
    """A job run every ``every_seconds``, or once a day from ``daily_at`` (Asia/Shanghai)."""

    dotted: str
    args: tuple = ()
    every_seconds: float | None = None
    daily_at: dt.time | None = None

    @property
    def name(self) -> str:
        return self.dotted + "".join(f":{arg}" for arg in self.args)

    @property
    def tick_seconds(self) -> int:
        """Return how often the scheduler asks this job whether its period is due."""
        if self.every_seconds is not None:
            return max(1, int(self.every_seconds))
        return DAILY_TICK_SECONDS

    def period(self, moment: dt.datetime) -> str | None:
        """Return the period due at ``moment`` (an interval bucket, a local date), or None before the hour."""
        if self.every_seconds is not None:
            return f"t{int(moment.timestamp() // self.every_seconds)}"
        assert self.daily_at is not None
        local = clock.to_local(moment)
        return local.date().isoformat() if local.time() >= self.daily_at else None


def register_periodic(
    app: Flask, dotted: str, *args: object, every_seconds: float | None = None, daily_at: dt.time | None = None
) -> None:
    """Have ``dotted(*args)`` run periodically (exactly one of ``every_seconds`` and ``daily_at``)."""
    if (every_seconds is None) == (daily_at is None):
        raise ValueError("give exactly one of every_seconds and daily_at")
    app.extensions.setdefault("hotline.periodic", []).append(Periodic(dotted, args, every_seconds, daily_at))


def registered(app: Flask) -> list[Periodic]:
    """Return the periodic jobs every package registered."""
    return list(app.extensions.get("hotline.periodic", []))


def claim_period(session: Session, job: Periodic, moment: dt.datetime) -> str | None:
    """Claim the period due now for ``job`` in the session's transaction; None if not due or already claimed."""
    period = job.period(moment)
    if period is None:
        return None
    if session.get(PeriodicRun, (job.name, period)) is not None:
        return None
    session.add(PeriodicRun(name=job.name, period=period, ran_at=moment))
    try:
        session.flush()  # a twin run inserting the same key waits here until the first commits, then fails
    except IntegrityError:
        session.rollback()
        return None
    return period


def run_periodic(session: Session, name: str, moment: dt.datetime | None = None) -> Any:
    """Run the periodic job ``name`` if its current period is unclaimed; return its result (None if skipped)."""
    from hotline.core.effects import commit

    job = next((j for j in registered(current_app) if j.name == name), None)
    if job is None:
        log.warning("periodic job %s is not registered here", name)
        return None
    if claim_period(session, job, moment or clock.now()) is None:
        session.rollback()
        return None
    result = jobs.run_job(job.dotted, *job.args)  # its commit commits the claim too
    commit(session)  # a job that did not commit (nothing to do) still used up its period
    return result


def prune_runs(session: Session) -> int:
    """Forget claimed periods older than a week."""
    removed = session.execute(
        delete(PeriodicRun)
        .where(PeriodicRun.ran_at < clock.now() - KEEP_RUNS)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.commit()
    return removed or 0


# --- with Redis: rq's CronScheduler ------------------------------------------------------------------------


class JsonCronJob(CronJob):
    """A cron job queued on the hotline queue with its JSON serializer (rq's own queues with pickle)."""

    def enqueue(self, connection):
        from rq.cron_job_registry import add as record_in_registry

        queue = jobs.queue()  # run_cron holds the app context
        assert queue is not None
        job = queue.enqueue(self.func, args=self.args, kwargs=self.kwargs, **self.job_options)
        record_in_registry(self.name, connection, enqueue_timestamp=job.enqueued_at.timestamp())
        return job


class HotlineCron(CronScheduler):
    """rq's CronScheduler, registering :class:`JsonCronJob` s."""

    def register(
        self, func, queue_name: str, args: tuple | None = None, interval: int | None = None, **options: Any
    ) -> CronJob:
        cron_job = JsonCronJob(queue_name=queue_name, func=func, args=args, interval=interval, **options)
        self._cron_jobs.append(cron_job)
        return cron_job


def build_cron(app: Flask) -> HotlineCron:
    """Return the CronScheduler with a tick for every periodic job and for the outbox sweep."""
    from hotline.core import worker_entry

    connection = jobs.redis_connection(app)
    if connection is None:
        raise RuntimeError("the CronScheduler needs REDIS_URL")
    cron = HotlineCron(connection=connection, name=f"hotline-cron-{int(time.time())}")
    timeout = jobs.job_timeout(app)
    for job in registered(app):
        cron.register(
            worker_entry.run_periodic,
            jobs.QUEUE_NAME,
            args=(job.name,),
            interval=job.tick_seconds,
            job_timeout=max(timeout, 600),
            name=job.name,
        )
    sweep_every = int(app.config.get("HOTLINE_OUTBOX_SWEEP_SECONDS") or 10)
    cron.register(
        worker_entry.sweep_outbox,
        jobs.QUEUE_NAME,
        interval=sweep_every,
        job_timeout=timeout,
        result_ttl=60,
        name="outbox-sweep",
    )
    return cron


def run_cron(app: Flask, cron: HotlineCron, stop: threading.Event) -> None:
    """Drive ``cron`` until ``stop`` is set (``CronScheduler.start`` wants the main thread for its signals)."""
    with app.app_context():
        registered_birth = False
        while not stop.is_set():
            try:
                if not registered_birth:
                    cron.register_birth()
                    registered_birth = True
                if cron.enqueue_jobs():
                    cron.save()
                cron.heartbeat()
                pause = cron.calculate_sleep_interval()
            except Exception:  # Redis down: keep the schedule and try again shortly
                log.warning("cron scheduler could not reach Redis; retrying", exc_info=True)
                pause = 5
            stop.wait(max(pause, 0.5))
        try:
            cron.register_death()
        except Exception:
            log.debug("could not unregister the cron scheduler", exc_info=True)


def start_cron(app: Flask) -> threading.Event:
    """Run rq's CronScheduler in a daemon thread of this process; return the event that stops it."""
    stop = threading.Event()
    threading.Thread(target=run_cron, args=(app, build_cron(app), stop), name="hotline-cron", daemon=True).start()
    return stop


# --- without Redis: a thread of the web process ------------------------------------------------------------


def tick_in_process(app: Flask, last_tick: dict[str, float], monotonic_now: float) -> list[str]:
    """Run (here) each periodic job whose tick is due and the outbox sweep; return the names ticked."""
    from hotline.core import outbox

    ticked: list[str] = []
    sweep_every = float(app.config.get("HOTLINE_OUTBOX_SWEEP_SECONDS") or 10)
    plan = [(job.name, job.tick_seconds) for job in registered(app)] + [("outbox-sweep", sweep_every)]
    for name, every in plan:
        if monotonic_now - last_tick.get(name, monotonic_now - every) < every:
            continue
        last_tick[name] = monotonic_now
        ticked.append(name)
        with app.app_context():
            try:
                if name == "outbox-sweep":
                    outbox.sweep(db.session)
                    prune_runs(db.session)
                else:
                    run_periodic(db.session, name)
            except Exception:  # keep the schedule alive; the next tick tries again
                log.exception("periodic job %s failed", name)
                db.session.rollback()
            finally:
                db.session.remove()
    return ticked


def periodic_jobs(app: Flask, stop: threading.Event) -> None:
    """Tick the periodic jobs in this process until ``stop`` is set."""
    last_tick: dict[str, float] = {}
    while not stop.wait(TICK_SECONDS):
        tick_in_process(app, last_tick, time.monotonic())


def start_in_process(app: Flask) -> threading.Event:
    """Run the periodic jobs in a daemon thread of this process; return the event that stops it."""
    stop = threading.Event()
    threading.Thread(target=periodic_jobs, args=(app, stop), name="hotline-scheduler", daemon=True).start()
    return stop
