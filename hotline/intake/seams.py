"""What intake needs from the packages above it, declared here and bound once by the app factory.

Intake classifies a request once and asks dispatch once; both answers are shown to the agent and stored.
The classifier and dispatch live in other packages, so intake names only these Protocols; ``hotline.app``
binds the implementations (``hotline.classification.wiring.IntakeClassifier``,
``dispatch.intake.IntakeDispatcher``, the knowledge base's article search) with :data:`INTAKE`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.orm import Session

from hotline.core.seams import Seam
from hotline.tickets.models import Ticket

# The classifier's answer as intake shows it: ``{categories: [{code, name, confidence}…], kind, kind_reason,
# urgency, urgency_reason, model_version, confident}``.
Prediction = dict[str, Any]
# An extra suggestion source (knowledge articles): ``(session, text, address) -> keys merged into suggestions``.
Suggester = Callable[[Session, str, str | None], dict]


class Classifier(Protocol):
    """The active model, as intake asks it."""

    def predict(self, session: Session, text: str) -> Prediction | None:
        """Return the prediction for ``text``, or None when no model is active."""
        ...


@dataclass
class Draft:
    """What intake asks dispatch about: a request's text, place, and what is already decided about it."""

    text: str
    address: str | None = None
    category: str | None = None  # given by a person or the confident model; else dispatch uses ``prediction``
    kind: str | None = None
    area: str | None = None  # a unit code already known (a grid worker's own grid)
    prediction: Prediction | None = None
    detect_110: bool = True
    # The text as it will be registered (title + content): what duplicates are found and indexed by.
    registered_text: str | None = None


@dataclass
class Advice:
    """Dispatch's answer to a draft: the proposal (``Proposal.to_dict()``), the area found, similar open tickets."""

    proposal: dict[str, Any]
    area_unit: str | None = None
    similar: list[dict[str, Any]] = field(default_factory=list)


class Dispatcher(Protocol):
    """Dispatch, as intake asks it: propose for a draft, then store the proposal with the registered ticket."""

    def advise(self, session: Session, draft: Draft) -> Advice:
        """Return the proposal for ``draft``, the area it resolved to and similar open tickets."""
        ...

    def after_intake(self, session: Session, ticket: Ticket, advice: Advice | None) -> None:
        """Store ``advice`` as the ticket's proposal and defer what follows (auto-dispatch) until the commit.

        ``advice`` is None when dispatch failed at intake; what follows then proposes afresh.
        """
        ...


@dataclass
class IntakeSeams:
    """Everything intake calls outside its package; a missing part is simply not asked."""

    classifier: Classifier | None = None
    dispatcher: Dispatcher | None = None
    suggesters: dict[str, Suggester] = field(default_factory=dict)


INTAKE: Seam[IntakeSeams] = Seam("intake", default=IntakeSeams())
