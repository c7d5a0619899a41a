"""Fixtures for the console: page sessions per user, and Socket.IO test clients riding on them."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest

from tests.conftest import login_form


@pytest.fixture
def login(app, world) -> Callable:
    """Return ``login(username)`` → a Flask test client holding that user's page session."""

    def _login(username: str):
        client = app.test_client()
        response = client.post("/login", data=login_form(username))
        assert response.status_code == 302, response.data
        return client

    return _login


@pytest.fixture
def sockets(app, monkeypatch) -> Iterator[Callable]:
    """Return ``connect(flask_client)`` → a Socket.IO test client; all are disconnected afterwards.

    Flask-SocketIO's test client refuses a message queue, so with Redis this swaps in a local manager for
    the test (rooms and emits are the same code); the Redis path is driven by the e2e browser tests.
    """
    from socketio import Manager, PubSubManager

    from hotline.core.extensions import socketio

    if isinstance(socketio.server.manager, PubSubManager):
        local = Manager()
        local.set_server(socketio.server)
        local.initialize()
        monkeypatch.setattr(socketio.server, "manager", local)
    opened = []

    def _connect(client=None):
        sio = socketio.test_client(app, flask_test_client=client)
        opened.append(sio)
        return sio

    yield _connect
    for sio in opened:
        if sio.is_connected():
            sio.disconnect()


def wait_for(sio, predicate: Callable[[list], bool], timeout: float = 2.0) -> list:
    """Collect what ``sio`` received until ``predicate(received)`` holds (the Redis queue is asynchronous)."""
    received: list = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        received.extend(sio.get_received())
        if predicate(received):
            return received
        time.sleep(0.05)
    return received
