"""In real Chromium: a grid worker's photo from the phone-sized page reaches the handler's open inbox, live, as a thumbnail."""

from __future__ import annotations

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
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}


@pytest.fixture(scope="module")
def worker(server, database_url, tmp_path_factory) -> Iterator[None]:
    """With Redis the thumbnail job runs in an rq worker, as in production; without it, in the web process."""
    if not REDIS_URL:
        yield
        return
    env = os.environ | {
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "SECRET_KEY": "e2e-secret",
        "HOTLINE_MODELS_DIR": str(tmp_path_factory.mktemp("worker-models")),
    }
    log = tmp_path_factory.mktemp("worker-log") / "worker.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "worker.py"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    yield
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def test_a_grid_photo_reaches_the_handler_inbox_live_with_its_thumbnail(server, worker, rest, open_as):
    number = rest.post(
        "/api/v1/tickets",
        "agent1",
        channel="phone",
        content="东风社区3栋楼下井盖缺失，晚上很危险",
        caller_phone="13812345678",
    )["ticket"]["number"]
    rest.post(f"/api/v1/tickets/{number}/dispatch", "dispatcher1", unit="A1", grid="A1-01-01-G01")
    inbox = open_as("handler1", "/inbox")
    row = inbox.locator(f'#inbox-body tr[data-ticket="{number}"]')
    expect(row.locator(".att-strip")).to_be_visible(timeout=5000)
    expect(row.locator("img.att-thumb")).to_have_count(0)
    inbox.evaluate("window.__notReloaded = true")

    grid = open_as("grid1", "/grid", **PHONE)
    card = grid.locator(f'.tcard[data-ticket="{number}"]')
    expect(card.locator(".att-strip")).to_be_visible(timeout=5000)
    card.locator('input[data-stage="before"]').set_input_files(
        files=[{"name": "现场.jpg", "mimeType": "image/jpeg", "buffer": photo(2400, 1800)}]
    )
    expect(card.locator("img.att-thumb")).to_be_visible(timeout=15000)

    thumb = row.locator("img.att-thumb")
    expect(thumb).to_be_visible(timeout=15000)
    expect(thumb).to_have_js_property("complete", True)
    assert thumb.evaluate("img => img.naturalWidth") == 320  # the real thumbnail, loaded
    assert inbox.evaluate("window.__notReloaded") is True  # it came live, the page was not reloaded
    listed = rest.get(f"/api/v1/tickets/{number}/attachments", "handler1")["attachments"]
    assert [(a["stage"], a["uploaded_by"]) for a in listed] == [("before", "grid1")]
