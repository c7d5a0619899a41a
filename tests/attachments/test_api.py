"""The attachment API on both storage backends: scoping, byte-identical round trips, refusals that store nothing."""

from __future__ import annotations

import hashlib
import io
import zipfile

from sqlalchemy import func, select

from tests.attachments.conftest import has_exif, photo, stored_files, upload


def _counts(app) -> tuple[int, int, int]:
    from hotline.attachments.models import Attachment, AttachmentBlob
    from hotline.core.extensions import db
    from hotline.tickets.models import TicketEvent

    with app.app_context():
        blobs = db.session.scalar(select(func.count()).select_from(AttachmentBlob))
        rows = db.session.scalar(select(func.count()).select_from(Attachment))
        events = db.session.scalar(select(func.count()).select_from(TicketEvent).where(TicketEvent.action == "attach"))
        db.session.remove()
    return blobs, rows, events


def test_upload_by_agent_is_fetched_byte_identical_by_handler1_and_is_404_for_handler2(app, api, backend, dispatched):
    data = photo()
    r = upload(api, dispatched, data, "现场照片.jpg", as_="agent1")
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert set(body) >= {"id", "name", "content_type", "size", "sha256", "url", "thumbnail_url", "stage"}
    assert (body["name"], body["content_type"], body["size"], body["stage"]) == (
        "现场照片.jpg",
        "image/jpeg",
        len(data),
        "intake",
    )
    assert body["sha256"] == hashlib.sha256(data).hexdigest()

    got = api.get(body["url"], as_="handler1")
    assert got.status_code == 200
    assert got.data == data  # staff keep the original, EXIF and all
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert got.headers["Content-Disposition"].startswith("inline")  # an image may show inline
    assert got.headers["Content-Type"] == "image/jpeg"

    assert api.get(body["url"], as_="handler2").status_code == 404
    assert api.get(body["url"] + "?size=thumb", as_="handler2").status_code == 404
    assert api.get(f"/api/v1/tickets/{dispatched}/attachments", as_="handler2").status_code == 404
    assert upload(api, dispatched, photo(color=(1, 2, 3)), "b.jpg", as_="handler2").status_code == 404
    listed = api.get(f"/api/v1/tickets/{dispatched}/attachments", as_="handler1").get_json()["attachments"]
    assert [a["id"] for a in listed] == [body["id"]]

    # the trail says who added and who opened which file
    events = api.get(f"/api/v1/tickets/{dispatched}/events", as_="supervisor1").get_json()["events"]
    attach = [e for e in events if e["action"] == "attach"]
    download = [e for e in events if e["action"] == "download"]
    assert [(e["actor"], e["data"]["attachment"], e["data"]["sha256"]) for e in attach] == [
        ("agent1", body["id"], body["sha256"])
    ]
    assert [(e["actor"], e["data"]["attachment"]) for e in download] == [("handler1", body["id"])]

    # where the bytes are is what the configuration chose
    from hotline.attachments.models import AttachmentBlob
    from hotline.core.extensions import db

    with app.app_context():
        blob = db.session.get(AttachmentBlob, body["sha256"])
        assert blob.backend == backend
        assert (blob.data is not None) == (backend == "database")
        db.session.remove()
    on_disk = {p.name for p in stored_files(app)}
    assert (body["sha256"] in on_disk) == (backend == "directory")


def test_thumbnail_and_web_copy_are_made_by_the_job_without_exif(app, api, backend, dispatched):
    data = photo(3000, 2000)
    assert has_exif(data)
    body = upload(api, dispatched, data, "p.jpg").get_json()
    listed = api.get(f"/api/v1/tickets/{dispatched}/attachments", as_="handler1").get_json()["attachments"][0]
    assert listed["thumbnail_url"] and listed["web_url"]
    thumb = api.get(listed["thumbnail_url"], as_="handler1")
    web = api.get(listed["web_url"], as_="handler1")
    from PIL import Image

    assert max(Image.open(io.BytesIO(thumb.data)).size) == 320
    assert max(Image.open(io.BytesIO(web.data)).size) == 1600
    assert not has_exif(thumb.data) and not has_exif(web.data)
    assert api.get(body["url"], as_="handler1").data == data


def test_html_named_jpg_a_30_mb_image_and_a_truncated_jpeg_are_refused_and_nothing_is_stored(
    app, api, backend, dispatched
):
    html = b"<!doctype html><html><body><script>alert(1)</script></body></html>"
    svg = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>'
    big = photo(400, 300) + b"\0" * (30 * 1024 * 1024)
    full = photo(1600, 1200)
    truncated = full[: len(full) // 2]
    cases = [
        (html, "x.jpg", 415, "unsupported_file_type"),
        (svg, "x.jpg", 415, "unsupported_file_type"),
        (big, "big.jpg", 413, "file_too_large"),
        (truncated, "cut.jpg", 422, "image_unreadable"),
        (b"", "empty.jpg", 422, "empty_file"),
    ]
    for data, name, status, code in cases:
        r = upload(api, dispatched, data, name)
        assert r.status_code == status, (name, r.status_code, r.data[:200])
        error = r.get_json()["error"]
        assert error["code"] == code
        assert any("\u4e00" <= ch <= "\u9fff" for ch in error["message"]), error["message"]  # said in Chinese
    assert _counts(app) == (0, 0, 0)
    assert stored_files(app) == []


def test_the_same_bytes_are_stored_once(app, api, backend, dispatched):
    other = api.new_ticket(content="另一处路灯也坏了，在东风路口")["number"]
    data = photo()
    first = upload(api, dispatched, data, "a.jpg")
    again = upload(api, dispatched, data, "a-copy.jpg")
    elsewhere = upload(api, other, data, "a.jpg")
    assert (first.status_code, again.status_code, elsewhere.status_code) == (201, 200, 201)
    assert again.get_json()["id"] == first.get_json()["id"]
    blobs, rows, events = _counts(app)
    assert (rows, events) == (2, 2)
    assert blobs == 3  # the original once, plus its thumbnail and web copy once each


def test_documents_download_as_attachments_never_inline(app, api, backend, dispatched):
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    docx = io.BytesIO()
    with zipfile.ZipFile(docx, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    for data, name, expected in (
        (pdf, "答复函.pdf", "application/pdf"),
        (docx.getvalue(), "说明.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ):
        r = upload(api, dispatched, data, name, content_type="text/html", stage="reply")
        assert r.status_code == 201, r.get_json()
        body = r.get_json()
        assert body["content_type"] == expected and body["thumbnail_url"] is None
        got = api.get(body["url"], as_="handler1")
        assert got.data == data
        assert got.headers["Content-Type"].startswith(expected)
        assert got.headers["Content-Disposition"].startswith("attachment")
        assert got.headers["X-Content-Type-Options"] == "nosniff"


def test_limits_per_ticket_and_bad_fields(app, api, backend, dispatched, monkeypatch):
    monkeypatch.setitem(app.config, "HOTLINE_ATTACHMENT_MAX_COUNT", 2)
    assert upload(api, dispatched, photo(color=(1, 1, 1)), "1.jpg").status_code == 201
    assert upload(api, dispatched, photo(color=(2, 2, 2)), "2.jpg").status_code == 201
    third = upload(api, dispatched, photo(color=(3, 3, 3)), "3.jpg")
    assert third.status_code == 422 and third.get_json()["error"]["code"] == "too_many_attachments"
    bad_stage = upload(api, dispatched, photo(color=(4, 4, 4)), "4.jpg", stage="nowhere")
    assert bad_stage.status_code == 422
    missing = api.client.post(
        f"/api/v1/tickets/{dispatched}/attachments", data={}, headers={"Authorization": f"Bearer {api.token('agent1')}"}
    )
    assert missing.status_code == 422 and missing.get_json()["error"]["code"] == "missing_file"
    assert api.get("/api/v1/attachments/999999", as_="agent1").status_code == 404
    assert api.client.get("/api/v1/attachments/1").status_code == 401
