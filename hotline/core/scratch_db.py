"""Throwaway databases for the test suite and the benchmarks: created fresh, dropped afterwards."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text

from hotline.core.config import normalise_database_url


@contextmanager
def scratch_database(admin_url: str | None, prefix: str) -> Iterator[str]:
    """Yield the URL of a new, empty database; drop it on exit.

    With a PostgreSQL ``admin_url`` the database is created on that server (``<prefix>_<random>``);
    with ``None`` or an SQLite URL it is a file in a new temporary directory.
    """
    if not admin_url or admin_url.startswith("sqlite"):
        yield f"sqlite:///{Path(tempfile.mkdtemp(prefix=prefix)) / f'{prefix}.db'}"
        return
    admin_url = normalise_database_url(admin_url)
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
