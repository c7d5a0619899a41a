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
