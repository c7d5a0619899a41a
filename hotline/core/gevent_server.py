"""What ``python -m hotline.serve`` changes in gevent's WSGI server (importing this patches nothing)."""

from __future__ import annotations


def nodelay_handler() -> type:
    """Return gevent's WSGI handler with Nagle's algorithm off on each connection.

    pywsgi sends a response's headers and its body in two writes. With Nagle on, the body waited for the
    client's delayed ACK (40 ms on Linux, up to 200 ms elsewhere) on every request after a connection's first:
    wrk at 2 connections saw p50 48 ms for a 2 ms request, and a browser's keep-alive API calls the same.
    """
    import socket

    from gevent import pywsgi

    class NoDelayHandler(pywsgi.WSGIHandler):
        def __init__(self, sock, address, server, rfile=None) -> None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            super().__init__(sock, address, server, rfile)

    return NoDelayHandler
