"""Attachment API and the citizens' file links: thin — parse, authorise, call one service, send."""

from __future__ import annotations

import io

from flask import Blueprint, Response, current_app, g, jsonify, request, send_file
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge

from hotline.attachments import services
from hotline.attachments.inputs import (
    AttachmentOut,
    AttachmentsQuery,
    AttachmentUpload,
    DownloadQuery,
    TicketAttachments,
)
from hotline.attachments.schemas import attachment_id_for, attachment_to_dict
from hotline.auth.api import api_auth
from hotline.core.api_schemas import accepts_form, query_params, returns
from hotline.core.effects import commit
from hotline.core.errors import ApiError, not_found
from hotline.core.extensions import db
from hotline.tickets.models import Ticket
from hotline.tickets.services import get_visible_ticket, may_see

api = Blueprint("attachments_api", __name__, url_prefix="/api/v1")
files = Blueprint("attachment_files", __name__, url_prefix="/portal/files")
# Room for the multipart envelope and the other fields around the largest allowed file.
ENVELOPE = 256 * 1024
MAX_LISTED = 100


def allow_upload_size() -> None:
    """Let this request's body be as large as one attachment (the app-wide limit is 1 MB)."""
    request.max_content_length = services.configured_limits().max_bytes + ENVELOPE


def too_large(_exc: RequestEntityTooLarge):
    limits = services.configured_limits()
    error = ApiError(413, "file_too_large", f"文件过大：单个附件不能超过 {limits.max_bytes / 1024 / 1024:g} MB")
    return jsonify(error.to_dict()), 413


api.register_error_handler(RequestEntityTooLarge, too_large)


def read_upload(body: AttachmentUpload) -> services.Upload:
    """Return the uploaded file's bytes (at most one past the limit: enough to refuse it), or refuse with 413."""
    limit = services.configured_limits().max_bytes
    data = body.file.stream.read(limit + 1)
    services.check_size(len(data), services.configured_limits())
    return services.Upload(data=data, name=body.file.filename, stage=body.stage)


def send(out: services.FileOut, etag: str) -> Response:
    """Send a file as a download (inline only for images) that no browser may sniff or run."""
    response = send_file(
        io.BytesIO(out.data),
        mimetype=out.content_type,
        as_attachment=not out.inline,
        download_name=out.name,
        etag=etag,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@api.post("/tickets/<number>/attachments")
@api_auth()
@accepts_form(AttachmentUpload, before=allow_upload_size)
@returns(AttachmentOut, "201", "200")
def upload(number: str, body: AttachmentUpload):
    """Attach a file to a ticket (multipart/form-data: file, stage)."""
    upload = read_upload(body)
    ticket = get_visible_ticket(db.session, number, g.actor)
    attachment, created = services.add_attachment(db.session, ticket, upload, g.actor)
    commit(db.session)
    return jsonify(attachment_to_dict(attachment)), 201 if created else 200


@api.get("/tickets/<number>/attachments")
@api_auth()
@returns(TicketAttachments)
def list_for_ticket(number: str):
    """A ticket's attachments, oldest first."""
    ticket = get_visible_ticket(db.session, number, g.actor)
    rows = services.list_attachments(db.session, ticket)
    return jsonify({"number": ticket.number, "attachments": [attachment_to_dict(a) for a in rows]})


@api.get("/attachments")
@api_auth()
@query_params(AttachmentsQuery)
def list_for_tickets(args: AttachmentsQuery):
    """The attachments of several tickets at once (those the caller may see)."""
    numbers = [n for n in (args.tickets or "").split(",") if n][:MAX_LISTED]
    tickets = [t for t in db.session.scalars(select(Ticket).where(Ticket.number.in_(numbers))) if may_see(g.actor, t)]
    found = services.attachments_of(db.session, tickets)
    return jsonify({"tickets": {t.number: [attachment_to_dict(a) for a in found[t.id]] for t in tickets}})


@api.get("/attachments/<int:attachment_id>")
@api_auth()
@query_params(DownloadQuery)
def download(attachment_id: int, args: DownloadQuery):
    """The file (or, for an image, its web-sized copy or thumbnail)."""
    attachment, ticket = services.get_visible_attachment(db.session, attachment_id, g.actor)
    size = args.size or "original"
    out = services.open_attachment(db.session, attachment, ticket, g.actor, size)
    commit(db.session)
    return send(out, f"{attachment.sha256}-{size}")


@files.get("/<token>")
def public_file(token: str):
    attachment_id = attachment_id_for(token)
    if attachment_id is None:
        raise not_found("附件")
    size = request.args.get("size") or "web"
    out = services.open_public(db.session, attachment_id, size)
    commit(db.session)
    return send(out, f"{token}-{size}")


def read_citizen_files(field: str = "photos") -> list[services.Upload]:
    """Return the files a citizen's form sent (call before touching ``request.form``: it sets the body limit)."""
    limits = services.configured_limits()
    most = current_app.config["HOTLINE_PORTAL_MAX_FILES"]
    request.max_content_length = most * limits.max_bytes + ENVELOPE
    sent = [f for f in request.files.getlist(field) if f and f.filename]
    if len(sent) > most:
        raise ApiError(422, "too_many_files", f"每次最多上传 {most} 个文件")
    uploads = []
    for item in sent:
        data = item.stream.read(limits.max_bytes + 1)
        uploads.append(services.Upload(data=data, name=item.filename, stage="intake"))
    return uploads
