"""Issue 14 must-show: a photo taken on the grid worker's phone-sized page in real Chromium reaches the handler's
inbox live (Socket.IO, no reload) with its thumbnail."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.attachments.conftest import photo
from tests.conftest import REDIS_URL
from tests.e2e.conftest import ROOT

pytestmark = pytest.mark.browser
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
}


@pytest.fixture
def jobs_worker(server, database_url) -> Iterator[None]:
    """With Redis the thumbnail is made by an rq worker, as in production: run one beside the server."""
    if not REDIS_URL:
        yield  # without Redis the web process runs the job itself
        return
    env = os.environ | {"DATABASE_URL": database_url, "REDIS_URL": REDIS_URL, "SECRET_KEY": "e2e-secret"}
    proc = subprocess.Popen(
        [sys.executable, "worker.py"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    yield
    proc.terminate()
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=10)
    if proc.poll() is None:
        proc.kill()


def test_a_grid_workers_photo_reaches_the_handlers_inbox_live_with_its_thumbnail(
    server, rest, open_as, jobs_worker, tmp_path
):
    created = rest.post("/api/v1/tickets", "agent1", channel="phone", content="东风社区3栋楼道堆放杂物，堵住消防通道")
    number = created["ticket"]["number"]
    rest.post(f"/api/v1/tickets/{number}/dispatch", "dispatcher1", unit="A1", grid="A1-01-01-G01")

    handler = open_as("handler1", "/inbox")
    row = handler.locator(f'#inbox-body tr[data-ticket="{number}"]')
    expect(row).to_be_visible(timeout=10000)
    expect(row.locator(".att-strip")).to_be_attached(timeout=10000)
    assert row.locator("img.att-thumb").count() == 0

    grid = open_as("grid1", "/grid", **PHONE)
    card = grid.locator(f'#cards .tcard[data-ticket="{number}"]')
    expect(card).to_be_visible(timeout=10000)
    assert grid.evaluate("document.documentElement.scrollWidth") <= 390  # phone-sized
    camera = card.locator('input[type=file][data-stage="before"]')
    assert camera.get_attribute("capture") == "environment" and camera.get_attribute("accept") == "image/*"
    shot = tmp_path / "楼道现场.jpg"
    shot.write_bytes(photo(1600, 1200))
    handler.evaluate("window.__noReload = true")  # gone if the inbox reloads: the thumbnail must come live
    camera.set_input_files(str(shot))
    expect(card.locator("img.att-thumb")).to_be_visible(timeout=20000)  # the worker's own card shows it too

    thumb = row.locator("img.att-thumb")
    expect(thumb).to_be_visible(timeout=20000)
    assert handler.evaluate("window.__noReload") is True
    src = thumb.get_attribute("src")
    assert "thumb" in src
    loaded = handler.evaluate(
        "async (src) => { const r = await fetch(src, {credentials: 'same-origin'}); "
        "return [r.status, r.headers.get('content-type'), (await r.arrayBuffer()).byteLength]; }",
        src,
    )
    assert loaded[0] == 200 and loaded[1].startswith("image/") and 0 < loaded[2] < 200_000
    events = [e for e in handler.evaluate("H.events") if e["number"] == number]
    assert any(e["event"] == "ticket.updated" for e in events)
