"""Dispatch as intake sees it (``hotline.intake.seams.Dispatcher``): propose once, store it, auto-dispatch later.

The proposal made while the ticket is taken in is stored as the ticket's first decision; the auto-dispatch
job (``dispatch.tasks:auto_dispatch``) reuses it instead of proposing again, and is only queued when the
proposal could be carried out without a dispatcher.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from dispatch.auto import AUTO_DISPATCH_JOB, ticket_basis, why_not_auto
from dispatch.services import Proposal, propose_dispatch, record_decision
from dispatch.similar_index import find_similar, index_ticket, ticket_text
from hotline.core.effects import defer
from hotline.intake.seams import Advice, Draft
from hotline.tickets.models import Ticket


class IntakeDispatcher:
    """Propose for a draft, find similar open tickets; store the proposal, index the text, queue auto-dispatch."""

    def advise(self, session: Session, draft: Draft) -> Advice:
        """Return the proposal for ``draft`` (classified by intake, not again), its area and similar tickets."""
        proposal = propose_dispatch(
            session,
            text=draft.text,
            category=draft.category,
            kind=draft.kind,
            address=draft.address,
            area=draft.area,
            detect_110=draft.detect_110,
            prediction=draft.prediction,
        )
        area = proposal.area or {}
        area_unit = area.get("unit")
        # The registered text, as after_intake indexes it: its MinHash bands are computed once for both.
        similar = find_similar(
            session, draft.registered_text or draft.text, area_unit, district=area.get("district") or None
        )
        return Advice(proposal=proposal.to_dict(), area_unit=area_unit, similar=similar)

    def after_intake(self, session: Session, ticket: Ticket, advice: Advice | None) -> None:
        """Store the proposal as the ticket's first decision; queue auto-dispatch when it may go ahead."""
        index_ticket(session, ticket.id, ticket_text(ticket.title, ticket.content))
        if advice is None:  # dispatch failed at intake: the job proposes afresh
            defer(session, AUTO_DISPATCH_JOB, ticket.id)
            return
        proposal = Proposal.from_dict(advice.proposal)
        record_decision(session, ticket, proposal, auto=False, basis=ticket_basis(ticket))
        if why_not_auto(proposal) is None:
            defer(session, AUTO_DISPATCH_JOB, ticket.id)
