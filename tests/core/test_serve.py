"""The gevent server's connections: Nagle's algorithm off, so a keep-alive answer is not held for an ACK."""

from __future__ import annotations

import socket

from hotline.core.gevent_server import nodelay_handler


def test_the_gevent_handler_turns_nagle_off_on_each_connection():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    client = socket.create_connection(listener.getsockname())
    accepted, address = listener.accept()
    try:
        assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0  # what the kernel gives
        nodelay_handler()(accepted, address, None)
        assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
    finally:
        for s in (client, accepted, listener):
            s.close()
