"""Wire the knowledge base into the app: models, API, pages, demo articles, intake suggestions."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.core.scheduler import register_periodic
from hotline.core.wiring import register_api, register_demo_seeder, register_preloader

DEMO_REVIEWER = "supervisor1"
SUGGESTION_LIMIT = 5


def init_app(app: Flask) -> None:
    """Register the knowledge tables, the ``/api/v1/kb`` API, the ``/kb`` pages and the seeder.

    The factory binds :func:`suggest_for_ticket` into intake's suggestions.
    """
    import knowledge.models  # noqa: F401  (tables on the metadata)
    from knowledge import pages, views

    register_api(app, views.bp)
    app.register_blueprint(pages.bp)
    data_dir = Path(app.config["HOTLINE_DATA_DIR"])
    register_demo_seeder(app, "knowledge", lambda session: seed_knowledge(session, data_dir))
    register_periodic(app, "knowledge.tasks:expire_and_remind", daily_at=dt.time(5, 30))
    register_preloader(app, "knowledge", _preload)


def _preload() -> None:
    """Load the search's jieba dictionary before serving: ~1.5 s of CPU in one C call, which under gevent
    held every connection of the process (500 inboxes included) still while the first suggestion waited."""
    from knowledge.search.tokenize import get_tokenizer

    get_tokenizer()


def seed_knowledge(session: Session, data_dir: Path) -> int:
    """Seed the demo articles once (reviewed by the demo supervisor); return how many were created."""
    from hotline.auth.models import User
    from knowledge.models import Article
    from knowledge.seed import seed_demo_articles

    if session.scalar(select(func.count()).select_from(Article)):
        return 0
    reviewer = session.scalar(select(User).where(User.username == DEMO_REVIEWER))
    return seed_demo_articles(session, data_dir, reviewer=reviewer)


def suggest_for_ticket(session: Session, text: str, address: str | None) -> dict:
    """Return the published articles most like a ticket's text, for the intake suggestions."""
    from knowledge.search import suggest_articles

    hits = suggest_articles(session, text or "", limit=SUGGESTION_LIMIT)
    return {"articles": [{"id": h.id, "title": h.title, "snippet": h.snippet, "score": h.score} for h in hits]}
