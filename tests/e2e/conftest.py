"""The real server in a subprocess (``python -m hotline.serve``) on the test database, and headless Chromium."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.conftest import DEMO_PASSWORD, REDIS_URL, second_factor

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CTI_TOKEN = "e2e-switch-secret"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(app, database_url, tmp_path_factory) -> Iterator[str]:
    """Start the web server with Socket.IO on a free port (with the Redis message queue when the pass has Redis)."""
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed")
    port = _free_port()
    env = os.environ | {
        "DATABASE_URL": database_url,
        "PORT": str(port),
        "SECRET_KEY": "e2e-secret",
        "HOTLINE_CTI_TOKEN": CTI_TOKEN,
        "HOTLINE_MODELS_DIR": str(tmp_path_factory.mktemp("e2e-models")),
        "HOTLINE_PORTAL_RATE": "100",
        # The tests write units, rules and limits from this process: the server must not keep its reads of them
        # for the seconds production does (hotline.core.recent), as the in-process suite does not either.
        "HOTLINE_REFERENCE_SECONDS": "0",
    }
    env.pop("REDIS_URL", None)
    env.pop("HOTLINE_ASYNC_MODE", None)  # the browsers talk to what `make run` serves
    if REDIS_URL:
        env["REDIS_URL"] = REDIS_URL
    log = tmp_path_factory.mktemp("e2e-log") / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "hotline.serve"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        with contextlib.suppress(requests.RequestException):  # not listening yet
            if requests.get(base + "/portal", timeout=1).status_code == 200:
                break
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail("server did not start:\n" + log.read_text(errors="replace")[-3000:])
        time.sleep(0.2)
    mode = "gevent" if REDIS_URL else "threading"  # gevent where jobs run in workers, threads where they run inline
    assert f"({mode})" in log.read_text(errors="replace"), f"the server should serve with {mode}"
    yield base
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="module")
def browser(server) -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Rest:
    """Bearer-token calls against the running server."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.tokens: dict[str, str] = {}

    def headers(self, username: str) -> dict:
        if username not in self.tokens:
            body = {"username": username, "password": DEMO_PASSWORD, "otp": second_factor(username)}
            r = requests.post(self.base + "/api/v1/auth/token", json=body, timeout=10)
            r.raise_for_status()
            self.tokens[username] = r.json()["token"]
        return {"Authorization": f"Bearer {self.tokens[username]}"}

    def post(self, path: str, as_: str, **body) -> dict:
        r = requests.post(self.base + path, json=body, headers=self.headers(as_), timeout=10)
        assert r.status_code in (200, 201), r.text
        return r.json()

    def get(self, path: str, as_: str) -> dict:
        r = requests.get(self.base + path, headers=self.headers(as_), timeout=10)
        assert r.status_code == 200, r.text
        return r.json()


@pytest.fixture
def rest(server, world) -> Rest:
    return Rest(server)


@pytest.fixture
def open_as(browser, server, world):
    """Return ``open_as(username, path, **context_options)`` → a logged-in page with its live socket up."""
    contexts = []

    def _open(username: str, path: str, **options):
        context = browser.new_context(locale="zh-CN", **({"viewport": {"width": 1400, "height": 900}} | options))
        contexts.append(context)
        page = context.new_page()
        page.goto(server + "/login")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.fill("input[name=otp]", second_factor(username) or "")
        page.click("button[type=submit]")
        page.wait_for_url(server + path)
        page.wait_for_selector("#live-status.on", timeout=10000)
        return page

    yield _open
    for context in contexts:
        context.close()
