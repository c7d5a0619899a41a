"""The fault suite's stack: a throw-away PostgreSQL cluster, its own Redis, two gevent web processes, a worker.

Ports: PostgreSQL 5440, Redis 6390, web 5130/5131 (5132 for the small-pool web). Never the shared servers.
The stack is made once for the module run (initdb, migrations, seed); each test uses its own external-id
prefix, so its audit counts only its tickets.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from bench.stack import Stack, token

PG_PORT = int(os.environ.get("HOTLINE_FAULT_PG_PORT") or 5440)
REDIS_PORT = int(os.environ.get("HOTLINE_FAULT_REDIS_PORT") or 6390)
WEB_PORTS = (5130, 5131)


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    stack = Stack(PG_PORT, REDIS_PORT, WEB_PORTS).up()
    try:
        for port in WEB_PORTS:
            stack.start_web(port)
        stack.workers.append(stack.start_worker("w1", schedule=True))
        yield stack
    finally:
        stack.down()
        stack.remove()


@pytest.fixture(scope="session")
def urls(stack) -> list[str]:
    return [f"http://127.0.0.1:{port}" for port in WEB_PORTS]


@pytest.fixture(scope="session")
def tokens(urls) -> list[str]:
    # A token made on one web process works on the other: they share the database.
    one = token(urls[0])
    return [one for _ in urls]
