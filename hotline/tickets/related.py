"""The tickets linked to one ticket, as a viewer may see them: merged ones, the same caller's, 类案."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.auth.models import User
from hotline.auth.roles import SEES_CALLER
from hotline.tickets.models import Ticket
from hotline.tickets.services import may_see, visibility_filter

REPEAT_LIMIT = 10


@dataclass(frozen=True)
class Linked:
    relation: str  # 合并至 / 已合并 / 同一来电人 / 类案
    ticket: Ticket
    score: float | None = None


def linked_tickets(session: Session, ticket: Ticket, viewer: User) -> list[Linked]:
    """Return the tickets linked to ``ticket`` that ``viewer`` may see (never one outside their scope)."""
    found: list[Linked] = []
    if ticket.merged_into is not None and may_see(viewer, ticket.merged_into):
        found.append(Linked("合并至（主工单）", ticket.merged_into))
    visible = visibility_filter(viewer)

    def scoped(query):
        return query.where(visible) if visible is not None else query

    for dup in session.scalars(scoped(select(Ticket).where(Ticket.merged_into_id == ticket.id)).order_by(Ticket.id)):
        found.append(Linked("已并入本单的重复件", dup))
    # Another ticket of the same caller is shown to every role that may see it, but matched on the phone
    # only: a masked viewer learns no number from it. A 举报 is never linked to its reporter's other tickets
    # for a viewer who may not know the reporter: those show the caller (masked, not 保密) and their text.
    hides = viewer.role_enum not in SEES_CALLER
    if ticket.caller_phone and not (hides and ticket.kind == "report"):
        same = scoped(select(Ticket).where(Ticket.caller_phone == ticket.caller_phone, Ticket.id != ticket.id))
        if hides:
            same = same.where(Ticket.kind != "report")
        for other in session.scalars(same.order_by(Ticket.created_at.desc()).limit(REPEAT_LIMIT)):
            found.append(Linked("同一来电人" if viewer.role_enum in SEES_CALLER else "同一市民", other))
    similar = ((ticket.suggestion or {}).get("similar") or []) if isinstance(ticket.suggestion, dict) else []
    numbers = {str(s.get("number")): s.get("score") for s in similar if isinstance(s, dict) and s.get("number")}
    shown = {link.ticket.id for link in found} | {ticket.id}
    if numbers:
        for other in session.scalars(scoped(select(Ticket).where(Ticket.number.in_(list(numbers))))):
            if other.id not in shown:
                found.append(Linked("类案", other, numbers.get(other.number)))
    return found
