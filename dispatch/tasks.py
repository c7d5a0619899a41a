"""Dispatch jobs (rq, or in-process without Redis): they take ids, call services and commit once."""

from __future__ import annotations

from dispatch.auto import decide_for_ticket
from hotline.core.effects import commit
from hotline.core.extensions import db
from hotline.tickets.models import Ticket


def auto_dispatch(ticket_id: int) -> dict:
    """Decide a registered ticket: dispatch it as the system when certain, else leave it to the dispatcher."""
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None:
        return {"ticket": None}
    proposal, auto, why_not = decide_for_ticket(db.session, ticket)
    commit(db.session)
    return {"ticket": ticket.number, "auto": auto, "rule": proposal.rule_id, "why_not": why_not}


def maintain_similar_index() -> dict:
    """Prune closed tickets from the 并单 index and index open tickets that have no bands (periodic)."""
    from dispatch.similar_index import maintain

    result = maintain(db.session)
    commit(db.session)
    return result
