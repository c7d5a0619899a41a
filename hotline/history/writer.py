"""Bulk rows into the real tables: COPY on PostgreSQL, executemany (typed by the models) on SQLite."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence

from sqlalchemy import JSON, Table, text
from sqlalchemy.engine import Connection


def copy_rows(conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[tuple]) -> None:
    """Write ``rows`` (values in ``columns`` order) into ``table`` in one bulk operation."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        names = ", ".join(f'"{c}"' for c in columns)
        with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)
        return
    # JSON columns arrive as JSON text (what COPY wants); the model's JSON type wants the decoded value.
    as_json = {i for i, c in enumerate(columns) if isinstance(table.c[c].type, JSON)}
    conn.execute(
        table.insert(),
        [
            {
                c: (json.loads(v) if i in as_json and v is not None else v)
                for i, (c, v) in enumerate(zip(columns, row, strict=True))
            }
            for row in rows
        ],
    )


def next_id(conn: Connection, table: Table) -> int:
    """Return the first free id of ``table``."""
    return int(conn.execute(text(f'SELECT COALESCE(MAX(id), 0) + 1 FROM "{table.name}"')).scalar_one())


def reset_sequence(conn: Connection, table: Table) -> None:
    """Move PostgreSQL's id sequence past the rows written with explicit ids."""
    if conn.dialect.name == "postgresql":
        conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f'(SELECT COALESCE(MAX(id), 1) FROM "{table.name}"))'
            )
        )


def utc(moment: dt.datetime) -> dt.datetime:
    """Return ``moment`` as an aware UTC datetime."""
    return moment.astimezone(dt.UTC)
