"""Side effects (jobs, live pushes) that must wait for the commit — and must not be lost once it happened.

Services call :func:`defer`, which writes the effect as an outbox row in the session's own transaction
(``hotline.core.outbox``); the one boundary that commits (a request, a task, a CLI command) calls
:func:`commit`, which commits the action and its effects together and only then relays them — so nothing
announces a change that was rolled back, and nothing a committed change promised is forgotten when Redis,
the pool or a worker fails at that moment (the periodic sweep relays what is left).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from flask import current_app, has_request_context
from sqlalchemy.orm import Session

from hotline.core import clock, outbox

log = logging.getLogger(__name__)
_KEY = "hotline.deferred"


def defer(session: Session, dotted: str, *args: Any, **kwargs: Any) -> None:
    """Have job ``dotted`` run (``push:dotted`` emitted) once the session's next commit succeeds."""
    kind, task = ("push", dotted[5:]) if dotted.startswith("push:") else ("job", dotted)
    try:
        json.dumps([args, kwargs])
    except TypeError as exc:  # the row and rq's JSON serializer carry ids and plain values only
        raise TypeError(f"arguments of deferred job {dotted} must be JSON values: {exc}") from exc
    message = outbox.OutboxMessage(
        kind=kind, task=task, args=list(args), kwargs=dict(kwargs), created_at=clock.now(), attempts=0
    )
    session.add(message)
    session.info.setdefault(_KEY, []).append(message)


def commit(session: Session) -> None:
    """Commit the action with its deferred effects, then relay them (never failing what was committed)."""
    pending = session.info.get(_KEY, [])
    if pending:
        session.flush()  # the rows get their ids now: after the commit they are expired
    # A row dropped by a plain ``session.rollback()`` since it was deferred is no longer in the session.
    ids = [message.id for message in pending if message in session and message.id is not None]
    outbox.mark_done_in(session)  # a job running for an outbox row: done in the same transaction
    # In a request the response is built from what was just written; it must not need a pool connection again
    # (an exhausted pool would turn a committed ticket into an error while the attributes reload). The relay
    # keeps them too: a job it runs here changes the same objects in this session's identity map.
    real = (session() if callable(session) else session) if has_request_context() else None
    if real is not None:
        real.expire_on_commit = False
    try:
        session.commit()
        session.info.pop(_KEY, None)
        if ids:
            _relay_after_commit(session, ids)
    finally:
        if real is not None:
            real.expire_on_commit = True


def _relay_after_commit(session: Session, ids: list[int]) -> None:
    try:
        if current_app.config.get("REDIS_URL") and has_request_context():
            # With Redis the request answers now; a background task (a greenlet under gevent) emits and queues.
            from hotline.core.extensions import socketio

            socketio.start_background_task(_relay_in_app, current_app._get_current_object(), ids)
            return
        outbox.relay(session, ids)
    except Exception:  # the sweep relays the rows later; what committed stays committed
        log.warning("relay after commit failed for outbox %s; the sweep will retry", ids, exc_info=True)
        try:
            session.rollback()
        except Exception:
            log.debug("rollback after a failed relay failed too", exc_info=True)


def _relay_in_app(app, ids: list[int]) -> None:
    from hotline.core.extensions import db

    with app.app_context():
        try:
            outbox.relay(db.session, ids)
        except Exception:
            log.warning("background relay failed for outbox %s; the sweep will retry", ids, exc_info=True)
        finally:
            db.session.remove()


def rollback(session: Session) -> None:
    """Roll back and forget what was deferred."""
    session.rollback()
    session.info.pop(_KEY, None)
