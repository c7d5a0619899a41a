"""The transactional outbox: effects are rows of the action's transaction, relayed once, never lost."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, text

from tests.conftest import REDIS_URL


def _rows(db):
    from hotline.core.outbox import OutboxMessage

    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def _register(db, world, **fields):
    from hotline.tickets.services import NewTicket, register_ticket

    data = NewTicket(channel="phone", content="路灯不亮", caller_phone="13811112222", **fields)
    ticket, _ = register_ticket(db.session, data, world.user("agent1"))
    return ticket


def test_deferred_effects_are_rows_of_the_same_transaction(jobs_in_process, world):
    from hotline.core.effects import commit, rollback
    from hotline.core.extensions import db

    app = jobs_in_process
    with app.app_context():
        _register(db, world)
        rollback(db.session)  # the action is rolled back: its effects with it
        assert _rows(db) == []
        ticket = _register(db, world)
        commit(db.session)  # registration defers the 告知 job and the ticket.created push
        rows = _rows(db)
        assert {(r.kind, r.task) for r in rows} >= {
            ("push", "hotline.console.push:ticket_changed"),
            ("job", "hotline.tickets.tasks:send_notification"),
        }
        assert all(r.done_at is not None for r in rows), [(r.task, r.last_error) for r in rows]
        assert all(ticket.id in r.args or r.kind == "job" for r in rows)
        db.session.remove()


def test_arguments_must_be_json(app):
    from hotline.core.effects import defer
    from hotline.core.extensions import db

    with app.app_context():
        with pytest.raises(TypeError, match="JSON"):
            defer(db.session, "hotline.tickets.tasks:send_notification", dt.datetime.now())
        db.session.remove()


def test_a_row_runs_once_however_often_it_is_run(jobs_in_process, world):
    from hotline.core.effects import commit
    from hotline.core.extensions import db
    from hotline.core.outbox import run_message
    from hotline.tickets.models import Notification

    app = jobs_in_process
    with app.app_context():
        ticket = _register(db, world)
        commit(db.session)
        job = next(r for r in _rows(db) if r.task.endswith("send_notification"))
        notification = db.session.get(Notification, job.args[0])
        notification.status = "pending"  # were the job run again, it would send (and mark) it once more
        db.session.commit()
        assert run_message(db.session, job.id) is None  # done already: skipped
        assert db.session.get(Notification, job.args[0]).status == "pending"
        assert ticket.id
        db.session.remove()


def test_a_failed_in_process_job_is_kept_and_the_sweep_runs_it_once(jobs_in_process, world, monkeypatch):
    from hotline.core import clock, jobs
    from hotline.core.effects import commit
    from hotline.core.extensions import db
    from hotline.core.outbox import backlog, sweep
    from hotline.tickets.models import Notification

    app = jobs_in_process
    real = jobs.run_job

    def broken_sender(dotted, *args, **kwargs):
        if dotted.endswith("send_notification"):
            raise ConnectionError("SMS gateway down")
        return real(dotted, *args, **kwargs)

    monkeypatch.setattr(jobs, "run_job", broken_sender)
    with app.app_context():
        _register(db, world)
        commit(db.session)  # the request would answer now: the failure is logged, not raised
        job = next(r for r in _rows(db) if r.task.endswith("send_notification"))
        assert job.done_at is None and job.attempts == 1 and "SMS gateway down" in job.last_error
        assert backlog(db.session).pending == 1
        monkeypatch.setattr(jobs, "run_job", real)
        assert sweep(db.session).ran == 0  # within the grace period the fast path owns it
        later = clock.now() + dt.timedelta(minutes=5)
        monkeypatch.setattr(clock, "now", lambda: later)
        assert sweep(db.session).ran == 1
        assert sweep(db.session).ran == 0
        db.session.expire_all()
        assert {n.status for n in db.session.scalars(select(Notification))} == {"sent"}
        assert backlog(db.session).pending == 0
        db.session.remove()


def test_a_database_error_in_one_job_does_not_poison_the_next(app, monkeypatch):
    from hotline.core import jobs, worker_entry
    from hotline.core.extensions import db

    def job(dotted, *args, **kwargs):
        if dotted == "bad:job":
            db.session.execute(text("SELECT * FROM no_such_table"))
        return db.session.scalar(text("SELECT 41 + 1"))

    monkeypatch.setattr(jobs, "run_job", job)
    with app.app_context():  # the worker's one long-lived context
        db.session.scalar(text("SELECT 1"))
        with pytest.raises(Exception, match="no_such_table"):
            worker_entry.run("bad:job", [], {})
        assert worker_entry.run("good:job", [], {}) == 42


def test_health_shows_the_outbox_backlog(api, jobs_in_process, monkeypatch):
    from hotline.core import jobs

    monkeypatch.setitem(jobs_in_process.config, "HOTLINE_HEALTH_TOKEN", "monitor-secret")
    monkeypatch.setattr(jobs, "run_job", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("down")))
    api.new_ticket()
    body = api.client.get("/api/v1/health", headers={"X-Health-Token": "monitor-secret"}).get_json()
    assert body["outbox"]["backlog"] >= 2 and body["outbox"]["stuck"] == 0


@pytest.mark.redis
def test_with_redis_jobs_are_queued_as_json_with_a_retry_policy(app, world):
    from rq.job import Job

    from hotline.core import jobs
    from hotline.core.effects import commit
    from hotline.core.extensions import db
    from hotline.core.outbox import run_message

    with app.app_context():
        queue = jobs.queue()
        queue.empty()
        _register(db, world)
        commit(db.session)  # outside a request the relay runs inline
        job_row = next(r for r in _rows(db) if r.kind == "job")
        assert job_row.sent_at is not None and job_row.done_at is None and job_row.attempts == 1
        rq_job = Job.fetch(f"outbox-{job_row.id}-0", connection=queue.connection, serializer=jobs.SERIALIZER)
        assert rq_job.func_name == "hotline.core.worker_entry.run_outbox" and list(rq_job.args) == [job_row.id]
        assert rq_job.retries_left == len(jobs.RETRY_INTERVALS)
        push = next(r for r in _rows(db) if r.kind == "push")
        assert push.done_at is not None  # emitted by the relay
        assert run_message(db.session, job_row.id) is not None
        assert run_message(db.session, job_row.id) is None  # a retried or doubled rq job does nothing
        queue.empty()
        db.session.remove()


@pytest.mark.redis
def test_redis_down_at_commit_answers_201_and_the_sweep_relays_later(api, app, monkeypatch):
    from hotline.core import clock, jobs
    from hotline.core.extensions import db
    from hotline.core.outbox import sweep

    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:6399/0")  # nothing listens there
    app.extensions.pop("hotline.redis", None)
    response = api.post(
        "/api/v1/tickets", as_="agent1", json={"channel": "phone", "content": "井盖丢了", "caller_phone": "13800001111"}
    )
    assert response.status_code == 201, response.get_json()
    with app.app_context():
        import time

        time.sleep(0.5)  # the background relay tried and gave up
        assert all(r.sent_at is None for r in _rows(db))
        monkeypatch.setitem(app.config, "REDIS_URL", REDIS_URL)
        app.extensions.pop("hotline.redis", None)
        queue = jobs.queue()
        queue.empty()
        later = clock.now() + dt.timedelta(minutes=1)
        monkeypatch.setattr(clock, "now", lambda: later)
        result = sweep(db.session)
        assert result.queued >= 1 and result.pushed >= 1
        assert queue.count == result.queued
        assert db.session.scalar(select(func.count()).where(text("sent_at IS NULL")).select_from(text("outbox"))) == 0
        queue.empty()
        db.session.remove()
    app.extensions.pop("hotline.redis", None)
