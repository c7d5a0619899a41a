"""Typed seams: a lower package declares what it needs from a higher one, the factory binds it once per app.

A :class:`Seam` replaces string keys in ``app.extensions``: it is declared next to the code that calls it,
with the type of what it holds, so a reader (and a type checker) can follow every call across packages.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Generic, TypeVar
from weakref import WeakKeyDictionary

from flask import Flask, current_app

T = TypeVar("T")


class Seam(Generic[T]):
    """One typed slot per app, bound by the factory and read by the package that declared it."""

    def __init__(self, name: str, default: T | None = None) -> None:
        self.name = name
        self._default = default
        self._bound: WeakKeyDictionary[Flask, T] = WeakKeyDictionary()

    def bind(self, app: Flask, implementation: T) -> None:
        """Bind ``implementation`` for ``app`` (the factory calls this once; tests may rebind)."""
        self._bound[app] = implementation

    def get(self, app: Flask | None = None) -> T:
        """Return what is bound for ``app`` (default: the current app); the default if nothing is bound."""
        target = app if app is not None else current_app._get_current_object()  # type: ignore[attr-defined]
        found = self._bound.get(target, self._default)
        if found is None:
            raise LookupError(f"seam {self.name} is not bound for this app")
        return found

    def is_bound(self, app: Flask | None = None) -> bool:
        """Tell whether the factory bound this seam for ``app`` (default: the current app)."""
        target = app if app is not None else current_app._get_current_object()  # type: ignore[attr-defined]
        return target in self._bound

    @contextmanager
    def replaced(self, app: Flask, implementation: T | None) -> Iterator[None]:
        """Bind ``implementation`` (None: nothing) for ``app`` for a while, then restore what was bound."""
        had, previous = app in self._bound, self._bound.get(app)
        if implementation is None:
            self._bound.pop(app, None)
        else:
            self._bound[app] = implementation
        try:
            yield
        finally:
            if had:
                self._bound[app] = previous  # type: ignore[assignment]
            else:
                self._bound.pop(app, None)
