"""What citizens and Open311 clients get: only EXIF-free copies, never a 举报 ticket's files."""

from __future__ import annotations

import http.server
import io
import re
import threading
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests.attachments.conftest import has_exif, photo, upload
from tests.core.test_open311 import key  # noqa: F401  (the fixture)

PHONE = "13900001234"
FILE_LINK = re.compile(r"(/portal/files/[A-Za-z0-9_.\-]+)\?size=(thumb|web)")


def _portal_post(app, path: str, fields: dict, files: list[tuple[bytes, str]] = ()):
    form: dict = dict(fields)
    if files:
        form["photos"] = [
            FileStorage(io.BytesIO(data), filename=name, content_type="image/jpeg") for data, name in files
        ]
    boundary, body = encode_multipart(form)
    return app.test_client().post(
        path,
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
        environ_base={"REMOTE_ADDR": f"10.9.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"},
    )


def _submit(app, files, **extra):
    fields = {
        "content": "小区门口井盖丢失，晚上很危险，请尽快处理",
        "caller_phone": PHONE,
        "address": "东风路 8 号",
        "submission_id": uuid.uuid4().hex,
    } | extra
    return _portal_post(app, "/portal/submit", fields, files)


def _number(response) -> str:
    return re.search(r'id="created-number">(\d{14})<', response.get_data(as_text=True)).group(1)


def _track(app, number: str, phone: str = PHONE) -> str:
    response = _portal_post(app, "/portal/track", {"number": number, "phone": phone})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_portal_photo_with_gps_reaches_the_citizen_without_exif(app, api, backend):
    original = photo(2400, 1800)
    assert has_exif(original)
    created = _submit(app, [(original, "IMG_0001.jpg")])
    assert created.status_code == 201, created.get_data(as_text=True)[:500]
    number = _number(created)

    # staff see the citizen's own photo, original intact
    [staff_view] = api.get(f"/api/v1/tickets/{number}/attachments", as_="agent1").get_json()["attachments"]
    assert (staff_view["source"], staff_view["stage"]) == ("citizen", "intake")
    assert api.get(staff_view["url"], as_="agent1").data == original

    links = FILE_LINK.findall(_track(app, number))
    assert {size for _, size in links} == {"thumb", "web"}
    path = links[0][0]
    client = app.test_client()
    for size in ("web", "thumb", "original"):  # "original" is never handed out to the public
        got = client.get(f"{path}?size={size}")
        assert got.status_code == 200 and got.headers["Content-Type"] == "image/jpeg"
        assert got.data != original and not has_exif(got.data)
        assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get("/portal/files/forged-token?size=web").status_code == 404


def test_a_bad_portal_file_registers_nothing(app, api, backend):
    from hotline.attachments.models import AttachmentBlob
    from hotline.core.extensions import db
    from hotline.tickets.models import Ticket

    refused = _submit(app, [(b"<html><script>alert(1)</script></html>", "x.jpg")])
    assert refused.status_code == 415
    assert "不支持的文件类型" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0
        assert db.session.scalar(select(func.count()).select_from(AttachmentBlob)) == 0
        db.session.remove()


def test_a_report_tickets_files_never_reach_the_portal_or_open311(app, api, backend, key):  # noqa: F811
    created = _submit(app, [(photo(), "evidence.jpg")], kind="report")
    number = _number(created)
    assert api.get(f"/api/v1/tickets/{number}/attachments", as_="agent1").get_json()["attachments"]
    assert "/portal/files/" not in _track(app, number)
    from hotline.attachments.models import Attachment
    from hotline.attachments.schemas import public_token
    from hotline.core.extensions import db

    with app.test_request_context():
        token = public_token(db.session.scalar(select(Attachment)))
        db.session.remove()
    assert app.test_client().get(f"/portal/files/{token}?size=web").status_code == 404
    shown = app.test_client().get(f"/open311/v2/requests/{number}.json")
    assert "/portal/files/" not in shown.get_data(as_text=True)  # Open311 does not show a 举报 at all, nor its files


def test_answer_files_are_public_only_once_the_answer_is_approved(app, api, backend, dispatched):
    assert api.act(dispatched, "accept", "handler1").status_code == 200
    assert (
        upload(api, dispatched, photo(color=(9, 90, 9)), "修复后.jpg", as_="handler1", stage="reply").status_code == 201
    )
    assert (
        upload(api, dispatched, photo(color=(90, 9, 9)), "内部.jpg", as_="handler1", stage="on_site").status_code == 201
    )
    assert api.act(dispatched, "reply", "handler1", result="已修复", public_answer="井盖已补装").status_code == 200
    assert "/portal/files/" not in _track(app, dispatched, "13812345678")
    assert api.act(dispatched, "approve_reply", "supervisor1").status_code == 200
    page = _track(app, dispatched, "13812345678")
    assert "修复后.jpg" in page and "内部.jpg" not in page


@pytest.fixture
def photo_server(tmp_path) -> Iterator[str]:
    """A local web server holding a phone photo with GPS EXIF, as a client's media host would."""
    (tmp_path / "p.jpg").write_bytes(photo(2000, 1500))

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(tmp_path), **kwargs)

        def log_message(self, *args):
            return None

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


def test_open311_media_url_is_fetched_and_published_without_exif(app, api, backend, key, photo_server, monkeypatch):  # noqa: F811
    monkeypatch.setitem(app.config, "HOTLINE_MEDIA_FETCH_ALLOW_PRIVATE", True)
    client = app.test_client()
    filed = client.post(
        "/open311/v2/requests.json",
        data={
            "api_key": key,
            "service_code": "CX.01",
            "description": "东风路 8 号井盖缺失",
            "address_string": "东风路 8 号",
            "media_url": photo_server + "/p.jpg",
        },
    )
    assert filed.status_code == 201
    number = filed.get_json()[0]["service_request_id"]
    [staff_view] = api.get(f"/api/v1/tickets/{number}/attachments", as_="agent1").get_json()["attachments"]
    assert staff_view["source"] == "citizen" and has_exif(api.get(staff_view["url"], as_="agent1").data)
    media = client.get(f"/open311/v2/requests/{number}.json").get_json()[0]["media_url"]
    assert media and "/portal/files/" in media
    got = client.get(media.split("localhost", 1)[-1])
    assert got.status_code == 200 and got.headers["Content-Type"] == "image/jpeg" and not has_exif(got.data)


def test_open311_media_url_into_our_own_network_is_refused(app, api, backend, key, photo_server):  # noqa: F811
    filed = app.test_client().post(
        "/open311/v2/requests.json",
        data={
            "api_key": key,
            "service_code": "CX.01",
            "description": "东风路 8 号井盖缺失",
            "media_url": photo_server + "/p.jpg",
        },
    )
    number = filed.get_json()[0]["service_request_id"]
    assert api.get(f"/api/v1/tickets/{number}/attachments", as_="agent1").get_json()["attachments"] == []
    events = api.get(f"/api/v1/tickets/{number}/events", as_="agent1").get_json()["events"]
    assert [e["data"]["code"] for e in events if e["action"] == "attach_failed"] == ["media_url_not_public"]
