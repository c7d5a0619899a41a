"""The periodic schedule: rq's CronScheduler ticks, the database claims each period once."""

from __future__ import annotations

import datetime as dt
import json
import zlib

import pytest
from sqlalchemy import func, select

from hotline.core.clock import TZ
from hotline.core.scheduler import Periodic


def test_every_package_registers_its_periodic_jobs(app):
    names = {(job.dotted, job.args) for job in app.extensions["hotline.periodic"]}
    assert ("hotline.tickets.tasks:recompute_warnings", ()) in names
    assert ("knowledge.tasks:expire_and_remind", ()) in names
    assert ("reports.tasks:scheduled_summary", ("daily",)) in names
    assert ("reports.tasks:scheduled_summary", ("weekly",)) in names


def test_periods_of_interval_and_daily_jobs():
    sweep = Periodic("a:b", every_seconds=60)
    daily = Periodic("c:d", ("daily",), daily_at=dt.time(6, 0))
    assert daily.name == "c:d:daily"
    t = dt.datetime(2026, 11, 25, 5, 59, tzinfo=TZ)
    assert daily.period(t) is None  # before its hour
    assert daily.period(t.replace(hour=6, minute=1)) == daily.period(t.replace(hour=23)) == "2026-11-25"
    assert daily.period(t + dt.timedelta(days=1, hours=1)) == "2026-11-26"
    assert sweep.period(t) == sweep.period(t.replace(second=59)) != sweep.period(t + dt.timedelta(seconds=60))


@pytest.fixture
def counting_job(app, monkeypatch):
    """A registered daily job that counts its runs in a table row (a ReportSnapshot per run)."""
    from hotline.core import jobs

    runs: list[int] = []
    job = Periodic("tests.count:job", daily_at=dt.time(6, 0))
    monkeypatch.setitem(app.extensions, "hotline.periodic", [job])
    real_run_job = jobs.run_job
    monkeypatch.setattr(
        jobs,
        "run_job",
        lambda dotted, *a, **k: runs.append(1) if dotted == job.dotted else real_run_job(dotted, *a, **k),
    )
    return job, runs


def test_a_daily_job_runs_once_a_day_whoever_ticks_it(app, counting_job):
    from hotline.core.extensions import db
    from hotline.core.scheduler import PeriodicRun, run_periodic

    job, runs = counting_job
    morning = dt.datetime(2026, 11, 25, 6, 1, tzinfo=TZ)
    with app.app_context():
        run_periodic(db.session, job.name, morning - dt.timedelta(hours=1))  # before its hour: nothing
        for minutes in (0, 5, 300):  # ticked again, by a second scheduler, after a restart (nothing in memory)
            run_periodic(db.session, job.name, morning + dt.timedelta(minutes=minutes))
            db.session.remove()
        assert len(runs) == 1
        run_periodic(db.session, job.name, morning + dt.timedelta(days=1))
        assert len(runs) == 2
        assert db.session.scalar(select(func.count()).select_from(PeriodicRun)) == 2
        db.session.remove()


def test_a_failed_run_leaves_its_period_unclaimed(app, monkeypatch):
    from hotline.core import jobs
    from hotline.core.extensions import db
    from hotline.core.scheduler import PeriodicRun, run_periodic

    job = Periodic("tests.fail:job", every_seconds=60)
    monkeypatch.setitem(app.extensions, "hotline.periodic", [job])
    calls: list[int] = []

    def flaky(dotted, *args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database went away")
        return "ok"

    monkeypatch.setattr(jobs, "run_job", flaky)
    moment = dt.datetime(2026, 11, 25, 6, 1, 30, tzinfo=TZ)
    with app.app_context():
        with pytest.raises(RuntimeError):
            run_periodic(db.session, job.name, moment)
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(PeriodicRun)) == 0
        assert run_periodic(db.session, job.name, moment) == "ok"  # the retry does the period
        assert run_periodic(db.session, job.name, moment) is None
        assert len(calls) == 2
        db.session.remove()


def test_the_in_process_ticker_sweeps_the_outbox_and_runs_due_jobs(app, counting_job, monkeypatch):
    from hotline.core import clock
    from hotline.core.scheduler import tick_in_process

    job, runs = counting_job
    monkeypatch.setattr(clock, "now", lambda: dt.datetime(2026, 11, 25, 7, 0, tzinfo=TZ).astimezone(dt.UTC))
    last: dict[str, float] = {}
    assert set(tick_in_process(app, last, 1000.0)) == {job.name, "outbox-sweep"}
    assert tick_in_process(app, last, 1005.0) == []
    assert tick_in_process(app, last, 1011.0) == ["outbox-sweep"]
    assert len(runs) == 1


def test_scheduled_summary_is_made_once_per_period(app, world):
    from hotline.core.extensions import db
    from reports.models import ReportSnapshot
    from reports.tasks import scheduled_summary

    with app.app_context():
        first = scheduled_summary("daily")
        assert first is not None
        assert scheduled_summary("daily") is None
        assert db.session.scalar(select(func.count()).select_from(ReportSnapshot)) == 1
        db.session.remove()


@pytest.mark.redis
def test_rq_cron_scheduler_queues_json_ticks(app):
    from rq.cron import CronScheduler

    from hotline.core import jobs
    from hotline.core.scheduler import build_cron

    with app.app_context():
        queue = jobs.queue()
        queue.empty()
        cron = build_cron(app)
        assert isinstance(cron, CronScheduler)
        names = {j.name for j in cron.get_jobs()}
        assert {"outbox-sweep", "reports.tasks:scheduled_summary:daily"} <= names
        enqueued = cron.enqueue_jobs()  # interval jobs are due at once
        assert len(enqueued) == len(names)
        raw = zlib.decompress(queue.connection.hget(f"rq:job:{queue.job_ids[0]}", "data"))
        func_name, _instance, _args, _kwargs = json.loads(raw)  # JSON, not a pickle
        assert func_name.startswith("hotline.core.worker_entry.")
        queue.empty()
