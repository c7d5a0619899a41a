"""Wire the pages and live console into the app."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the console's pages and socket handlers."""
