"""Refusals raised by knowledge-base services; the app maps them to JSON errors."""

from __future__ import annotations


class KnowledgeError(Exception):
    """A service-level refusal with an English code and a Chinese message."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
