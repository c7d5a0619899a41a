"""Fetching a photo a client only linked to (Open311 ``media_url``), without becoming a proxy into our network.

Only http(s), only hosts that resolve to public addresses (unless ``HOTLINE_MEDIA_FETCH_ALLOW_PRIVATE``, for
tests and closed networks), no redirects, a short timeout, and at most one attachment's worth of bytes.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

import requests

from hotline.core.errors import DomainError

TIMEOUT = (3, 10)


def _public_host(host: str, port: int) -> bool:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        return False
    return all(ipaddress.ip_address(info[4][0]).is_global for info in infos)


def fetch_media(url: str, max_bytes: int, *, allow_private: bool = False) -> bytes:
    """Return the bytes at ``url`` or refuse (422) a URL we must not or cannot fetch."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DomainError(422, "invalid_media_url", "media_url 必须是 http 或 https 地址")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    if not allow_private and not _public_host(parts.hostname, port):
        raise DomainError(422, "media_url_not_public", "media_url 指向的地址不可访问")
    try:
        with requests.get(url, stream=True, timeout=TIMEOUT, allow_redirects=False) as response:
            if response.status_code != 200:
                raise DomainError(422, "media_url_failed", f"media_url 无法获取（HTTP {response.status_code}）")
            data = bytearray()
            for chunk in response.iter_content(64 * 1024):
                data.extend(chunk)
                if len(data) > max_bytes:
                    raise DomainError(413, "file_too_large", "media_url 指向的文件过大")
    except requests.RequestException as exc:
        raise DomainError(422, "media_url_failed", "media_url 无法获取") from exc
    return bytes(data)
