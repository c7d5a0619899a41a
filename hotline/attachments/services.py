"""Adding files to tickets and reading them back, scoped exactly as the ticket is."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.attachments import images
from hotline.attachments.checks import clean_name, inspect_bytes
from hotline.attachments.models import STAGES, Attachment
from hotline.attachments.storage import put_blob, read_blob
from hotline.auth.models import User
from hotline.auth.roles import Role
from hotline.core import clock
from hotline.core.effects import defer
from hotline.core.errors import DomainError, not_found
from hotline.tickets.events import record_event
from hotline.tickets.models import Ticket
from hotline.tickets.services import may_see
from hotline.tickets.states import ANSWER_PUBLISHED, OPEN

SIZES = ("original", "thumb", "web")
# The stage a file gets when the uploader names none.
DEFAULT_STAGE = {Role.GRID_WORKER: "on_site", Role.HANDLER: "reply"}


@dataclass(frozen=True)
class Limits:
    """How much a ticket may carry."""

    max_bytes: int
    max_count: int
    max_total_bytes: int


def configured_limits() -> Limits:
    """Return the limits set by ``HOTLINE_ATTACHMENT_*``."""
    config = current_app.config
    return Limits(
        config["HOTLINE_ATTACHMENT_MAX_BYTES"],
        config["HOTLINE_ATTACHMENT_MAX_COUNT"],
        config["HOTLINE_ATTACHMENT_MAX_TOTAL_BYTES"],
    )


@dataclass(frozen=True)
class Upload:
    """One file as received: its bytes, the name the client gave, the stage asked for."""

    data: bytes
    name: str | None = None
    stage: str | None = None


@dataclass(frozen=True)
class FileOut:
    """What to send back for a download."""

    data: bytes
    content_type: str
    name: str
    inline: bool


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:g} MB"


def check_size(size: int, limits: Limits) -> None:
    """Refuse (413) a file larger than one attachment may be."""
    if size > limits.max_bytes:
        raise DomainError(
            413, "file_too_large", f"文件过大：单个附件不能超过 {_mb(limits.max_bytes)}", max_bytes=limits.max_bytes
        )


def check_upload(upload: Upload, limits: Limits | None = None) -> None:
    """Refuse a file before anything is registered or stored: too large (413), wrong type (415), unreadable (422)."""
    check_size(len(upload.data), limits or configured_limits())
    inspect_bytes(upload.data)


def attach_citizen_files(session: Session, ticket: Ticket, uploads: list[Upload]) -> list[Attachment]:
    """Attach what the citizen sent with their request (portal, Open311) at intake."""
    return [add_attachment(session, ticket, u, None, source="citizen")[0] for u in uploads]


def add_attachment(
    session: Session,
    ticket: Ticket,
    upload: Upload,
    actor: User | None,
    *,
    source: str = "staff",
    limits: Limits | None = None,
    now: dt.datetime | None = None,
) -> tuple[Attachment, bool]:
    """Attach ``upload`` to ``ticket``; return ``(attachment, created)`` — the same file twice is one attachment."""
    limits = limits or configured_limits()
    if ticket.state_enum not in OPEN:
        raise DomainError(409, "ticket_closed", "工单已办结，不能再添加附件")
    stage = upload.stage or (DEFAULT_STAGE.get(actor.role_enum, "intake") if actor else "intake")
    if stage not in STAGES:
        raise DomainError(422, "invalid_choice", f"附件环节取值无效，可选：{'、'.join(STAGES)}", field="stage")
    check_size(len(upload.data), limits)
    facts = inspect_bytes(upload.data)
    blob_sha = hashlib.sha256(upload.data).hexdigest()
    existing = session.scalar(
        select(Attachment).where(Attachment.ticket_id == ticket.id, Attachment.sha256 == blob_sha)
    )
    if existing is not None:
        return existing, False
    count, total = session.execute(
        select(func.count(Attachment.id), func.coalesce(func.sum(Attachment.size), 0)).where(
            Attachment.ticket_id == ticket.id
        )
    ).one()
    if count >= limits.max_count:
        raise DomainError(422, "too_many_attachments", f"每张工单最多 {limits.max_count} 个附件")
    if total + len(upload.data) > limits.max_total_bytes:
        raise DomainError(
            413, "ticket_attachments_too_large", f"本工单附件总大小不能超过 {_mb(limits.max_total_bytes)}"
        )
    moment = now or clock.now()
    blob = put_blob(session, upload.data)
    attachment = Attachment(
        ticket_id=ticket.id,
        sha256=blob.sha256,
        name=clean_name(upload.name, facts),
        content_type=facts.content_type,
        kind=facts.kind,
        size=len(upload.data),
        stage=stage,
        source=source,
        uploaded_by_id=actor.id if actor else None,
        width=facts.width,
        height=facts.height,
        derived="pending" if facts.kind == "image" else "none",
        created_at=moment,
    )
    session.add(attachment)
    session.flush()
    record_event(
        session,
        ticket,
        "attach",
        actor,
        from_state=ticket.state,
        to_state=ticket.state,
        moment=moment,
        note=f"{'市民' if source == 'citizen' else ''}上传附件：{attachment.name}",
        data={
            "attachment": attachment.id,
            "name": attachment.name,
            "sha256": blob.sha256,
            "stage": stage,
            "size": attachment.size,
            "source": source,
        },
    )
    if facts.kind == "image":
        defer(session, "hotline.attachments.tasks:make_copies", attachment.id)
    defer(session, "push:hotline.console.push:ticket_changed", ticket.id, "ticket.updated", "attachments")
    return attachment, True


def make_copies(session: Session, attachment_id: int) -> bool:
    """Make the thumbnail and web copy of an image attachment; return whether they were made now."""
    attachment = session.get(Attachment, attachment_id)
    if attachment is None or attachment.derived != "pending":
        return False
    try:
        copies = images.make_copies(read_blob(session, attachment.sha256))
    except (OSError, ValueError):
        attachment.derived = "failed"
        return False
    attachment.thumb_sha256 = put_blob(session, copies.thumb).sha256
    attachment.web_sha256 = put_blob(session, copies.web).sha256
    attachment.derived = "ready"
    session.flush()
    # The inbox shows the thumbnail as soon as it exists.
    defer(session, "push:hotline.console.push:ticket_changed", attachment.ticket_id, "ticket.updated", "attachments")
    return True


def list_attachments(session: Session, ticket: Ticket) -> list[Attachment]:
    """Return the ticket's attachments in the order they were added."""
    return list(session.scalars(select(Attachment).where(Attachment.ticket_id == ticket.id).order_by(Attachment.id)))


def attachments_of(session: Session, tickets: list[Ticket]) -> dict[int, list[Attachment]]:
    """Return ticket id → attachments for several tickets at once (for lists)."""
    found: dict[int, list[Attachment]] = {t.id: [] for t in tickets}
    if found:
        rows = session.scalars(select(Attachment).where(Attachment.ticket_id.in_(found)).order_by(Attachment.id))
        for row in rows:
            found[row.ticket_id].append(row)
    return found


def get_visible_attachment(session: Session, attachment_id: int, user: User) -> tuple[Attachment, Ticket]:
    """Return the attachment and its ticket if ``user`` may see the ticket; otherwise 404."""
    attachment = session.get(Attachment, attachment_id)
    ticket = session.get(Ticket, attachment.ticket_id) if attachment is not None else None
    if attachment is None or ticket is None or not may_see(user, ticket):
        raise not_found("附件")
    return attachment, ticket


def _copy_sha(attachment: Attachment, size: str) -> str:
    if size not in SIZES:
        raise DomainError(422, "invalid_choice", "size 取值无效，可选：thumb、web", field="size")
    if size == "original":
        return attachment.sha256
    sha = attachment.thumb_sha256 if size == "thumb" else attachment.web_sha256
    if sha is None:
        raise DomainError(404, "copy_not_ready", "该附件没有此尺寸的图片（非图片或正在生成）")
    return sha


def open_attachment(
    session: Session,
    attachment: Attachment,
    ticket: Ticket,
    viewer: User | None,
    size: str = "original",
    *,
    now: dt.datetime | None = None,
) -> FileOut:
    """Return the bytes of ``attachment`` in ``size`` and record the download in the trail (not thumbnails)."""
    sha = _copy_sha(attachment, size)
    data = read_blob(session, sha)
    if size != "thumb":  # list pages show thumbnails all day; opening a file is what the trail needs
        record_event(
            session,
            ticket,
            "download",
            viewer,
            from_state=ticket.state,
            to_state=ticket.state,
            moment=now or clock.now(),
            note=f"{'' if viewer else '市民'}查看附件：{attachment.name}",
            data={"attachment": attachment.id, "name": attachment.name, "size": size},
        )
    content_type = "image/jpeg" if size != "original" else attachment.content_type
    name = attachment.name if size == "original" else attachment.name.rsplit(".", 1)[0] + f"-{size}.jpg"
    return FileOut(data, content_type, name, inline=attachment.is_image)


def is_public(ticket: Ticket, attachment: Attachment) -> bool:
    """Tell whether a citizen-facing view may show ``attachment``: the citizen's own files and, once the answer
    is approved, the answer's files — never anything of a 举报 ticket."""
    if ticket.kind == "report":
        return False
    if attachment.source == "citizen":
        return True
    return attachment.stage == "reply" and ticket.state_enum in ANSWER_PUBLISHED


def public_attachments(session: Session, ticket: Ticket) -> list[Attachment]:
    """Return what the citizen-facing views (portal, Open311) may show of ``ticket``."""
    return [a for a in list_attachments(session, ticket) if is_public(ticket, a)]


def open_public(session: Session, attachment_id: int, size: str, *, now: dt.datetime | None = None) -> FileOut:
    """Return a citizen-facing copy: images only as re-encoded copies (no EXIF), never the original."""
    attachment = session.get(Attachment, attachment_id)
    ticket = session.get(Ticket, attachment.ticket_id) if attachment is not None else None
    if attachment is None or ticket is None or not is_public(ticket, attachment):
        raise not_found("附件")
    if attachment.is_image and size not in ("thumb", "web"):
        size = "web"
    if not attachment.is_image:
        size = "original"
    return open_attachment(session, attachment, ticket, None, size, now=now)


def attach_linked_media(session: Session, ticket_id: int, url: str) -> Attachment | None:
    """Fetch a photo the citizen linked to and attach it as theirs; a refusal is written to the trail instead."""
    from hotline.attachments.fetch import fetch_media

    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        return None
    limits = configured_limits()
    try:
        data = fetch_media(url, limits.max_bytes, allow_private=current_app.config["HOTLINE_MEDIA_FETCH_ALLOW_PRIVATE"])
        name = url.rsplit("/", 1)[-1].split("?", 1)[0] or None
        attachment, _ = add_attachment(
            session, ticket, Upload(data, name, "intake"), None, source="citizen", limits=limits
        )
    except DomainError as exc:
        record_event(
            session,
            ticket,
            "attach_failed",
            None,
            from_state=ticket.state,
            to_state=ticket.state,
            moment=clock.now(),
            note=f"附件未能获取：{exc.message}",
            data={"code": exc.code},
        )
        return None
    return attachment
