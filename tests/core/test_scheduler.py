"""The periodic schedule: interval jobs and once-a-day jobs, as registered by the packages."""

from __future__ import annotations

import datetime as dt

from hotline.core.clock import TZ
from hotline.core.scheduler import Periodic, due_jobs


def test_every_package_registers_its_periodic_jobs(app):
    names = {(job.dotted, job.args) for job in app.extensions["hotline.periodic"]}
    assert ("hotline.tickets.tasks:recompute_warnings", ()) in names
    assert ("knowledge.tasks:expire_and_remind", ()) in names
    assert ("reports.tasks:scheduled_summary", ("daily",)) in names
    assert ("reports.tasks:scheduled_summary", ("weekly",)) in names


def test_interval_and_daily_jobs_run_when_due_and_once(app, monkeypatch):
    sweep = Periodic("a:b", every_seconds=60, last_run=1000.0)
    daily = Periodic("c:d", daily_at=dt.time(6, 0))
    monkeypatch.setitem(app.extensions, "hotline.periodic", [sweep, daily])
    early = dt.datetime(2026, 11, 25, 5, 59, tzinfo=TZ)
    assert due_jobs(app, 1030.0, early) == []
    assert due_jobs(app, 1061.0, early) == [sweep]
    morning = dt.datetime(2026, 11, 25, 6, 1, tzinfo=TZ)
    assert due_jobs(app, 1062.0, morning) == [daily]
    assert due_jobs(app, 1063.0, morning.replace(hour=23)) == []  # once that day
    assert due_jobs(app, 1200.0, morning + dt.timedelta(days=1)) == [sweep, daily]


def test_scheduled_summary_is_made_once_per_period(app, world):
    from sqlalchemy import func, select

    from hotline.core.extensions import db
    from reports.models import ReportSnapshot
    from reports.tasks import scheduled_summary

    with app.app_context():
        first = scheduled_summary("daily")
        assert first is not None
        assert scheduled_summary("daily") is None
        assert db.session.scalar(select(func.count()).select_from(ReportSnapshot)) == 1
        db.session.remove()
