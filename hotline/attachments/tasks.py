"""Attachment jobs (rq workers, or in-process without Redis): call a service, commit once."""

from __future__ import annotations

from hotline.attachments import services
from hotline.core.effects import commit
from hotline.core.extensions import db


def make_copies(attachment_id: int) -> bool:
    """Make an image attachment's thumbnail and web copy."""
    made = services.make_copies(db.session, attachment_id)
    commit(db.session)
    return made


def fetch_linked_media(ticket_id: int, url: str) -> bool:
    """Fetch and attach a photo the citizen linked to (Open311 ``media_url``)."""
    attachment = services.attach_linked_media(db.session, ticket_id, url)
    commit(db.session)
    return attachment is not None
