"""智能填单 in the console: one Filler per app over the gazetteer the factory binds (dispatch's matcher)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from weakref import WeakKeyDictionary

from flask import Flask, current_app
from sqlalchemy.orm import Session

from classifier.fill import Filler, FillResult, Gazetteer
from hotline.core.clock import now, to_local

GazetteerSource = Callable[[Session], Gazetteer | None]


@dataclass
class _Binding:
    source: GazetteerSource
    lock: threading.Lock = field(default_factory=threading.Lock)
    gazetteer: Gazetteer | None = None
    filler: Filler | None = None


_BINDINGS: WeakKeyDictionary[Flask, _Binding] = WeakKeyDictionary()


def bind_gazetteer(app: Flask, source: GazetteerSource) -> None:
    """Have the app's 智能填单 resolve addresses through ``source(session)`` (called by the factory)."""
    _BINDINGS[app] = _Binding(source)


def filler_for(session: Session) -> Filler:
    """Return this app's Filler, rebuilt when the bound gazetteer object changes (units reloaded)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    binding = _BINDINGS.get(app)
    gazetteer = binding.source(session) if binding else None
    if binding is None:
        return Filler(None)
    with binding.lock:
        if binding.filler is None or binding.gazetteer is not gazetteer:
            words = gazetteer.user_dictionary_words() if gazetteer is not None else []
            binding.filler = Filler(gazetteer, words)
            binding.gazetteer = gazetteer
        return binding.filler


def fill_form(session: Session, text: str) -> FillResult:
    """Return the 智能填单 proposal for ``text``, times resolved against the local time now."""
    return filler_for(session).fill(text, to_local(now()).replace(tzinfo=None))
