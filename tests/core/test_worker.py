"""The periodic warning sweep and the outbox run by a real rq worker process on real Redis."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

pytestmark = [pytest.mark.redis, pytest.mark.postgres]
ROOT = Path(__file__).resolve().parents[2]


def test_a_real_worker_recomputes_warnings_and_sends_notifications(app, world, database_url):
    from hotline.core import jobs
    from hotline.core.effects import commit
    from hotline.core.extensions import db
    from hotline.tickets.lifecycle import ActionParams, perform_action
    from hotline.tickets.models import Notification, Ticket, TicketReminder
    from hotline.tickets.services import NewTicket, register_ticket

    long_ago = dt.datetime(2026, 1, 5, 2, 0, tzinfo=dt.UTC)
    with app.app_context():
        queue = jobs.queue()
        queue.empty()
        ticket, _ = register_ticket(
            db.session,
            NewTicket(channel="phone", content="路灯不亮", caller_phone="13811112222"),
            world.user("agent1"),
            now=long_ago,
        )
        perform_action(db.session, ticket, "dispatch", world.user("dispatcher1"), ActionParams(unit="A1"), now=long_ago)
        commit(db.session)  # queues the 告知 job on Redis
        jobs.enqueue("hotline.tickets.tasks:recompute_warnings")
        assert queue.count >= 2
        number = ticket.number
        db.session.remove()

    env = os.environ | {"DATABASE_URL": database_url, "REDIS_URL": app.config["REDIS_URL"], "SECRET_KEY": "x"}
    done = subprocess.run(
        [sys.executable, "worker.py", "--burst"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]

    with app.app_context():
        ticket = db.session.scalar(select(Ticket).where(Ticket.number == number))
        assert ticket.warning == "red"
        reminder = db.session.scalar(select(TicketReminder).where(TicketReminder.ticket_id == ticket.id))
        assert (reminder.level, reminder.unit_id) == ("red", ticket.handling_unit_id)
        statuses = {
            n.status for n in db.session.scalars(select(Notification).where(Notification.ticket_id == ticket.id))
        }
        assert statuses == {"sent"}
        assert jobs.queue().count == 0
        db.session.remove()
