"""Exchange jobs (rq, or in-process without Redis): pull from every platform, deliver what is due."""

from __future__ import annotations

import logging

from flask import current_app
from sqlalchemy import select

from hotline.core import clock
from hotline.core.effects import commit, rollback
from hotline.core.extensions import db
from hotline.exchange.adapters import ExchangeError, InvalidTicket, UpperPlatformAdapter, adapter_for
from hotline.exchange.models import ExchangePlatform
from hotline.exchange.services import (
    claim_message,
    due_messages,
    get_platform,
    mark_acknowledged,
    send_claimed,
    take_in_page,
    unacknowledged,
)

log = logging.getLogger("hotline.exchange")
MAX_PAGES = 50
# Failed sends in a row after which a run stops trying a platform (it is down; the backoff brings us back).
STOP_AFTER_FAILURES = 3


def _platforms(code: str | None) -> list[ExchangePlatform]:
    if code:
        return [get_platform(db.session, code)]
    return list(db.session.scalars(select(ExchangePlatform).where(ExchangePlatform.active.is_(True))))


def pull_platform(code: str, adapter: UpperPlatformAdapter | None = None, *, limit: int = 20) -> dict:
    """Pull pages until the platform has no more (or fails); each page commits before it is acknowledged."""
    platform = get_platform(db.session, code)
    adapter = adapter or adapter_for(platform)
    pulled = new = 0
    for _ in range(MAX_PAGES):
        try:
            page = adapter.pull(platform.pull_cursor, limit)
            results = take_in_page(db.session, platform, page, preset=current_app.config["HOTLINE_TIME_LIMIT_PRESET"])
        except (ExchangeError, InvalidTicket) as exc:
            rollback(db.session)
            log.warning("pull from %s stopped: %s", code, exc)
            return {"platform": code, "pulled": pulled, "new": new, "error": str(exc)}
        commit(db.session)
        pulled += len(results)
        new += sum(1 for *_, created in results if created)
        error = acknowledge_received(platform, adapter)
        if error:
            return {"platform": code, "pulled": pulled, "new": new, "error": error}
        if not page.has_more:
            break
    return {"platform": code, "pulled": pulled, "new": new, "error": None}


def acknowledge_received(platform: ExchangePlatform, adapter: UpperPlatformAdapter) -> str | None:
    """Send the receipts the platform has not confirmed (again after a failure); return the error, if any."""
    waiting = unacknowledged(db.session, platform)
    if not waiting:
        return None
    try:
        adapter.acknowledge([(m.external_id, m.ack or "") for m in waiting])
    except ExchangeError as exc:
        rollback(db.session)
        log.warning("receipts to %s failed: %s", platform.code, exc)
        return str(exc)
    mark_acknowledged(waiting, clock.now())
    commit(db.session)
    return None


def pull_all() -> list[dict]:
    """The periodic pull of every active platform."""
    return [pull_platform(p.code) for p in _platforms(None)]


def deliver_due(code: str | None = None, adapter: UpperPlatformAdapter | None = None) -> dict:
    """Send every message that is due (each committed on its own, so an acknowledgement is never lost)."""
    counts: dict[str, int] = {}
    for platform in _platforms(code):
        chosen, failures = adapter or adapter_for(platform), 0
        for message_id in due_messages(db.session, platform, clock.now()):
            now = clock.now()
            if not claim_message(db.session, message_id, now):
                rollback(db.session)
                continue
            commit(db.session)  # the claim is seen by every other sender before the request leaves
            status = send_claimed(db.session, message_id, now, chosen)
            commit(db.session)
            counts[status] = counts.get(status, 0) + 1
            failures = failures + 1 if status == "pending" else 0
            if failures >= STOP_AFTER_FAILURES:  # the platform is down: stop knocking, the backoff brings us back
                break
    return counts
