"""Helpers for the sign-in tests: a user of any role without a second factor, page clients, codes."""

from __future__ import annotations

import pyotp
import pytest

from tests.conftest import DEMO_PASSWORD
from tests.console.conftest import login, sockets  # noqa: F401  (page clients and Socket.IO clients)


@pytest.fixture
def make_user(app, world):
    """Return ``make_user(username, role, unit="A")`` → the username of a fresh user with no second factor."""
    from hotline.auth.services import create_user
    from hotline.core.extensions import db

    def _make(username: str, role: str, unit: str = "A") -> str:
        with app.app_context():
            create_user(db.session, username, DEMO_PASSWORD, role, world.unit(unit))
            db.session.commit()
            db.session.remove()
        return username

    return _make


def page_login(client, username: str, otp: str | None = None):
    data = {"username": username, "password": DEMO_PASSWORD} | ({"otp": otp} if otp else {})
    return client.post("/login", data=data)


def enrol_on_page(client) -> tuple[str, list[str]]:
    """Bind an authenticator through /account/security as the page session's user; return (secret, codes)."""
    import re

    started = client.post("/account/security", data={"action": "start"}).get_data(as_text=True)
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', started).group(1)
    confirmed = client.post("/account/security", data={"action": "confirm", "code": pyotp.TOTP(secret).now()})
    assert confirmed.status_code == 200, confirmed.get_data(as_text=True)[:400]
    codes = re.findall(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>", confirmed.get_data(as_text=True))
    return secret, codes
