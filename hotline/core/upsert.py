"""The INSERT that knows ON CONFLICT, for the database a session talks to (PostgreSQL or SQLite)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def upsert_insert(session: Session, table: Any) -> postgresql.Insert | sqlite.Insert:
    """Return ``insert(table)`` in the session's dialect: one with ``on_conflict_do_nothing/update``."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)
