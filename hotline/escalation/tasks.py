"""The ladder's periodic job: sweep, commit once (the pushes follow the commit)."""

from __future__ import annotations

from flask import current_app

from hotline.core import clock
from hotline.core.effects import commit
from hotline.core.extensions import db
from hotline.escalation.services import sweep_escalations


def sweep() -> dict:
    """Take every escalation step due now."""
    result = sweep_escalations(db.session, clock.now(), preset=current_app.config["HOTLINE_TIME_LIMIT_PRESET"])
    commit(db.session)
    return {"checked": result.checked, "steps": result.steps}
