"""What a file really is, from its bytes (magic numbers), never from its name or the client's header.

Images must also decode completely: a truncated or corrupt photo is refused at upload instead of showing
as a broken picture later. SVG and HTML are text, so they match no allowed type and are refused.
"""

from __future__ import annotations

import io
import unicodedata
import warnings
from dataclasses import dataclass

import filetype
from PIL import Image, UnidentifiedImageError

from hotline.core.errors import DomainError

IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})
VIDEO_TYPES = frozenset({"video/mp4", "video/quicktime", "video/webm", "video/3gpp", "video/x-m4v"})
PDF_TYPES = frozenset({"application/pdf"})
OFFICE_TYPES = frozenset(
    {
        "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.ms-powerpoint",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
        "application/vnd.oasis.opendocument.presentation",
    }
)
KIND_OF = {
    **dict.fromkeys(IMAGE_TYPES, "image"),
    **dict.fromkeys(VIDEO_TYPES, "video"),
    **dict.fromkeys(PDF_TYPES, "pdf"),
    **dict.fromkeys(OFFICE_TYPES, "office"),
}
EXTENSION = {t.mime: t.extension for t in reversed(filetype.TYPES) if t.mime in KIND_OF}
# Beyond this many pixels an image is refused before decoding (a decompression bomb, not a photo).
MAX_PIXELS = 50_000_000
ALLOWED_TEXT = "图片（JPG、PNG、GIF、WebP）、短视频（MP4、MOV、WebM）、PDF 和 Office 文档"


@dataclass(frozen=True)
class FileFacts:
    """What the bytes turned out to be."""

    content_type: str
    kind: str
    width: int | None = None
    height: int | None = None


def inspect_bytes(data: bytes) -> FileFacts:
    """Return the type of ``data`` or refuse: 422 for an empty file or an image that does not decode,
    415 for anything that is not an allowed type."""
    if not data:
        raise DomainError(422, "empty_file", "文件为空，请重新选择")
    guess = filetype.guess(data)
    content_type = guess.mime if guess is not None else None
    if content_type not in KIND_OF:
        raise DomainError(415, "unsupported_file_type", f"不支持的文件类型（按文件内容识别），仅支持{ALLOWED_TEXT}")
    kind = KIND_OF[content_type]
    if kind != "image":
        return FileFacts(content_type, kind)
    width, height = _decode_fully(data)
    return FileFacts(content_type, kind, width, height)


def _decode_fully(data: bytes) -> tuple[int, int]:
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise DomainError(422, "image_too_large", f"图片像素过多（{width}×{height}），请压缩后再上传")
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                image.load()  # reads every scan line: a truncated file raises here
    except DomainError:
        raise
    except (
        OSError,
        SyntaxError,
        ValueError,
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as exc:
        raise DomainError(422, "image_unreadable", "图片已损坏或不完整，无法识别，请重新拍摄或选择") from exc
    return width, height


def clean_name(name: str | None, facts: FileFacts) -> str:
    """Return a safe display name: no path, no control characters, at most 200 characters."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip().strip(".")
    if not base:
        base = f"附件.{EXTENSION.get(facts.content_type, 'bin')}"
    return base[-200:]
