"""The stand-in upper platform as a separate process on a local port, and the platform row that points at it."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.console.conftest import login  # noqa: F401  (page clients)

HERE = Path(__file__).resolve().parent
SECRET = "shared-secret-for-the-test-platform"
KEY_ID = "city-a"
CODE = "sd12345"


def free_port() -> int:
    # Our hand-started servers live in 5150-5159; take the first one free.
    for port in range(5150, 5160):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 5150-5159")


class UpperPlatform:
    """Start, stop ("down for a while") and steer the stand-in platform process."""

    def __init__(self, state: Path, tickets: int) -> None:
        self.state_path, self.tickets = state, tickets
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                str(HERE / "upper_platform.py"),
                "--port",
                str(self.port),
                "--state",
                str(self.state_path),
                "--secret",
                SECRET,
                "--key-id",
                KEY_ID,
                "--tickets",
                str(self.tickets),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with contextlib.suppress(requests.RequestException):
                if requests.get(self.url + "/_state", timeout=1).status_code == 200:
                    return
            time.sleep(0.1)
        raise RuntimeError("the upper platform did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None

    def state(self) -> dict:
        return requests.get(self.url + "/_state", timeout=5).json()

    def control(self, **settings) -> None:
        requests.post(self.url + "/_control", json=settings, timeout=5).raise_for_status()

    def push(self, city: str, ticket_ids: list[str], **extra) -> dict:
        return requests.post(
            self.url + "/_push", json={"city": city, "ticket_ids": ticket_ids, **extra}, timeout=150
        ).json()


@pytest.fixture
def upper(tmp_path) -> Iterator[UpperPlatform]:
    platform = UpperPlatform(tmp_path / "upper-state.json", tickets=50)
    platform.start()
    yield platform
    platform.stop()


@pytest.fixture
def platform_row(app, world, upper):
    """Register the stand-in as platform ``sd12345`` (json-v1)."""
    from hotline.core.extensions import db
    from hotline.exchange.services import add_platform

    with app.app_context():
        add_platform(db.session, CODE, "省12345平台", upper.url, KEY_ID, SECRET)
        db.session.commit()
        db.session.remove()
    return CODE
