"""Suggestions shown with a new ticket: classification, proposed unit/grid, similar tickets, articles.

Each source is a provider registered by the app factory under ``app.extensions["hotline.suggesters"]``:
a callable ``(session, text, address) -> dict`` whose keys are merged into the suggestions. Providers are
cheap (a warm linear model, indexed lookups) so they can run on the intake path.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import current_app
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
Suggester = Callable[[Session, str, str | None], dict]


def register_suggester(app, name: str, provider: Suggester) -> None:
    """Add a suggestion provider to ``app``."""
    app.extensions.setdefault("hotline.suggesters", {})[name] = provider


def build_suggestions(session: Session, text: str, address: str | None) -> dict:
    """Return the merged suggestions of every provider; a failing provider is logged, not fatal to intake."""
    merged: dict = {}
    for name, provider in current_app.extensions.get("hotline.suggesters", {}).items():
        try:
            merged |= provider(session, text, address)
        except Exception:
            log.exception("suggestion provider %s failed", name)
            merged.setdefault("unavailable", []).append(name)
    return merged


def register_after_intake(app, dotted: str) -> None:
    """Have job ``dotted(ticket_id)`` run after the commit of every newly registered ticket."""
    app.extensions.setdefault("hotline.after_intake", []).append(dotted)


def after_intake_jobs() -> list[str]:
    """Return the jobs to run for a newly registered ticket."""
    return list(current_app.extensions.get("hotline.after_intake", []))
