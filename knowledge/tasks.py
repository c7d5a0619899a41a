"""Scheduled knowledge-base jobs (enqueued by dotted name; they run in an app context and commit once)."""

from __future__ import annotations

import datetime as dt
import logging

from hotline.core.effects import commit
from hotline.core.extensions import db
from knowledge.dates import today as local_today
from knowledge.services import expire_outdated_articles, list_articles_needing_review

log = logging.getLogger(__name__)


def expire_and_remind(today: dt.date | None = None) -> dict:
    """Expire published articles past their validity and log those needing review; commit once."""
    today = today or local_today()
    expired = expire_outdated_articles(db.session, today)
    reminders = list_articles_needing_review(db.session, today)
    commit(db.session)
    for reminder in reminders:
        log.info("知识需复核 #%s %s（%s，截止 %s）", reminder.article_id, reminder.title, reminder.reason, reminder.due)
    return {"expired": expired, "needing_review": len(reminders)}
