"""After intake: store the decision and, when everything is certain, dispatch as the system dispatcher."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch.grid import assign_grid_worker
from dispatch.models import DispatchDecision
from dispatch.services import Proposal, latest_decision, propose_dispatch, record_decision, system_dispatcher
from hotline.core.errors import ApiError
from hotline.intake.services import take_in
from hotline.tickets.lifecycle import ActionParams, perform_action
from hotline.tickets.models import Ticket
from hotline.tickets.services import NewTicket
from hotline.tickets.states import State
from hotline.units.models import Unit

AUTO_DISPATCH_JOB = "dispatch.tasks:auto_dispatch"


def auto_dispatch_enabled() -> bool:
    return bool(current_app.config.get("HOTLINE_AUTO_DISPATCH", False))


def auto_dispatch_threshold() -> float:
    return float(current_app.config.get("HOTLINE_AUTO_DISPATCH_CONFIDENCE", 0.9))


def why_not_auto(proposal: Proposal) -> str | None:
    """Return why a proposal may not be carried out without a dispatcher, or None when it may."""
    cls = proposal.classification
    if not auto_dispatch_enabled():
        return "自动派单未开启"
    if proposal.transfer_110:
        return "疑似110警情，需人工研判"
    if not proposal.unambiguous or proposal.unit is None:
        return "确责清单未唯一命中具体条目"
    if cls.get("source") == "none" or float(cls.get("confidence") or 0) < auto_dispatch_threshold():
        return f"分类置信度低于阈值 {auto_dispatch_threshold():.2f}"
    return None


def ticket_text(ticket: Ticket) -> str:
    return f"{ticket.title or ''} {ticket.content}".strip()


def propose_for_ticket(session: Session, ticket: Ticket) -> Proposal:
    """Propose for a registered ticket, using its category, kind, address and known area."""
    return propose_dispatch(
        session,
        text=ticket_text(ticket),
        category=ticket.category,
        kind=ticket.kind,
        address=ticket.address,
        area=ticket.area_unit.code if ticket.area_unit else None,
        detect_110=ticket.channel != "transfer_110",
    )


def carry_out(session: Session, ticket: Ticket, proposal: Proposal, actor, *, note: str) -> Ticket:
    """Dispatch a ticket as proposed (lead, co-units, grid when it lies in the lead's area); assign a worker."""
    assert proposal.unit is not None
    lead = proposal.unit["code"]
    grid = proposal.grid["code"] if proposal.grid else None
    if grid:
        grid_unit = session.scalar(select(Unit).where(Unit.code == grid))
        lead_unit = session.scalar(select(Unit).where(Unit.code == lead))
        if grid_unit is None or lead_unit is None or not grid_unit.is_within(lead_unit):
            grid = None
    params = ActionParams(unit=lead, grid=grid, co_units=[c["code"] for c in proposal.co_units], note=note)
    perform_action(session, ticket, "dispatch", actor, params, preset=current_app.config["HOTLINE_TIME_LIMIT_PRESET"])
    assign_grid_worker(session, ticket)
    return ticket


def ticket_basis(ticket: Ticket) -> dict:
    """Return what a proposal for ``ticket`` as it is now rests on (stored with it, compared before reuse)."""
    return {
        "category": ticket.category or None,
        "kind": ticket.kind or None,
        "area": ticket.area_unit.code if ticket.area_unit else None,
    }


def stored_proposal(session: Session, ticket: Ticket) -> DispatchDecision | None:
    """Return the proposal stored at intake if it still holds (not yet acted on, made from the same facts)."""
    decision = latest_decision(session, ticket.id)
    if decision is None or decision.auto or (decision.proposal or {}).get("basis") != ticket_basis(ticket):
        return None
    return decision


def decide_for_ticket(session: Session, ticket: Ticket) -> tuple[Proposal, bool, str | None]:
    """Dispatch a registered ticket when certain, reusing the proposal stored at intake (else proposing and
    storing one); return (proposal, auto, why not)."""
    stored = stored_proposal(session, ticket)
    if ticket.state != State.REGISTERED.value:
        proposal = Proposal.from_dict(stored.proposal) if stored else propose_for_ticket(session, ticket)
        return proposal, False, "工单已不在待派单状态"
    proposal = Proposal.from_dict(stored.proposal) if stored else propose_for_ticket(session, ticket)
    blocker = why_not_auto(proposal)
    if blocker is None:
        cls = proposal.classification
        note = (
            f"系统自动派单：依据确责清单 {proposal.rule_id}；分类 {cls.get('name') or cls.get('code')}"
            f"（置信度 {float(cls.get('confidence') or 0):.2f}，模型 {cls.get('model_version') or '无'}）"
        )
        try:
            with session.begin_nested():
                carry_out(session, ticket, proposal, system_dispatcher(session), note=note)
        except ApiError as exc:  # e.g. a unit was removed meanwhile: leave it to the dispatcher
            blocker = f"自动派单失败：{exc.message}"
    if stored is None:
        record_decision(session, ticket, proposal, auto=blocker is None, basis=ticket_basis(ticket))
    elif blocker is None:
        stored.auto = True  # the proposal stored at intake is the one carried out
    return proposal, blocker is None, blocker


# --- intake from 110 ------------------------------------------------------------------------------------


def register_from_110(
    session: Session,
    actor,
    *,
    incident_number: str,
    content: str,
    title: str | None = None,
    address: str | None = None,
    caller_name: str | None = None,
    caller_phone: str | None = None,
    kind: str = "help",
    urgency: str = "normal",
) -> tuple[Ticket, bool]:
    """Take in a non-police matter pushed by 110 (channel transfer_110, external id = the incident number)."""
    data = NewTicket(
        channel="transfer_110",
        external_id=incident_number,
        content=content,
        title=title,
        address=address,
        caller_name=caller_name,
        caller_phone=caller_phone,
        kind=kind,
        urgency=urgency,
    )
    ticket, created, _ = take_in(
        session,
        data,
        actor,
        preset=current_app.config["HOTLINE_TIME_LIMIT_PRESET"],
        origin={"source": "110"},
        detect_110=False,
    )
    return ticket, created
