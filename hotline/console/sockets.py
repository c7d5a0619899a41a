"""Socket.IO handlers: a browser connects with its page session and joins the rooms its user may hear."""

from __future__ import annotations

from flask import session
from flask_socketio import SocketIO, join_room

from hotline.auth.models import User
from hotline.console.push import rooms_for_user
from hotline.core.extensions import db


def on_connect(auth: dict | None = None) -> bool:
    """Accept a logged-in user's browser and join its rooms; refuse everyone else."""
    user_id = session.get("user_id")
    user = db.session.get(User, user_id) if user_id else None
    if user is None or not user.active:
        return False
    for room in rooms_for_user(user):
        join_room(room)
    return True


def register_handlers(socketio: SocketIO) -> None:
    """Attach the console's handlers to ``socketio``."""
    socketio.on_event("connect", on_connect)
