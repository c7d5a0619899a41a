"""The function rq runs: call a job by name inside the worker's app context, then commit."""

from __future__ import annotations

from typing import Any

from hotline.core.jobs import resolve


def run(dotted: str, args: tuple, kwargs: dict) -> Any:
    """Run one job; the worker has pushed an app context for its whole life."""
    return resolve(dotted)(*args, **kwargs)
