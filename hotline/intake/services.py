"""Taking a request in: suggestions fill what the caller left open, then the ticket is registered."""

from __future__ import annotations

from sqlalchemy.orm import Session

from classifier.summary import summarize
from hotline.auth.models import User
from hotline.classification.services import record_classification, record_correction
from hotline.core.effects import defer
from hotline.intake.suggestions import after_intake_jobs, build_suggestions
from hotline.tickets.models import Ticket
from hotline.tickets.services import NewTicket, find_by_external_id, register_ticket
from hotline.units.services import get_unit_by_code


def take_in(session: Session, data: NewTicket, actor: User | None, *, preset: str) -> tuple[Ticket, bool, dict]:
    """Register ``data`` (idempotent on channel + external id); return ``(ticket, created, suggestions)``."""
    if data.external_id:
        existing = find_by_external_id(session, data.channel, data.external_id)
        if existing is not None:
            return existing, False, existing.suggestion or {}
    data.summary = data.summary or summarize(data.content, data.title or "")  # lists show it (issue 16)
    suggestions = build_suggestions(session, f"{data.title or ''} {data.content}", data.address)
    data.kind = data.kind or suggestions.get("kind") or "consult"
    data.urgency = data.urgency or suggestions.get("urgency") or "normal"
    top = (suggestions.get("categories") or [{}])[0].get("code")
    chosen_by_person = data.category
    if data.category is None and suggestions.get("confident"):
        data.category = top  # the model is sure enough; the dispatcher can still change it
    if data.area_unit is None and suggestions.get("area_unit"):
        data.area_unit = get_unit_by_code(session, suggestions["area_unit"])
    ticket, created = register_ticket(
        session, data, actor, preset=preset, suggestion={k: v for k, v in suggestions.items() if k != "articles"}
    )
    if created:
        for dotted in after_intake_jobs():  # e.g. auto-dispatch: decided once the ticket is committed
            defer(session, dotted, ticket.id)
    if created and suggestions.get("model_version"):
        classification = {"category": suggestions["categories"], "kind": suggestions["kind"],
                          "urgency": suggestions["urgency"], "model_version": suggestions["model_version"]}
        record_classification(session, ticket, classification)
        if chosen_by_person:
            record_correction(session, ticket, chosen_by_person, actor, top, suggestions["model_version"])
    return ticket, created, suggestions
