"""Counting SQL statements per request (``HOTLINE_COUNT_SQL=1``): the ``X-SQL-Statements`` response header.

For benchmarks and profiling over HTTP (``bench/hot_paths.py``): what a request costs the database is read off
the real server, not a test client. Off by default; statements outside a request (relay greenlets, jobs) are
not counted.
"""

from __future__ import annotations

from flask import Flask, Response, g, has_request_context
from sqlalchemy import Engine, event

HEADER = "X-SQL-Statements"


def _count(*_args) -> None:
    if has_request_context():
        g.sql_statements = g.get("sql_statements", 0) + 1


def enable(app: Flask) -> None:
    """Count the statements each request sends, through any engine, and answer them in a header.

    Every engine, not only the app's: ticket numbers are taken on an engine of their own
    (``hotline.tickets.numbering``), and a count that missed them would flatter intake.
    """
    if not event.contains(Engine, "before_cursor_execute", _count):
        event.listen(Engine, "before_cursor_execute", _count)

    @app.after_request
    def _header(response: Response) -> Response:
        response.headers[HEADER] = str(g.get("sql_statements", 0))
        return response
