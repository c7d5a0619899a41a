"""The callback links' periodic job: links unanswered by their time go back to the agents (one commit)."""

from __future__ import annotations

from hotline.callbacks.services import return_unanswered
from hotline.core import clock
from hotline.core.effects import commit
from hotline.core.extensions import db


def return_unanswered_links() -> dict:
    """Return to the agents' 回访 queue every ticket whose link got no answer in time."""
    numbers = return_unanswered(db.session, clock.now())
    commit(db.session)
    return {"returned": len(numbers), "numbers": numbers}
