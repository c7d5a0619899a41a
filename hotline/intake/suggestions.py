"""Suggestions shown with a new request: classification, proposed unit/grid, similar tickets, articles.

Each source is reached through :data:`hotline.intake.seams.INTAKE` (bound by the app factory). A failing
source is logged and named under ``unavailable``; it never stops intake.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.orm import Session

from hotline.intake.seams import INTAKE, Advice, Draft, Prediction

log = logging.getLogger(__name__)
T = TypeVar("T")


def _guarded(name: str, unavailable: list[str], call: Callable[[], T]) -> T | None:
    try:
        return call()
    except Exception:
        log.exception("suggestion source %s failed", name)
        unavailable.append(name)
        return None


def predict(session: Session, text: str, unavailable: list[str]) -> Prediction | None:
    """Classify ``text`` once with the active model (None without one)."""
    classifier = INTAKE.get().classifier
    if classifier is None:
        return None
    return _guarded("classification", unavailable, lambda: classifier.predict(session, text))


def advise(session: Session, draft: Draft, unavailable: list[str]) -> Advice | None:
    """Ask dispatch once about ``draft`` (None without dispatch)."""
    dispatcher = INTAKE.get().dispatcher
    if dispatcher is None:
        return None
    return _guarded("dispatch", unavailable, lambda: dispatcher.advise(session, draft))


def merge(
    prediction: Prediction | None,
    advice: Advice | None,
    session: Session,
    text: str,
    address: str | None,
    unavailable: list[str],
) -> dict:
    """Return the suggestions of every source as one dict (the SPEC §5 ``suggestions`` shape)."""
    merged: dict = dict(prediction or {})
    if advice is not None:
        merged |= {"proposal": advice.proposal, "area_unit": advice.area_unit, "similar": advice.similar}
    for name, provider in INTAKE.get().suggesters.items():
        merged |= _guarded(name, unavailable, lambda p=provider: p(session, text, address)) or {}
    if unavailable:
        merged["unavailable"] = list(unavailable)
    return merged


def build_suggestions(session: Session, text: str, address: str | None) -> dict:
    """Return the suggestions for a draft the agent is typing (classified once, proposed once)."""
    unavailable: list[str] = []
    prediction = predict(session, text, unavailable)
    advice = advise(session, Draft(text=text, address=address, prediction=prediction), unavailable)
    return merge(prediction, advice, session, text, address, unavailable)
