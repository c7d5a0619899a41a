"""What the attachment API accepts and answers; each model parses its input (or names its answer) and is the
OpenAPI document's schema. An upload is ``multipart/form-data``: a file is bytes, not JSON."""

from __future__ import annotations

from pydantic import Field

from hotline.attachments.models import STAGES
from hotline.attachments.services import SIZES
from hotline.core.api_schemas import FormModel, QueryModel, ResponseModel, UploadedFile, choice, optional_text


class AttachmentUpload(FormModel):
    """``POST /tickets/<number>/attachments``: one file (the same bytes twice: the first attachment, 200)."""

    file: UploadedFile = Field(description="文件（图片、PDF、Office 文档等，大小见配置）")
    stage: choice(STAGES) = Field(default=None, description="环节，默认按角色（网格员 on_site、承办人 reply）")


class AttachmentsQuery(QueryModel):
    """``GET /attachments``: the attachments of several tickets at once (those the caller may see)."""

    tickets: optional_text(1600) = Field(default=None, description="工单编号，逗号分隔，最多 100 个")


class DownloadQuery(QueryModel):
    """``GET /attachments/<id>``."""

    size: choice(SIZES) = Field(default=None, description="original（默认）、web 或 thumb（图片）")


class AttachmentOut(ResponseModel):
    """One attachment and where to fetch it."""

    id: int
    name: str
    content_type: str
    size: int = Field(ge=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    url: str
    thumbnail_url: str | None
    stage: str
    created_at: str


class TicketAttachments(ResponseModel):
    number: str
    attachments: list[AttachmentOut]
