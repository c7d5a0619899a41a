"""Where attachment bytes live: one small interface, two backends, chosen by configuration.

``database`` (the default) keeps the bytes in ``attachment_blobs.data``: written in the same transaction as
the ticket's trail, backed up with the data, and visible to every web process and worker. ``directory``
writes ``<dir>/ab/abcdef…`` files (a shared volume); the blob row (size, checksum) stays in the database.
Either way a blob is named by its SHA-256, so the same bytes are stored once.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Protocol

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotline.attachments.models import AttachmentBlob
from hotline.core import clock

BACKENDS = ("database", "directory")


class BlobStore(Protocol):
    """Keep and return bytes by their checksum."""

    name: str

    def write(self, blob: AttachmentBlob, data: bytes) -> None:
        """Keep ``data`` for ``blob`` (called once per new checksum)."""

    def read(self, session: Session, blob: AttachmentBlob) -> bytes:
        """Return the bytes of ``blob``."""


class DatabaseStore:
    """Bytes in the blob row itself."""

    name = "database"

    def write(self, blob: AttachmentBlob, data: bytes) -> None:
        blob.data = data

    def read(self, session: Session, blob: AttachmentBlob) -> bytes:
        data = session.scalar(select(AttachmentBlob.data).where(AttachmentBlob.sha256 == blob.sha256))
        if data is None:
            raise FileNotFoundError(blob.sha256)
        return bytes(data)


class DirectoryStore:
    """Bytes in files under one directory, written atomically (temp file + rename)."""

    name = "directory"

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def write(self, blob: AttachmentBlob, data: bytes) -> None:
        target = self.path(blob.sha256)
        if target.exists() and target.stat().st_size == len(data):
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def read(self, session: Session, blob: AttachmentBlob) -> bytes:
        return self.path(blob.sha256).read_bytes()


def configured_store() -> BlobStore:
    """Return the store ``HOTLINE_ATTACHMENT_STORAGE`` names (``database`` or ``directory``)."""
    config = current_app.config
    if config["HOTLINE_ATTACHMENT_STORAGE"] == "directory":
        return DirectoryStore(config["HOTLINE_ATTACHMENT_DIR"])
    return DatabaseStore()


def store_for(blob: AttachmentBlob) -> BlobStore:
    """Return the store that holds ``blob`` (a blob keeps the backend it was written to)."""
    if blob.backend == "directory":
        return DirectoryStore(current_app.config["HOTLINE_ATTACHMENT_DIR"])
    return DatabaseStore()


def put_blob(session: Session, data: bytes) -> AttachmentBlob:
    """Store ``data`` once under its SHA-256 and return its blob row (the existing one for known bytes)."""
    sha256 = hashlib.sha256(data).hexdigest()
    existing = session.get(AttachmentBlob, sha256)
    if existing is not None:
        return existing
    store = configured_store()
    blob = AttachmentBlob(sha256=sha256, size=len(data), backend=store.name, created_at=clock.now())
    store.write(blob, data)
    try:
        with session.begin_nested():  # a concurrent upload of the same bytes may have inserted it first
            session.add(blob)
            session.flush()
    except IntegrityError:
        found = session.get(AttachmentBlob, sha256)
        if found is None:
            raise
        return found
    return blob


def read_blob(session: Session, sha256: str) -> bytes:
    """Return the bytes stored under ``sha256``."""
    blob = session.get(AttachmentBlob, sha256)
    if blob is None:
        raise FileNotFoundError(sha256)
    return store_for(blob).read(session, blob)
