"""The transactional outbox: the jobs and pushes an action causes are rows written in the action's own transaction.

``effects.defer`` adds a row; the commit that stores the action stores its effects with it, so a committed
action cannot lose them and a rolled-back one never announces anything. A relay then moves the rows on:

- right after the commit (best effort, the fast path): pushes are emitted, jobs queued on rq — or, without
  Redis, run here in this process, as before;
- a periodic sweep (the scheduler, or the in-process thread without Redis) relays what the fast path could
  not (Redis down, the pool exhausted, the process killed), and queues again a job whose rq run was lost
  (a worker killed mid-job, Redis restarted empty).

A job runs at most once per row: :func:`run_message` locks the row, and the job's own commit marks it done
(``effects.commit`` does it in the same transaction as the job's effects), so a retried or doubled rq job
finds the row done and does nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import JSON, BigInteger, Index, Integer, String, Text, delete, func, or_, select, text, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from hotline.core import clock, jobs
from hotline.core.db_types import UTCDateTime
from hotline.core.extensions import db

log = logging.getLogger(__name__)

KINDS = ("job", "push")
# After this many relays (each with rq's own retries) a job is left for a person: it shows in the health figure.
MAX_RELAYS = 5
KEEP_DONE = dt.timedelta(days=7)
RUNNING_KEY = "hotline.outbox.running"


class OutboxMessage(db.Model):
    """One deferred effect of a committed action: a job to run or a live push to emit."""

    __tablename__ = "outbox"
    # The sweep and the health figure look only at rows not done yet: keep that lookup small.
    __table_args__ = (
        Index(
            "ix_outbox_pending",
            "created_at",
            postgresql_where=text("done_at IS NULL"),
            sqlite_where=text("done_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    task: Mapped[str] = mapped_column(String(200))  # "package.module:function"
    args: Mapped[list] = mapped_column(JSON)
    kwargs: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())  # queued on rq (jobs) / emitted (pushes)
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # relays so far
    last_error: Mapped[str | None] = mapped_column(Text)


class AlreadyDone(Exception):
    """Another run of the same outbox row committed first; this run's work is rolled back."""


@dataclass
class RelayResult:
    """What one relay pass did."""

    pushed: int = 0
    queued: int = 0
    ran: int = 0
    failed: int = 0
    pruned: int = 0


def _seconds(name: str, default: float) -> float:
    return float(current_app.config.get(name) or default)


def rq_job_id(message: OutboxMessage) -> str:
    """Return the rq job id for the message's next relay (one id per relay, so rq's bookkeeping never mixes)."""
    return f"outbox-{message.id}-{message.attempts}"


# --- marking a job done, inside the job's own transaction ------------------------------------------------


def mark_done_in(session: Session) -> None:
    """Mark the outbox row this session is running as done, as part of the commit about to happen."""
    message_id = session.info.pop(RUNNING_KEY, None)
    if message_id is None:
        return
    moment = clock.now()
    marked = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.done_at.is_(None))
        .values(done_at=moment, sent_at=func.coalesce(OutboxMessage.sent_at, moment), last_error=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not marked:
        raise AlreadyDone(message_id)


def run_message(session: Session, message_id: int) -> Any:
    """Run one outbox row's job or push here, once: a row already done is skipped (returns None)."""
    from hotline.core.effects import commit

    query = select(OutboxMessage).where(OutboxMessage.id == message_id).with_for_update()
    message = session.scalar(query)  # the lock is held until the job commits: a twin run waits, then skips
    if message is None or message.done_at is not None:
        session.rollback()
        return None
    task, args, kwargs = message.task, list(message.args), dict(message.kwargs)
    session.info[RUNNING_KEY] = message_id
    try:
        result = jobs.run_job(task, *args, **kwargs)
        if session.info.get(RUNNING_KEY) == message_id:  # the job did not commit itself: mark it done now
            commit(session)
    except AlreadyDone:
        session.rollback()
        log.info("outbox %s already ran elsewhere; this run was rolled back", message_id)
        return None
    finally:
        session.info.pop(RUNNING_KEY, None)
    return result


def _record_failure(session: Session, message_id: int, exc: BaseException) -> None:
    try:
        session.rollback()
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id)
            .values(attempts=OutboxMessage.attempts + 1, last_error=f"{type(exc).__name__}: {exc}"[:2000])
            .execution_options(synchronize_session=False)
        )
        session.commit()
    except Exception:  # the database itself may be what failed; the sweep tries again later
        session.rollback()
        log.warning("could not record the failure of outbox %s", message_id, exc_info=True)


# --- the relay -------------------------------------------------------------------------------------------


def _pending(session: Session, ids: list[int] | None, moment: dt.datetime) -> list[OutboxMessage]:
    query = select(OutboxMessage).where(OutboxMessage.done_at.is_(None), OutboxMessage.attempts < MAX_RELAYS)
    if ids is not None:
        query = query.where(OutboxMessage.id.in_(ids), OutboxMessage.sent_at.is_(None))
    else:
        grace = moment - dt.timedelta(seconds=_seconds("HOTLINE_OUTBOX_GRACE_SECONDS", 10))
        lease = moment - dt.timedelta(seconds=_seconds("HOTLINE_OUTBOX_LEASE_SECONDS", 120))
        query = query.where(
            OutboxMessage.created_at < grace,
            or_(OutboxMessage.sent_at.is_(None), OutboxMessage.sent_at < lease),
        )
    # Several relays at once (fast paths, two sweeps) each take different rows; SQLite ignores the lock.
    query = query.order_by(OutboxMessage.id).limit(500).with_for_update(skip_locked=True)
    return list(session.scalars(query))


def _still_on_rq(message: OutboxMessage, connection) -> bool:
    """Tell whether the row's latest rq job still waits its turn (queued, or scheduled for a retry): not lost."""
    from rq.exceptions import NoSuchJobError
    from rq.job import Job, JobStatus

    try:
        job = Job.fetch(
            f"outbox-{message.id}-{message.attempts - 1}", connection=connection, serializer=jobs.SERIALIZER
        )
    except NoSuchJobError:
        return False
    status = job.get_status(refresh=False)
    return status in {JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED}


def relay(session: Session, ids: list[int] | None = None) -> RelayResult:
    """Move pending rows on: emit pushes, queue jobs on rq (or run them here without Redis), mark them sent.

    ``ids`` are the rows one commit just wrote (the fast path); ``None`` sweeps every row the fast path left
    (older than a grace period) and every queued job whose rq run was lost (older than the lease).
    """
    result = RelayResult()
    moment = clock.now()
    queue = jobs.queue()
    if queue is not None:
        try:
            queue.connection.ping()
        except Exception as exc:  # Redis is down: leave everything for the sweep once it is back
            log.warning("outbox relay: Redis unreachable (%s); %s rows wait", type(exc).__name__, len(ids or []))
            return result
    pending = _pending(session, ids, moment)
    run_here: list[int] = []
    for message in pending:
        if message.kind == "push":
            try:
                jobs.run_job(message.task, *message.args, **message.kwargs)
            except Exception as exc:
                log.warning("push %s (%s) failed: %s", message.id, message.task, exc)
                message.attempts += 1
                message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
                result.failed += 1
                continue
            message.sent_at = message.done_at = clock.now()
            result.pushed += 1
        elif queue is None:
            run_here.append(message.id)
        elif message.sent_at is not None and _still_on_rq(message, queue.connection):
            continue
        else:
            queue.enqueue(
                "hotline.core.worker_entry.run_outbox",
                message.id,
                job_id=rq_job_id(message),
                retry=jobs.retry_policy(),
                job_timeout=jobs.job_timeout(),
                failure_ttl=int(KEEP_DONE.total_seconds()),
            )
            message.sent_at = moment
            message.attempts += 1
            result.queued += 1
    session.commit()
    for message_id in run_here:  # no Redis: the job runs here, after the commit, as it always did
        try:
            run_message(session, message_id)
            result.ran += 1
        except Exception as exc:  # a failed side job must not fail what already committed
            log.exception("in-process job (outbox %s) failed", message_id)
            _record_failure(session, message_id, exc)
            result.failed += 1
    return result


def prune(session: Session) -> int:
    """Forget rows done more than a week ago."""
    cutoff = clock.now() - KEEP_DONE
    removed = session.execute(
        delete(OutboxMessage).where(OutboxMessage.done_at < cutoff).execution_options(synchronize_session=False)
    ).rowcount
    session.commit()
    return removed or 0


def sweep(session: Session) -> RelayResult:
    """Relay what the fast path left and what rq lost; forget old done rows."""
    result = relay(session)
    result.pruned = prune(session)
    if result.queued or result.pushed or result.ran or result.failed:
        log.info("outbox sweep: %s", result)
    return result


@dataclass
class Backlog:
    """The health figure: effects committed but not yet done."""

    pending: int
    oldest_seconds: float | None
    stuck: int  # relayed MAX_RELAYS times without success: needs a person


def backlog(session: Session) -> Backlog:
    """Count the rows not done yet and the age of the oldest."""
    pending, oldest = session.execute(
        select(func.count(), func.min(OutboxMessage.created_at)).where(OutboxMessage.done_at.is_(None))
    ).one()
    stuck = session.scalar(
        select(func.count()).where(OutboxMessage.done_at.is_(None), OutboxMessage.attempts >= MAX_RELAYS)
    )
    age = None
    if oldest is not None:
        age = round((clock.now() - clock.as_utc(oldest)).total_seconds(), 1)
    return Backlog(pending=pending, oldest_seconds=age, stuck=stuck or 0)
