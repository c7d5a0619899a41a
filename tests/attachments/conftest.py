"""Fixtures for attachments: both storage backends, and photos made on the spot (with GPS EXIF)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import ExifTags, Image
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart


@pytest.fixture(params=["database", "directory"])
def backend(request, app, jobs_in_process, monkeypatch, tmp_path) -> str:
    """Run the test once with bytes in the database and once with bytes in a directory."""
    monkeypatch.setitem(app.config, "HOTLINE_ATTACHMENT_STORAGE", request.param)
    monkeypatch.setitem(app.config, "HOTLINE_ATTACHMENT_DIR", str(tmp_path / "files"))
    return request.param


def photo(width: int = 1200, height: int = 900, *, gps: bool = True, color=(40, 120, 200)) -> bytes:
    """Return a JPEG photo; with ``gps`` it carries a camera make and GPS coordinates in EXIF."""
    image = Image.new("RGB", (width, height), color)
    for x in range(0, width, 40):  # some detail, so the encoder has work to do
        image.paste((x % 255, 200, 80), (x, 0, x + 10, height))
    out = io.BytesIO()
    if gps:
        exif = Image.Exif()
        exif[ExifTags.Base.Make] = "HotlinePhone"
        info = exif.get_ifd(ExifTags.IFD.GPSInfo)
        info[ExifTags.GPS.GPSLatitudeRef] = "N"
        info[ExifTags.GPS.GPSLatitude] = (31.0, 14.0, 5.0)
        info[ExifTags.GPS.GPSLongitudeRef] = "E"
        info[ExifTags.GPS.GPSLongitude] = (121.0, 28.0, 3.0)
        image.save(out, "JPEG", quality=90, exif=exif.tobytes())
    else:
        image.save(out, "JPEG", quality=90)
    return out.getvalue()


def has_exif(data: bytes) -> bool:
    """Tell whether a JPEG carries any EXIF (an APP1 ``Exif`` segment or tags Pillow can read)."""
    with Image.open(io.BytesIO(data)) as image:
        return b"Exif\x00\x00" in data or bool(image.getexif()) or "exif" in image.info


def stored_files(app) -> list[Path]:
    root = Path(app.config["HOTLINE_ATTACHMENT_DIR"])
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def upload(
    api,
    number: str,
    data: bytes,
    name: str,
    as_: str = "agent1",
    *,
    stage: str | None = None,
    content_type: str = "image/jpeg",
):
    """POST one file as multipart, the way a browser form does."""
    form: dict = {"file": FileStorage(io.BytesIO(data), filename=name, content_type=content_type)}
    if stage:
        form["stage"] = stage
    # Encoded here, in memory: the test client would spool a large body to a temporary file it never closes.
    boundary, body = encode_multipart(form)
    return api.client.post(
        f"/api/v1/tickets/{number}/attachments",
        data=body,
        headers={"Authorization": f"Bearer {api.token(as_)}"},
        content_type=f"multipart/form-data; boundary={boundary}",
    )


@pytest.fixture
def dispatched(api) -> str:
    """A phone ticket dispatched to A1 (handler1's unit; handler2's 市交通运输局 is outside it)."""
    number = api.new_ticket()["number"]
    assert api.act(number, "dispatch", "dispatcher1", unit="A1").status_code == 200
    return number
