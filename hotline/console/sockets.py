"""Socket.IO handlers: a browser connects with its page session and joins the rooms its user may hear."""

from __future__ import annotations

from flask_socketio import SocketIO, join_room

from hotline.auth.api import current_user
from hotline.console.push import rooms_for_user


def on_connect(auth: dict | None = None) -> bool:
    """Accept a logged-in user's browser and join its rooms; refuse everyone else."""
    user = current_user()  # the server-side page session: revoked, expired or short of its second factor = None
    if user is None:
        return False
    for room in rooms_for_user(user):
        join_room(room)
    return True


def register_handlers(socketio: SocketIO) -> None:
    """Attach the console's handlers to ``socketio``."""
    socketio.on_event("connect", on_connect)
