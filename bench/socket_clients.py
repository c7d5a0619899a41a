"""Many Socket.IO clients in one thread: what a load test needs instead of python-socketio's threaded Client.

A ``socketio.Client`` runs three threads (reader, writer, pinger); 500 of them in four processes are ~1,500
threads waking for every event, and on a 2-core host that CPU is taken from the server being measured (a city
load run once saw events 18 s late behind a saturated host). Here every connection is a plain websocket
watched by one selector, speaking the documented protocols directly:

- Engine.IO 4 over the ``websocket`` transport: the server opens with ``0{sid, pingInterval, …}``, pings with
  ``2`` (answered ``3``) and wraps Socket.IO packets in ``4``;
- Socket.IO 5 on the default namespace: ``40`` connects (the server answers ``40{sid}``, or ``44{…}`` when
  its connect handler refuses), ``42["event", payload]`` is an event, ``41`` disconnects.

Each event's handler gets ``(name, payload, received_at)``; ``received_at`` is ``time.time()`` when its frame
was read, before any decoding, so the figure is the server's and the network's, not this process's.
"""

from __future__ import annotations

import contextlib
import json
import selectors
import time
from collections.abc import Callable
from urllib.parse import urlsplit

import websocket

Handler = Callable[[str, object, float], None]


class ConnectRefused(RuntimeError):
    """The server closed or refused the Socket.IO connection."""


class SocketClients:
    """``n`` Socket.IO connections of one signed-in browser (a Cookie header), read by one selector."""

    def __init__(self, base: str, cookie: str, on_event: Handler) -> None:
        parts = urlsplit(base)
        scheme = "wss" if parts.scheme == "https" else "ws"
        self.url = f"{scheme}://{parts.netloc}/socket.io/?EIO=4&transport=websocket"
        self.cookie = cookie
        self.on_event = on_event
        self.selector = selectors.DefaultSelector()
        self.sockets: list[websocket.WebSocket] = []

    def connect(self, n: int, timeout: float = 20.0) -> int:
        """Open ``n`` connections and join the default namespace on each; return how many are connected."""
        for _ in range(n):
            # websocket-client checks a text frame's UTF-8 byte by byte in Python (~1 ms for a 4 kB event):
            # json.loads checks it anyway.
            ws = websocket.create_connection(
                self.url, header=[f"Cookie: {self.cookie}"], timeout=timeout, skip_utf8_validation=True
            )
            opening = ws.recv()
            if not opening.startswith("0"):
                raise ConnectRefused(f"no Engine.IO open packet: {opening[:80]!r}")
            ws.send("40")
            answer = ws.recv()
            while answer == "2":  # a ping may come first on a slow server
                ws.send("3")
                answer = ws.recv()
            if not answer.startswith("40"):
                raise ConnectRefused(f"namespace refused: {answer[:120]!r}")
            self.sockets.append(ws)
            self.selector.register(ws.sock, selectors.EVENT_READ, ws)
        return len(self.sockets)

    def poll(self, timeout: float = 0.05) -> int:
        """Read every frame that is ready; return how many events were handled."""
        handled = 0
        for key, _ in self.selector.select(timeout):
            ws: websocket.WebSocket = key.data
            try:
                frame = ws.recv()
            except (websocket.WebSocketException, OSError):
                self._drop(ws)
                continue
            received_at = time.time()
            if not frame:  # a close frame
                self._drop(ws)
            elif frame == "2":
                ws.send("3")
            elif frame.startswith("42"):
                name, *args = json.loads(frame[2:])
                self.on_event(name, args[0] if args else None, received_at)
                handled += 1
            elif frame.startswith("41") or frame == "1":
                self._drop(ws)
        return handled

    def _drop(self, ws: websocket.WebSocket) -> None:
        self.selector.unregister(ws.sock)
        self.sockets.remove(ws)
        ws.close()

    def close(self) -> None:
        """Leave the namespace and close every connection."""
        for ws in list(self.sockets):
            with contextlib.suppress(websocket.WebSocketException, OSError):
                ws.send("41")
            self._drop(ws)
