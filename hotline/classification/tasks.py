"""Classification jobs: retraining with corrections, and noting a dispatcher's category change."""

from __future__ import annotations

from pathlib import Path

from flask import current_app

from hotline.auth.models import User
from hotline.classification.services import PREDICTOR_CACHE, record_correction, retrain
from hotline.core.effects import commit
from hotline.core.extensions import db
from hotline.tickets.models import Ticket


def retrain_model() -> dict:
    """Retrain on the base data plus corrections; promote only if not worse on the fixed test split."""
    config = current_app.config
    result = retrain(db.session, Path(config["HOTLINE_DATA_DIR"]) / "messages.csv", Path(config["HOTLINE_MODELS_DIR"]))
    commit(db.session)
    PREDICTOR_CACHE.get().forget()
    return result.__dict__


def note_category_change(ticket_id: int, suggested: str | None, chosen: str, actor_id: int | None) -> bool:
    """Store a dispatcher's category change as a correction for the next training."""
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None:
        return False
    actor = db.session.get(User, actor_id) if actor_id else None
    version = (ticket.suggestion or {}).get("model_version")
    row = record_correction(db.session, ticket, chosen, actor, suggested, version)
    commit(db.session)
    return row is not None
