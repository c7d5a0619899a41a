"""Taking a request in: the one operation every channel registers a ticket through.

Console and API, the citizens' portal, Open311, 110 transfers, grid patrol reports (and any new channel)
call :func:`take_in`. It classifies the text once, asks dispatch once, fills what the caller left open,
registers the ticket and stores both answers (the classification record and the dispatch proposal), so the
auto-dispatch job reuses the proposal instead of computing it again.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from sqlalchemy.orm import Session

from classifier.summary import summarize
from hotline.auth.models import User
from hotline.classification.services import record_classification, record_correction
from hotline.intake.seams import INTAKE, Draft, Prediction
from hotline.intake.suggestions import advise, merge, predict
from hotline.tickets.models import Ticket
from hotline.tickets.services import NewTicket, display_title, register_ticket
from hotline.units.services import get_unit_by_code


class Intake(NamedTuple):
    """The outcome of taking a request in."""

    ticket: Ticket
    created: bool
    suggestions: dict


def _top_code(prediction: Prediction | None) -> str | None:
    return ((prediction or {}).get("categories") or [{}])[0].get("code")


def take_in(
    session: Session,
    data: NewTicket,
    actor: User | None,
    *,
    preset: str,
    origin: dict[str, Any] | None = None,
    detect_110: bool = True,
) -> Intake:
    """Register ``data`` (idempotent on channel + external id); return ``(ticket, created, suggestions)``.

    ``origin`` is stored with the suggestions (e.g. ``{"source": "patrol"}``); ``detect_110`` is off for
    requests that came from 110 in the first place.
    """
    # A repeated external id is not looked up first: the ticket's unique index finds it when registering (a
    # statement less for every new request; a retry costs a classification and a ticket number).
    data.summary = data.summary or summarize(data.content, data.title or "")  # lists show it (issue 16)
    text = f"{data.title or ''} {data.content}".strip()
    unavailable: list[str] = []
    prediction = predict(session, text, unavailable)
    pred = prediction or {}
    data.kind = data.kind or pred.get("kind") or "consult"
    data.urgency = data.urgency or pred.get("urgency") or "normal"
    top = _top_code(prediction)
    chosen_by_person = data.category
    if data.category is None and pred.get("confident"):
        data.category = top  # the model is sure enough; the dispatcher can still change it
    draft = Draft(
        text=text,
        address=data.address,
        category=data.category,
        kind=data.kind,
        area=data.area_unit.code if data.area_unit else None,
        prediction=prediction,
        detect_110=detect_110,
        registered_text=f"{display_title(data)} {data.content}",
    )
    advice = advise(session, draft, unavailable)
    if data.area_unit is None and advice is not None and advice.area_unit:
        data.area_unit = get_unit_by_code(session, advice.area_unit)
    suggestions = merge(prediction, advice, session, text, data.address, unavailable)
    stored = {k: v for k, v in suggestions.items() if k != "articles"} | (origin or {})
    ticket, created = register_ticket(session, data, actor, preset=preset, suggestion=stored)
    if not created:  # a concurrent twin with the same external id was registered first
        return Intake(ticket, False, ticket.suggestion or {})
    if prediction and prediction.get("model_version"):
        record_classification(
            session,
            ticket,
            {
                "category": prediction["categories"],
                "kind": prediction["kind"],
                "urgency": prediction["urgency"],
                "model_version": prediction["model_version"],
            },
        )
        if chosen_by_person:
            record_correction(session, ticket, chosen_by_person, actor, top, prediction["model_version"])
    dispatcher = INTAKE.get().dispatcher
    if dispatcher is not None:
        dispatcher.after_intake(session, ticket, advice)
    return Intake(ticket, True, suggestions)
