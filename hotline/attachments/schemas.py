"""Attachments as JSON: metadata and the URLs to fetch them (staff API or the citizen's signed links)."""

from __future__ import annotations

from flask import current_app, url_for
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import Session

from hotline.attachments.models import STAGE_NAMES, Attachment
from hotline.attachments.services import public_attachments
from hotline.tickets.models import Ticket

_SALT = "hotline.attachments.public"


def attachment_to_dict(attachment: Attachment) -> dict:
    """Serialise ``attachment`` for staff (who may fetch the original)."""
    url = url_for("attachments_api.download", attachment_id=attachment.id)
    ready = attachment.derived == "ready"
    return {
        "id": attachment.id,
        "name": attachment.name,
        "content_type": attachment.content_type,
        "kind": attachment.kind,
        "size": attachment.size,
        "sha256": attachment.sha256,
        "url": url,
        "thumbnail_url": f"{url}?size=thumb" if ready else None,
        "web_url": f"{url}?size=web" if ready else None,
        "stage": attachment.stage,
        "stage_name": STAGE_NAMES[attachment.stage],
        "source": attachment.source,
        "uploaded_by": attachment.uploaded_by.username if attachment.uploaded_by else None,
        "created_at": attachment.created_at.isoformat(),
    }


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def public_token(attachment: Attachment) -> str:
    """Return the signed, unguessable name of a citizen-facing file."""
    return _serializer().dumps(attachment.id)


def attachment_id_for(token: str) -> int | None:
    """Return the attachment id a public token names, or None for a forged one."""
    try:
        value = _serializer().loads(token)
    except BadSignature:
        return None
    return value if isinstance(value, int) else None


def public_to_dict(attachment: Attachment, *, external: bool = False) -> dict:
    """Serialise a citizen-facing file: only the EXIF-free copies of images, never the original."""
    token = public_token(attachment)
    web = url_for("attachment_files.public_file", token=token, _external=external)
    ready = attachment.derived == "ready"
    return {
        "name": attachment.name,
        "kind": attachment.kind,
        "stage_name": STAGE_NAMES[attachment.stage],
        "url": (web + "?size=web") if attachment.is_image else web,
        "thumbnail_url": (web + "?size=thumb") if ready else None,
        "ready": ready or not attachment.is_image,
    }


def media_url(session: Session, ticket: Ticket) -> str | None:
    """Return the GeoReport ``media_url`` of a ticket: its first citizen-facing photo, EXIF-free, or None."""
    for attachment in public_attachments(session, ticket):
        if attachment.is_image and attachment.derived == "ready":
            return public_to_dict(attachment, external=True)["url"]
    return None
