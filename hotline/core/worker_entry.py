"""The functions rq runs, inside the worker's app context: each job on a fresh database session.

The worker keeps one app context for its whole life, but never one session: after every job (and above all
after a failed one — a database restart, a lost connection) the session is removed, so the next job starts
clean instead of failing with ``PendingRollbackError`` until someone restarts the worker.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hotline.core import jobs, outbox
from hotline.core.extensions import db


def _on_fresh_session(work: Callable[[], Any]) -> Any:
    try:
        return jobs.json_safe(work())
    except Exception:
        db.session.rollback()
        raise  # rq records the failure and retries the job by its policy
    finally:
        db.session.remove()


def run(dotted: str, args: list, kwargs: dict) -> Any:
    """Run one job asked for by name (``jobs.enqueue``)."""
    return _on_fresh_session(lambda: jobs.run_job(dotted, *args, **kwargs))


def run_outbox(message_id: int) -> Any:
    """Run the job of one outbox row, once: a row already done (a retry, a twin) is skipped."""
    return _on_fresh_session(lambda: outbox.run_message(db.session, message_id))


def sweep_outbox() -> dict:
    """Relay the outbox rows the fast path left, queue again the jobs rq lost, forget old claimed periods."""
    from hotline.core.scheduler import prune_runs

    def work() -> dict:
        result = outbox.sweep(db.session)
        result.pruned += prune_runs(db.session)
        return vars(result)

    return _on_fresh_session(work)


def run_periodic(name: str) -> Any:
    """Run the periodic job ``name`` if its current period has not run yet (``scheduler.run_periodic``)."""
    from hotline.core.scheduler import run_periodic as run_if_due

    return _on_fresh_session(lambda: run_if_due(db.session, name))
