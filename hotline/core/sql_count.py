"""Counting SQL statements per request (``HOTLINE_COUNT_SQL=1``): the ``X-SQL-Statements`` response header.

For benchmarks and profiling over HTTP (``bench/hot_paths.py``): what a request costs the database is read off
the real server, not a test client. Off by default; statements outside a request (relay greenlets, jobs) are
not counted.
"""

from __future__ import annotations

from flask import Flask, Response, g, has_request_context
from sqlalchemy import event

HEADER = "X-SQL-Statements"


def enable(app: Flask, engine) -> None:
    """Count the statements each request sends through ``engine`` and answer them in a header."""

    @event.listens_for(engine, "before_cursor_execute")
    def _count(*_args) -> None:
        if has_request_context():
            g.sql_statements = g.get("sql_statements", 0) + 1

    @app.after_request
    def _header(response: Response) -> Response:
        response.headers[HEADER] = str(g.get("sql_statements", 0))
        return response
