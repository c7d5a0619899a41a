"""Side effects (jobs, live pushes) that must wait for the commit.

Services call :func:`defer`; the one boundary that commits (a request, a task, a CLI command) calls
:func:`commit`, which commits and only then runs what was deferred — so nothing announces a change that
was rolled back.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from hotline.core import jobs

_KEY = "hotline.deferred"


def defer(session: Session, dotted: str, *args: Any, **kwargs: Any) -> None:
    """Run job ``dotted`` after the session's next successful commit."""
    session.info.setdefault(_KEY, []).append((dotted, args, kwargs))


def commit(session: Session) -> None:
    """Commit, then run the deferred effects (queued on Redis, or here without it)."""
    session.commit()
    pending = session.info.pop(_KEY, [])
    for dotted, args, kwargs in pending:
        if dotted.startswith("push:"):
            jobs.run_job(dotted[5:], *args, **kwargs)  # pushes are quick: emit from this process
        else:
            jobs.enqueue(dotted, *args, **kwargs)


def rollback(session: Session) -> None:
    """Roll back and forget what was deferred."""
    session.rollback()
    session.info.pop(_KEY, None)
