"""Reference data kept briefly per process: read on every intake and keystroke, changed a few times a day.

Dispatch's cache keys, the stored time limits and the knowledge base's synonyms are re-read at most every
``HOTLINE_REFERENCE_SECONDS`` (5; 0 re-reads on every call, as the tests do). A change made in this process
is seen at once (its service calls :meth:`Recent.forget`); one made on another process within that time.
At 100 suggestions a second each read was a statement per request for a table that had not changed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar
from weakref import WeakKeyDictionary

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session, object_session, scoped_session

T = TypeVar("T")
DEFAULT_SECONDS = 5.0


def _seconds() -> float:
    if not has_app_context():
        return 0.0
    return float(current_app.config.get("HOTLINE_REFERENCE_SECONDS", DEFAULT_SECONDS))


class Recent(Generic[T]):
    """One value loaded from the database, kept per engine for ``HOTLINE_REFERENCE_SECONDS``.

    ``written_by``: the models it is read from; an insert, update or delete of one of them through the ORM in
    this process forgets the value (a mapper event), so the next read sees the write.
    """

    def __init__(self, load: Callable[[Session], T], written_by: tuple[type, ...] = ()) -> None:
        self._load = load
        self._held: WeakKeyDictionary[object, tuple[float, T]] = WeakKeyDictionary()
        self._lock = threading.Lock()
        for model in written_by:
            for name in ("after_insert", "after_update", "after_delete"):
                event.listen(model, name, self._written)

    def _written(self, _mapper: object, _connection: object, target: object) -> None:
        self.forget(object_session(target))

    def get(self, session: Session) -> T:
        """Return the value, loaded with ``session`` unless this process read it within the time."""
        bind = session.get_bind()
        now = time.monotonic()
        held = self._held.get(bind)
        if held is not None and now - held[0] < _seconds():
            return held[1]
        value = self._load(session)
        with self._lock:
            self._held[bind] = (now, value)
        return value

    def forget(self, session: Session | None = None) -> None:
        """Drop the value now and, with ``session``, again when its transaction ends.

        Between the write and its commit another request could re-read (and keep) the old rows, or this
        session's own uncommitted ones; forgetting again at the end keeps neither.
        """
        with self._lock:
            self._held.clear()
        if session is not None:
            # The session itself, not a scoped_session proxy (whose events would go to every session).
            own = session() if isinstance(session, scoped_session) else session
            if not own.info.get(self._pending_key):  # once per transaction, however many rows it writes
                own.info[self._pending_key] = True
                for name in ("after_commit", "after_soft_rollback"):
                    event.listen(own, name, self._forget_after, once=True)

    @property
    def _pending_key(self) -> tuple[str, int]:
        return ("recent.forget_at_end", id(self))

    def _forget_after(self, session: Session, *_args: object) -> None:
        session.info.pop(self._pending_key, None)
        with self._lock:
            self._held.clear()
